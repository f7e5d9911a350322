"""What a new engine makes of the tasks an earlier one left (engine §7.4), and graceful shutdown.
The kill -9 case with a real server is in tests/integration/test_tasks_recovery.py."""

from datetime import timedelta

import pytest

from server.engine.scheduler import utc_now
from server.store.dates import format_date
from tests.server.engine_helpers import Harness, step, steps


@pytest.fixture
def h(tmp_path):
    harness = Harness(tmp_path)
    yield harness
    harness.close()


def restart(h):
    """A new engine on the same store, as after a server restart."""
    h.engine.shutdown(0.5)
    h.engine = h.new_engine()
    h.engine.startup()


def test_interrupted_tasks_come_back_failed_and_others_as_they_were(h):
    store = h.services.tasks
    interrupted = h.create(steps("Plan", step("noop", "done"), step("noop", "was running"), step("noop", "later")))
    store.update(interrupted, state="EXECUTING", started_at=format_date(utc_now()))
    store.set_progress(interrupted, {"0": {"state": "EXECUTING"}, "0_1": {"state": "EXECUTING"},
                                     "0_1_1": {"state": "DONE"}, "0_1_2": {"state": "EXECUTING"}})
    store.append_log(interrupted, "0_1_2", "half way\n")
    pending = h.create(steps("Plan", step("noop", "pending")))
    queued = h.create(steps("Plan", step("noop", "queued")))
    store.update(queued, state="QUEUED")
    overdue = h.create(steps("Plan", step("noop", "overdue")))
    store.update(overdue, state="SCHEDULED", scheduled_at=format_date(utc_now() - timedelta(minutes=5)))
    later = h.create(steps("Plan", step("noop", "later")))
    store.update(later, state="SCHEDULED", scheduled_at=format_date(utc_now() + timedelta(hours=1)))
    restart(h)

    task = h.task(interrupted)
    assert task["state"] == "FAILED" and task["failures"] == 1 and task["completionDate"]
    running = h.views.step(interrupted, "0_1_2")
    assert running["state"] == "FAILED" and running["failureCount"] == 1
    assert running["log"].startswith("half way\nThe server stopped while this step was running")
    assert task["block"]["state"] == "FAILED" and task["block"]["blocks"][0]["state"] == "FAILED"
    assert h.engine.wait(queued) == "EXECUTED"
    assert h.engine.wait(overdue) == "EXECUTED"
    assert h.state(pending) == "PENDING" and h.state(later) == "SCHEDULED"
    # The interrupted task resumes at the step that was running.
    assert h.run(interrupted) == "EXECUTED"
    assert [d for _, d in h.fake.calls if d in ("done", "was running", "later")] == ["was running", "later"]


def test_graceful_shutdown_lets_a_short_step_finish_and_leaves_a_long_one_to_recovery(h):
    short = h.create(steps("Plan", step("wait", "short", seconds=0.3), step("noop", "next")))
    long = h.create(steps("Plan", step("stuck", "long", seconds=3)))
    h.engine.start(short)
    h.engine.start(long)
    h.wait_for(lambda: h.step_state(short, "0_1_1") == "EXECUTING" and h.step_state(long, "0_1_1") == "EXECUTING",
               what="both steps to run")
    h.engine.shutdown(1.0)
    assert h.state(short) == "STOPPED"
    assert h.step_state(short, "0_1_1") == "DONE" and h.step_state(short, "0_1_2") == "PENDING"
    assert h.state(long) in ("EXECUTING", "STOPPING")
    h.engine = h.new_engine()
    h.engine.startup()
    assert h.state(long) == "FAILED" and h.step_state(long, "0_1_1") == "FAILED"
    with pytest.raises(Exception):
        h.engine.stop(long)
