"""Executing tasks: serial and parallel blocks, the step pool and the active-task limit, stop, abort,
failure and resume, skip, pauses, logs while running, secrets masked."""

import time

import pytest

from server.errors import BadRequest, Conflict, NotFound
from tests.server.engine_helpers import Harness, parallel, serial, step, steps


@pytest.fixture
def h(tmp_path):
    harness = Harness(tmp_path, step_threads=2, max_active=1, abort_grace=1.0)
    yield harness
    harness.close()


def test_serial_blocks_run_in_order_and_stop_at_the_first_failure(h):
    task_id = h.create(steps("First", step("noop", "a"), step("noop", "b")),
                       steps("Second", step("fail", "c", message="c broke"), step("noop", "d")),
                       steps("Third", step("noop", "e")))
    assert h.run(task_id) == "FAILED"
    assert [d for _, d in h.fake.calls] == ["a", "b", "c"]
    task = h.task(task_id)
    assert task["failures"] == 1 and task["currentStep"] == 3 and task["currentSteps"] == ["0_2_1"]
    first, second, third = task["block"]["blocks"]
    assert (first["state"], second["state"], third["state"]) == ("DONE", "FAILED", "PENDING")
    failed = h.views.step(task_id, "0_2_1")
    assert failed["state"] == "FAILED" and failed["failureCount"] == 1 and "c broke" in failed["log"]
    assert h.step_state(task_id, "0_2_2") == "PENDING"


def test_a_failed_task_resumes_at_the_failed_step(h):
    task_id = h.create(steps("Plan", step("noop", "before"), step("flaky", "flaky", key="k", failures=2),
                             step("noop", "after")))
    assert h.run(task_id) == "FAILED"
    assert h.run(task_id) == "FAILED"
    assert h.run(task_id) == "EXECUTED"
    assert [d for _, d in h.fake.calls] == ["before", "flaky", "flaky", "flaky", "after"]
    task = h.task(task_id)
    flaky = task["block"]["blocks"][0]["steps"][1]
    assert flaky["state"] == "DONE" and flaky["failureCount"] == 2 and task["failures"] == 2
    assert "Failure 1 of k" in flaky["log"] and "worked on run 3" in flaky["log"]


def test_parallel_blocks_use_a_bounded_pool(h):
    task_id = h.create(parallel("Together", *[steps(f"Branch {n}", step("wait", f"w{n}", seconds=0.4))
                                              for n in range(4)]))
    began = time.monotonic()
    assert h.run(task_id) == "EXECUTED"
    elapsed = time.monotonic() - began
    assert h.fake.peak == 2  # task.step.threads = 2
    assert 0.75 < elapsed < 3.0


def test_a_failing_branch_lets_the_others_finish_then_fails_the_task(h):
    task_id = h.create(parallel("Together", steps("Quick", step("fail", "quick", message="no")),
                                steps("Slow", step("wait", "slow", seconds=2.0), step("noop", "slow 2"))),
                       steps("After", step("noop", "after")))
    h.engine.start(task_id)
    assert h.wait_for(lambda: h.state(task_id) == "FAILING", what="FAILING")
    assert h.engine.wait(task_id) == "FAILED"
    assert {d for _, d in h.fake.calls} == {"quick", "slow", "slow 2"}
    assert h.step_state(task_id, "0_2_1") == "PENDING"


def test_a_task_is_failing_while_branches_of_its_parallel_block_are_still_to_run(tmp_path):
    # One step thread: the slow branch waits its turn while the quick one fails; it runs all the same,
    # so the task is FAILING meanwhile (it once read EXECUTING then, when no other step was running yet).
    h = Harness(tmp_path, step_threads=1)
    try:
        task_id = h.create(parallel("Together", steps("Quick", step("fail", "quick", message="no")),
                                    steps("Slow", step("wait", "slow", seconds=1.0))))
        h.engine.start(task_id)
        settled = h.wait_for(lambda: {"FAILING", "FAILED"} & {h.state(task_id)}, what="FAILING or FAILED")
        assert settled == {"FAILING"}
        assert h.engine.wait(task_id) == "FAILED"
        assert [d for _, d in h.fake.calls] == ["quick", "slow"]
    finally:
        h.close()


def test_tasks_beyond_max_active_wait_queued(h):
    first = h.create(steps("Plan", step("wait", "first", seconds=0.6)))
    second = h.create(steps("Plan", step("noop", "second")))
    h.engine.start(first)
    h.engine.start(second)
    assert h.state(first) == "EXECUTING" and h.state(second) == "QUEUED"
    assert h.engine.wait(second) == "EXECUTED"
    assert h.state(first) == "EXECUTED"
    assert [d for _, d in h.fake.calls] == ["first", "second"]


def test_stop_takes_effect_after_the_current_step(h):
    task_id = h.create(steps("Plan", step("wait", "long", seconds=0.5), step("noop", "next")))
    h.engine.start(task_id)
    h.wait_for(lambda: h.step_state(task_id, "0_1_1") == "EXECUTING", what="the step to run")
    h.engine.stop(task_id)
    assert h.state(task_id) == "STOPPING"
    assert h.engine.wait(task_id) == "STOPPED"
    assert h.step_state(task_id, "0_1_1") == "DONE" and h.step_state(task_id, "0_1_2") == "PENDING"
    assert h.run(task_id) == "EXECUTED"
    assert [d for _, d in h.fake.calls] == ["long", "next"]


def test_abort_interrupts_the_running_step(h):
    task_id = h.create(steps("Plan", step("wait", "long", seconds=30), step("noop", "next")))
    h.engine.start(task_id)
    h.wait_for(lambda: h.step_state(task_id, "0_1_1") == "EXECUTING", what="the step to run")
    began = time.monotonic()
    h.engine.abort(task_id)
    assert h.engine.wait(task_id, 5) == "ABORTED"
    assert time.monotonic() - began < 3
    step_json = h.views.step(task_id, "0_1_1")
    assert step_json["state"] == "FAILED" and step_json["failureCount"] == 1
    assert h.step_state(task_id, "0_1_2") == "PENDING"
    with pytest.raises(Conflict, match="ABORTED"):
        h.engine.abort(task_id)


def test_abort_leaves_a_step_behind_that_ignores_it(h):
    task_id = h.create(steps("Plan", step("stuck", "stuck", seconds=5)))
    h.engine.start(task_id)
    h.wait_for(lambda: h.step_state(task_id, "0_1_1") == "EXECUTING", what="the step to run")
    h.engine.abort(task_id, wait=0)
    assert h.state(task_id) == "ABORTING"
    assert h.engine.wait(task_id, 4) == "ABORTED"
    assert "did not stop within 1s" in h.views.step(task_id, "0_1_1")["log"]


def test_skip_and_unskip_steps(h):
    task_id = h.create(steps("Plan", step("noop", "a"), step("noop", "b"), step("noop", "c")))
    h.engine.skip(task_id, ["0_1_2", "0_1_3"])
    h.engine.skip(task_id, ["0_1_3"], skip=False)
    assert h.step_state(task_id, "0_1_2") == "SKIP" and h.step_state(task_id, "0_1_3") == "PENDING"
    with pytest.raises(Conflict, match="0_1_1 of task .* is PENDING, not marked to be skipped"):
        h.engine.skip(task_id, ["0_1_1"], skip=False)
    with pytest.raises(NotFound, match="has no step 0_1_9"):
        h.engine.skip(task_id, ["0_1_9"])
    with pytest.raises(BadRequest, match="must be <block id>_<step number>"):
        h.engine.skip(task_id, ["x"])
    assert h.run(task_id) == "EXECUTED"
    assert [d for _, d in h.fake.calls] == ["a", "c"]
    assert h.step_state(task_id, "0_1_2") == "SKIPPED"
    with pytest.raises(Conflict, match="is EXECUTED"):
        h.engine.skip(task_id, ["0_1_1"])


def test_a_failed_step_can_be_skipped(h):
    task_id = h.create(steps("Plan", step("fail", "bad"), step("noop", "good")))
    assert h.run(task_id) == "FAILED"
    h.engine.skip(task_id, ["0_1_1"])
    assert h.run(task_id) == "EXECUTED"
    assert [d for _, d in h.fake.calls] == ["bad", "good"]
    assert h.step_state(task_id, "0_1_1") == "SKIPPED"


def test_skip_is_refused_while_executing_and_for_done_steps(h):
    task_id = h.create(steps("Plan", step("noop", "a"), step("wait", "w", seconds=0.5), step("noop", "c")))
    h.engine.start(task_id)
    h.wait_for(lambda: h.step_state(task_id, "0_1_2") == "EXECUTING", what="the wait")
    with pytest.raises(Conflict, match="is EXECUTING; skip is only possible"):
        h.engine.skip(task_id, ["0_1_3"])
    h.engine.stop(task_id)
    assert h.engine.wait(task_id) == "STOPPED"
    with pytest.raises(Conflict, match="0_1_1 of task .* is DONE"):
        h.engine.skip(task_id, ["0_1_1"])


def test_an_added_pause_stops_the_task_until_it_is_started_again(h):
    task_id = h.create(steps("Plan", step("noop", "a"), step("noop", "b")))
    h.engine.add_pause(task_id, "0_1_2")
    task = h.task(task_id)
    assert [s["description"] for s in task["block"]["blocks"][0]["steps"]] == ["a", "Pause", "b"]
    assert task["totalSteps"] == 3
    assert h.run(task_id) == "STOPPED"
    assert h.step_state(task_id, "0_1_2") == "PAUSED" and h.step_state(task_id, "0_1_3") == "PENDING"
    assert h.task(task_id)["currentSteps"] == ["0_1_2"]
    assert h.run(task_id) == "EXECUTED"
    assert [d for _, d in h.fake.calls] == ["a", "b"]
    assert "Continued" in h.views.step(task_id, "0_1_2")["log"]
    with pytest.raises(Conflict):
        h.engine.add_pause(task_id, "0_1_1")


def test_add_pause_keeps_progress_and_logs_of_the_steps_it_moves(h):
    task_id = h.create(steps("Plan", step("log", "a", lines=["from a"]), step("fail", "b", message="b failed"),
                             step("noop", "c")))
    assert h.run(task_id) == "FAILED"
    h.engine.add_pause(task_id, "0_1_2")
    moved = h.views.step(task_id, "0_1_3")
    assert moved["description"] == "b" and moved["state"] == "FAILED" and "b failed" in moved["log"]
    assert h.views.step(task_id, "0_1_1")["log"] == "from a\n"
    with pytest.raises(Conflict, match="0_1_1 of task .* is DONE"):
        h.engine.add_pause(task_id, "0_1_1")


def test_step_logs_are_readable_while_the_step_runs(h):
    task_id = h.create(steps("Plan", step("log", "talk", lines=["first line", "second line"], pause=0.6)))
    h.engine.start(task_id)
    h.wait_for(lambda: "first line" in h.views.step_log(task_id, "0_1_1"), timeout=0.5, what="the first line")
    assert h.step_state(task_id, "0_1_1") == "EXECUTING"
    assert "second line" not in h.views.step_log(task_id, "0_1_1")
    assert h.engine.wait(task_id) == "EXECUTED"
    assert h.views.step_log(task_id, "0_1_1") == "first line\nsecond line\n"


def test_secrets_given_to_a_step_never_appear_in_its_log(h):
    secret = h.services.secrets.encrypt("hunter2-password")
    task_id = h.create(steps("Plan", step("log", "leak", lines=["password is hunter2-password", secret],
                                          password=secret),
                             step("fail", "leak again", message="could not log in with hunter2-password")))
    # The fake logs its parameters as given: the engine decrypted `password`, so it knows the secret.
    assert h.run(task_id) == "FAILED"
    logs = h.views.step_log(task_id, "0_1_1") + h.views.step_log(task_id, "0_1_2")
    assert "hunter2" not in logs and "********" in logs


def test_an_empty_plan_executes(h):
    task_id = h.create(steps("Nothing to do"))
    assert h.run(task_id) == "EXECUTED"
    assert h.task(task_id)["block"]["state"] == "DONE"


def test_nested_parallel_blocks_inside_serial_blocks(h):
    task_id = h.create(serial("Outer", parallel("P", steps("x", step("noop", "x1")),
                                                serial("y", steps("y1", step("noop", "y1")),
                                                       parallel("Q", steps("q1", step("noop", "q1")),
                                                                steps("q2", step("noop", "q2")))))),
                       steps("Last", step("noop", "last")))
    assert h.run(task_id) == "EXECUTED"
    assert sorted(d for _, d in h.fake.calls) == ["last", "q1", "q2", "x1", "y1"]
    assert h.fake.calls[-1][1] == "last"
