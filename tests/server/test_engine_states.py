"""The task state machine (engine spec §7.1): every action in the states that allow it, refusals otherwise."""

from datetime import datetime, timedelta, timezone

import pytest

from server.engine.states import InvalidTransition
from server.errors import BadRequest, Conflict, NotFound
from tests.server.engine_helpers import Harness, step, steps


@pytest.fixture
def h(tmp_path):
    harness = Harness(tmp_path)
    yield harness
    harness.close()


def iso(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).isoformat()


def test_a_task_runs_to_executed_and_is_archived_done(h):
    task_id = h.create(steps("Plan", step("noop", "one"), step("noop", "two")))
    task = h.task(task_id)
    assert task["state"] == "PENDING" and task["totalSteps"] == 2 and task["currentStep"] == 0
    assert h.run(task_id) == "EXECUTED"
    task = h.task(task_id)
    assert task["currentStep"] == 2 and task["startDate"] and task["completionDate"]
    assert task["block"]["state"] == "DONE" and task["block"]["blocks"][0]["state"] == "DONE"
    assert [s["state"] for s in task["block"]["blocks"][0]["steps"]] == ["DONE", "DONE"]
    h.engine.archive(task_id)
    task = h.task(task_id)
    assert task["state"] == "DONE" and task["archived"] and task["archivedDate"]
    assert task_id not in [t["id"] for t in h.views.current(None)]


@pytest.mark.parametrize("action", ["stop", "abort", "archive"])
def test_actions_refused_on_a_pending_task_name_task_and_state(h, action):
    task_id = h.create(steps("Plan", step("noop")))
    with pytest.raises(InvalidTransition) as refused:
        getattr(h.engine, action)(task_id)
    assert refused.value.status == 409
    assert task_id in refused.value.message and "PENDING" in refused.value.message and action in refused.value.message


def test_finished_tasks_refuse_what_they_no_longer_allow(h):
    task_id = h.create(steps("Plan", step("noop")))
    assert h.run(task_id) == "EXECUTED"
    for action in ("start", "stop", "abort", "cancel"):
        with pytest.raises(Conflict, match=f"Task {task_id} is EXECUTED"):
            getattr(h.engine, action)(task_id)
    with pytest.raises(Conflict):
        h.engine.schedule(task_id, iso(timedelta(hours=1)))
    h.engine.archive(task_id)
    for action in ("start", "archive", "cancel"):
        with pytest.raises(Conflict, match="is DONE"):
            getattr(h.engine, action)(task_id)
    with pytest.raises(Conflict, match="is DONE"):
        h.engine.assign(task_id, "bob")
    with pytest.raises(NotFound, match="Task nope not found"):
        h.engine.start("nope")


def test_cancel_removes_a_pending_task_and_archives_a_failed_one(h):
    pending = h.create(steps("Plan", step("noop")))
    h.engine.cancel(pending)
    assert h.services.tasks.get(pending) is None
    with pytest.raises(NotFound):
        h.views.task(pending)
    failed = h.create(steps("Plan", step("fail", message="broken")))
    assert h.run(failed) == "FAILED"
    h.engine.cancel(failed)
    task = h.task(failed)
    assert task["state"] == "CANCELLED" and task["archived"]


def test_schedule_refuses_the_past_and_beyond_the_horizon(h):
    task_id = h.create(steps("Plan", step("noop")))
    with pytest.raises(BadRequest, match="in the past"):
        h.engine.schedule(task_id, iso(timedelta(minutes=-1)))
    with pytest.raises(BadRequest, match="at most 365 days ahead"):
        h.engine.schedule(task_id, iso(timedelta(days=400)))
    with pytest.raises(BadRequest, match="not an ISO-8601"):
        h.engine.schedule(task_id, "tomorrow")
    with pytest.raises(BadRequest, match="'time' is required"):
        h.engine.schedule(task_id, "")
    assert h.state(task_id) == "PENDING"
    # Three weeks ahead is always allowed; the time is stored in UTC.
    local = (datetime.now(timezone(timedelta(hours=2))) + timedelta(weeks=3)).replace(microsecond=0)
    stored = h.engine.schedule(task_id, local.isoformat())
    assert stored.endswith("+0000") and h.task(task_id)["scheduledDate"] == stored
    assert stored.startswith(local.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
    assert h.state(task_id) == "SCHEDULED"


def test_a_scheduled_task_starts_at_its_time_and_can_be_rescheduled(h):
    task_id = h.create(steps("Plan", step("noop")))
    h.engine.schedule(task_id, iso(timedelta(hours=2)))
    h.engine.schedule(task_id, iso(timedelta(seconds=1)))  # reschedule: SCHEDULED -> SCHEDULED
    assert h.state(task_id) == "SCHEDULED"
    assert h.engine.wait(task_id, 10) == "EXECUTED"


def test_start_unschedules_and_cancel_archives_a_scheduled_task(h):
    first = h.create(steps("Plan", step("noop")))
    h.engine.schedule(first, iso(timedelta(hours=1)))
    assert h.run(first) == "EXECUTED"
    assert h.task(first)["scheduledDate"] is None
    second = h.create(steps("Plan", step("noop")))
    h.engine.schedule(second, iso(timedelta(hours=1)))
    h.engine.cancel(second)
    task = h.task(second)
    assert task["state"] == "CANCELLED" and task["archived"]


def test_assign_and_takeover_change_the_owner(h):
    task_id = h.create(steps("Plan", step("noop")), owner="alice")
    h.engine.assign(task_id, "bob")
    assert h.task(task_id)["owner"] == "bob"
    assert [t["id"] for t in h.views.current("bob")] == [task_id]
    assert h.views.current("alice") == []
    with pytest.raises(Conflict, match="owned by bob, not by alice"):
        h.engine.takeover(task_id, "alice", "carol")
    h.engine.takeover(task_id, "bob", "carol")
    assert h.task(task_id)["owner"] == "carol"
    with pytest.raises(BadRequest):
        h.engine.assign(task_id, " ")


def test_current_tasks_carry_the_task_state_fields_scripts_use(h):
    task_id = h.create(steps("Plan", step("noop"), step("noop")))
    [task] = h.views.current("admin")
    assert task["id"] == task_id and "block" not in task
    for field in ("id", "state", "description", "owner", "startDate", "completionDate", "nrSteps", "currentStepNr",
                  "metadata", "failureCount", "totalSteps", "currentStep", "scheduledDate"):
        assert field in task, field
    assert task["nrSteps"] == 2 and task["currentStepNr"] == 0
