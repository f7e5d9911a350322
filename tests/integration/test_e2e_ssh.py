"""End to end over SSH: the sample DAR deployed through REST to overthere.SshHosts on a real sshd on loopback
(tests/support/sshd.py), logged in as an unprivileged test user, with `stagingDirectoryPath` set: the plan
stages the artifacts first and cleans up last, the uploads copy from the staged copies on the host, and the
staging folder is gone after success. Then the upgrade (only the changed file staged) and the undeployment.

The tests run in order on one server, one sshd and one environment.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Api
from tests.integration.e2e_helpers import (APP, SampleEnv, dictionary, expect_done, files_under, import_samples, logs,
                                           plan_of, sample_home)
from tests.integration.tasks_helpers import steps_of
from tests.support.server import InProcessServer
from tests.support.sshd import TEST_PASSWORD, TEST_USER, SshServer, make_shared_dir, require_root

README_2 = "Sample application, version 2.0.\nA pet clinic for sample pets, now with visits.\n"


@pytest.fixture(scope="module")
def sshd():
    require_root()
    with SshServer() as server:
        yield server


@pytest.fixture(scope="module")
def shared():
    """A folder the test user can write in: the hosts' temporary, staging, application and database folders."""
    path = Path(make_shared_dir())
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def world(sshd, shared, tmp_path_factory):
    proc = InProcessServer(sample_home(tmp_path_factory.mktemp("e2e-ssh") / "home")).start()
    api = Api(proc)
    import_samples(api)

    def ssh_host(name):
        for folder in (f"{name}-tmp", f"{name}-stage"):
            (shared / folder).mkdir(mode=0o777)
            (shared / folder).chmod(0o777)
        host = sshd.host(username=TEST_USER, password=TEST_PASSWORD, temporaryDirectoryPath=str(shared / f"{name}-tmp"),
                         stagingDirectoryPath=str(shared / f"{name}-stage"))
        del host["id"]
        return host

    class World:
        pass
    w = World()
    w.api, w.app_home, w.database = api, shared / "opt" / "sample", shared / "db" / "sample.db"
    for folder in (shared / "opt", shared / "db"):
        folder.mkdir(mode=0o777)
        folder.chmod(0o777)
    w.web_stage, w.app_stage = shared / "web-stage", shared / "app-stage"
    w.env = SampleEnv(api, web=ssh_host("web"), app=ssh_host("app"),
                      client={"type": "sql.SqliteClient", "databaseFile": str(w.database)},
                      entries=dictionary(w.app_home))
    yield w
    proc.stop()


def blocks(done: dict) -> list[tuple[str, str, list[str]]]:
    """(id, description, step types) of the plan's child blocks."""
    plan = done["block"]["blocks"][0]["blocks"][0]
    return [(b["id"], b["description"], [s["type"] for s in steps_of(b)]) for b in plan["blocks"]]


def test_initial_deployment_over_ssh_stages_artifacts_first_and_cleans_up_after(world):
    env = world.env
    web = env.web.rsplit("/", 1)[1]
    task_id = env.create_task(env.prepare("1.0"))
    done = expect_done(world.api, task_id, env.run(task_id))
    assert blocks(done) == [
        ("0_1_1_1", "Stage artifacts", ["stage", "stage"]),
        ("0_1_1_2", "Deploy Sample 1.0 on " + env.env.rsplit("/", 1)[1], ["sql", "upload", "upload", "command"]),
        ("0_1_1_3", "Clean up staged artifacts", ["unstage"])]
    step_logs = logs(done)
    assert f"Staged README.txt in {world.web_stage}/{task_id}/" in step_logs[f"Stage readme on {web}"]
    assert f"Staged config in {world.web_stage}/{task_id}/" in step_logs[f"Stage config on {web}"]
    copy = step_logs[f"Copy config to {world.app_home}/config on {web}"]
    assert "from the staging folder" in copy
    assert f"Removed the staging folder {world.web_stage}/{task_id}" in step_logs[f"Clean up staged artifacts on {web}"]
    # staged copies gone; the app host (nothing uploaded to it) never had any
    assert list(world.web_stage.iterdir()) == [] and list(world.app_stage.iterdir()) == []
    deployed_files = files_under(world.app_home)
    assert deployed_files["docs/README.txt"].startswith("Sample application, version 1.0.")
    assert "app.url=http://sample.example:8080/sample\n" in deployed_files["config/application.properties"]
    assert deployed_files["config/database.properties"] == "db.url=jdbc:sqlite:sample.db\ndb.user=\n"
    assert (world.app_home / "docs" / "README.txt").owner() == TEST_USER  # written over SSH, as the test user
    assert "Sample 1.0 installed" in step_logs[f"Execute announce on {env.app.rsplit('/', 1)[1]}"]
    with sqlite3.connect(world.database) as conn:
        assert conn.execute("SELECT count(*) FROM pets").fetchone() == (2,)
    version, listed, deployeds = env.state()
    assert version == f"{APP}/1.0" and len(listed) == 4 and sorted(deployeds) == listed


def test_upgrade_over_ssh_stages_only_the_changed_file(world):
    env = world.env
    web = env.web.rsplit("/", 1)[1]
    task_id = env.create_task(env.prepare("2.0"))
    done = expect_done(world.api, task_id, env.run(task_id))
    assert [(d, t) for _, d, t in blocks(done)] == [
        ("Stage artifacts", ["stage"]),
        ("Update Sample 2.0 on " + env.env.rsplit("/", 1)[1], ["delete", "command", "upload", "command"]),
        ("Clean up staged artifacts", ["unstage"])]
    assert plan_of(done)[0] == ("stage", f"Stage readme on {web}")
    assert (world.app_home / "docs" / "README.txt").read_text() == README_2
    assert list(world.web_stage.iterdir()) == []
    assert env.state()[0] == f"{APP}/2.0"


def test_undeployment_over_ssh_needs_no_staging(world):
    env = world.env
    task_id = env.undeploy_task()
    done = expect_done(world.api, task_id, env.run(task_id))
    assert {t for t, _ in plan_of(done)} == {"delete", "command", "sql"}
    assert not (world.app_home / "docs").exists() and not (world.app_home / "config").exists()
    with sqlite3.connect(world.database) as conn:
        assert conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == []
    assert env.read(env.deployed_application) is None and env.deployeds() == {}
