"""The sample DAR (samples/dar/Sample: files, a folder with placeholders, a command, SQL scripts, two
versions) imported, mapped with tags and dictionaries, and planned; then the update to 2.0 planned
against 1.0 as the task engine will have stored it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.integration.test_deployment_api import create_all
from tests.support.server import InProcessServer

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "dar"
HOST = "Infrastructure/sample-host"      # tagged web: gets the readme and the config folder
APP_HOST = "Infrastructure/app-host"     # no tags: gets the untagged command
CLIENT = f"{APP_HOST}/sqlite"            # tagged db: gets the SQL scripts
ENV = "Environments/SampleEnv"


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("sample") / "home"
    shutil.copytree(SAMPLES / "Sample", home / "importablePackages" / "Sample")
    proc = InProcessServer(home).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def sapi(sample_server):
    from tests.conftest import Api
    return Api(sample_server)


def steps(block):
    found = list(block.get("steps") or [])
    for child in block.get("blocks") or []:
        found.extend(steps(child))
    return found


def test_sample_dar_imports_maps_and_plans(sapi):
    for version in ("1.0", "2.0"):
        response = sapi.post(f"/package/import/Sample/{version}")
        assert response.status_code == 200, response.text
    create_all(sapi, [
        {"id": HOST, "type": "overthere.SshHost", "address": "10.0.0.5", "username": "deploy", "tags": ["web"]},
        {"id": APP_HOST, "type": "overthere.SshHost", "address": "10.0.0.6", "username": "deploy"},
        {"id": CLIENT, "type": "sql.SqliteClient", "host": APP_HOST, "databaseFile": "/var/sample.db", "tags": ["db"]},
        {"id": "Environments/sample-dict", "type": "udm.Dictionary", "entries": {
            "APP_HOME": "/opt/sample", "APP_HOST": "sample.example", "APP_PORT": "8080", "GREETING": "Hello",
            "DB_URL": "jdbc:sqlite:/var/sample.db", "DB_USER": "<empty>"}},
        {"id": ENV, "type": "udm.Environment", "members": [HOST, APP_HOST, CLIENT], "dictionaries": ["Environments/sample-dict"]},
    ])
    initial = sapi.get("/deployment/prepare/initial",
                       params={"version": "Applications/Sample/1.0", "environment": ENV}).json()
    deployment = sapi.post("/deployment/prepare/deployeds", json=initial).json()
    mapped = {d["id"]: d for d in deployment["deployeds"]}
    assert sorted((i, d["type"]) for i, d in mapped.items()) == [
        (f"{APP_HOST}/announce", "cmd.DeployedCommand"), (f"{CLIENT}/schema", "sql.ExecutedSqlScripts"),
        (f"{HOST}/config", "file.DeployedFolder"), (f"{HOST}/readme", "file.DeployedFile")]
    config = mapped[f"{HOST}/config"]
    assert config["targetPath"] == "/opt/sample/config"
    assert config["placeholders"]["APP_PORT"] == "8080" and config["placeholders"]["DB_USER"] == "<empty>"
    assert all(d["validation-messages"] == [] for d in deployment["deployeds"])
    preview = sapi.post("/deployment/previewblock", json=deployment).json()
    planned = [(s["type"], s["description"], s["order"]) for s in steps(preview["block"])]
    assert planned == [
        ("sql", "Run schema on sqlite", 50),
        ("upload", "Copy config to /opt/sample/config on sample-host", 70),
        ("upload", "Copy readme to /opt/sample/docs on sample-host", 70),
        ("command", "Execute announce on app-host", 90)]
    task_id = sapi.post("/deployment", json=deployment).json()["string"]
    assert sapi.get(f"/tasks/v2/{task_id}").json()["state"] == "PENDING"

    # what the engine stores after running the task, then the update to 2.0
    stored = [{k: v for k, v in d.items() if k != "validation-messages"} for d in deployment["deployeds"]]
    create_all(sapi, stored + [{"id": f"{ENV}/Sample", "type": "udm.DeployedApplication",
                                "version": "Applications/Sample/1.0", "environment": ENV,
                                "deployeds": [d["id"] for d in stored]}])
    update = sapi.get("/deployment/prepare/update", params={"version": "Applications/Sample/2.0",
                                                           "deployedApplication": f"{ENV}/Sample"}).json()
    changes = sapi.post("/deployment/preview-changes", json=update).json()
    operations = {d["id"].rsplit("/", 1)[1]: d["operation"] for d in changes["deltas"]}
    assert operations == {"readme": "MODIFY", "config": "NOOP", "announce": "MODIFY", "schema": "NOOP"}
    announce = [d for d in changes["deltas"] if d["id"].endswith("announce")][0]
    assert announce["changes"] == [{"property": "commandLine", "previous": "echo Sample 1.0 installed",
                                    "new": "echo Sample 2.0 installed"}]
    planned = [(s["type"], s["description"]) for s in steps(changes["block"])]
    assert planned == [
        ("delete", "Delete readme from /opt/sample/docs on sample-host"),   # order 30
        ("command", "Undo announce on app-host"),                           # undoOrder 49
        ("upload", "Copy readme to /opt/sample/docs on sample-host"),       # 70
        ("command", "Execute announce on app-host")]                        # the command's order, 90
