"""Shared mode: a server acts at once on what another server records for it (PostgreSQL LISTEN/NOTIFY,
server/engine/wakeup.py): a task queued on a full server is claimed by the other, a stop or an abort recorded on one
server reaches the step running on the other. The ticks are 30 s apart here, so only a notification explains an
answer within a fraction of a second; a listening connection killed is made again, and the tick it makes on its
return covers what was told meanwhile."""

from __future__ import annotations

import time

import pytest
import sqlalchemy

from tests.conftest import Api
from tests.integration.tasks_helpers import post, wait_for, wait_state
from tests.integration.test_tasks_cluster import lines, marked_task, node_of
from tests.support.postgres import PostgresServer
from tests.support.server import ServerProcess, start_nodes

TICK = 30
PROMPT = 0.3  # seconds: far below a tick


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    pg = PostgresServer().start()
    url = pg.create_database("deployit")
    servers = []
    try:
        start_nodes(tmp_path_factory, [{"repository.database.url": url, "task.max.active": 1, "task.poll.seconds": TICK,
                                        "task.heartbeat.seconds": TICK, "task.lease.seconds": 3 * TICK}] * 2, servers)
        db = sqlalchemy.create_engine(url)
        yield servers, db
        db.dispose()
    finally:
        for server in servers:
            server.stop()
        pg.stop()


def running(pair, tmp_path, name: str, body: str = "sleep 30", **more):
    """A task started (either server may claim it), once its step runs: (task id, its server, the other one)."""
    servers, db = pair
    task_id, marker = marked_task(Api(servers[0]), tmp_path / name, body, **more)
    post(Api(servers[0]), f"/tasks/v2/{task_id}/start")
    wait_for(lambda: lines(marker) == ["start"], what="the step to start")
    owner = servers[int(node_of(db, task_id).removeprefix("node")) - 1]
    return task_id, owner, next(server for server in servers if server is not owner)


def abort_seconds(server, task_id: str) -> float:
    """Seconds from an abort asked of `server` to the task ABORTED."""
    api = Api(server)
    began = time.monotonic()
    post(api, f"/tasks/v2/{task_id}/abort")
    wait_state(api, task_id, states=("ABORTED",), timeout=2 * TICK)
    return time.monotonic() - began


def test_a_task_queued_on_a_full_server_is_claimed_by_the_other_at_once(pair, tmp_path):
    _, db = pair
    busy, full, other = running(pair, tmp_path, "busy")  # each server runs one task at most
    queued, marker = marked_task(Api(full), tmp_path / "queued", "true")
    began = time.monotonic()
    post(Api(full), f"/tasks/v2/{queued}/start")
    wait_for(lambda: lines(marker) == ["start"], timeout=2 * TICK, what="the other server to run the task")
    assert time.monotonic() - began < PROMPT
    assert node_of(db, queued) == other.conf["server.node.id"]
    assert wait_state(Api(other), queued)["state"] == "EXECUTED"
    abort_seconds(full, busy)


def test_stop_and_abort_from_another_server_reach_the_step_at_once(pair, tmp_path):
    after = tmp_path / "after"
    stopped, owner, other = running(pair, tmp_path, "stop", "sleep 1", after=f"echo after >> {after}")
    post(Api(other), f"/tasks/v2/{stopped}/stop")  # the step ends in a second; the next one must not start
    assert wait_state(Api(owner), stopped, timeout=2 * TICK)["state"] == "STOPPED"
    assert not after.exists()
    for n in range(3):
        aborted, _, other = running(pair, tmp_path, f"abort{n}")
        assert abort_seconds(other, aborted) < PROMPT


def test_a_lost_listening_connection_comes_back_and_its_gap_is_covered(pair, tmp_path):
    _, db = pair
    aborted, owner, other = running(pair, tmp_path, "gap")
    node = owner.conf["server.node.id"]
    with db.connect() as conn:
        killed = conn.execute(sqlalchemy.text("select pg_terminate_backend(pid) from pg_stat_activity "
                                              "where application_name = :name"),
                              {"name": f"deployit wakeup {node}"}).scalars().all()
    assert killed == [True]
    # Told while the owner does not listen: the tick it makes when it listens again (a second later) sees it.
    assert abort_seconds(other, aborted) < 3
    log = wait_for(lambda: "listens to the other servers again" in owner.log_path.read_text() and
                   owner.log_path.read_text(), what="the listening connection to come back")
    assert log.count("lost its connection listening to the other servers") == 1, log
    for n in range(10):  # until the server that lost its connection claims a task: does it listen again?
        again, claimed, other = running(pair, tmp_path, f"again{n}")
        if claimed is owner:
            assert abort_seconds(other, again) < PROMPT
            return
        abort_seconds(claimed, again)
    raise AssertionError(f"{node} claimed none of 10 tasks")


def test_a_bad_task_notify_stops_the_server_with_one_sentence(tmp_path):
    server = ServerProcess(tmp_path / "home", conf={"task.notify": "sometimes"})
    with pytest.raises(RuntimeError) as failure:
        server.start(timeout=20)
    assert "deployit.conf: task.notify must be true or false, not 'sometimes'." in str(failure.value)
    assert server.proc.returncode == 2
