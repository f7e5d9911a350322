"""Shared mode with three servers on one PostgreSQL: a task runs once whichever servers are asked to start it,
schedules fire from the database (a reschedule made on any server counts), stop and abort work from any server, and
a task whose server was killed (kill -9) leaves EXECUTING within the lease and can be retried on another.

Each task deploys cmd.Commands to the local host whose scripts append to a marker file: its lines say how often
each step ran."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy

from tests.conftest import Api
from tests.integration.tasks_helpers import LocalApp, post, script, steps_of, task, wait_for, wait_state
from tests.support.postgres import PostgresServer
from tests.support.server import ServerProcess, start_nodes

LEASE = 3
FIRST_SLEEP = 6


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    pg = PostgresServer().start()
    url = pg.create_database("deployit")
    servers = []
    try:
        # Fencing (server/engine/fencing.py) after 3 - 0.5 - 0.5 = 2 s without a renewal.
        start_nodes(tmp_path_factory, [{"repository.database.url": url, "task.lease.seconds": LEASE,
                                        "task.heartbeat.seconds": 0.5, "task.abort.grace": 0.5}] * 3, servers)
        db = sqlalchemy.create_engine(url)
        yield servers, db
        db.dispose()
    finally:
        for server in servers:
            server.stop()
        pg.stop()


def node_of(db, task_id: str) -> str | None:
    with db.connect() as conn:
        return conn.execute(sqlalchemy.text("select node from tasks where id = :id"), {"id": task_id}).scalar()


def recorded(db, task_id: str) -> bool:
    """Whether the server has recorded the step's command (it does so a moment after starting it)."""
    with db.connect() as conn:
        return conn.execute(sqlalchemy.text("select count(*) from step_processes where task_id = :id"),
                            {"id": task_id}).scalar() > 0


def marked_task(api, folder: Path, body: str, **more: str) -> tuple[str, Path]:
    """A deployment task whose step runs `body` after appending `start` to its marker; returns (task id, marker)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "marker"
    commands = {"step": script(folder, "step.sh", f"echo start >> {marker}\n{body}\n")}
    for name, line in more.items():
        commands[name] = (script(folder, f"{name}.sh", line + "\n"), 60)
    app = LocalApp(api)
    return app.deploy_task(app.version("1.0", commands)), marker


def lines(marker: Path) -> list[str]:
    return marker.read_text().split() if marker.exists() else []


def at(seconds: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_task_started_on_two_servers_at_once_runs_once(cluster, tmp_path):
    servers, _ = cluster
    first, second = Api(servers[0]), Api(servers[1])
    tries = [marked_task(first, tmp_path / str(n), "true") for n in range(20)]
    for task_id, marker in tries:
        barrier = threading.Barrier(2)
        codes = []

        def start(api):
            barrier.wait()
            codes.append(api.post(f"/tasks/v2/{task_id}/start").status_code)

        threads = [threading.Thread(target=start, args=(api,)) for api in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(codes) == [204, 409], codes
        assert wait_state(first, task_id)["state"] == "EXECUTED"
        assert lines(marker) == ["start"]
    refused = second.post(f"/tasks/v2/{tries[0][0]}/start")
    assert refused.status_code == 409 and "is EXECUTED; start is only possible" in refused.json()["message"]


def test_scheduled_tasks_run_once_and_a_reschedule_on_another_server_counts(cluster, tmp_path):
    servers, _ = cluster
    apis = [Api(server) for server in servers]
    tasks = [marked_task(apis[0], tmp_path / str(n), "true") for n in range(4)]
    for index, (task_id, _) in enumerate(tasks):
        post(apis[index % 3], f"/tasks/v2/{task_id}/schedule", params={"time": at(1.5)})
    moved, moved_marker = tasks[0]
    post(apis[1], f"/tasks/v2/{moved}/schedule", params={"time": at(5)})  # later, on another server
    for task_id, marker in tasks[1:]:
        assert wait_state(apis[2], task_id, timeout=15)["state"] == "EXECUTED"
        assert lines(marker) == ["start"]
    assert task(apis[2], moved)["state"] == "SCHEDULED" and lines(moved_marker) == []
    assert wait_state(apis[0], moved, timeout=15)["state"] == "EXECUTED"
    assert lines(moved_marker) == ["start"]


def owner_and_other(cluster, task_id: str) -> tuple[ServerProcess, ServerProcess]:
    servers, db = cluster
    node = wait_for(lambda: node_of(db, task_id), what="a server to claim the task")
    owner = servers[int(node.removeprefix("node")) - 1]
    return owner, next(s for s in servers if s is not owner and s.proc.poll() is None)


def test_stop_and_abort_from_another_server(cluster, tmp_path):
    servers, _ = cluster
    api = Api(servers[0])
    stopped, stopped_marker = marked_task(api, tmp_path / "stop", "sleep 2", after="true")
    post(api, f"/tasks/v2/{stopped}/start")
    wait_for(lambda: lines(stopped_marker) == ["start"], what="the step to start")
    _, other = owner_and_other(cluster, stopped)
    post(Api(other), f"/tasks/v2/{stopped}/stop")
    done = wait_state(api, stopped, timeout=15)
    assert done["state"] == "STOPPED"
    assert [s["state"] for s in steps_of(done["block"])] == ["DONE", "PENDING"]

    aborted, aborted_marker = marked_task(api, tmp_path / "abort", "sleep 30")
    post(api, f"/tasks/v2/{aborted}/start")
    wait_for(lambda: lines(aborted_marker) == ["start"], what="the step to start")
    _, other = owner_and_other(cluster, aborted)
    started = time.monotonic()
    post(Api(other), f"/tasks/v2/{aborted}/abort")
    assert wait_state(api, aborted, timeout=15)["state"] == "ABORTED"
    assert time.monotonic() - started < 10


def test_a_running_steps_log_reads_the_same_on_every_server(cluster, tmp_path):
    """A line a command printed is in the database within a fraction of a second, so another server's read of the
    step log shows it while the step still runs, as the running server's own read does."""
    servers, _ = cluster
    task_id, marker = marked_task(Api(servers[0]), tmp_path, "echo copied 3 files\nsleep 30")
    post(Api(servers[0]), f"/tasks/v2/{task_id}/start")
    wait_for(lambda: lines(marker) == ["start"], what="the step to start")
    printed = time.monotonic()
    owner, other = owner_and_other(cluster, task_id)
    for server in (other, owner):  # the other first: a read on the owner writes what it holds
        api = Api(server)
        wait_for(lambda: "copied 3 files" in api.get(f"/tasks/v2/{task_id}/step-log/0_1_1_1").text, timeout=5,
                 what=f"the line on {server.url}")
        assert time.monotonic() - printed < 1.5
    post(Api(owner), f"/tasks/v2/{task_id}/abort")
    assert wait_state(Api(other), task_id, timeout=15)["state"] == "ABORTED"


def test_a_killed_servers_task_fails_within_the_lease_and_another_retries_it(cluster, tmp_path):
    servers, _ = cluster
    api = Api(servers[0])
    seconds = tmp_path / "seconds"
    seconds.write_text(f"{FIRST_SLEEP}\n")
    task_id, marker = marked_task(api, tmp_path, f"sleep $(cat {seconds})\necho end >> {tmp_path / 'marker'}")
    post(api, f"/tasks/v2/{task_id}/start")
    wait_for(lambda: lines(marker) == ["start"], what="the step to start")
    owner, survivor = owner_and_other(cluster, task_id)
    wait_for(lambda: recorded(cluster[1], task_id), what="the step's command to be recorded")
    owner.kill()
    killed = time.monotonic()
    seconds.write_text("0\n")  # the retry is quick; the first copy sleeps on unless it is ended
    other = Api(survivor)
    failed = wait_state(other, task_id, states=("FAILED",), timeout=LEASE + 5)
    assert time.monotonic() - killed < LEASE + 3
    log = steps_of(failed["block"])[0]["log"]
    assert "The server stopped while this step was running" in log, log
    post(other, f"/tasks/v2/{task_id}/start")
    assert wait_state(other, task_id)["state"] == "EXECUTED"
    time.sleep(max(0.0, killed + FIRST_SLEEP + 1 - time.monotonic()))
    assert lines(marker) == ["start", "start", "end"]  # the first copy was ended, never finished
    assert "Ended the step's leftover process " in steps_of(task(other, task_id)["block"])[0]["log"]
