"""Results in the repository: checkpoint commits, the final store, undeployment and rollback (engine §6.8).

Deployments of cmd.Command deployables are planned by the real planner; their `command` steps run in
the fake executor, where a command line starting with "fail" fails.
"""

import pytest

from server.errors import BadRequest, Conflict
from tests.server.engine_helpers import Harness


@pytest.fixture
def h(tmp_path):
    harness = Harness(tmp_path)
    repo = harness.services.repository
    repo.create_many([
        {"id": "Applications/Shop", "type": "udm.Application"},
        {"id": "Infrastructure/box", "type": "overthere.LocalHost", "os": "UNIX"},
        {"id": "Environments/Test", "type": "udm.Environment", "members": ["Infrastructure/box"]},
    ], "admin")
    yield harness
    harness.close()


def version(h, name: str, commands: dict) -> str:
    version_id = f"Applications/Shop/{name}"
    h.services.repository.create_many(
        [{"id": version_id, "type": "udm.DeploymentPackage"}] +
        [{"id": f"{version_id}/{cmd}", "type": "cmd.Command", "commandLine": line, "order": order}
         for cmd, (line, order) in commands.items()], "admin")
    return version_id


def deploy_task(h, version_id: str) -> str:
    d = h.services.deployments
    if h.services.repository.exists("Environments/Test/Shop"):
        prepared = d.prepare_update(version_id, "Environments/Test/Shop")
    else:
        prepared = d.prepare_initial(version_id, "Environments/Test")
    return d.create_task(d.auto_deployeds(prepared), "admin")


def undeploy_task(h) -> str:
    d = h.services.deployments
    return d.create_task(d.prepare_undeploy("Environments/Test/Shop"), "admin")


def state(h) -> dict:
    """What the repository says is deployed: {deployed id: (commandLine, deployable)} and the app's version."""
    repo = h.services.repository
    deployeds = {rec.id: (rec.properties.get("commandLine"), rec.properties.get("deployable"))
                 for rec in repo.query(ci_type="cmd.DeployedCommand")}
    app = None
    if repo.exists("Environments/Test/Shop"):
        props = repo.read("Environments/Test/Shop").properties
        app = (props.get("version"), sorted(props.get("deployeds") or []))
    return {"deployeds": deployeds, "app": app}


V1 = {"a": ("echo a", 10), "b": ("echo b", 20), "c": ("echo c", 30)}


def test_a_successful_deployment_stores_the_application_and_its_deployeds(h):
    v1 = version(h, "1.0", V1)
    task_id = deploy_task(h, v1)
    assert h.run(task_id) == "EXECUTED"
    assert state(h) == {"deployeds": {f"Infrastructure/box/{n}": (line, f"{v1}/{n}") for n, (line, _) in V1.items()},
                        "app": (v1, [f"Infrastructure/box/{n}" for n in "abc"])}
    assert h.services.tasks.get(task_id)["commits"]["final"] is True


def test_a_failed_deployment_leaves_exactly_what_was_done(h):
    v1 = version(h, "1.0", {"a": ("echo a", 10), "b": ("fail b", 20), "c": ("echo c", 30)})
    task_id = deploy_task(h, v1)
    assert h.run(task_id) == "FAILED"
    assert state(h) == {"deployeds": {"Infrastructure/box/a": ("echo a", f"{v1}/a")},
                        "app": (v1, ["Infrastructure/box/a"])}
    # Rolling back removes what was created, and the deployed application with it.
    rollback_id = h.services.deployments.rollback(task_id, "admin")
    original = h.task(task_id)
    assert original["state"] == "CANCELLED" and original["archived"]
    rollback = h.task(rollback_id)
    assert rollback["metadata"]["taskType"] == "ROLLBACK" and rollback["rollbackOf"] == task_id
    assert rollback["description"].startswith("Rollback of ") and rollback["totalSteps"] == 1
    assert h.run(rollback_id) == "EXECUTED"
    assert state(h) == {"deployeds": {}, "app": None}


def test_an_update_commits_each_checkpoint_and_a_rollback_restores_the_previous_state(h):
    v1 = version(h, "1.0", V1)
    assert h.run(deploy_task(h, v1)) == "EXECUTED"
    before = state(h)
    # 2.0: a changes, b is removed, c stays the same (NOOP), d is new and fails.
    v2 = version(h, "2.0", {"a": ("echo a2", 10), "c": ("echo c", 30), "d": ("fail d", 40)})
    task_id = deploy_task(h, v2)
    assert h.run(task_id) == "FAILED"
    after = state(h)
    assert after["deployeds"] == {"Infrastructure/box/a": ("echo a2", f"{v2}/a"),
                                  "Infrastructure/box/c": ("echo c", f"{v1}/c")}
    assert after["app"] == (v2, ["Infrastructure/box/a", "Infrastructure/box/c"])
    rollback_id = h.services.deployments.rollback(task_id, "admin")
    assert h.run(rollback_id) == "EXECUTED"
    assert state(h) == before


def test_rollback_of_a_successful_update_restores_noop_deployeds_too(h):
    v1 = version(h, "1.0", V1)
    assert h.run(deploy_task(h, v1)) == "EXECUTED"
    before = state(h)
    v2 = version(h, "2.0", {"a": ("echo a2", 10), "b": ("echo b", 20), "c": ("echo c", 30)})
    task_id = deploy_task(h, v2)
    assert h.run(task_id) == "EXECUTED"
    assert state(h)["deployeds"]["Infrastructure/box/c"] == ("echo c", f"{v2}/c")
    rollback_id = h.services.deployments.rollback(task_id, "admin")
    assert h.task(task_id)["state"] == "DONE"
    assert h.run(rollback_id) == "EXECUTED"
    assert state(h) == before


def test_undeployment_removes_everything_and_its_rollback_brings_it_back(h):
    v1 = version(h, "1.0", V1)
    assert h.run(deploy_task(h, v1)) == "EXECUTED"
    before = state(h)
    task_id = undeploy_task(h)
    assert h.run(task_id) == "EXECUTED"
    assert state(h) == {"deployeds": {}, "app": None}
    rollback_id = h.services.deployments.rollback(task_id, "admin")
    assert h.run(rollback_id) == "EXECUTED"
    assert state(h) == before


def test_rollback_refusals(h):
    v1 = version(h, "1.0", V1)
    task_id = deploy_task(h, v1)
    with pytest.raises(Conflict, match=f"Task {task_id} is PENDING; rollback is only possible"):
        h.services.deployments.rollback(task_id, "admin")
    assert h.run(task_id) == "EXECUTED"
    h.engine.archive(task_id)
    with pytest.raises(Conflict, match="is archived"):
        h.services.deployments.rollback(task_id, "admin")
    control = h.services.controls.create({"controlName": "checkConnection", "ci": "Infrastructure/box"}, "admin")
    assert h.run(control) in ("EXECUTED", "FAILED")
    with pytest.raises(BadRequest, match="CONTROL task; only deployment tasks can be rolled back"):
        h.services.deployments.rollback(control, "admin")


def test_a_rollback_of_a_task_that_changed_nothing_is_empty(h):
    v1 = version(h, "1.0", {"a": ("fail a", 10)})
    task_id = deploy_task(h, v1)
    assert h.run(task_id) == "FAILED"
    assert state(h) == {"deployeds": {}, "app": None}
    rollback_id = h.services.deployments.rollback(task_id, "admin")
    assert h.task(rollback_id)["totalSteps"] == 0
    assert h.run(rollback_id) == "EXECUTED"
    assert state(h) == {"deployeds": {}, "app": None}
