"""Reports: the deployments done over a period, and what is deployed where now.

Deployments are the deployment tasks (initial, update, undeployment, rollback) that completed in the
period, archived or not, from the task store: one row each with the application, version, environment,
user (the task's owner), state and duration. The report follows XL Deploy's internal report of tasks:
`type` is Initial, Update, Undeployment or Rollback and `status` the task's state; it can be filtered
by applications, environments or users. The environments report lists every deployed application:
which version of which application is deployed to which environment, by whom and when.
Both take a `visible` predicate so that each caller sees only what it may read.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from ..errors import BadRequest
from ..repository.ids import name_of, parent_of
from ..store.dates import day_bound

REPORT_TYPES = {"INITIAL": "Initial", "UPGRADE": "Update", "UNDEPLOY": "Undeployment", "ROLLBACK": "Rollback"}
FILTERS = ("application", "environment", "user")
DEPLOYMENT_COLUMNS = ("taskId", "type", "application", "version", "environment", "user", "status", "startDate",
                      "completionDate", "duration")
ENVIRONMENT_COLUMNS = ("environment", "application", "version", "deployedBy", "deployedAt")


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text.replace("+0000", "+00:00"), "%Y-%m-%dT%H:%M:%S.%f%z")


def duration(start: str | None, end: str | None) -> str | None:
    """How long a task ran, as H:MM:SS (None when it never started)."""
    begin, finish = _moment(start), _moment(end)
    if begin is None or finish is None:
        return None
    seconds = max(0, round((finish - begin).total_seconds()))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def to_csv(rows: list[dict], columns) -> str:
    """Rows as CSV with a header line (spreadsheet-ready: CRLF line ends, quoted where needed)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    return out.getvalue()


class Reports:
    def __init__(self, repository, types, tasks):
        self.repository = repository
        self.types = types
        self.tasks = tasks

    def deployments(self, begin: str | None, end: str | None, filter_type: str | None = None,
                    filter_ids=(), visible=lambda record: True) -> list[dict]:
        """Deployment tasks completed in [begin, end] (dates are whole days in UTC), oldest first."""
        start, stop = day_bound(begin, "begin", False), day_bound(end, "end", True)
        if filter_type and filter_type not in FILTERS:
            raise BadRequest(f"Query parameter 'filterType' must be one of {', '.join(FILTERS)}, not '{filter_type}'.")
        wanted = {str(i).strip("/") for i in filter_ids if str(i).strip("/")}
        if wanted and not filter_type:
            raise BadRequest("Give 'filterType' (application, environment or user) with the ids to filter on.")
        rows = []
        for record in self.tasks.completed_between(start, stop):
            meta = record.get("metadata") or {}
            kind = REPORT_TYPES.get(meta.get("taskType") or record.get("task_type"))
            if kind is None:
                continue
            completed = record["completed_at"]
            row = {"taskId": record["id"], "type": kind, "application": meta.get("application"),
                   "applicationId": meta.get("application_id"), "version": meta.get("version"),
                   "versionId": meta.get("version_id"), "environment": meta.get("environment"),
                   "environmentId": meta.get("environment_id"), "user": record.get("owner"),
                   "status": record.get("state"), "startDate": record.get("started_at"),
                   "completionDate": completed,
                   "duration": duration(record.get("started_at"), completed)}
            if wanted and not self._matches(row, filter_type, wanted):
                continue
            if visible(record):
                rows.append(row)
        return rows

    @staticmethod
    def _matches(row: dict, filter_type: str | None, wanted: set) -> bool:
        if filter_type == "user":
            return row["user"] in wanted
        if filter_type == "environment":
            return row["environmentId"] in wanted or row["environment"] in wanted
        return row["applicationId"] in wanted or row["application"] in wanted

    def environments(self, environment: str | None = None, visible=lambda ci_id: True) -> list[dict]:
        """Every deployed application (of one environment when given): environment, application,
        version, who deployed it and when; ordered by environment and application."""
        environment = (environment or "").strip("/") or None
        rows = []
        for rec in self.repository.query("udm.DeployedApplication", parent=environment):
            env_id = rec.properties.get("environment") or parent_of(rec.id)
            version_id = rec.properties.get("version")
            app_id = parent_of(version_id) if version_id else None
            if not visible(env_id) or (app_id and not visible(app_id)):
                continue
            rows.append({"environment": env_id, "application": name_of(app_id) if app_id else rec.name,
                         "applicationId": app_id, "version": name_of(version_id) if version_id else None,
                         "versionId": version_id, "deployedBy": rec.modified_by, "deployedAt": rec.modified_at})
        rows.sort(key=lambda r: (r["environment"], r["application"]))
        return rows
