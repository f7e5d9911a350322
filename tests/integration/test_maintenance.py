"""Maintenance through REST and the shell: garbage collection (with its default settings, and with an upload
in flight on PostgreSQL), maintenance mode, shutdown, and the cron housekeeping wrapper run as cron runs it
(no terminal, an empty environment)."""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.conftest import Api
from tests.integration.helpers import create, unique
from tests.support.postgres import PostgresServer
from tests.support.server import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "scripts" / "cron" / "deployit-housekeeping"
CLEAN = ROOT / "samples" / "maintenance" / "clean-versions.py"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = ServerProcess(tmp_path_factory.mktemp("home") / "server").start()  # garbage collection as configured by default
    yield proc
    proc.stop()


@pytest.fixture
def cli(server, tmp_path) -> Cli:
    (tmp_path / "home").mkdir()
    (tmp_path / "work").mkdir()
    return Cli(server, tmp_path / "home", tmp_path / "work")


def upload(server, ci_id: str, content: bytes, name: str = "app.bin") -> dict:
    files = {"configurationItem": (None, json.dumps({"id": ci_id, "type": "file.File", "targetPath": "/tmp"}),
                                   "application/json"),
             "fileData": (name, content, "application/octet-stream")}
    response = server.http().post(f"{server.url}/repository/ci/{ci_id}", files=files, auth=("admin", "admin"),
                             headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    return response.json()


def stored(server, content: bytes) -> Path:
    sha1 = hashlib.sha1(content).hexdigest()
    return server.home / "repository" / "artifacts" / sha1[:2] / sha1


def version(api, server, app: str, name: str, content: bytes) -> str:
    create(api, f"{app}/{name}", "udm.DeploymentPackage")
    upload(server, f"{app}/{name}/file", content)
    return f"{app}/{name}"


def deploy_in_repository(api, version_id: str) -> str:
    """A deployed application of `version_id` as the engine leaves it (its deployed refers to the deployable)."""
    host = create(api, f"Infrastructure/{unique('host')}", "overthere.LocalHost", os="UNIX")["id"]
    env = create(api, f"Environments/{unique('env')}", "udm.Environment", members=[host])["id"]
    deployed = {"id": f"{host}/file", "type": "file.DeployedFile", "deployable": f"{version_id}/file",
                "container": host, "targetPath": "/tmp"}
    assert api.post("/repository/cis", json=[deployed]).status_code == 200
    app_name = version_id.split("/")[-2]
    created = api.post("/repository/cis", json=[{"id": f"{env}/{app_name}", "type": "udm.DeployedApplication",
                                                 "version": version_id, "environment": env,
                                                 "deployeds": [deployed["id"]]}])
    assert created.status_code == 200, created.text
    return f"{env}/{app_name}"


def gc_rest(api) -> tuple[str, str]:
    """Run a garbage collection through REST: its task id and its step's log."""
    task_id = api.post("/server/gc").json()["string"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        task = api.get(f"/tasks/v2/{task_id}").json()
        if task["state"] in ("EXECUTED", "FAILED"):
            break
        time.sleep(0.02)
    assert task["state"] == "EXECUTED", task
    return task_id, api.get(f"/tasks/v2/{task_id}/step/0_1_1").json()["log"]


def test_gc_keeps_shared_and_deployed_files_and_frees_the_rest(server, api, cli):
    gc_rest(api)  # a clean store to count from
    shared, only_old, deployed_content = b"shared " * 100, b"only in 1.0 " * 321, b"deployed " * 50
    app = create(api, f"Applications/{unique('gcapp')}", "udm.Application")["id"]
    old = version(api, server, app, "1.0", shared)
    upload(server, f"{old}/extra", only_old, "extra.bin")
    new = version(api, server, app, "2.0", shared)
    other = create(api, f"Applications/{unique('gcdeployed')}", "udm.Application")["id"]
    deployed_version = version(api, server, other, "3.0", deployed_content)
    deploy_in_repository(api, deployed_version)
    assert api.delete(f"/repository/ci/{old}").status_code in (200, 204)
    assert stored(server, only_old).exists()  # deleting only dropped the reference

    result = cli.script("deployit.runGarbageCollector()\n"
                        "print('UNFINISHED', [t.id for t in deployit.listUnfinishedTasks()])\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Garbage collection freed 1 file ({len(only_old)} bytes)" in result.stdout
    assert not stored(server, only_old).exists()
    assert stored(server, shared).exists() and stored(server, deployed_content).exists()
    download = server.http().get(f"{server.url}/repository/artifact/{new}/file", auth=("admin", "admin"))
    assert download.status_code == 200 and download.content == shared
    download = server.http().get(f"{server.url}/repository/artifact/{deployed_version}/file", auth=("admin", "admin"))
    assert download.status_code == 200 and download.content == deployed_content

    # through REST: a task listed as unfinished until archived; nothing left to free
    task_id, log = gc_rest(api)
    assert "Garbage collection freed 0 files (0 bytes)" in log
    current = {t["id"]: t for t in api.get("/tasks/v2/current").json()}
    assert current[task_id]["metadata"]["taskType"] == "GARBAGE_COLLECTION"


def test_deleting_a_package_and_collecting_frees_its_files_at_once(server, api):
    gc_rest(api)
    app = create(api, f"Applications/{unique('gcnow')}", "udm.Application")["id"]
    first, second = b"first file " * 200, b"second file " * 300
    package = version(api, server, app, "1.0", first)
    upload(server, f"{package}/second", second, "second.bin")
    leftover = server.home / "repository" / "artifacts" / ".upload-interrupted"
    leftover.write_bytes(b"half an upload")
    assert api.delete(f"/repository/ci/{package}").status_code == 204
    _, log = gc_rest(api)
    freed = len(first) + len(second) + len(b"half an upload")
    assert f"Garbage collection freed 3 files ({freed} bytes)" in log
    assert "too recent" not in log
    assert not stored(server, first).exists() and not stored(server, second).exists() and not leftover.exists()


def test_a_home_from_before_starts_and_forgets_its_interrupted_uploads(tmp_path):
    """A home whose database predates the in-flight registrations and the creation columns of the history
    starts (what is missing is added); a registration its server left when it died is forgotten."""
    old = ServerProcess(tmp_path / "server").start()
    api = Api(old)
    try:
        ci_id = create(api, f"Environments/{unique('old')}", "udm.Dictionary", entries={"k": "1"})["id"]
        api.put(f"/repository/ci/{ci_id}", json={"id": ci_id, "type": "udm.Dictionary", "entries": {"k": "2"}})
        created = api.get(f"/repository/ci/{ci_id}").json()["$createdAt"]
        app = create(api, f"Applications/{unique('old')}", "udm.Application")["id"]
        package = version(api, old, app, "1.0", b"left behind")
        assert api.delete(f"/repository/ci/{package}").status_code == 204
    finally:
        old.stop()
    sha1 = hashlib.sha1(b"left behind").hexdigest()
    db = sqlite3.connect(old.home / "repository" / "repository.db")
    with db:
        db.execute("DROP TABLE alembic_version")  # made before schema versioning (server/store/)
        db.execute("DROP TABLE artifact_uploads")
        for later in ("maintenance_mode", "artifact_contents", "artifact_chunks"):  # made by revision 0003
            db.execute(f"DROP TABLE {later}")
        db.execute("DROP INDEX ix_ci_history_previous_id")
        db.execute("ALTER TABLE ci_history DROP COLUMN created_by")
        db.execute("ALTER TABLE ci_history DROP COLUMN created_at")
    db.close()
    old.start()
    try:
        node = f"{socket.gethostname()}:{old.home.resolve()}"
        assert [e["action"] for e in api.get(f"/repository/history/{ci_id}").json()] == ["CREATE", "UPDATE"]
        assert api.get(f"/repository/ci/{ci_id}", params={"version": 2}).json()["$createdAt"] == created
        with sqlite3.connect(old.home / "repository" / "repository.db") as db:
            # as if the server had died receiving the same content again
            db.execute("INSERT INTO artifact_uploads (token, sha1, node, started_at) VALUES ('t', ?, ?, 'then')",
                       (sha1, node))
        assert "freed 0 files" in gc_rest(api)[1]
    finally:
        old.stop()
    old.start()
    try:
        assert f"freed 1 file ({len(b'left behind')} bytes)" in gc_rest(api)[1]
        upload(old, f"{create(api, f'{app}/2.0', 'udm.DeploymentPackage')['id']}/file", b"new")
    finally:
        old.stop()


@pytest.fixture(scope="module")
def postgres_url():
    pg = PostgresServer().start()
    yield pg.create_database("deployit")
    pg.stop()


def test_an_upload_in_flight_is_not_collected(tmp_path, postgres_url):
    """The upload's file has landed but its CI is not committed (PostgreSQL holds its insert back while this
    test's own transaction has the same artifact row uncommitted): a collection meanwhile keeps the file."""
    from sqlalchemy import create_engine, text
    other = ServerProcess(tmp_path / "server", conf={"repository.database.url": postgres_url,
                                                     "gc.grace.seconds": "0"}).start()
    db = create_engine(postgres_url)
    try:
        api = Api(other)
        app = create(api, f"Applications/{unique('flight')}", "udm.Application")["id"]
        create(api, f"{app}/1.0", "udm.DeploymentPackage")
        content, ci_id = b"in flight " * 1000, f"{app}/1.0/file"
        answers = []
        with db.connect() as blocker:
            blocker.execute(text("INSERT INTO artifact_files (ci_id, sha1, filename, size) VALUES (:i, :s, 'x', 1)"),
                            {"i": ci_id, "s": "0" * 40})
            sending = threading.Thread(target=lambda: answers.append(upload(other, ci_id, content)))
            sending.start()
            deadline = time.monotonic() + 20
            while not stored(other, content).exists():
                assert time.monotonic() < deadline, "the upload's file never landed"
                time.sleep(0.05)
            _, log = gc_rest(api)
            assert "Garbage collection freed 0 files" in log, log
            assert stored(other, content).exists()
            blocker.rollback()
        sending.join(30)
        assert answers and answers[0]["id"] == ci_id
        download = api.get(f"/repository/artifact/{ci_id}")
        assert download.status_code == 200 and download.content == content
        with db.connect() as conn:  # the registration lasted as long as the upload
            assert conn.execute(text("SELECT count(*) FROM artifact_uploads")).scalar() == 0
        assert api.delete(f"/repository/ci/{app}").status_code == 204
        _, log = gc_rest(api)
        assert f"Garbage collection freed 1 file ({len(content)} bytes)" in log
    finally:
        db.dispose()
        other.stop()


def test_maintenance_mode_through_rest_and_shell(server, api, cli):
    assert api.get("/server/state").json()["current-mode"] == "RUNNING"
    result = cli.script("deployit.startMaintenance()\nprint('STATE', deployit.getServerState().currentMode)\n")
    assert result.returncode == 0 and "STATE MAINTENANCE" in result.stdout, result.stdout + result.stderr
    try:
        state = api.get("/server/state").json()
        assert state["current-mode"] == "MAINTENANCE" and state["maintenanceBy"] == "admin"
        ci_id = f"Infrastructure/{unique('h')}"
        refused = api.post(f"/repository/ci/{ci_id}", json={"type": "overthere.LocalHost", "os": "UNIX"})
        assert refused.status_code == 503
        assert refused.json()["message"] == (f"The server is in maintenance mode: POST /repository/ci/{ci_id} is "
                                             f"refused; writes are allowed again after maintenance ends.")
        assert api.delete("/repository/ci/Infrastructure/x").status_code == 503
        assert api.post("/server/gc").status_code == 503
        assert api.post("/repository/cis/read", json=["Infrastructure"]).status_code == 200  # a read by POST
        assert api.get("/repository/query", params={"type": "udm.Application"}).status_code == 200
        shell = cli.script(f"repository.create(factory.configurationItem('{ci_id}', 'overthere.LocalHost', "
                           f"{{'os': 'UNIX'}}))\n")
        assert shell.returncode == 1 and "maintenance mode" in shell.stdout + shell.stderr
    finally:
        result = cli.script("deployit.stopMaintenance()\nprint(deployit.getServerState())\n")
    assert result.returncode == 0 and "RUNNING" in result.stdout, result.stdout + result.stderr
    assert api.post(f"/repository/ci/{ci_id}", json={"type": "overthere.LocalHost", "os": "UNIX"}).status_code == 200


def test_shutdown_from_the_shell_stops_the_server_cleanly(tmp_path):
    other = ServerProcess(tmp_path / "server", log_level="INFO").start()
    try:
        cli = Cli(other, tmp_path, tmp_path)
        refused = other.http().post(f"{other.url}/server/shutdown", auth=("admin", "wrong"))
        assert refused.status_code == 401
        result = cli.script("deployit.shutdown()\n")
        assert result.returncode == 0 and "shutting down" in result.stdout, result.stdout + result.stderr
        assert other.proc.wait(20) == 0
        assert "Shutdown requested through the REST API" in (other.home / "log" / "deployit.log").read_text()
    finally:
        other.stop()


# -- housekeeping ---------------------------------------------------------------------------------
def _conf(tmp_path: Path, server, password="admin") -> Path:
    conf = tmp_path / "housekeeping.conf"
    conf.write_text(f"cli.username=admin\ncli.password={password}\nserver.host=127.0.0.1\n"
                    f"server.port={server.port}\n")
    conf.chmod(0o600)
    return conf


def _cron(tmp_path: Path, conf: Path, log: Path, *args: str) -> subprocess.CompletedProcess:
    """As cron runs a crontab line: an empty environment but for what the crontab sets, no terminal."""
    line = " ".join([str(WRAPPER)] + [f"'{a}'" for a in args])
    return subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", f"HOME={tmp_path}",
                           f"DEPLOYIT_HOUSEKEEPING_CONF={conf}", f"DEPLOYIT_HOUSEKEEPING_LOG={log}", "sh", "-c", line],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, start_new_session=True)


def test_clean_versions_dry_run_then_cron_wrapper(server, api, cli, tmp_path):
    app = create(api, f"Applications/{unique('hk')}", "udm.Application")["id"]
    for name in ("1.0", "1.9", "1.10", "2.0"):
        version(api, server, app, name, f"content of {app} {name} ".encode() * 40)
    deploy_in_repository(api, f"{app}/1.0")

    dry = cli.run("-q", "-f", str(CLEAN), "--", "--keep", "2", "--dry-run", app)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"would delete {app}/1.9" in dry.stdout and "Dry run: nothing was deleted." in dry.stdout
    assert dry.stdout.count("would delete") == 1  # 1.10 and 2.0 are newest, 1.0 is deployed
    assert api.get(f"/repository/exists/{app}/1.9").json() == {"boolean": True}

    log = tmp_path / "housekeeping.log"
    size_before = api.get("/server/state").json()["artifactBytes"]
    done = _cron(tmp_path, _conf(tmp_path, server), log, "--keep", "2", app)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "" and done.stderr == ""  # cron mails nothing on success
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and " OK " in lines[0], lines
    after = api.get("/server/state").json()["artifactBytes"]
    assert f"repository size before={size_before} bytes after={after} bytes" in lines[0]
    assert after < size_before and "Garbage collection freed" in lines[0]
    assert "password" not in lines[0]
    assert {v["ref"].rsplit("/", 1)[1] for v in api.get("/repository/query", params={"parent": app}).json()} == \
        {"1.0", "1.10", "2.0"}

    failed = _cron(tmp_path, _conf(tmp_path, server, password="wrong"), log)
    assert failed.returncode != 0
    assert "deployit-housekeeping:" in failed.stderr and "password is incorrect" in failed.stderr
    assert len(log.read_text().splitlines()) == 2 and "FAILED" in log.read_text().splitlines()[1]

    missing = _cron(tmp_path, tmp_path / "nope.conf", log)
    assert missing.returncode == 2 and "no config file" in missing.stderr
