"""`task2`: the block-based task engine (XL Deploy 4.0+), each method one call to /tasks/v2.

Step paths are the server's: `0_1_1_1` is step 1 of block 0_1_1 (root 0, phase 1, block 1); blocks
and steps are numbered from 1 at each level. Tasks come back as TaskState views
(deployit_cli.taskrecords) whose `.state` compares equal to `TaskExecutionState.X` and to "X".
"""

from __future__ import annotations

from datetime import date, datetime

from ..client import DeployitException, quote_id
from ..taskrecords import BlockState, StepLog, StepState, TaskState, task_views
from .base import CliObject, signature
from .repository import iso_date

MAX_PAGE = 1000


def task_id_of(value, what: str = "the task id") -> str:
    """A task id from an id string, a task handle (`createDeployTask(d)`) or a task view."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    found = getattr(value, "id", None)
    if isinstance(found, str) and found.strip():
        return found.strip()
    raise DeployitException(f"Expected a task id as {what}, not {value!r}.", 400)


def step_paths(value, what: str = "step paths") -> list:
    """A list of step paths (or numbers, for the older API) from a list or a single one."""
    if isinstance(value, (str, int)):
        return [value]
    try:
        return [v if isinstance(v, int) else str(v) for v in value]
    except TypeError:
        raise DeployitException(f"Expected a list of {what}, not {value!r}.", 400) from None


def local_date(value, what: str) -> str | None:
    """A day for the task archive queries (yyyy-MM-dd): from a date, a datetime, a joda DateTime or
    LocalDate, 'yyyy-MM-dd' or the CLI's 'mm/dd/yyyy'."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        if "/" in text:
            try:
                return datetime.strptime(text, "%m/%d/%Y").date().isoformat()
            except ValueError:
                raise DeployitException(f"{what} must be a date like 01/31/2024 (mm/dd/yyyy) or 2024-01-31, "
                                        f"not '{text}'.", 400) from None
        return text[:10] if len(text) > 10 and text[10] in "T " else text
    for getter in ("getYear", "getMonthOfYear", "getDayOfMonth"):
        if not callable(getattr(value, getter, None)):
            break
    else:
        return f"{value.getYear():04d}-{value.getMonthOfYear():02d}-{value.getDayOfMonth():02d}"
    text = iso_date(value)  # Calendar, java.util.Date...: that instant's day in UTC
    return text[:10]


def schedule_time(value) -> str:
    """The ISO time task2.schedule sends: a joda DateTime, a datetime (naive = local time), a Calendar,
    epoch millis or ISO text (without a zone the server reads UTC)."""
    if value is None:
        raise DeployitException("Give the time to schedule the task at (a DateTime, e.g. "
                                "DateTime().plusHours(2)).", 400)
    if isinstance(value, bool):
        raise DeployitException(f"Expected a date and time, not {value!r}.", 400)
    if isinstance(value, (int, float)):
        return str(int(value))
    return iso_date(value)


class Task2(CliObject):
    name = "task2"
    description = "Access to the task block engine of XL Deploy."

    def _path(self, task_id, suffix: str = "") -> str:
        return f"/tasks/v2/{quote_id(task_id_of(task_id))}{suffix}"

    def _task(self, data) -> TaskState:
        return TaskState(data or {})

    # -- reading -------------------------------------------------------------------------------
    @signature("(String taskId) : TaskWithBlock")
    def get(self, taskId):
        """The task with its blocks and steps: `.state` (compare with TaskExecutionState.DONE or "DONE"),
        `.id`, `.description`, `.owner`, `.startDate`, `.completionDate`, `.scheduledDate`, `.nrSteps`,
        `.currentStepNr`, `.failureCount`, `.metadata` (application, version, environment, taskType...),
        `.block` and `.get_step_blocks()`."""
        return self._task(self._client.get(self._path(taskId)))

    @signature("(String taskId, String blockPath) : BlockState")
    def block(self, taskId, blockPath):
        """A block of the task (e.g. '0_1_1') with its child blocks, without steps."""
        return BlockState(self._client.get(self._path(taskId, f"/block/{quote_id(str(blockPath))}")))

    @signature("(String taskId, String blockPath) : StepBlockState")
    def steps(self, taskId, blockPath):
        """A block of the task with its steps: `.steps` (or `.getSteps()`), each with `.description`,
        `.state`, `.log`..."""
        return BlockState(self._client.get(self._path(taskId, f"/block/{quote_id(str(blockPath))}/step")))

    @signature("(String taskId, String stepPath) : StepState")
    def step(self, taskId, stepPath):
        """One step (e.g. '0_1_1_1': step 1 of block 0_1_1): `.description`, `.state`, `.startDate`,
        `.completionDate`, `.failureCount`, `.log`, `.metadata`."""
        return StepState(self._client.get(self._path(taskId, f"/step/{quote_id(str(stepPath))}")))

    @signature("(String taskId, String stepPath) : StepLog")
    def getStepLog(self, taskId, stepPath):
        """The log of a step, also while it runs: `task2.getStepLog(id, '0_1_1_1').log()` is its text."""
        answer = self._client.get(self._path(taskId, f"/step-log/{quote_id(str(stepPath))}"))
        text = answer.get("log") if isinstance(answer, dict) else answer
        return StepLog(task_id_of(taskId), str(stepPath), text or "")

    @signature("() : List<TaskWithBlock>")
    def getMyCurrentTasks(self):
        """Your unfinished (not archived) tasks, without their blocks."""
        return task_views(self._client.get("/tasks/v2/current"))

    @signature("() : List<TaskWithBlock>")
    def getAllCurrentTasks(self):
        """Every user's unfinished tasks, without their blocks (admin)."""
        return task_views(self._client.get("/tasks/v2/current/all"))

    def _archived(self, path: str, begin, end, page, resultsPerPage):
        params = {}
        for key, value, what in (("begindate", begin, "The begin date"), ("enddate", end, "The end date")):
            day = local_date(value, what)
            if day:
                params[key] = day
        if page is None and resultsPerPage is None:
            return self._all_pages(path, params)
        params["page"] = int(page or 1)
        if resultsPerPage is not None:
            params["resultsPerPage"] = int(resultsPerPage)
        return task_views(self._client.get(path, params=params))

    def _all_pages(self, path: str, params: dict):
        found, page = [], 1
        while True:
            response = self._client.request("GET", path, params=dict(params, page=page, resultsPerPage=MAX_PAGE),
                                            raw=True)
            items = response.json() or []
            found += items
            total = int(response.headers.get("X-Total-Count") or len(found))
            if not items or len(found) >= total:
                return task_views(found)
            page += 1

    @signature("(LocalDate begin, LocalDate end) : List<TaskWithBlock>",
               "(LocalDate begin, LocalDate end, int page, int resultsPerPage) : List<TaskWithBlock>")
    def query(self, begin=None, end=None, page=None, resultsPerPage=None):
        """Archived tasks (DONE, CANCELLED) completed between two days (both included; UTC), without
        their steps. Days are dates, DateTimes, 'yyyy-MM-dd' or 'mm/dd/yyyy'; None leaves that side open.
        With a page (from 1) and a page size (at most 1000): that page only; else every match."""
        return self._archived("/tasks/v2/query", begin, end, page, resultsPerPage)

    @signature("(LocalDate begin, LocalDate end) : List<TaskWithBlock>",
               "(LocalDate begin, LocalDate end, int page, int resultsPerPage) : List<TaskWithBlock>")
    def export(self, begin=None, end=None, page=None, resultsPerPage=None):
        """As query, with each task's blocks, steps and logs (`t.get_step_blocks()[0].getSteps()`)."""
        return self._archived("/tasks/v2/export", begin, end, page, resultsPerPage)

    # -- actions -------------------------------------------------------------------------------
    def _post(self, taskId, action: str, **kw):
        return self._client.post(self._path(taskId, f"/{action}"), **kw)

    @signature("(String taskId) : void")
    def start(self, taskId):
        """Start the task and return at once; also resumes a FAILED, STOPPED or ABORTED task where it
        stands, and starts a SCHEDULED task now."""
        self._post(taskId, "start")

    @signature("(String taskId) : void")
    def stop(self, taskId):
        """Stop the task after the step that is running (it becomes STOPPING, then STOPPED)."""
        self._post(taskId, "stop")

    @signature("(String taskId) : void")
    def abort(self, taskId):
        """Abort the task, interrupting the running step (ABORTING, then ABORTED)."""
        self._post(taskId, "abort")

    @signature("(String taskId) : void")
    def cancel(self, taskId):
        """Cancel a task that is not running (PENDING, SCHEDULED, FAILED, STOPPED or ABORTED): it is
        archived as CANCELLED; a task that never ran is simply removed."""
        self._post(taskId, "cancel")

    @signature("(String taskId) : void")
    def archive(self, taskId):
        """Archive an EXECUTED task: it becomes DONE and goes to the task archive."""
        self._post(taskId, "archive")

    @signature("(String taskId, DateTime dateTime) : void")
    def schedule(self, taskId, dateTime):
        """Schedule (or reschedule) the task: `task2.schedule(id, DateTime().plusHours(2))`, or
        `DateTime(2030, 12, 31, 23, 34)` in your local time zone. The time must be in the future; the
        server keeps and returns it in UTC (`task2.get(id).scheduledDate`). ISO text and Python datetimes
        are taken too."""
        self._client.post(self._path(taskId, "/schedule"), params={"time": schedule_time(dateTime)})

    @signature("(String taskId, String owner) : TaskWithBlock")
    def assign(self, taskId, owner):
        """Give the task to another user (no check that the user exists)."""
        return self._task(self._post(taskId, f"assign/{quote_id(str(owner))}"))

    @signature("(String taskId, String owner) : TaskWithBlock")
    def takeover(self, taskId, owner):
        """Take the task over from its owner (name the current owner)."""
        return self._task(self._post(taskId, f"takeover/{quote_id(str(owner))}"))

    @signature("(String taskId, List<String> stepPaths) : TaskWithBlock")
    def skip(self, taskId, stepPaths):
        """Mark steps to be skipped (state SKIP; SKIPPED when the task reaches them). Only while the
        task is not running, and only PENDING, FAILED or PAUSED steps."""
        return self._task(self._post(taskId, "skip", body=step_paths(stepPaths)))

    @signature("(String taskId, List<String> stepPaths) : TaskWithBlock")
    def unskip(self, taskId, stepPaths):
        """Undo skip: the steps are PENDING again."""
        return self._task(self._post(taskId, "unskip", body=step_paths(stepPaths)))

    @signature("(String taskId, String stepPath) : TaskWithBlock")
    def addPause(self, taskId, stepPath):
        """Insert a pause step before the step at stepPath (the pause takes that path; the steps after it
        move one on). When the task reaches it, it stops (STOPPED, the pause PAUSED); start it again
        to go on."""
        return self._task(self._post(taskId, f"add-pause/{quote_id(str(stepPath))}"))


__all__ = ["Task2", "task_id_of", "local_date", "schedule_time", "step_paths"]
