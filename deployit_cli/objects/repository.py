"""`repository`: CRUD on CIs, search, copy/move/rename and history, each a call to /repository/*; and the
task archive (getArchivedTaskList, getArchivedTasksList, exportArchivedTasks) through /tasks/v2/export."""

from __future__ import annotations

from datetime import date, datetime, timezone

from ..ci import ArtifactAndData, ConfigurationItem
from ..client import DeployitException, dumps, quote_id
from ..compat import wrap
from .base import CliObject, signature


def id_of(value, what: str = "id") -> str:
    """An id from an id string, a CI or an artifact."""
    if isinstance(value, ConfigurationItem):
        return value.id
    if isinstance(value, ArtifactAndData):
        return value.artifact.id
    if isinstance(value, str) and value.strip().strip("/"):
        return value.strip().strip("/")
    if value is not None and hasattr(value, "id") and isinstance(getattr(value, "id"), str):
        return value.id
    raise DeployitException(f"Expected a CI or a CI id as {what}, not {value!r}.", 400)


def iso_date(value) -> str:
    """A moment for the query API: datetime, date, joda DateTime, java Calendar/Date, or ISO text."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.astimezone()
        return moment.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).astimezone().astimezone(timezone.utc).isoformat()
    for getter in ("getTimeInMillis", "getMillis"):
        func = getattr(value, getter, None)
        if callable(func):
            return datetime.fromtimestamp(func() / 1000.0, timezone.utc).isoformat()
    get_time = getattr(value, "getTime", None)
    if callable(get_time):
        inner = get_time()
        if isinstance(inner, (int, float)):
            return datetime.fromtimestamp(inner / 1000.0, timezone.utc).isoformat()
        return iso_date(inner)
    for getter in ("isoformat", "toString"):
        func = getattr(value, getter, None)
        if callable(func):
            return func()
    return str(value)


def _refresh(sent: ConfigurationItem, stored: ConfigurationItem) -> ConfigurationItem:
    """Give the CI a script passed in the new token and timestamps of what was stored, so that the common
    `ci.x = 1; repository.update(ci); ci.y = 2; repository.update(ci)` does not trip the stale-token check."""
    if sent.id == stored.id:
        object.__setattr__(sent, "_token", stored.token)
        object.__setattr__(sent, "_attributes", stored._ci_attributes)
    return stored


class HistoryEntry:
    """One version of a CI (`repository.history(id)`)."""

    def __init__(self, data: dict):
        self.version = data.get("version")
        self.revision = data.get("revision")
        self.id = data.get("id")
        self.previousId = data.get("previousId")
        self.action = data.get("action")
        self.type = data.get("type")
        self.changedBy = data.get("changedBy")
        self.changedAt = data.get("changedAt")

    def getVersion(self): return self.version
    def getAction(self): return self.action
    def getChangedBy(self): return self.changedBy
    def getChangedAt(self): return self.changedAt

    def __repr__(self):
        moved = f" from {self.previousId}" if self.previousId and self.action in ("MOVE", "RENAME") else ""
        return f"version {self.version}: {self.action} {self.id}{moved} by {self.changedBy} at {self.changedAt}"


class Repository(CliObject):
    name = "repository"
    description = "Gateway to doing CRUD operations on all types of CIs"

    def _ci(self, data):
        return self._session.ci(data)

    def _cis(self, items):
        return wrap([self._ci(d) for d in items or []])

    # -- create / update / delete --------------------------------------------------------------
    @signature("(ConfigurationItem ci) : ConfigurationItem", "(List cis) : List",
               "(ArtifactAndData artifact) : ConfigurationItem")
    def create(self, item):
        """Store a new CI (or a list of CIs, in one transaction) in the repository and return what was
        stored. An ArtifactAndData (from factory.artifact) is uploaded with its file."""
        return self._write("POST", item)

    @signature("(ConfigurationItem ci) : ConfigurationItem", "(List cis) : List",
               "(ArtifactAndData artifact) : ConfigurationItem")
    def update(self, item):
        """Store the changed properties of an existing CI (or a list of CIs) and return what was stored."""
        return self._write("PUT", item)

    def _write(self, method: str, item):
        if isinstance(item, ArtifactAndData):
            return self._write_artifact(method, item)
        if isinstance(item, ConfigurationItem):
            data = self._client.request(method, f"/repository/ci/{quote_id(item.id)}", body=item.to_json())
            return _refresh(item, self._ci(data))
        if isinstance(item, (list, tuple, set, frozenset)):
            items = list(item)
            for one in items:
                if not isinstance(one, (ConfigurationItem, ArtifactAndData)):
                    raise DeployitException(f"repository.{'create' if method == 'POST' else 'update'} takes CIs, "
                                            f"not {one!r}.", 400)
            if any(isinstance(one, ArtifactAndData) for one in items):
                return wrap([self._write(method, one) for one in items])
            stored = self._cis(self._client.request(method, "/repository/cis", body=[c.to_json() for c in items]))
            for sent, got in zip(items, stored):
                _refresh(sent, got)
            return stored
        raise DeployitException(f"Expected a CI, a list of CIs or an ArtifactAndData, not {item!r}.", 400)

    def _write_artifact(self, method: str, item: ArtifactAndData):
        data = item.data
        if isinstance(data, str):
            data = data.encode("utf-8")
        elif not isinstance(data, (bytes, bytearray)):
            data = bytes(bytearray(data))
        files = {
            "configurationItem": (None, dumps(item.artifact.to_json()), "application/json"),
            "file": (item.filename, bytes(data), "application/octet-stream"),
        }
        answer = self._client.request(method, f"/repository/ci/{quote_id(item.artifact.id)}", files=files)
        return _refresh(item.artifact, self._ci(answer))

    @signature("(String id) : void", "(ConfigurationItem ci) : void", "(List ids) : void")
    def delete(self, item):
        """Delete a CI and everything under it. Takes an id, a CI, or a list of either."""
        if isinstance(item, (list, tuple, set, frozenset)):
            ids = [id_of(one) for one in item]
            if ids:
                self._client.post("/repository/cis/delete", body=ids)
            return None
        self._client.delete(f"/repository/ci/{quote_id(id_of(item))}")
        return None

    # -- reading -------------------------------------------------------------------------------
    @signature("(String id) : ConfigurationItem", "(List ids) : List")
    def read(self, item):
        """Read a CI by id; raises an error when there is none. A list of ids gives a list of CIs."""
        if isinstance(item, (list, tuple, set, frozenset)):
            ids = [id_of(one) for one in item]
            return self._cis(self._client.post("/repository/cis/read", body=ids) if ids else [])
        return self._ci(self._client.get(f"/repository/ci/{quote_id(id_of(item))}"))

    @signature("(String id, int version) : ConfigurationItem")
    def readVersion(self, item, version):
        """Read an earlier version of a CI; versions are numbered from 1 as repository.history shows."""
        return self._ci(self._client.get(f"/repository/ci/{quote_id(id_of(item))}",
                                         params={"version": int(version)}))

    @signature("(String id) : boolean")
    def exists(self, item):
        """True when a CI with this id is in the repository."""
        answer = self._client.get(f"/repository/exists/{quote_id(id_of(item))}")
        return bool(answer.get("boolean")) if isinstance(answer, dict) else bool(answer)

    @signature("(String id) : List")
    def history(self, item):
        """The versions at an id, oldest first, over every CI that lived there (deleted and created again,
        moved away, imported): version, action (CREATE, UPDATE, IMPORT, MOVE, RENAME, DELETE), changedBy,
        changedAt."""
        entries = self._client.get(f"/repository/history/{quote_id(id_of(item))}")
        return wrap([HistoryEntry(e) for e in entries or []])

    # -- copy / move / rename ------------------------------------------------------------------
    @signature("(String id, String newId) : ConfigurationItem", "(ConfigurationItem ci, String newId) : ConfigurationItem")
    def copy(self, item, newId):
        """Copy a CI (and what is under it) to a new id."""
        return self._ci(self._client.post(f"/repository/copy/{quote_id(id_of(item))}",
                                          params={"newId": id_of(newId, "the new id")}))

    @signature("(String id, String newId) : ConfigurationItem", "(ConfigurationItem ci, String newId) : ConfigurationItem")
    def move(self, item, newId):
        """Move a CI to a new id within its root; references to it follow."""
        return self._ci(self._client.post(f"/repository/move/{quote_id(id_of(item))}",
                                          params={"newId": id_of(newId, "the new id")}))

    @signature("(String id, String newName) : ConfigurationItem",
               "(ConfigurationItem ci, String newName) : ConfigurationItem")
    def rename(self, item, newName):
        """Give a CI a new name in the same folder; references to it follow."""
        old_id = id_of(item)
        self._client.post(f"/repository/rename/{quote_id(old_id)}", params={"newName": str(newName)})
        # The server answers with the old id, as XL Deploy does; the shell shows the CI where it now is.
        new_id = f"{old_id.rsplit('/', 1)[0]}/{newName}" if "/" in old_id else str(newName)
        return self._ci(self._client.get(f"/repository/ci/{quote_id(new_id)}"))

    # -- search --------------------------------------------------------------------------------
    @signature("(String ciType) : List", "(String ciType, String parent) : List",
               "(String ciType, Calendar before) : List")
    def search(self, ciType, parentOrBefore=None):
        """The ids of the CIs of a type (and its subtypes). With a parent id: only the children of that CI
        (ciType None: all of them). With a date (Calendar, DateTime): only CIs last changed before it."""
        params = {}
        if ciType:
            params["type"] = str(ciType)
        if parentOrBefore is not None:
            if isinstance(parentOrBefore, (str, ConfigurationItem)):
                params["parent"] = id_of(parentOrBefore, "the parent")
            else:
                params["lastModifiedBefore"] = iso_date(parentOrBefore)
        return self._ids(params)

    @signature("(String name) : List")
    def searchByName(self, name):
        """The ids of the CIs with this name (% is a wildcard)."""
        return self._ids({"namePattern": str(name)})

    def _ids(self, params):
        refs = self._client.get("/repository/query", params=params) or []
        return wrap([str(r["ref"]) for r in refs])

    # -- the task archive ----------------------------------------------------------------------
    def _archived_tasks(self, beginDate=None, endDate=None):
        from .task2 import Task2
        return Task2(self._session).export(beginDate, endDate)

    @signature("() : List<TaskWithBlock>")
    def getArchivedTaskList(self):
        """Every archived task (DONE or CANCELLED), with its blocks and steps:
        `tasks[0].get_step_blocks()[0].getSteps()[0]`, `tasks[0].metadata['application']`."""
        return self._archived_tasks()

    @signature("(String beginDate, String endDate) : List<TaskWithBlock>")
    def getArchivedTasksList(self, beginDate=None, endDate=None):
        """The archived tasks completed between two days (both included; 'mm/dd/yyyy', as '01/31/2024'),
        with their blocks and steps. Without dates: every archived task."""
        return self._archived_tasks(beginDate, endDate)

    @signature("(String filePath) : void", "(String filePath, String beginDate, String endDate) : void")
    def exportArchivedTasks(self, filePath, beginDate=None, endDate=None):
        """Write the archived tasks (all, or those completed between two days given as 'mm/dd/yyyy') with
        their steps and logs to an XML file on this machine."""
        from ..taskexport import write_tasks_xml
        tasks = self._archived_tasks(beginDate, endDate)
        write_tasks_xml([t.raw for t in tasks], str(filePath))

    # -- export and import (server/exchange) -------------------------------------------------------
    def _export_task(self, exportRootId, exportDir):
        everything = exportRootId is None or (isinstance(exportRootId, str) and not exportRootId.strip().strip("/"))
        root = None if everything else id_of(exportRootId, "the export root")
        path = f"/repository/export/{quote_id(root)}" if root else "/repository/export"
        params = {"exportDir": str(exportDir)} if exportDir else None
        return self._client.post(path, params=params)

    @signature("(String exportRootId) : String", "(String exportRootId, String exportDir) : String")
    def exportCis(self, exportRootId, exportDir=None):
        """Create the task that exports the CIs under exportRootId ('/' or None: everything) with their
        artifact files to <server home>/export/<Root>-<yyyyMMddTHHmmss>.zip (or to exportDir on the server).
        Returns the task id; start it with deployit.startTaskAndWait(id)."""
        return self._export_task(exportRootId, exportDir)["string"]

    @signature("(String exportRootId) : String", "(String exportRootId, String exportDir) : String")
    def exportCisAndWait(self, exportRootId, exportDir=None):
        """Export as exportCis does, run the task and wait for it; returns the export file's name."""
        from .. import taskwait
        answer = self._export_task(exportRootId, exportDir)
        failed = taskwait.wait(self._client, answer["string"], start=True, quiet=self._session.quiet)
        if failed:
            raise DeployitException(f"The export task {answer['string']} ended {failed}.", 500)
        return answer["file"]

    def _import_task(self, archiveLocation):
        import os
        source = str(archiveLocation or "").strip()
        if not source:
            raise DeployitException("Name the archive to import: a file in the server's export folder or a file "
                                    "on this machine.", 400)
        path = os.path.expanduser(source)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                return self._client.request("POST", "/repository/import",
                                            files={"archive": (os.path.basename(path), handle, "application/zip")})
        return self._client.post("/repository/import", params={"archive": os.path.basename(source)
                                                               if os.path.isabs(source) else source})

    @signature("(String archiveLocation) : String")
    def importCis(self, archiveLocation):
        """Create the task that imports an archive written by exportCis: a file name in the server's export
        folder, or a file on this machine (uploaded first). Importing first removes the content of the
        exported location, then creates the archive's CIs and files in one transaction. Returns the task id."""
        return self._import_task(archiveLocation)["string"]

    @signature("(String archiveLocation) : void")
    def importCisAndWait(self, archiveLocation):
        """Import as importCis does, run the task and wait for it."""
        from .. import taskwait
        task_id = self._import_task(archiveLocation)["string"]
        failed = taskwait.wait(self._client, task_id, start=True, quiet=self._session.quiet)
        if failed:
            raise DeployitException(f"The import task {task_id} ended {failed}.", 500)

    @signature("(String directoryPath, String versionId) : void")
    def exportDar(self, directoryPath, versionId):
        """Write a package version as a DAR, <directoryPath>/<application>-<version>.dar, that imports again
        to the same package."""
        import os
        version = id_of(versionId, "the version")
        response = self._client.get(f"/package/export/{quote_id(version)}", raw=True)
        parts = version.split("/")
        folder = os.path.expanduser(str(directoryPath))
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{parts[-2]}-{parts[-1]}.dar")
        with open(path, "wb") as out:
            out.write(response.content)
        print(f"finished writing file to {path}")

    # -- repository as code (deployit_cli.ascode) ------------------------------------------------
    @signature("(List ids) : String", "(List ids, String path) : void",
               "(List ids, String path, String artifactsDir) : void")
    def generateYaml(self, ids, path=None, artifactsDir=None):
        """The CIs under each id (e.g. ['Infrastructure/DEV', 'Environments/DEV']) as XL YAML (apiVersion
        xl-deploy/v1, one document per root). Without a path: the YAML text. With a path: written there,
        and a file that exists is updated in place, keeping its comments and the order of unchanged CIs.
        With an artifacts folder, artifact files are downloaded there and named by `file: !file`.
        Passwords appear as !secret placeholders, never in clear."""
        from ..ascode.generate import generate_file, generate_text
        from ..ascode.document import AsCodeError
        ids = [ids] if isinstance(ids, (str, ConfigurationItem)) else list(ids or [])
        try:
            if path is None:
                return generate_text(self._session, ids, None, artifactsDir)[0]
            count = generate_file(self._session, ids, str(path), artifactsDir)
        except AsCodeError as exc:
            raise DeployitException(str(exc), 400) from None
        print(f"Wrote {count} CI{'s' if count != 1 else ''} to {path}.")
        return None

    @signature("(String path) : List", "(String path, boolean dryRun) : List")
    def applyYaml(self, path, dryRun=False):
        """Create and update the CIs an XL YAML file describes (CIs it does not mention are left alone;
        nothing is deleted). Returns the changes ('CREATE <id> (<type>)', 'UPDATE <id> (<type>): <properties>'),
        empty when the repository already matches; printing them shows the full report. With dryRun=True
        nothing is written. A file with an error writes nothing and raises one sentence naming file and line."""
        from ..ascode.apply import apply_file
        from ..ascode.document import AsCodeError
        try:
            return apply_file(self._session, str(path), bool(dryRun))
        except AsCodeError as exc:
            raise DeployitException(str(exc), 400) from None
