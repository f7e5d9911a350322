"""`tasks`: the deprecated task API of XL Deploy 3.9/4.0, kept for old scripts.

The methods of `task2`, except that steps are numbered from 1 over the whole task as the 3.x
TaskService did: `tasks.step(id, 2)` is the second step, `tasks.skip(id, [2, 3])` skips two (step
paths like '0_1_1_2' are taken too), `tasks.get(id)` is a TaskInfo whose `.steps` carry their `.nr`
(through the older /task REST API).
"""

from __future__ import annotations

from ..compat import wrap
from ..client import quote_id
from ..taskrecords import StepState, TaskState
from .base import signature
from .task2 import Task2, step_paths, task_id_of


class Tasks(Task2):
    name = "tasks"
    description = "Access to the task engine of XL Deploy. Deprecated: use task2 instead."

    def _legacy(self, taskId, suffix: str = "") -> str:
        return f"/task/{quote_id(task_id_of(taskId))}{suffix}"

    @signature("(String taskId) : TaskInfo")
    def get(self, taskId):
        """The task with its steps numbered from 1: `.state`, `.label`/`.description`, `.nrOfSteps`,
        `.currentStepNr`, `.failureCount`, `.startDate`, `.completionDate`, `.steps` (each with `.nr`,
        `.description`, `.state`, `.log`)."""
        return TaskState(self._client.get(self._legacy(taskId)))

    @signature("(String taskId, int stepNumber) : StepInfo", "(String taskId, String stepPath) : StepState")
    def step(self, taskId, stepNumber):
        """A step by its number (from 1, counted over the whole task) or by its path ('0_1_1_1')."""
        return StepState(self._client.get(self._legacy(taskId, f"/step/{quote_id(str(stepNumber))}")))

    @signature("(String taskId) : List<StepInfo>", "(String taskId, String blockPath) : StepBlockState")
    def steps(self, taskId, blockPath=None):
        """Every step of the task, in order, each with its number `.nr`; with a block path, that block
        with its steps (as task2.steps)."""
        if blockPath is not None:
            return super().steps(taskId, blockPath)
        return wrap([StepState(s) for s in self._client.get(self._legacy(taskId, "/step")) or []])

    @signature("(String taskId, List<Integer> stepNumbers) : TaskInfo")
    def skip(self, taskId, stepNumbers):
        """Mark steps (numbers from 1, or step paths) to be skipped."""
        return TaskState(self._client.post(self._legacy(taskId, "/skip"), body=step_paths(stepNumbers, "step numbers")))

    @signature("(String taskId, List<Integer> stepNumbers) : TaskInfo")
    def unskip(self, taskId, stepNumbers):
        """Undo skip for steps (numbers from 1, or step paths)."""
        return TaskState(self._client.post(self._legacy(taskId, "/unskip"),
                                           body=step_paths(stepNumbers, "step numbers")))
