"""`deployit`: the main gateway — type descriptions, printing CIs, server info, importing packages, and
running tasks (start, wait with progress, stop, abort, cancel, archive, assign, read) and control tasks.
"""

from __future__ import annotations

import os
import sys
import tempfile
from urllib.parse import unquote, urlsplit, urlunsplit
from urllib.request import url2pathname

from .. import taskwait
from ..ci import ConfigurationItem
from ..client import DeployitException, quote_id
from ..compat import wrap
from ..control import Control
from ..taskrecords import TaskState, task_views
from ..upload import MultipartFile
from .base import CliObject, signature
from .deployment import TaskHandle
from .release import ReleaseMethods
from .repository import id_of
from .task2 import task_id_of

MASK = "********"


def _plain(value) -> str:
    """A value as deployit.print shows it: lists as [a, b], maps as {k: v}, CIs by id."""
    if isinstance(value, ConfigurationItem):
        return value.id
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "[" + ", ".join(_plain(v) for v in items) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_ci(ci: ConfigurationItem, desc=None) -> str:
    """The text deployit.print writes: a header line, then each set property, passwords masked.

    The original's exact layout was not documented; this keeps its content: id, type, every property
    that has a value, passwords (and encrypted map values) as ********.
    """
    lines = [f"{ci.type} {ci.id}:"]
    values = ci.values
    props = desc.properties if desc is not None else {}
    names = [n for n, p in props.items() if not p.hidden and n in values] + [n for n in values if n not in props]
    width = max((len(n) for n in names), default=0)
    for name in names:
        value = values.get(name)
        if value is None or (isinstance(value, (list, dict, set, tuple)) and not value):
            continue
        prop = props.get(name)
        if prop is not None and prop.password:
            text = "{" + ", ".join(f"{k}: {MASK}" for k in value) + "}" if isinstance(value, dict) else MASK
        else:
            text = _plain(value)
        lines.append(f"    {name.ljust(width)} : {text}")
    attrs = ci._ci_attributes
    if attrs.lastModifiedBy:
        lines.append(f"    (created by {attrs.createdBy} at {attrs.createdAt}; "
                     f"last modified by {attrs.lastModifiedBy} at {attrs.lastModifiedAt})")
    return "\n".join(lines)


MANIFESTS = ("deployit-manifest.xml", os.path.join("META-INF", "MANIFEST.MF"))


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """`https://user:secret@host/x.dar` -> (`https://host/x.dar`, user, secret): the credentials travel
    as fetch2's user and password, not inside the URL."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    user = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return urlunsplit(parts._replace(netloc=netloc)), user, password


def is_package_folder(path: str) -> bool:
    return os.path.isdir(path) and any(os.path.isfile(os.path.join(path, m)) for m in MANIFESTS)


def zip_folder(folder: str, target) -> None:
    """An exploded DAR folder as a DAR (a zip with the manifest at its root)."""
    import zipfile
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            rel_root = os.path.relpath(root, folder)
            for name in sorted(files):
                rel = name if rel_root == "." else os.path.join(rel_root, name)
                archive.write(os.path.join(root, name), rel.replace(os.sep, "/"))


def format_description(desc) -> str:
    """deployit.describe's text, as the documentation shows it."""
    lines = [f"ConfigurationItem {desc.type}:", f"Description: {desc.description}", "Control tasks:"]
    for task in desc.controlTasks:
        text = task.get("description") or task.get("label") or ""
        lines.append(f"    - {task.get('name')}" + (f": {text}" if text else ""))
    lines.append("Properties:")
    for prop in desc.properties.values():
        if prop.hidden:
            continue
        marker = ("!" if prop.requiredInspection else "") + ("*" if prop.required else "")
        lines.append(f"    - {marker}{prop.name}({prop.kind_text()}): {prop.description}")
    lines += ["", "Properties marked with a '!' are required for discovery.",
              "Properties marked with a '*' are required."]
    return "\n".join(lines)


class ServerState:
    """What deployit.getServerState() returns: `currentMode`, `maintenanceSince`, `maintenanceBy`,
    `artifactFiles`, `artifactBytes`; printed as `RUNNING (12 artifact files, 34567 bytes)`."""

    def __init__(self, data: dict):
        self.data = dict(data)
        self.currentMode = data.get("current-mode")
        self.maintenanceSince = data.get("maintenanceSince")
        self.maintenanceBy = data.get("maintenanceBy")
        self.artifactFiles = data.get("artifactFiles")
        self.artifactBytes = data.get("artifactBytes")

    def __repr__(self) -> str:
        since = f" since {self.maintenanceSince} by {self.maintenanceBy}" if self.maintenanceSince else ""
        return f"{self.currentMode}{since} ({self.artifactFiles} artifact files, {self.artifactBytes} bytes)"

    __str__ = __repr__


class Deployit(ReleaseMethods, CliObject):
    name = "deployit"
    description = "The main gateway to interfacing with XL Deploy."

    @signature("(String typeName) : void")
    def describe(self, typeName):
        """Print a type's description, control tasks and properties (kind, whether required)."""
        desc = self._types.require(str(typeName))
        sys.stdout.write(format_description(desc) + "\n")
        sys.stdout.flush()

    @signature("(ConfigurationItem ci) : void")
    def print(self, ci):
        """Print a CI's id, type and property values; passwords are shown as ********."""
        if isinstance(ci, (list, tuple)):
            for one in ci:
                self.print(one)
            return
        if isinstance(ci, str):
            ci = self._session.ci(self._client.get(f"/repository/ci/{quote_id(ci)}"))
        if not isinstance(ci, ConfigurationItem):
            raise DeployitException(f"deployit.print takes a CI, not {ci!r}.", 400)
        desc = self._types.get(ci.type)
        sys.stdout.write(format_ci(ci, desc) + "\n")
        sys.stdout.flush()

    @signature("() : ServerInfo")
    def info(self):
        """The server's version, edition and plugins (GET /server/info)."""
        return wrap(self._client.get("/server/info"))

    # -- packages ------------------------------------------------------------------------------
    @signature("(String packageIdOrPathOrUrl) : ConfigurationItem",
               "(String url, String user, String password) : ConfigurationItem")
    def importPackage(self, packageIdOrPathOrUrl, user=None, password=None):
        """Import a deployment package (DAR) and return the application version it created. The argument is
        - an http(s) URL: the server downloads the package (user and password from the URL, e.g.
          https://user:secret@host/app-1.0.dar, or given as the next arguments);
        - the path of a file on this machine (absolute, or relative to the current directory): it is
          uploaded; an exploded package folder (holding deployit-manifest.xml) is zipped and uploaded;
        - otherwise a name from deployit.listImportablePackages(): a DAR file or folder in the server's
          importablePackages folder, e.g. 'PetClinic-ear/1.0' or 'PetClinic-1.0.dar'."""
        source = str(packageIdOrPathOrUrl or "").strip()
        if not source:
            raise DeployitException("Name the package to import: a name from deployit.listImportablePackages(), "
                                    "a file path or an http(s) URL.", 400)
        lowered = source.lower()
        if lowered.startswith(("http://", "https://")):
            return self._fetch(source, user, password)
        if lowered.startswith("file:"):
            source = url2pathname(urlsplit(source).path)
        path = os.path.expanduser(source)
        if os.path.isfile(path):
            return self._upload(path)
        if is_package_folder(path):
            with tempfile.TemporaryDirectory(prefix="deployit-package-") as work:
                name = os.path.basename(os.path.normpath(os.path.abspath(path)))
                parent = os.path.basename(os.path.dirname(os.path.normpath(os.path.abspath(path))))
                dar = os.path.join(work, f"{parent}-{name}.dar" if parent else f"{name}.dar")
                zip_folder(path, dar)
                return self._upload(dar)
        if os.path.isabs(path) or lowered.startswith("file:"):
            raise DeployitException(f"There is no package file {path} on this machine to upload.", 404)
        try:
            return self._session.ci(self._client.post(f"/package/import/{quote_id(source)}"))
        except DeployitException as exc:
            if exc.status == 404 and (os.sep in source or source.lower().endswith(".dar")):
                raise DeployitException(f"{exc.message} There is no file {os.path.abspath(path)} on this "
                                        f"machine either.", 404) from None
            raise

    def _fetch(self, url: str, user=None, password=None):
        url, url_user, url_password = split_credentials(url)
        body = {"url": url}
        user = user if user is not None else url_user
        password = password if password is not None else url_password
        if user is not None:
            body["user"] = str(user)
            body["password"] = "" if password is None else str(password)
        return self._session.ci(self._client.post("/package/fetch2", body=body))

    def _upload(self, path: str):
        name = os.path.basename(path)
        with MultipartFile(path, "fileData", name) as body:
            answer = self._client.request("POST", f"/package/upload/{quote_id(name)}", data=body,
                                          headers={"Content-Type": body.content_type})
        return self._session.ci(answer)

    @signature("() : List<String>")
    def listImportablePackages(self):
        """The names of the packages in the server's importablePackages folder (DAR files and exploded
        package folders), for deployit.importPackage(name)."""
        return wrap([str(name) for name in self._client.get("/package/import") or []])

    # -- tasks ---------------------------------------------------------------------------------
    def _task_path(self, taskId, suffix: str = "") -> str:
        return f"/tasks/v2/{quote_id(task_id_of(taskId))}{suffix}"

    @signature("(String taskId) : void")
    def startTask(self, taskId):
        """Start a task and return at once (it runs in the background). Also restarts a FAILED, STOPPED or
        ABORTED task where it stands. Follow it with deployit.waitForTask(taskId) or task2.get(taskId)."""
        self._client.post(self._task_path(taskId, "/start"))

    @signature("(String taskId) : void")
    def startTaskAndWait(self, taskId):
        """Start a task and wait until it is done, printing each step as it finishes (in a terminal, and
        without -q, a progress display shows steps done, percentage, elapsed time and the step running).
        Also restarts a FAILED, STOPPED or ABORTED task.
        - EXECUTED: the task is archived, so deployit.retrieveTaskInfo(taskId).state reads DONE;
          nothing is returned.
        - FAILED, STOPPED or ABORTED: the task stays so (it can be started again or cancelled); where it
          stands and the failed step's log are printed, and the state is returned, so a script can test
          `if deployit.startTaskAndWait(taskId): ...`.
        Ctrl-C stops the waiting, not the task."""
        return taskwait.wait(self._client, task_id_of(taskId), start=True, quiet=self._session.quiet)

    @signature("(String taskId) : void")
    def waitForTask(self, taskId):
        """Wait for a running task (started with deployit.startTask or task2.start) as startTaskAndWait
        does: an EXECUTED task is archived; a FAILED, STOPPED or ABORTED one is reported and its state
        returned. A task that is not running (PENDING, SCHEDULED) is reported at once."""
        return taskwait.wait(self._client, task_id_of(taskId), start=False, quiet=self._session.quiet)

    @signature("(String taskId) : void")
    def stopTask(self, taskId):
        """Stop a running task after its current step (STOPPING, then STOPPED); start it again to go on."""
        self._client.post(self._task_path(taskId, "/stop"))

    @signature("(String taskId) : void")
    def abortTask(self, taskId):
        """Abort a running task, interrupting its current step (ABORTING, then ABORTED)."""
        self._client.post(self._task_path(taskId, "/abort"))

    @signature("(String taskId) : void")
    def cancelTask(self, taskId):
        """Cancel a task that is not running (PENDING, SCHEDULED, FAILED, STOPPED, ABORTED): it goes to the
        archive as CANCELLED (a task that never ran is removed)."""
        self._client.post(self._task_path(taskId, "/cancel"))

    @signature("(String taskId) : void")
    def archiveTask(self, taskId):
        """Archive an EXECUTED task: it becomes DONE."""
        self._client.post(self._task_path(taskId, "/archive"))

    @signature("(String taskId, String owner) : TaskInfo")
    def assignTask(self, taskId, owner):
        """Give a task to another user (the name is not checked)."""
        return TaskState(self._client.post(self._task_path(taskId, f"/assign/{quote_id(str(owner))}")))

    @signature("(String taskId) : TaskInfo")
    def retrieveTaskInfo(self, taskId):
        """The task: `.state` ("DONE" after a good startTaskAndWait; compare with TaskExecutionState too),
        `.nrOfSteps`, `.currentStepNr`, `.id`, `.description`, `.owner`, `.startDate`, `.completionDate`,
        `.failureCount`, `.metadata` and `.steps` (each `.description`, `.state`, `.log`...)."""
        return TaskState(self._client.get(self._task_path(taskId)))

    @signature("() : List<TaskInfo>")
    def listUnfinishedTasks(self):
        """Your tasks that are not archived yet (any state but DONE and CANCELLED)."""
        return task_views(self._client.get("/tasks/v2/current"))

    @signature("() : List<TaskInfo>")
    def listAllUnfinishedTasks(self):
        """Every user's tasks that are not archived yet (admin)."""
        return task_views(self._client.get("/tasks/v2/current/all"))

    # -- server administration -----------------------------------------------------------------
    @signature("() : void")
    def runGarbageCollector(self):
        """Delete the artifact files that no CI, deployed, unfinished task or upload in flight uses any more
        (admin). Runs as a task (listUnfinishedTasks shows it meanwhile), waits for it and prints how many
        files and bytes were freed. Deleting packages only drops their references; this frees the space at
        once (unless the server sets gc.grace.seconds, which keeps files younger than that)."""
        answer = self._client.post("/server/gc")
        task_id = str(answer.get("string") if isinstance(answer, dict) else answer)
        outcome = taskwait.wait(self._client, task_id, start=False, quiet=self._session.quiet)
        summary = None
        try:
            task = self._client.get(f"/tasks/v2/{quote_id(task_id)}/step/0_1_1")
            lines = [l for l in str((task or {}).get("log") or "").splitlines() if l.startswith("Garbage collection")]
            summary = lines[-1] if lines else None
        except DeployitException:
            pass
        if outcome:
            raise DeployitException(f"Garbage collection task {task_id} ended {outcome}.", 500)
        if summary:  # printed, not returned: the prompt would echo a returned sentence a second time
            sys.stdout.write(summary + "\n")
            sys.stdout.flush()

    @signature("() : ServerState")
    def getServerState(self):
        """The server's mode (`.currentMode`: RUNNING or MAINTENANCE) and the artifact store's size
        (`.artifactFiles`, `.artifactBytes`) (GET /server/state)."""
        return ServerState(self._client.get("/server/state") or {})

    @signature("() : void")
    def startMaintenance(self):
        """Put the server in maintenance mode (admin): it stays up and readable, and refuses every change
        (503) until deployit.stopMaintenance(). Tasks already running go on."""
        self._client.post("/server/maintenance/start")

    @signature("() : void")
    def stopMaintenance(self):
        """End maintenance mode (admin): changes are allowed again."""
        self._client.post("/server/maintenance/stop")

    @signature("() : void")
    def shutdown(self):
        """Stop the server cleanly (admin), as SIGTERM does: running tasks stop after their current step.
        The shell stays open but can do nothing more until the server is started again."""
        self._client.post("/server/shutdown")
        sys.stdout.write("The server is shutting down.\n")
        sys.stdout.flush()

    # -- control tasks -------------------------------------------------------------------------
    @signature("(ConfigurationItem ci, String controlTaskName) : Control")
    def prepareControlTask(self, ci, controlTaskName):
        """Prepare a control task (a method of the CI's type, e.g. 'checkConnection' on a host, 'start' on
        a generic container); set its parameters with control.parameters.values['name'] = value, then
        deployit.createControlTask(control)."""
        ci_id = id_of(ci, "the CI")
        name = str(controlTaskName)
        return Control(self._client.get(f"/control/prepare/{quote_id(name)}/{quote_id(ci_id)}"), self._session)

    @signature("(Control control) : String")
    def createControlTask(self, control):
        """Create the task of a prepared control task and return its id; start it with
        deployit.startTaskAndWait(taskId)."""
        if isinstance(control, Control):
            body = control.to_json()
        elif isinstance(control, dict):
            body = dict(control)
        else:
            raise DeployitException(f"deployit.createControlTask takes the Control that deployit.prepareControlTask "
                                    f"returned, not {control!r}.", 400)
        answer = self._client.post("/control", body=body)
        return TaskHandle(str(answer.get("string") if isinstance(answer, dict) else answer), self._session)

    @signature("(String controlTaskName, ConfigurationItem ci) : void")
    def executeControlTask(self, controlTaskName, ci):
        """Prepare, create and run a control task without parameters, waiting for it as startTaskAndWait
        does: `deployit.executeControlTask('checkConnection', host)`."""
        control = self.prepareControlTask(ci, controlTaskName)
        return self.startTaskAndWait(self.createControlTask(control))
