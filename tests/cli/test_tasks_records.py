"""The shell's task views and progress lines over plain task JSON (as GET /tasks/v2/{id} answers), without a
server: states as enums and strings, dates, aliases of the 3.x TaskInfo, step blocks, the progress
printer, dates for the archive queries and schedule, Control round trips and the archive XML."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest

from deployit_cli.client import DeployitException
from deployit_cli.control import Control
from deployit_cli.jython.shims.joda_time import DateTime, DateTimeZone
from deployit_cli.jython.shims.xl_execution import StepExecutionState, TaskExecutionState
from deployit_cli.objects.task2 import local_date, schedule_time, step_paths, task_id_of
from deployit_cli.taskexport import tasks_xml
from deployit_cli.taskrecords import StepLog, TaskState
from deployit_cli.taskwait import Progress, report_halted


def step(description, state="PENDING", log=""):
    return {"description": description, "state": state, "log": log, "failureCount": 0,
            "startDate": "2024-05-01T10:00:00.000+0000", "completionDate": None, "metadata": {"order": "50"}}


def task_json(states=("DONE", "EXECUTING", "PENDING"), state="EXECUTING", logs=None):
    logs = logs or {}
    steps_a = [step(f"Step {n}", s, logs.get(n, "")) for n, s in enumerate(states[:2], start=1)]
    steps_b = [step(f"Step {n}", s, logs.get(n, "")) for n, s in enumerate(states[2:], start=3)]
    for n, s in enumerate(steps_a, 1):
        s["path"] = f"0_1_1_{n}"
    for n, s in enumerate(steps_b, 1):
        s["path"] = f"0_1_2_{n}"
    return {"id": "t-1", "description": "Initial deployment of Environments/Dev/App", "state": state,
            "owner": "admin", "failures": 0, "failureCount": 0, "nrSteps": len(states), "nrOfSteps": len(states),
            "currentStepNr": 2, "currentSteps": ["0_1_1_2"], "startDate": "2024-05-01T10:00:00.000+0000",
            "completionDate": None, "scheduledDate": None,
            "metadata": {"application": "App", "version": "1.0", "environment": "Dev", "taskType": "INITIAL"},
            "block": {"id": "0", "description": "Deploy", "state": "EXECUTING", "type": "serial", "blocks": [
                {"id": "0_1", "description": "Deploy", "state": "EXECUTING", "type": "serial", "blocks": [
                    {"id": "0_1_1", "description": "First", "type": "steps", "state": "EXECUTING", "steps": steps_a},
                    {"id": "0_1_2", "description": "Second", "type": "steps", "state": "PENDING",
                     "steps": steps_b}]}]}}


def test_task_state_reads_as_the_original_objects_did():
    task = TaskState(task_json())
    assert task.state == "EXECUTING" and task.state == TaskExecutionState.EXECUTING and task.getState().isActive()
    assert task.nrSteps == task.nrOfSteps == task.getNrSteps() == 3 and task.currentStepNr == 2
    assert task.label == task.description and task.user == task.owner == "admin" and task.taskId == "t-1"
    assert task.application == "App" and task.metadata["environment"] == "Dev" and task.metadata.get("version") == "1.0"
    assert isinstance(task.startDate, DateTime) and task.startDate.toString() == "2024-05-01T10:00:00.000Z"
    assert task.completionDate is None
    blocks = task.get_step_blocks()
    assert [b.id for b in blocks] == ["0_1_1", "0_1_2"] and blocks.size() == 2
    first = blocks[0].getSteps()[0]
    assert first.description == "Step 1" and first.state == StepExecutionState.DONE and first.path == "0_1_1_1"
    assert [s.nr for s in task.steps] == [1, 2, 3] and task.steps[2].path == "0_1_2_1"
    assert task.block.blocks[0].get_step_blocks()[1].steps[0].description == "Step 3"
    with pytest.raises(AttributeError, match="has no 'nope'"):
        task.nope
    assert repr(task) == "Task t-1: Initial deployment of Environments/Dev/App (EXECUTING, step 2 of 3, owner admin)"


def test_legacy_task_info_steps_and_step_logs():
    legacy = {"id": "t-2", "label": "Deploy", "description": "Deploy", "state": "EXECUTED", "nrSteps": 1,
              "steps": [dict(step("Only", "DONE", "one\ntwo\n"), nr=1, path="0_1_1_1")]}
    task = TaskState(legacy)
    assert task.steps[0].nr == 1 and task.steps[0].log == "one\ntwo" and task.get_step_blocks() == []
    assert StepLog("t", "0_1", "a\nb\n").log() == "a\nb" and str(StepLog("t", "0_1", "")) == ""


def test_progress_lines_report_each_finished_step_once():
    out = io.StringIO()
    progress = Progress(out, live=False, colour=False)
    progress.remember(task_json(("DONE", "PENDING", "PENDING"), "PENDING"))
    progress.update(task_json(("DONE", "EXECUTING", "PENDING")))
    progress.update(task_json(("DONE", "DONE", "EXECUTING")))
    progress.update(task_json(("DONE", "DONE", "DONE"), "EXECUTED"))
    assert out.getvalue() == "  2/3 DONE      Step 2\n  3/3 DONE      Step 3\n"


def test_progress_lines_colour_the_states_in_a_terminal():
    out = io.StringIO()
    progress = Progress(out, live=False, colour=True)
    progress.update(task_json(("DONE", "FAILED", "PENDING"), "FAILED"))
    assert out.getvalue() == ("  1/3 \x1b[32mDONE\x1b[0m      Step 1\n"
                              "  2/3 \x1b[31mFAILED\x1b[0m    Step 2\n")


class Terminal(io.StringIO):
    """What rich takes for a terminal of 60 columns."""

    def isatty(self):
        return True


def test_the_live_display_shows_steps_done_percentage_elapsed_time_block_and_step(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    out = Terminal()
    progress = Progress(out, live=True, colour=True)
    progress.update(task_json(("DONE", "EXECUTING", "PENDING")))
    shown = out.getvalue()
    assert "\x1b[32mDONE\x1b[0m" in shown and "Step 1" in shown
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)
    assert "━ 1/3 steps   33%  0:00:00\n  First › 2. Step 2" in plain
    progress.update(task_json(("DONE", "FAILED", "PENDING"), "FAILING"))
    assert "1 failed" in out.getvalue()[len(shown):]
    progress.update(task_json(("DONE", "FAILED", "PENDING"), "FAILED"))
    assert progress._display is None  # removed once the task stops


def test_a_failed_task_report_shows_the_log_tail():
    out = io.StringIO()
    log = "".join(f"line {n}\n" for n in range(1, 31))
    failed = task_json(("DONE", "FAILED", "PENDING"), "FAILED", logs={2: log})
    report_halted(failed, Progress(out, live=False, colour=False))
    lines = out.getvalue().splitlines()
    assert lines[0] == "Task t-1 FAILED at step 2 of 3: Step 2"
    assert lines[1] == "  Log of step 0_1_1_2, last 20 of 30 lines:"
    assert lines[2] == "    line 11" and lines[21] == "    line 30"
    assert lines[22].startswith("  Start it again with deployit.startTaskAndWait('t-1') to continue from the failed")


def test_dates_for_queries_and_schedules():
    assert local_date("01/31/2024", "x") == "2024-01-31" and local_date("2024-01-31", "x") == "2024-01-31"
    assert local_date(date(2024, 1, 31), "x") == "2024-01-31" and local_date(None, "x") is None
    assert local_date(DateTime(2024, 1, 31, 23, 0, DateTimeZone.UTC), "x") == "2024-01-31"
    assert local_date("2024-01-31T10:00:00Z", "x") == "2024-01-31"
    with pytest.raises(DeployitException, match="mm/dd/yyyy"):
        local_date("31/01/2024", "The begin date")
    when = DateTime(2030, 5, 1, 12, 0, DateTimeZone.forOffsetHours(2))
    assert datetime.fromisoformat(schedule_time(when)) == datetime.fromisoformat("2030-05-01T10:00:00+00:00")
    assert schedule_time("2030-05-01T10:00:00Z") == "2030-05-01T10:00:00Z" and schedule_time(1000) == "1000"
    with pytest.raises(DeployitException):
        schedule_time(None)
    assert step_paths("0_1_1_1") == ["0_1_1_1"] and step_paths([1, "0_1_1_2"]) == [1, "0_1_1_2"]
    assert task_id_of(" abc ") == "abc" and task_id_of(TaskState({"id": "x"})) == "x"


def test_control_round_trip_keeps_parameters_set_in_the_shell():
    control = Control({"controlName": "methodWithParams", "ci": "Infrastructure/server",
                       "description": "With parameters", "parameters": {
                           "id": "Infrastructure/server/methodWithParams", "type": "demo.Server.methodWithParams",
                           "paramA": "", "paramB": 3}})
    control.parameters.values["paramA"] = "value"
    control.parameters.paramB = 4
    body = control.to_json()
    assert body["controlName"] == "methodWithParams" and body["ci"] == "Infrastructure/server"
    assert body["parameters"]["paramA"] == "value" and body["parameters"]["paramB"] == 4
    assert Control({"controlName": "checkConnection", "ci": "h", "parameters": None}).to_json()["parameters"] is None


def test_archive_xml():
    done = dict(task_json(("DONE", "DONE", "SKIPPED"), "DONE"), completionDate="2024-05-01T10:01:00.000+0000")
    tree = tasks_xml([done])
    task = tree.getroot().find("task")
    assert task.get("id") == "t-1" and task.get("state") == "DONE" and task.get("totalSteps") == "3"
    assert [s.get("path") for s in task.iter("step")] == ["0_1_1_1", "0_1_1_2", "0_1_2_1"]
    assert task.find("metadata/entry[@key='application']").text == "App"
