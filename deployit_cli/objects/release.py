"""The release overview in the shell, as methods of `deployit`: an application's pipeline and the
reports (deployments over a period, what is deployed where), printed as tables or written as CSV."""

from __future__ import annotations

import sys

from ..client import quote_id
from .base import signature
from .repository import id_of

DEPLOYMENT_COLUMNS = (("Completed", "completionDate"), ("Type", "type"), ("Application", "application"),
                      ("Version", "version"), ("Environment", "environment"), ("User", "user"),
                      ("State", "status"), ("Duration", "duration"))
ENVIRONMENT_COLUMNS = (("Environment", "environment"), ("Application", "application"), ("Version", "version"),
                       ("Deployed by", "deployedBy"), ("Deployed at", "deployedAt"))


def table(headers, rows) -> str:
    """Rows of text as aligned columns under a header line; empty values show as -."""
    cells = [[("-" if v in (None, "") else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def _date(value):
    return None if value is None else str(value)


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class ReleaseMethods:
    """Mixed into `deployit`."""

    @signature("(String applicationId) : Map")
    def getPipeline(self, applicationId):
        """The deployment pipeline of an application (GET /release/pipeline/{id}): for each environment the
        version deployed there, by whom and when, its checklist and whether the next promotion is allowed."""
        return self._client.get(f"/release/pipeline/{quote_id(id_of(applicationId, 'the application'))}")

    @signature("(String applicationId) : void")
    def printPipeline(self, applicationId):
        """Print an application's deployment pipeline as a table, one environment per line, in order."""
        view = self.getPipeline(applicationId)
        rows = []
        for stage in view["environments"]:
            if stage.get("nextEnvironment") is None or not stage.get("version"):
                promotion = None
            elif stage.get("promotionAllowed"):
                promotion = f"allowed to {stage['nextEnvironment']}"
            else:
                promotion = f"blocked: {', '.join(stage.get('promotionBlockedBy') or [])}"
            rows.append([stage["environment"], stage.get("version"), stage.get("deployedBy"), stage.get("deployedAt"),
                         ", ".join(stage.get("checklist") or []), promotion])
        _write(f"Pipeline of {view['application']} ({view['pipeline']}):\n" + table(
            ["Environment", "Version", "Deployed by", "Deployed at", "Checklist", "Next promotion"], rows))

    def _deployments(self, begin, end, filterType, ids, csv: bool):
        params = {"begin": _date(begin), "end": _date(end), "filterType": filterType,
                  "filter": [id_of(i, "a filter id") for i in (ids or [])] or None}
        headers = {"Accept": "text/csv"} if csv else None
        return self._client.get("/internal/reports/tasks", params=params, headers=headers)

    @signature("(String begin, String end) : List<Map>",
               "(String begin, String end, String filterType, List<String> ids) : List<Map>")
    def getDeploymentsReport(self, begin=None, end=None, filterType=None, ids=None):
        """The deployments completed from `begin` to `end` (dates like 2024-01-31, both included; DateTime
        too), optionally only those of some applications, environments or users (filterType 'application',
        'environment' or 'user' with their ids or names); each with type, application, version,
        environment, user, status (the task's state), startDate, completionDate and duration."""
        return self._deployments(begin, end, filterType, ids, csv=False)

    @signature("(String begin, String end) : void",
               "(String begin, String end, String filterType, List<String> ids) : void")
    def printDeploymentsReport(self, begin=None, end=None, filterType=None, ids=None):
        """Print getDeploymentsReport as a table."""
        rows = self._deployments(begin, end, filterType, ids, csv=False)
        _write(table([h for h, _ in DEPLOYMENT_COLUMNS], [[r.get(k) for _, k in DEPLOYMENT_COLUMNS] for r in rows]))

    @signature("(String file, String begin, String end) : void",
               "(String file, String begin, String end, String filterType, List<String> ids) : void")
    def exportDeploymentsReport(self, file, begin=None, end=None, filterType=None, ids=None):
        """Write the deployments report to a CSV file on this machine."""
        with open(str(file), "w", encoding="utf-8", newline="") as out:
            out.write(self._deployments(begin, end, filterType, ids, csv=True))

    @signature("() : List<Map>", "(String environmentId) : List<Map>")
    def getEnvironmentsReport(self, environmentId=None):
        """What is deployed where now: environment, application, version, deployedBy, deployedAt."""
        return self._client.get("/internal/reports/environments", params={"environment": environmentId})

    @signature("() : void", "(String environmentId) : void")
    def printEnvironmentsReport(self, environmentId=None):
        """Print getEnvironmentsReport as a table."""
        rows = self.getEnvironmentsReport(environmentId)
        _write(table([h for h, _ in ENVIRONMENT_COLUMNS], [[r.get(k) for _, k in ENVIRONMENT_COLUMNS] for r in rows]))

    @signature("(String file) : void", "(String file, String environmentId) : void")
    def exportEnvironmentsReport(self, file, environmentId=None):
        """Write the environments report to a CSV file on this machine."""
        text = self._client.get("/internal/reports/environments", params={"environment": environmentId},
                                headers={"Accept": "text/csv"})
        with open(str(file), "w", encoding="utf-8", newline="") as out:
            out.write(text)
