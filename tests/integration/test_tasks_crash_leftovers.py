"""A crash never runs a step twice: the server killed (kill -9) while a step's command runs, started again and the
task retried at once; the command the first server started is ended before the retry runs it again.

The step's command writes `start` to a marker file, sleeps as many seconds as a second file says, and writes `end`.
The first copy sleeps long; the retry (the file now says 0) is quick. Two copies at once leave `start, start, end,
end` in the marker; the first copy ended at recovery leaves `start, start, end`.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import Api
from tests.integration.tasks_helpers import LocalApp, post, script, steps_of, task, wait_for, wait_state
from tests.support.server import ServerProcess
from tests.support.sshd import TEST_PASSWORD, TEST_USER, SshServer, make_shared_dir, require_root

FIRST_SLEEP = 5


@pytest.fixture
def proc(tmp_path):
    server = ServerProcess(tmp_path / "home").start()
    yield server
    server.stop()


@pytest.fixture
def shared():
    """A folder the SSH test user can write its marker in."""
    path = Path(make_shared_dir())
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def sshd():
    require_root()
    server = SshServer().start()
    yield server
    server.stop()


class MarkedStep:
    """A deployment of one cmd.Command running the marker script, killed mid-step."""

    def __init__(self, api, folder: Path, host: dict | None = None):
        self.marker, self.seconds = folder / "marker", folder / "seconds"
        self.seconds.write_text(f"{FIRST_SLEEP}\n")
        self.seconds.chmod(0o644)
        command = script(folder, "step.sh", f"echo start >> {self.marker}\nsleep $(cat {self.seconds})\n"
                                            f"echo end >> {self.marker}\n")
        app = LocalApp(api, host)
        self.host = app.host
        self.task_id = app.deploy_task(app.version("1.0", {"step": command}))
        self.started = 0.0

    def lines(self) -> list[str]:
        return self.marker.read_text().split() if self.marker.exists() else []

    def recorded(self, server: ServerProcess) -> bool:
        """Whether the server has recorded the step's command (it does so a moment after starting it)."""
        with sqlite3.connect(server.home / "repository" / "repository.db") as db:
            return db.execute("select count(*) from step_processes where task_id = ?",
                              (self.task_id,)).fetchone()[0] > 0

    def start_and_kill(self, api, server: ServerProcess) -> None:
        post(api, f"/tasks/v2/{self.task_id}/start")
        wait_for(lambda: self.lines() == ["start"], what="the step to write start")
        # On a loaded machine the marker can be written before the record is committed: kill after both.
        wait_for(lambda: self.recorded(server), what="the step's command to be recorded")
        self.started = time.monotonic()
        server.kill()
        self.seconds.write_text("0\n")  # the retry is quick; the first copy already sleeps its 5 seconds

    def after_first_copy_would_end(self) -> list[str]:
        time.sleep(max(0.0, self.started + FIRST_SLEEP + 1.5 - time.monotonic()))
        return self.lines()

    def step(self, api) -> dict:
        (only,) = steps_of(task(api, self.task_id)["block"])
        return only


def restart(server: ServerProcess) -> ServerProcess:
    return ServerProcess(server.home, port=server.port).start()


def retry_runs_once(marked: MarkedStep, server: ServerProcess) -> None:
    """Restart, retry at once, and check that the step ran to completion once with no second copy."""
    again = restart(server)
    try:
        api = Api(again)
        assert task(api, marked.task_id)["state"] == "FAILED"
        log = marked.step(api)["log"]
        assert "Ended the step's leftover process " in log and "from before the server stopped." in log, log
        post(api, f"/tasks/v2/{marked.task_id}/start")
        assert wait_state(api, marked.task_id)["state"] == "EXECUTED"
        assert marked.after_first_copy_would_end() == ["start", "start", "end"]
    finally:
        again.stop()


def test_kill_9_then_retry_on_the_local_host(proc, tmp_path):
    marked = MarkedStep(Api(proc), tmp_path)
    marked.start_and_kill(Api(proc), proc)
    retry_runs_once(marked, proc)


def test_kill_9_then_retry_over_ssh(proc, sshd, shared):
    host = dict(sshd.host(username=TEST_USER, password=TEST_PASSWORD), type="overthere.SshHost")
    del host["id"]
    marked = MarkedStep(Api(proc), shared, host)
    marked.start_and_kill(Api(proc), proc)
    retry_runs_once(marked, proc)


def test_an_unreachable_host_keeps_the_task_from_running_again_until_the_leftover_is_ended(proc, sshd, shared):
    host = dict(sshd.host(username=TEST_USER, password=TEST_PASSWORD), type="overthere.SshHost")
    del host["id"]
    marked = MarkedStep(Api(proc), shared, host)
    marked.start_and_kill(Api(proc), proc)
    port = sshd.port
    sshd.stop()  # the host cannot be reached while the server recovers; the command goes on meanwhile
    again = restart(proc)
    try:
        api = Api(again)
        assert task(api, marked.task_id)["state"] == "FAILED"
        refused = api.post(f"/tasks/v2/{marked.task_id}/start")
        assert refused.status_code == 409, refused.text
        assert "may still be running" in refused.text and marked.host in refused.text, refused.text
        assert "Could not end the step's leftover process " in marked.step(api)["log"]
        assert task(api, marked.task_id)["state"] == "FAILED"
        back = SshServer()
        back.port = port
        back.start()
        try:
            post(api, f"/tasks/v2/{marked.task_id}/start")
            assert wait_state(api, marked.task_id)["state"] == "EXECUTED"
            assert "Ended the step's leftover process " in marked.step(api)["log"]
            assert marked.after_first_copy_would_end() == ["start", "start", "end"]
        finally:
            back.stop()
    finally:
        again.stop()
