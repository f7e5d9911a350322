"""The task engine over REST with real steps: cmd.Command deployments on the local host.

/tasks/v2 (every action and read), the older /task, xldeploy-py's task flows, results in the
repository, rollback, scheduling, archive query and export.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import xldeploy

from tests.integration.tasks_helpers import (LocalApp, post, run, script, steps_of, task, wait_for, wait_state)


@pytest.fixture(scope="module")
def sdk(server_process):
    config = xldeploy.Config(protocol="http", host="127.0.0.1", port=str(server_process.port), context_path="deployit",
                             username="admin", password="admin")
    return xldeploy.Client(config)


def test_a_deployment_runs_and_tells_what_it_did(api):
    app = LocalApp(api)
    version = app.version("1.0", {"hello": "echo hello"})
    task_id = app.deploy_task(version)
    done = run(api, task_id)
    assert done["state"] == "EXECUTED", done
    for field in ("id", "state", "description", "owner", "startDate", "completionDate", "nrSteps", "currentStepNr",
                  "metadata", "failureCount", "failures", "currentStep", "totalSteps", "scheduledDate", "block"):
        assert field in done, field
    assert done["owner"] == "admin" and done["nrSteps"] == 1 and done["currentStepNr"] == 1
    assert done["metadata"]["application"] == app.name and done["metadata"]["version"] == "1.0"
    assert done["metadata"]["environment_id"] == app.env and done["metadata"]["taskType"] == "INITIAL"
    [step] = steps_of(done["block"])
    assert step["state"] == "DONE" and step["path"] == "0_1_1_1" and "hello" in step["log"]
    assert api.get(f"/tasks/v2/{task_id}/step/0_1_1_1").json()["log"] == step["log"]
    text = api.get(f"/tasks/v2/{task_id}/step-log/0_1_1_1", headers={"Accept": "text/plain"})
    assert text.status_code == 200 and "hello" in text.text
    assert api.get(f"/tasks/v2/{task_id}/step-log/0_1_1_1").json()["log"] == step["log"]
    block = api.get(f"/tasks/v2/{task_id}/block/0_1_1").json()
    assert block["state"] == "DONE" and "steps" not in block
    with_steps = api.get(f"/tasks/v2/{task_id}/block/0_1_1/step").json()
    assert [s["state"] for s in with_steps["steps"]] == ["DONE"]
    # The repository now holds the deployed application and its deployed.
    assert app.deployeds() == {f"{app.host}/hello": "echo hello"}
    deployed_app = app.application()
    assert deployed_app["version"] == version and deployed_app["deployeds"] == [f"{app.host}/hello"]
    post(api, f"/tasks/v2/{task_id}/archive")
    assert task(api, task_id)["state"] == "DONE"


def test_sdk_task_flows(process_api, sdk):
    app = LocalApp(process_api)
    version = app.version("1.0", {"slow": "sleep 2"})
    tasks = sdk.tasks
    # start: EXECUTING at once
    first = sdk.deployment.create_task(sdk.deployment.prepare_auto_deployeds(
        sdk.deployment.prepare_initial(version, app.env)))
    assert first.get_steps("0_1_1")["description"] == f"Deploy {app.name} 1.0 on {app.env.split('/')[-1]}"
    first.start()
    assert tasks.get_task(first.task_id)["state"] == "EXECUTING"
    # stop: after the current step
    first.stop()
    assert tasks.get_task(first.task_id)["state"] in ("STOPPING", "STOPPED", "EXECUTED")
    assert wait_state(process_api, first.task_id)["state"] in ("STOPPED", "EXECUTED")
    # abort, then cancel
    app2 = LocalApp(process_api)
    long_version = app2.version("1.0", {"slow": "sleep 30"})
    second = sdk.deployment.create_task(sdk.deployment.prepare_auto_deployeds(
        sdk.deployment.prepare_initial(long_version, app2.env)))
    second.start()
    second.abort()
    assert wait_state(process_api, second.task_id, timeout=10)["state"] == "ABORTED"
    second.cancel()
    assert tasks.get_task(second.task_id)["state"] == "CANCELLED"
    # wait for EXECUTED, then archive: DONE
    app3 = LocalApp(process_api)
    quick = app3.version("1.0", {"hello": "echo hello"})
    third = sdk.deployment.create_task(sdk.deployment.prepare_auto_deployeds(
        sdk.deployment.prepare_initial(quick, app3.env)))
    third.start()
    assert wait_state(process_api, third.task_id)["state"] == "EXECUTED"
    third.archive(third)
    assert tasks.get_task(third.task_id)["state"] == "DONE"
    # roll back an executed deployment
    app4 = LocalApp(process_api)
    fourth_version = app4.version("1.0", {"hello": "echo hello"})
    fourth = sdk.deployment.create_task(sdk.deployment.prepare_auto_deployeds(
        sdk.deployment.prepare_initial(fourth_version, app4.env)))
    fourth.start()
    assert wait_state(process_api, fourth.task_id)["state"] == "EXECUTED"
    rollback = sdk.deployment.rollback(fourth.task_id)
    rollback.start()
    assert wait_state(process_api, rollback.task_id)["state"] == "EXECUTED"
    assert app4.application() is None and app4.deployeds() == {}


def test_refusals_name_the_task_and_its_state(api):
    app = LocalApp(api)
    task_id = app.deploy_task(app.version("1.0", {"hello": "echo hello"}))
    for action in ("stop", "abort", "archive"):
        response = api.post(f"/tasks/v2/{task_id}/{action}")
        assert response.status_code == 409
        assert task_id in response.json()["message"] and "PENDING" in response.json()["message"]
    assert api.post("/tasks/v2/no-such-task/start").status_code == 404
    past = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    response = api.post(f"/tasks/v2/{task_id}/schedule", params={"time": past})
    assert response.status_code == 400 and "in the past" in response.json()["message"]
    assert api.post(f"/tasks/v2/{task_id}/skip", json=["0_1_1_9"]).status_code == 404
    assert api.post(f"/tasks/v2/{task_id}/skip", json="0_1_1_1").status_code == 400
    assert api.get(f"/tasks/v2/{task_id}/step/0_1_1_7").status_code == 404
    assert api.get(f"/tasks/v2/{task_id}/block/0_9").status_code == 404
    response = api.post(f"/deployment/rollback/{task_id}")
    assert response.status_code == 409 and "PENDING" in response.json()["message"]
    # Cancelling a task that never ran removes it.
    assert api.delete(f"/tasks/v2/{task_id}").status_code == 204
    assert api.get(f"/tasks/v2/{task_id}").status_code == 404


def test_a_failed_step_fails_the_task_which_resumes_at_that_step(api, tmp_path):
    marker = tmp_path / "second-try"
    flaky = script(tmp_path, "flaky.sh", f'if [ -e {marker} ]; then echo fixed; else touch {marker}; '
                                         f'echo broken >&2; exit 3; fi\n')
    app = LocalApp(api)
    version = app.version("1.0", {"a": ("echo first", 10), "b": (flaky, 20), "c": ("echo third", 30)})
    task_id = app.deploy_task(version)
    failed = run(api, task_id)
    assert failed["state"] == "FAILED" and failed["failures"] == 1 and failed["currentSteps"] == ["0_1_1_2"]
    step = api.get(f"/tasks/v2/{task_id}/step/0_1_1_2").json()
    assert step["state"] == "FAILED" and step["failureCount"] == 1
    assert "broken" in step["log"] and "exited with code 3" in step["log"]
    # The repository tells the truth: only the first command was done.
    assert app.deployeds() == {f"{app.host}/a": "echo first"}
    assert app.application()["deployeds"] == [f"{app.host}/a"]
    done = run(api, task_id)
    assert done["state"] == "EXECUTED"
    states = [(s["state"], s["failureCount"]) for s in steps_of(done["block"])]
    assert states == [("DONE", 0), ("DONE", 1), ("DONE", 0)]
    assert "first" in steps_of(done["block"])[0]["log"] and "fixed" in steps_of(done["block"])[1]["log"]
    assert set(app.deployeds()) == {f"{app.host}/a", f"{app.host}/b", f"{app.host}/c"}


def test_rollback_returns_the_repository_to_the_previous_state(api):
    app = LocalApp(api)
    v1 = app.version("1.0", {"a": ("echo a", 10), "b": ("echo b", 20)})
    assert run(api, app.deploy_task(v1))["state"] == "EXECUTED"
    before = (app.deployeds(), app.application()["version"], sorted(app.application()["deployeds"]))
    v2 = app.version("2.0", {"a": ("echo a2", 10), "c": ("false", 30)})
    update = app.deploy_task(v2)
    assert run(api, update)["state"] == "FAILED"
    assert app.deployeds() == {f"{app.host}/a": "echo a2"}
    response = api.post(f"/deployment/rollback/{update}")
    assert response.status_code == 200, response.text
    rollback_id = response.json()["string"]
    assert task(api, update)["state"] == "CANCELLED"
    rollback = task(api, rollback_id)
    assert rollback["metadata"]["taskType"] == "ROLLBACK" and rollback["state"] == "PENDING"
    assert run(api, rollback_id)["state"] == "EXECUTED"
    assert (app.deployeds(), app.application()["version"], sorted(app.application()["deployeds"])) == before


def test_undeployment_removes_the_application(api):
    app = LocalApp(api)
    assert run(api, app.deploy_task(app.version("1.0", {"a": "echo a"})))["state"] == "EXECUTED"
    assert run(api, app.undeploy_task())["state"] == "EXECUTED"
    assert app.application() is None and app.deployeds() == {}


def test_step_logs_are_readable_while_the_step_runs(api, tmp_path):
    talk = script(tmp_path, "talk.sh", "echo first line\nsleep 3\necho second line\n")
    app = LocalApp(api)
    task_id = app.deploy_task(app.version("1.0", {"talk": talk}))
    post(api, f"/tasks/v2/{task_id}/start")
    log = wait_for(lambda: (lambda t: t if "first line" in t else None)(
        api.get(f"/tasks/v2/{task_id}/step-log/0_1_1_1", headers={"Accept": "text/plain"}).text),
        timeout=2.5, what="the first line")
    assert "second line" not in log
    assert api.get(f"/tasks/v2/{task_id}/step/0_1_1_1").json()["state"] == "EXECUTING"
    assert task(api, task_id)["currentSteps"] == ["0_1_1_1"]
    assert wait_state(api, task_id)["state"] == "EXECUTED"
    assert "second line" in api.get(f"/tasks/v2/{task_id}/step/0_1_1_1").json()["log"]


def test_stop_and_abort_over_rest(api):
    app = LocalApp(api)
    task_id = app.deploy_task(app.version("1.0", {"a": ("sleep 1", 10), "b": ("echo b", 20)}))
    post(api, f"/tasks/v2/{task_id}/start")
    wait_for(lambda: task(api, task_id)["currentSteps"], what="the first step to start")
    post(api, f"/tasks/v2/{task_id}/stop")
    stopped = wait_state(api, task_id)
    assert stopped["state"] == "STOPPED"
    assert [s["state"] for s in steps_of(stopped["block"])] == ["DONE", "PENDING"]
    assert run(api, task_id)["state"] == "EXECUTED"

    app2 = LocalApp(api)
    long_id = app2.deploy_task(app2.version("1.0", {"a": "sleep 60"}))
    post(api, f"/tasks/v2/{long_id}/start")
    wait_for(lambda: task(api, long_id)["currentSteps"], what="the step to start")
    post(api, f"/tasks/v2/{long_id}/abort")
    aborted = wait_state(api, long_id, timeout=10)
    assert aborted["state"] == "ABORTED"
    assert [s["state"] for s in steps_of(aborted["block"])] == ["FAILED"]
    post(api, f"/tasks/v2/{long_id}/cancel")
    assert task(api, long_id)["state"] == "CANCELLED"


def test_skip_unskip_and_add_pause_over_rest(api):
    app = LocalApp(api)
    task_id = app.deploy_task(app.version("1.0", {"a": ("echo a", 10), "b": ("echo b", 20), "c": ("echo c", 30)}))
    skipped = post(api, f"/tasks/v2/{task_id}/skip", expect=200, json=["0_1_1_2", "0_1_1_3"]).json()
    assert [s["state"] for s in steps_of(skipped["block"])] == ["PENDING", "SKIP", "SKIP"]
    post(api, f"/tasks/v2/{task_id}/unskip", expect=200, json=["0_1_1_3"])
    paused = post(api, f"/tasks/v2/{task_id}/add-pause/0_1_1_1", expect=200).json()
    assert [s["description"] for s in steps_of(paused["block"])][0] == "Pause"
    assert run(api, task_id)["state"] == "STOPPED"
    assert run(api, task_id)["state"] == "EXECUTED"
    assert [s["state"] for s in steps_of(task(api, task_id)["block"])] == ["DONE", "DONE", "SKIPPED", "DONE"]
    # A skipped step counts as done by hand: the deployment's result is stored whole.
    assert set(app.deployeds()) == {f"{app.host}/a", f"{app.host}/b", f"{app.host}/c"}


def test_schedule_runs_the_task_at_its_time(api):
    app = LocalApp(api)
    task_id = app.deploy_task(app.version("1.0", {"a": "echo a"}))
    when = (datetime.now(timezone.utc) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    post(api, f"/tasks/v2/{task_id}/schedule", params={"time": when})
    scheduled = task(api, task_id)
    assert scheduled["state"] == "SCHEDULED" and scheduled["scheduledDate"].endswith("+0000")
    assert wait_state(api, task_id, timeout=15)["state"] == "EXECUTED"


def test_assign_and_takeover(api):
    app = LocalApp(api)
    task_id = app.deploy_task(app.version("1.0", {"a": "echo a"}))
    assert post(api, f"/tasks/v2/{task_id}/assign/bob", expect=200).json()["owner"] == "bob"
    assert task_id not in [t["id"] for t in api.get("/tasks/v2/current").json()]
    assert task_id in [t["id"] for t in api.get("/tasks/v2/current/all").json()]
    assert post(api, f"/tasks/v2/{task_id}/takeover/bob", expect=200).json()["owner"] == "admin"
    assert task_id in [t["id"] for t in api.get("/tasks/v2/current").json()]


def test_archived_tasks_query_and_export_with_paging(api):
    ids = []
    for _ in range(3):
        app = LocalApp(api)
        task_id = app.deploy_task(app.version("1.0", {"a": "echo archived"}))
        assert run(api, task_id)["state"] == "EXECUTED"
        post(api, f"/tasks/v2/{task_id}/archive")
        ids.append(task_id)
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    everything = api.get("/tasks/v2/query", params={"begindate": today, "enddate": today})
    assert everything.status_code == 200
    total = int(everything.headers["X-Total-Count"])
    listed = [t["id"] for t in everything.json()]
    assert set(ids) <= set(listed) and len(listed) == total
    assert all("block" not in t for t in everything.json())
    assert all(t["state"] in ("DONE", "CANCELLED") for t in everything.json())
    page1 = api.get("/tasks/v2/query", params={"begindate": today, "enddate": today, "page": 1,
                                               "resultsPerPage": 2}).json()
    page2 = api.get("/tasks/v2/query", params={"begindate": today, "enddate": today, "page": 2,
                                               "resultsPerPage": 2}).json()
    assert len(page1) == 2 and [t["id"] for t in page1 + page2] == listed[:2 + len(page2)]
    exported = api.get("/tasks/v2/export", params={"begindate": today, "enddate": today}).json()
    mine = [t for t in exported if t["id"] in ids]
    assert len(mine) == 3 and all("archived" in steps_of(t["block"])[0]["log"] for t in mine)
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d")
    assert api.get("/tasks/v2/query", params={"begindate": yesterday, "enddate": yesterday}).json() == []
    assert api.get("/tasks/v2/query", params={"begindate": "31/12/2024"}).status_code == 400


def test_the_older_task_api(api):
    app = LocalApp(api)
    task_id = app.deploy_task(app.version("1.0", {"a": ("echo a", 10), "b": ("echo b", 20)}))
    assert api.post(f"/task/{task_id}/start").status_code == 204
    wait_state(api, task_id)
    info = api.get(f"/task/{task_id}").json()
    assert info["state"] == "EXECUTED" and info["nrOfSteps"] == 2 and info["currentStepNr"] == 2
    assert [s["nr"] for s in info["steps"]] == [1, 2] and "block" not in info
    assert [s["nr"] for s in api.get(f"/task/{task_id}/step").json()] == [1, 2]
    assert "echo b" in api.get(f"/task/{task_id}/step/2").json()["log"]
    assert api.post(f"/task/{task_id}/archive").status_code == 204
    assert api.get(f"/task/{task_id}").json()["state"] == "DONE"
