"""End to end on this machine: the sample DAR (samples/dar/Sample) deployed through REST to two
overthere.LocalHosts and a sql.SqliteClient, upgraded, rolled back, upgraded again and undeployed,
checking the files, the command output and the SQLite tables on the targets and what the repository says.

The sample tests run in order on one server and one environment: each starts from where the previous one
left. The last test (a user's generic.CopiedArtifact of a folder, staged on a local host) stands alone.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import Api
from tests.integration.e2e_helpers import (APP, SampleEnv, dictionary, expect_done, files_under, import_samples, logs,
                                           plan_of, sample_home)
from tests.integration.helpers import unique
from tests.integration.tasks_helpers import create_all, post, wait_state
from tests.support.server import InProcessServer

README_1 = "Sample application, version 1.0.\nA pet clinic for sample pets.\n"
README_2 = "Sample application, version 2.0.\nA pet clinic for sample pets, now with visits.\n"
CONFIG = {
    "config/application.properties": "# Sample application settings; placeholders are filled from dictionaries at "
                                     "deploy time.\napp.name=Sample\napp.url=http://sample.example:8080/sample\n"
                                     "app.greeting=Hello there\n",
    "config/database.properties": "db.url=jdbc:sqlite:sample.db\ndb.user=\n"}


PLUGIN = """<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">
  <type type="acme.Web" extends="generic.Container">
    <property name="home"/>
  </type>
  <type type="acme.DeployedSettings" extends="generic.CopiedArtifact" deployable-type="acme.Settings"
        container-type="acme.Web">
    <generate-deployable type="acme.Settings" extends="generic.Folder"/>
    <property name="targetDirectory" default="${deployed.container.home}/conf" hidden="true"/>
    <property name="createTargetDirectory" kind="boolean" default="true" hidden="true"/>
  </type>
</synthetic>"""

WEBAPP = """<?xml version="1.0" encoding="UTF-8"?>
<udm.DeploymentPackage version="1.0" application="Webapp">
  <deployables>
    <acme.Settings name="settings" file="settings"/>
  </deployables>
</udm.DeploymentPackage>
"""


@pytest.fixture(scope="module")
def e2e_server(tmp_path_factory):
    home = sample_home(tmp_path_factory.mktemp("e2e") / "home", plugins={"acme-synthetic.xml": PLUGIN})
    webapp = home / "importablePackages" / "Webapp" / "1.0"
    (webapp / "settings" / "sub").mkdir(parents=True)
    (webapp / "deployit-manifest.xml").write_text(WEBAPP)
    (webapp / "settings" / "app.properties").write_text("greeting={{GREETING}}\n")
    (webapp / "settings" / "sub" / "more.properties").write_text("x=1\n")
    proc = InProcessServer(home).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def world(e2e_server, tmp_path_factory):
    api = Api(e2e_server)
    import_samples(api)
    root = tmp_path_factory.mktemp("targets")
    for name in ("web-tmp", "app-tmp"):
        (root / name).mkdir()

    class World:
        pass
    w = World()
    w.api, w.root, w.app_home, w.database = api, root, root / "opt" / "sample", root / "db" / "sample.db"
    local = {"type": "overthere.LocalHost", "os": "UNIX"}
    w.env = SampleEnv(api, web=dict(local, temporaryDirectoryPath=str(root / "web-tmp")),
                      app=dict(local, temporaryDirectoryPath=str(root / "app-tmp")),
                      client={"type": "sql.SqliteClient", "databaseFile": str(w.database)},
                      entries=dictionary(w.app_home))
    return w


def tables(database) -> dict:
    """{table: rows} of the SQLite database on the target."""
    conn = sqlite3.connect(database)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: conn.execute(f"SELECT * FROM {n} ORDER BY 1").fetchall() for n in names}
    finally:
        conn.close()


def pets():
    return [(1, "Leo", "cat"), (2, "Basil", "hamster")]


def test_initial_deployment_puts_everything_in_place(world):
    env = world.env
    deployment = env.prepare("1.0")
    assert sorted(d["id"] for d in deployment["deployeds"]) == sorted([
        f"{env.app}/announce", f"{env.client}/schema", f"{env.web}/config", f"{env.web}/readme"])
    task_id = env.create_task(deployment)
    done = expect_done(world.api, task_id, env.run(task_id))
    assert [t for t, _ in plan_of(done)] == ["sql", "upload", "upload", "command"]
    assert all(t != "stage" for t, _ in plan_of(done))  # local hosts without a staging directory
    # the files, placeholders replaced (DB_USER is <empty>)
    assert files_under(world.app_home) == {"docs/README.txt": README_1, **CONFIG}
    # the command ran, its output in the step log
    log = logs(done)[f"Execute announce on {env.app.rsplit('/', 1)[1]}"]
    assert "Executing command line : 'echo Sample 1.0 installed'" in log and "Sample 1.0 installed\n" in log
    # the SQL scripts ran against the database file
    assert tables(world.database) == {"pets": pets()}
    assert "Executing 01-create.sql" in logs(done)[f"Run schema on {env.client.rsplit('/', 1)[1]}"]
    # the repository holds the deployed application and its deployeds
    version, listed, deployeds = env.state()
    assert version == f"{APP}/1.0" and listed == sorted(deployeds)
    assert deployeds == {f"{env.app}/announce": f"{APP}/1.0/announce", f"{env.client}/schema": f"{APP}/1.0/schema",
                         f"{env.web}/config": f"{APP}/1.0/config", f"{env.web}/readme": f"{APP}/1.0/readme"}
    config = env.read(f"{env.web}/config")
    assert config["targetPath"] == f"{world.app_home}/config" and config["placeholders"]["GREETING"] == "Hello there"


def test_upgrade_to_2_0_modifies_only_what_changed(world):
    env = world.env
    (world.app_home / "config" / "local-only.txt").write_text("mine")  # not the sample's: must survive the upgrade
    config_before = (world.app_home / "config" / "application.properties").stat().st_mtime_ns
    deployment = env.prepare("2.0")
    assert env.operations(deployment) == {"readme": "MODIFY", "config": "NOOP", "announce": "MODIFY",
                                          "schema": "NOOP"}
    task_id = env.create_task(deployment)
    done = expect_done(world.api, task_id, env.run(task_id), archive=False)
    web, app = env.web.rsplit("/", 1)[1], env.app.rsplit("/", 1)[1]
    assert plan_of(done) == [
        ("delete", f"Delete readme from {world.app_home}/docs on {web}"),
        ("command", f"Undo announce on {app}"),
        ("upload", f"Copy readme to {world.app_home}/docs on {web}"),
        ("command", f"Execute announce on {app}")]
    assert (world.app_home / "docs" / "README.txt").read_text() == README_2
    assert (world.app_home / "config" / "application.properties").stat().st_mtime_ns == config_before
    assert (world.app_home / "config" / "local-only.txt").read_text() == "mine"
    assert "Sample removed" in logs(done)[f"Undo announce on {app}"]
    assert "Sample 2.0 installed" in logs(done)[f"Execute announce on {app}"]
    assert tables(world.database) == {"pets": pets()}  # the scripts did not change: nothing ran
    version, listed, deployeds = env.state()
    assert version == f"{APP}/2.0" and listed == sorted(deployeds)
    assert deployeds[f"{env.web}/readme"] == f"{APP}/2.0/readme"
    assert deployeds[f"{env.app}/announce"] == f"{APP}/2.0/announce"
    assert env.read(f"{env.app}/announce")["commandLine"] == "echo Sample 2.0 installed"
    world.upgrade_task = task_id


def test_rollback_of_the_upgrade_returns_to_1_0(world):
    env = world.env
    rollback_id = env.rollback_task(world.upgrade_task)
    done = expect_done(world.api, rollback_id, env.run(rollback_id))
    assert done["metadata"]["taskType"] == "ROLLBACK"
    assert (world.app_home / "docs" / "README.txt").read_text() == README_1
    app = env.app.rsplit("/", 1)[1]
    assert "Sample 1.0 installed" in logs(done)[f"Execute announce on {app}"]
    version, listed, deployeds = env.state()
    assert version == f"{APP}/1.0" and listed == sorted(deployeds)
    assert deployeds == {f"{env.app}/announce": f"{APP}/1.0/announce", f"{env.client}/schema": f"{APP}/1.0/schema",
                         f"{env.web}/config": f"{APP}/1.0/config", f"{env.web}/readme": f"{APP}/1.0/readme"}
    assert env.read(f"{env.app}/announce")["commandLine"] == "echo Sample 1.0 installed"
    assert files_under(world.app_home) == {"docs/README.txt": README_1, **CONFIG, "config/local-only.txt": "mine"}
    assert tables(world.database) == {"pets": pets()}


def test_upgrade_with_a_new_sql_script_runs_only_that_script(world):
    env = world.env
    with sqlite3.connect(world.database) as conn:  # a row the first scripts did not insert: they must not run again
        conn.execute("INSERT INTO pets VALUES (3, 'Rex', 'dog')")
    deployment = env.prepare("3.0")
    assert env.operations(deployment) == {"readme": "MODIFY", "config": "NOOP", "announce": "MODIFY",
                                          "schema": "MODIFY"}
    task_id = env.create_task(deployment)
    done = expect_done(world.api, task_id, env.run(task_id))
    sql_log = logs(done)[f"Run schema on {env.client.rsplit('/', 1)[1]}"]
    assert "Executing 03-visits.sql" in sql_log and "01-create" not in sql_log and "02-insert" not in sql_log
    assert tables(world.database) == {"pets": pets() + [(3, "Rex", "dog")], "visits": []}
    assert env.state()[0] == f"{APP}/3.0"


def test_undeployment_removes_files_runs_rollback_scripts_and_forgets_the_application(world):
    env = world.env
    (world.app_home / "config" / "local-only.txt").unlink()
    task_id = env.undeploy_task()
    done = expect_done(world.api, task_id, env.run(task_id))
    app, client = env.app.rsplit("/", 1)[1], env.client.rsplit("/", 1)[1]
    sql_log = logs(done)[f"Rollback schema on {client}"]
    assert sql_log.index("03-visits-rollback.sql") < sql_log.index("01-create-rollback.sql")
    assert tables(world.database) == {}
    assert "Sample removed" in logs(done)[f"Undo announce on {app}"]
    assert not (world.app_home / "docs").exists() and not (world.app_home / "config").exists()
    assert env.read(env.deployed_application) is None and env.deployeds() == {}


def test_a_generic_copied_folder_lands_in_a_folder_of_its_name(world):
    """XL Deploy copies a generic.CopiedArtifact of a folder without targetFile to targetDirectory/<name>."""
    api, web_home = world.api, world.root / "web"
    (web_home / "conf").mkdir(parents=True)
    (web_home / "conf" / "server.xml").write_text("not the application's")
    host = f"Infrastructure/{unique('local')}"
    container, env, dictionary_id = f"{host}/web", f"Environments/{unique('env')}", f"Environments/{unique('dict')}"
    create_all(api, [
        {"id": host, "type": "overthere.LocalHost", "os": "UNIX", "stagingDirectoryPath": str(world.root / "stage")},
        {"id": container, "type": "acme.Web", "host": host, "home": str(web_home)},
        {"id": dictionary_id, "type": "udm.Dictionary", "entries": {"GREETING": "Hi"}},
        {"id": env, "type": "udm.Environment", "members": [container], "dictionaries": [dictionary_id]}])
    response = api.post("/package/import/Webapp/1.0")
    assert response.status_code == 200, response.text
    prepared = api.get("/deployment/prepare/initial", params={"version": "Applications/Webapp/1.0", "environment": env})
    deployment = api.post("/deployment/prepare/deployeds", json=prepared.json()).json()
    [settings] = deployment["deployeds"]
    assert settings["type"] == "acme.DeployedSettings" and not settings.get("targetFile")
    task_id = api.post("/deployment", json=deployment).json()["string"]
    post(api, f"/tasks/v2/{task_id}/start")
    done = expect_done(api, task_id, wait_state(api, task_id))
    assert [t for t, _ in plan_of(done)] == ["stage", "upload", "unstage"]
    assert files_under(web_home) == {"conf/server.xml": "not the application's",
                                     "conf/settings/app.properties": "greeting=Hi\n",
                                     "conf/settings/sub/more.properties": "x=1\n"}
    prepared = api.get("/deployment/prepare/undeploy", params={"deployedApplication": f"{env}/Webapp"}).json()
    undeploy_id = api.post("/deployment", json=prepared).json()["string"]
    post(api, f"/tasks/v2/{undeploy_id}/start")
    expect_done(api, undeploy_id, wait_state(api, undeploy_id))
    assert files_under(web_home) == {"conf/server.xml": "not the application's"}  # targetDirectoryShared
