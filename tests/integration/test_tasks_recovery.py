"""Durability: the server killed (kill -9) or stopped (SIGTERM) during tasks, then started again on its home."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import Api
from tests.integration.tasks_helpers import LocalApp, post, script, steps_of, task, wait_for, wait_state
from tests.support.server import ServerProcess


@pytest.fixture
def proc(tmp_path):
    server = ServerProcess(tmp_path / "home").start()
    yield server
    server.stop()


def restart(server: ServerProcess) -> ServerProcess:
    again = ServerProcess(server.home, port=server.port)
    return again.start()


def test_kill_9_during_tasks(proc, tmp_path):
    api = Api(proc)
    talk = script(tmp_path, "talk.sh", "echo started the long step\nsleep 20\n")
    running_app, pending_app, soon_app, later_app = LocalApp(api), LocalApp(api), LocalApp(api), LocalApp(api)
    running = running_app.deploy_task(running_app.version("1.0", {"a": ("echo done first", 10), "b": (talk, 20),
                                                                  "c": ("echo last", 30)}))
    pending = pending_app.deploy_task(pending_app.version("1.0", {"a": "echo a"}))
    soon = soon_app.deploy_task(soon_app.version("1.0", {"a": "echo scheduled"}))
    later = later_app.deploy_task(later_app.version("1.0", {"a": "echo later"}))
    post(api, f"/tasks/v2/{soon}/schedule",
         params={"time": (datetime.now(timezone.utc) + timedelta(seconds=3)).isoformat()})
    post(api, f"/tasks/v2/{later}/schedule",
         params={"time": (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()})
    post(api, f"/tasks/v2/{running}/start")
    wait_for(lambda: "started the long step" in api.get(f"/tasks/v2/{running}/step/0_1_1_2").json()["log"],
             what="the long step to log")
    proc.kill()
    time.sleep(3.5)  # the scheduled time passes while the server is down

    again = restart(proc)
    try:
        api = Api(again)
        failed = task(api, running)
        assert failed["state"] == "FAILED" and failed["failures"] == 1
        first, second, third = steps_of(failed["block"])
        assert first["state"] == "DONE" and third["state"] == "PENDING"
        assert second["state"] == "FAILED" and second["failureCount"] == 1
        assert "started the long step" in second["log"] and "The server stopped while this step was running" in \
            second["log"]
        # What the first step committed is in the repository.
        assert running_app.deployeds() == {f"{running_app.host}/a": "echo done first"}
        assert task(api, pending)["state"] == "PENDING"
        assert task(api, later)["state"] == "SCHEDULED"
        assert wait_state(api, soon, timeout=10)["state"] == "EXECUTED"
        # The failed task resumes at the interrupted step (this time without the long sleep).
        (tmp_path / "talk.sh").write_text("#!/bin/sh\necho quick this time\n")
        post(api, f"/tasks/v2/{running}/start")
        assert wait_state(api, running)["state"] == "EXECUTED"
        assert set(running_app.deployeds()) == {f"{running_app.host}/{n}" for n in "abc"}
    finally:
        again.stop()


def test_kill_9_keeps_the_lines_a_step_printed_before(proc, tmp_path):
    """The lines a command printed reach the database within a fraction of a second, not only when more lines come
    or the step ends: killed a second after its last line, the step's log still holds it."""
    api = Api(proc)
    marker = tmp_path / "printed"
    talk = script(tmp_path, "talk.sh", f"echo got as far as the backup\ntouch {marker}\nsleep 30\n")
    app = LocalApp(api)
    task_id = app.deploy_task(app.version("1.0", {"a": talk}))
    post(api, f"/tasks/v2/{task_id}/start")
    wait_for(marker.exists, what="the step to print its line")  # not asking the server: a read writes the log
    time.sleep(1)
    proc.kill()

    again = restart(proc)
    try:
        log = Api(again).get(f"/tasks/v2/{task_id}/step/0_1_1_1").json()["log"]
        assert "got as far as the backup" in log and "The server stopped while this step was running" in log, log
    finally:
        again.stop()


def test_sigterm_lets_the_running_step_finish(proc):
    api = Api(proc)
    app = LocalApp(api)
    task_id = app.deploy_task(app.version("1.0", {"a": ("sleep 1", 10), "b": ("echo b", 20)}))
    post(api, f"/tasks/v2/{task_id}/start")
    wait_for(lambda: task(api, task_id)["currentSteps"], what="the first step to start")
    assert proc.stop() == 0
    again = restart(proc)
    try:
        api = Api(again)
        stopped = task(api, task_id)
        assert stopped["state"] == "STOPPED"
        assert [s["state"] for s in steps_of(stopped["block"])] == ["DONE", "PENDING"]
        post(api, f"/tasks/v2/{task_id}/start")
        assert wait_state(api, task_id)["state"] == "EXECUTED"
    finally:
        again.stop()
