"""Shared mode, two servers on one PostgreSQL, each reaching it through a TCP proxy the test can cut or pause: a
server cut off from the database ends its task's steps itself before its lease expires (self-fencing), so the step
never runs on two servers at once when another server fails the task and a user retries it there; a hiccup shorter
than the fencing time disturbs nothing.

The task's step appends `start` to a marker, sleeps as long as a file says, then appends `end`."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy

from tests.conftest import Api
from tests.integration.tasks_helpers import LocalApp, post, script, steps_of, task, wait_for, wait_state
from tests.support.postgres import PostgresServer
from tests.support.server import ServerProcess, start_nodes
from tests.support.tcpproxy import TcpProxy

LEASE = 6.0
HEARTBEAT = 0.5
ABORT_GRACE = 1.0
FENCE = LEASE - HEARTBEAT - ABORT_GRACE  # server/engine/fencing.py
FENCED = "could not renew its lease"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    pg = PostgresServer().start()
    url = pg.create_database("deployit")
    proxies, servers = [], []
    try:
        proxies.extend(TcpProxy(pg.port).start() for _ in range(2))
        start_nodes(tmp_path_factory, [{"repository.database.url": url.replace(f":{pg.port}/", f":{proxy.port}/"),
                                        "task.lease.seconds": LEASE, "task.heartbeat.seconds": HEARTBEAT,
                                        "task.abort.grace": ABORT_GRACE} for proxy in proxies], servers,
                    log_level="INFO")
        db = sqlalchemy.create_engine(url)  # the test's own way in, never cut
        yield list(zip(servers, proxies)), db
        db.dispose()
    finally:
        for proxy in proxies:
            proxy.restore()
        for server in servers:
            server.stop()
        for proxy in proxies:
            proxy.stop()
        pg.stop()


def row(db, task_id: str) -> dict:
    with db.connect() as conn:
        found = conn.execute(sqlalchemy.text("select state, node, lease_until from tasks where id = :id"),
                             {"id": task_id}).one()
        groups = conn.execute(sqlalchemy.text("select process_group from step_processes where task_id = :id"),
                              {"id": task_id}).scalars().all()
    return dict(found._mapping, groups=groups)


def lease_end(db, task_id: str) -> datetime:
    return datetime.strptime(row(db, task_id)["lease_until"], "%Y-%m-%dT%H:%M:%S.%f%z")


def running(group: int) -> bool:
    """Whether a process of the group is alive (a zombie is not: the machine's init may reap orphans late)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it has just ended
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def marked_task(api, folder: Path, seconds: float) -> tuple[str, Path, Path]:
    """A task whose step appends `start` to its marker, sleeps the seconds its file says, then appends `end`;
    returns (task id, marker, seconds file)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker, wait = folder / "marker", folder / "seconds"
    wait.write_text(f"{seconds}\n")
    step = script(folder, "step.sh", f"echo start >> {marker}\nsleep $(cat {wait})\necho end >> {marker}\n")
    app = LocalApp(api)
    return app.deploy_task(app.version("1.0", {"step": step})), marker, wait


def lines(marker: Path) -> list[str]:
    return marker.read_text().split() if marker.exists() else []


def started(members, db, tmp_path: Path, seconds: float):
    """A marked task started and running its step's command; returns (task id, marker, seconds file, the
    (server, proxy) running it, the other (server, proxy))."""
    api = Api(members[0][0])
    task_id, marker, wait = marked_task(api, tmp_path, seconds)
    post(api, f"/tasks/v2/{task_id}/start")
    wait_for(lambda: lines(marker) == ["start"] and row(db, task_id)["groups"], what="the step's command to run")
    number = int(row(db, task_id)["node"].removeprefix("node"))
    return task_id, marker, wait, members[number - 1], members[2 - number]


def log_of(server: ServerProcess) -> str:
    return server.log_path.read_text(errors="replace")


@pytest.mark.parametrize("how", ["cut", "pause"])
def test_a_database_hiccup_shorter_than_the_fencing_time_disturbs_no_task(pair, tmp_path, how):
    """Connections reset and refused (cut), or nothing answering (pause), for a moment: the step runs on, the
    server renews its leases again (its ticker lived through the errors) and the task finishes."""
    members, db = pair
    task_id, marker, _, (owner, proxy), _ = started(members, db, tmp_path, 5)
    getattr(proxy, how)()
    time.sleep(FENCE / 3)
    proxy.restore()
    back = datetime.now(timezone.utc)
    wait_for(lambda: (lease_end(db, task_id) - back).total_seconds() > LEASE - 2 * HEARTBEAT,
             what="the lease to be renewed after the hiccup")
    done = wait_state(Api(owner), task_id, timeout=15)
    assert done["state"] == "EXECUTED", steps_of(done["block"])
    assert lines(marker) == ["start", "end"]
    assert f"Task {task_id}: this server {FENCED}" not in log_of(owner)


def test_a_server_cut_off_from_the_database_ends_its_steps_before_another_can_retry_the_task(pair, tmp_path):
    members, db = pair
    task_id, marker, wait, (owner, proxy), (other, other_proxy) = started(members, db, tmp_path, 60)
    group = row(db, task_id)["groups"][0]
    proxy.pause()  # the owner's statements wait, unanswered: its ticker is stuck in one
    paused = time.monotonic()
    wait_for(lambda: not running(group), timeout=LEASE + 5, what="the step's command to end")
    ended = time.monotonic() - paused
    # Ended by its own server, before anyone could take the task: the lease has not expired.
    now = datetime.now(timezone.utc)
    assert row(db, task_id)["state"] == "EXECUTING" and lease_end(db, task_id) > now, (ended, row(db, task_id))
    assert ended < FENCE + 1, ended
    assert log_of(owner).count(f"Task {task_id}: this server {FENCED}") == 1

    failed = wait_state(Api(other), task_id, states=("FAILED",), timeout=LEASE + 5)
    assert "The server stopped while this step was running" in steps_of(failed["block"])[0]["log"]
    wait.write_text("0\n")
    post(Api(other), f"/tasks/v2/{task_id}/start")
    assert wait_state(Api(other), task_id)["state"] == "EXECUTED"
    assert lines(marker) == ["start", "start", "end"]  # the first copy never wrote its end

    # Back on the database, the fenced server claims tasks again (the other one cannot, cut off meanwhile).
    proxy.restore()
    other_proxy.cut()
    try:
        again, again_marker, _ = marked_task(Api(owner), tmp_path / "again", 0)
        post(Api(owner), f"/tasks/v2/{again}/start")
        assert wait_state(Api(owner), again, timeout=15)["state"] == "EXECUTED"
        assert row(db, again)["node"] == owner.conf["server.node.id"] and lines(again_marker) == ["start", "end"]
    finally:
        other_proxy.restore()
    assert task(Api(other), task_id)["state"] == "EXECUTED"


def left(db, api, task_id: str, deployed_application: str) -> dict:
    """What a task's servers wrote of it: its row, its steps' progress, logs and command records, and its
    deployed application in the repository."""
    with db.connect() as conn:
        def rows(sql):
            return [tuple(found) for found in conn.execute(sqlalchemy.text(sql), {"id": task_id}).all()]
        found = {
            "task": rows("select state, node, claim, failures, commits, completed_at from tasks where id = :id"),
            "progress": rows("select path, state, started_at, completed_at, failure_count from task_progress "
                             "where task_id = :id order by path"),
            "logs": rows("select seq, path, text from task_logs where task_id = :id order by seq"),
            "processes": rows("select tag from step_processes where task_id = :id")}
    found["application"] = api.get(f"/repository/ci/{deployed_application}").json()
    return found


def test_a_fenced_server_back_on_the_database_writes_nothing_more_for_the_task_another_server_took(pair, tmp_path):
    """The late writes of the server cut off (its command's record removed, the log line of its step left behind,
    sent while the database did not answer) reach the database once it answers again, after the other server
    failed the task and ran it again: they are refused, since the task's claim has moved on."""
    members, db = pair
    task_id, marker, wait, (owner, proxy), (other, _) = started(members, db, tmp_path, 60)
    meta = task(Api(other), task_id)["metadata"]
    deployed_application = f"{meta['environment_id']}/{meta['application']}"
    proxy.pause()
    try:
        wait_state(Api(other), task_id, states=("FAILED",), timeout=LEASE + 5)
        wait.write_text("0\n")
        post(Api(other), f"/tasks/v2/{task_id}/start")
        assert wait_state(Api(other), task_id)["state"] == "EXECUTED"
        before = left(db, Api(other), task_id, deployed_application)
    finally:
        proxy.restore()
    lost = f"Task {task_id} is no longer this server's"
    try:
        wait_for(lambda: lost in log_of(owner), timeout=5, what="the owner's late writes to be refused")
    finally:
        time.sleep(1)  # whatever else the owner still sends
        assert left(db, Api(other), task_id, deployed_application) == before
    assert log_of(owner).count(lost) == 1
    assert lines(marker) == ["start", "start", "end"]
