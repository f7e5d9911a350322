"""The server process: first start initialises the home, auth, SIGTERM shuts down cleanly."""

import signal

import pytest
import requests

from tests.support.server import ACCEPT_JSON, InProcessServer, ServerProcess


def test_first_start_initialises_home_and_admin(server_process):
    server = server_process
    home = server.home
    for sub in ("conf/deployit.conf", "conf/repository.key", "plugins", "importablePackages", "log/deployit.log",
                "repository/repository.db"):
        assert (home / sub).exists(), sub
    info = requests.get(server.url + "/server/info", auth=("admin", "admin"), headers=ACCEPT_JSON).json()
    assert info["version"]
    assert {p["name"] for p in info["pluginsInfo"]} >= {"udm", "overthere", "file", "cmd", "generic", "sql"}


def test_requests_without_valid_credentials_get_401_json(server_process):
    server = server_process
    for auth in (None, ("admin", "wrong"), ("nobody", "admin")):
        response = requests.get(server.url + "/server/info", auth=auth, headers=ACCEPT_JSON)
        assert response.status_code == 401
        assert "credentials" in response.json()["message"]
        assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_configured_admin_password_context_root_and_clean_sigterm(tmp_path):
    proc = ServerProcess(tmp_path / "home", conf={"admin.password": "s3cret", "http.context.root": "/xld"},
                         log_level="INFO").start()
    try:
        assert proc.url.endswith("/xld/deployit")
        assert requests.get(proc.url + "/server/info", auth=("admin", "s3cret")).status_code == 200
        assert requests.get(proc.url + "/server/info", auth=("admin", "admin")).status_code == 401
    finally:
        assert proc.stop(signal.SIGTERM) == 0
    assert "deployit server stopped" in (proc.home / "log" / "deployit.log").read_text()


def test_settings_left_at_an_earlier_releases_default_are_pointed_out(tmp_path):
    """Homes made by earlier releases wrote task.step.threads=8 and gc.grace.seconds=600 into deployit.conf;
    the server says so at start (a setting someone chose is left alone, and nothing is said of it)."""
    old = InProcessServer(tmp_path / "old", conf={"task.step.threads": "8", "gc.grace.seconds": "600"}).start()
    chosen = InProcessServer(tmp_path / "chosen", conf={"task.step.threads": "16", "gc.grace.seconds": "60"}).start()
    old.stop()
    chosen.stop()
    said = old.log_path.read_text()
    assert ("deployit.conf sets task.step.threads=8, the default written by an earlier release; today's default is "
            "32 (steps of parallel blocks mostly wait on commands and connections): change or remove the line to "
            "take it.") in said
    assert "deployit.conf sets gc.grace.seconds=600" in said
    assert "earlier release" not in chosen.log_path.read_text()


def test_a_bad_number_of_secret_checks_stops_the_server_with_one_line(tmp_path):
    proc = ServerProcess(tmp_path / "home", conf={"secrets.matches.per.minute": "lots"})
    with pytest.raises(RuntimeError) as failure:
        proc.start(timeout=20)
    assert proc.proc.returncode == 2
    assert ("Cannot start: deployit.conf: secrets.matches.per.minute must be a whole number of at least 1, "
            "not 'lots'.") in str(failure.value)
