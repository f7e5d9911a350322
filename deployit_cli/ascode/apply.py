"""Making a plan's changes, and the report of them (the same listing for a dry run and a real apply).

New CIs go in one `POST /repository/cis` and changed ones in one `PUT /repository/cis`; each is one
transaction on the server. Artifacts that carry a file are sent one by one (multipart). Should a later
request fail, the CIs created by the earlier ones are deleted again and the updated ones put back as
they were read, so a refused file leaves the repository as it was (best effort: a secret that was
changed keeps its new value, since the old one is never shown).
"""

from __future__ import annotations

import os

from ..client import DeployitException, dumps, quote_id
from ..compat import jython
from .document import AsCodeError
from .plan import Change, Plan

_changes_classes: dict = {}


def _list_base():
    module = jython()
    return getattr(module, "JavaList", list) if module is not None else list


def changes_list(items: list[str], report: str):
    """The change strings (`CREATE Infrastructure/web1 (overthere.SshHost)`), as a Java-style list whose
    repr is the full report, so the shell prompt shows the report."""
    base = _list_base()
    cls = _changes_classes.get(base)
    if cls is None:
        cls = type("YamlChanges", (base,), {
            "__doc__": "The changes an applyYaml made (or, in a dry run, would make).",
            "__repr__": lambda self: self.report,
            "__str__": lambda self: self.report,
        })
        _changes_classes[base] = cls
    result = cls(items)
    result.report = report
    return result


def _counted(plan: Plan) -> str:
    """What the file describes: "6 CIs", or "6 CIs, 2 users, 1 deployment"."""
    parts = [(len(plan.cis), "CI")] + [(n, what) for what, n in plan.described.items()]
    shown = [f"{n} {what}{'s' if n != 1 else ''}" for n, what in parts if n or what == "CI"]
    return ", ".join(shown)


def report(plan: Plan, dry_run: bool, results: dict | None = None) -> str:
    name = plan.source
    notes = [f"Note: {note}" for note in plan.notes]
    if not plan.changes and not plan.actions:
        return "\n".join([f"No changes: the repository already matches {name} ({_counted(plan)})."] + notes)
    creates = len(plan.creates) + sum(1 for a in plan.actions if a.action == "CREATE")
    updates = len(plan.updates) + sum(1 for a in plan.actions if a.action == "UPDATE")
    deploys = sum(1 for a in plan.actions if a.action == "DEPLOY")
    described = len(plan.cis) + sum(n for what, n in plan.described.items() if what != "deployment")
    unchanged = described - creates - updates
    if dry_run:
        deploying = f", {deploys} to deploy" if deploys else ""
        head = (f"Dry run of {name}: {creates} to create, {updates} to update{deploying}, {unchanged} unchanged; "
                f"nothing was written.")
    else:
        deployed = f", {deploys} deployed" if deploys else ""
        head = f"Applied {name}: {creates} created, {updates} updated{deployed}, {unchanged} unchanged."
    lines = [head]
    items = [(f"{c.ci.id} ({c.ci.type})", c.action, c.diffs, None) for c in plan.changes]
    items += [(a.title, a.action, a.diffs, (results or {}).get(id(a))) for a in plan.actions]
    for title, action, diffs, result in items:
        lines.append(f"  {action:<7} {title}")
        for diff in diffs:
            if diff.before is None:
                lines.append(f"            {diff.name}: {diff.after}")
            else:
                lines.append(f"            {diff.name}: {diff.before} -> {diff.after}")
        if result:
            lines.append(f"            {result}")
    return "\n".join(lines + notes)


def summaries(plan: Plan) -> list[str]:
    return [change.summary() for change in plan.changes] + [action.summary() for action in plan.actions]


class Applier:
    def __init__(self, session, plan: Plan):
        self.client = session.client
        self.plan = plan
        self.created: list[str] = []
        self.updated: list[Change] = []

    def run(self) -> None:
        try:
            self._write()
        except DeployitException as exc:
            undo_error = self._undo()
            raise AsCodeError(self._failure(exc, undo_error)) from None

    def _write(self) -> None:
        creates = self.plan.creates
        new_artifacts = {c.id for c in creates if c.upload}
        under_new_artifact = [c for c in creates if not c.upload and
                              any(c.id.startswith(a + "/") for a in new_artifacts)]
        first = [c for c in creates if not c.upload and c not in under_new_artifact]
        self._create_batch(first)
        for change in creates:
            if change.upload:
                self._send_with_file("POST", change)
                self.created.append(change.id)
        self._create_batch(under_new_artifact)
        plain = [c for c in self.plan.updates if not c.upload]
        if plain:
            self.client.put("/repository/cis", body=[c.body for c in plain])
            self.updated.extend(plain)
        for change in self.plan.updates:
            if change.upload:
                self._send_with_file("PUT", change)
                self.updated.append(change)

    def _create_batch(self, changes: list[Change]) -> None:
        if changes:
            self.client.post("/repository/cis", body=[c.body for c in changes])
            self.created.extend(c.id for c in changes)

    def _send_with_file(self, method: str, change: Change) -> None:
        with open(change.upload, "rb") as handle:
            files = {
                "configurationItem": (None, dumps(change.body), "application/json"),
                "file": (os.path.basename(change.upload), handle, "application/octet-stream"),
            }
            self.client.request(method, f"/repository/ci/{quote_id(change.id)}", files=files)

    def _undo(self) -> str | None:
        """Put the repository back as it was; the error that stopped that, if any."""
        try:
            if self.updated:
                bodies = []
                for change in self.updated:
                    body = {k: v for k, v in (change.original or {}).items() if not k.startswith("$")}
                    bodies.append(body)
                self.client.put("/repository/cis", body=bodies)
            tops = [i for i in self.created if not any(i.startswith(o + "/") for o in self.created)]
            if tops:
                self.client.post("/repository/cis/delete", body=list(reversed(tops)))
        except DeployitException as exc:
            return exc.message
        return None

    def _failure(self, exc: DeployitException, undo_error: str | None) -> str:
        message = exc.message.rstrip(".")
        at = self._where(message)
        prefix = f"{at}: " if at else f"{self.plan.source}: "
        if undo_error is None:
            return f"{prefix}the server refused the changes, so nothing was changed: {message}."
        return (f"{prefix}the server refused the changes ({message}) and undoing those already made failed too "
                f"({undo_error.rstrip('.')}); check {', '.join(self.created + [c.id for c in self.updated])}.")

    def _where(self, message: str) -> str | None:
        """The place in the file of the CI a server message names (the longest id it mentions)."""
        best = None
        for ci in self.plan.cis:
            if ci.id in message and (best is None or len(ci.id) > len(best.id)):
                best = ci
        return best.where() if best else None


def run_actions(session, plan: Plan) -> dict:
    """Users, roles, permissions, then deployments, in the file's order; each one's report line by id."""
    results = {}
    for action in plan.actions:
        try:
            results[id(action)] = action.run(session.client)
        except DeployitException as exc:
            raise AsCodeError(f"{plan.source}: the server refused to {action.action.lower()} {action.title} "
                              f"({exc.message.rstrip('.')}); the changes listed before it were made.") from None
    return results


def apply_plan(session, plan: Plan, dry_run: bool = False):
    """Make the plan's changes (unless dry_run): the CIs in one go (undone when refused), then the other
    actions; the change strings, with the report as their repr."""
    results = {}
    if not dry_run:
        if plan.changes:
            Applier(session, plan).run()
        results = run_actions(session, plan)
    return changes_list(summaries(plan), report(plan, dry_run, results))


def apply_file(session, path: str, dry_run: bool = False, values=None):
    """Apply a YAML file; `values` are XL values given by the caller (--values), which win over the others."""
    import os

    from .plan import make_plan
    from .values import XlValues
    xl_values = XlValues(os.path.dirname(os.path.abspath(str(path))), given=values, home=os.path.expanduser("~"))
    return apply_plan(session, make_plan(session, path, xl_values), dry_run)
