"""Encrypted dictionary values in placeholders, as XL Deploy's reference manual has them: blank in a property
that is not a password (and validation and the preview say so), decrypted into a file artifact's
placeholders on the target, and masked in every log."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.integration.helpers import unique
from tests.integration.security_helpers import ok
from tests.integration.tasks_helpers import wait_state
from tests.support.server import InProcessServer

USER, PASSWORD = "scott-4d9e21", "Tiger-Pa55-8b7c3f"  # values of a udm.EncryptedDictionary


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = InProcessServer(tmp_path_factory.mktemp("encrypted") / "home", log_level="DEBUG").start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def api(server):
    return Api(server)


@pytest.fixture(scope="module")
def setup(server, api, tmp_path_factory):
    target = tmp_path_factory.mktemp("target")
    name = unique("app")
    app, host, env = f"Applications/{name}", f"Infrastructure/{unique('local')}", f"Environments/{unique('env')}"
    enc, plain = f"Environments/{unique('enc')}", f"Environments/{unique('dict')}"
    version = f"{app}/1.0"
    ok(api.post("/repository/cis", json=[
        {"id": host, "type": "overthere.LocalHost", "os": "UNIX"},
        {"id": enc, "type": "udm.EncryptedDictionary", "entries": {"DB_USER": USER, "DB_PASSWORD": PASSWORD}},
        {"id": plain, "type": "udm.Dictionary", "entries": {"TARGET": str(target), "GREETING": "hi {{DB_USER}}"}},
        {"id": env, "type": "udm.Environment", "members": [host], "dictionaries": [enc, plain]},
        {"id": app, "type": "udm.Application"},
        {"id": version, "type": "udm.DeploymentPackage"},
        {"id": f"{version}/announce", "type": "cmd.Command", "commandLine": "echo user={{DB_USER}} {{GREETING}}"},
    ]))
    ok(api.session.post(server.url + f"/repository/ci/{version}/config", files={
        "configurationItem": (None, '{"id": "%s/config", "type": "file.File", "targetPath": "{{TARGET}}", '
                                    '"placeholders": ["DB_USER", "DB_PASSWORD"]}' % version, "application/json"),
        "file": ("db.conf", b"user={{DB_USER}}\npassword={{DB_PASSWORD}}\n", "text/plain")},
        headers={"Content-Type": None}))
    prepared = ok(api.get("/deployment/prepare/initial", params={"version": version, "environment": env})).json()
    mapped = ok(api.post("/deployment/prepare/deployeds", json=prepared)).json()
    return {"mapped": mapped, "host": host, "enc": enc, "plain": plain, "target": target}


def warnings_of(deployment: dict) -> list[dict]:
    return [m for d in deployment["deployeds"] for m in d.get("validation-messages") or []]


def test_validation_and_the_preview_warn_that_the_value_is_blank(api, setup):
    deployed = f"{setup['host']}/announce"
    expected = [f"{{{{DB_USER}}}} comes from encrypted dictionary {setup['enc']} and is blank in the non-password "
                f"property 'commandLine' of {deployed}; only password properties and file placeholders get "
                f"encrypted values.",
                f"{{{{GREETING}}}} comes from encrypted dictionary {setup['enc']} and is blank in the non-password "
                f"property 'commandLine' of {deployed}; only password properties and file placeholders get "
                f"encrypted values."]
    validated = ok(api.post("/deployment/validate", json=setup["mapped"])).json()
    messages = warnings_of(validated)
    assert [m["message"] for m in messages] == expected
    assert {(m["ci"], m["property"], m["level"]) for m in messages} == {(deployed, "commandLine", "WARNING")}
    announce = next(d for d in validated["deployeds"] if d["id"] == deployed)
    assert announce["commandLine"] == "echo user= "  # blank, as the reference manual says
    preview = ok(api.post("/deployment/preview-changes", json=setup["mapped"])).json()
    assert [w["message"] for w in preview["warnings"]] == expected
    assert [m["message"] for m in warnings_of(setup["mapped"])] == expected  # prepareAutoDeployeds says it too


def test_a_file_gets_the_decrypted_values_which_no_log_shows(server, api, setup):
    task_id = ok(api.post("/deployment", json=setup["mapped"])).json()["string"]  # a warning does not refuse it
    ok(api.post(f"/tasks/v2/{task_id}/start"))
    done = wait_state(api, task_id)
    assert done["state"] == "EXECUTED", done
    assert (setup["target"] / "db.conf").read_text() == f"user={USER}\npassword={PASSWORD}\n"
    texts = [ok(api.get(f"/tasks/v2/{task_id}")).text,
             ok(api.get(f"/repository/ci/{setup['host']}/config")).text,
             server.log_path.read_text(), (server.home / "log" / "deployit.log").read_text()]
    assert "user=" in texts[0]  # the command's log is there
    for text in texts:
        assert USER not in text and PASSWORD not in text
