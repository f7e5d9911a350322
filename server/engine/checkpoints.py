"""Results of a deployment task in the repository: checkpoint commits and the final store (engine §6.8).

When a step carrying a checkpoint `{"delta": i, "operation": op}` succeeds, delta i of the task's
specification is committed at once, in one repository transaction:
- CREATE and MODIFY store the new deployed (and its embedded deployeds) under its container,
  DESTROY deletes the deployed (a MODIFY split in two commits DESTROY, then CREATE);
- the udm.DeployedApplication `<env>/<app>` follows: it takes the properties of the specification's
  deployed application (version, orchestrator...) and lists exactly the deployeds committed so far
  (created at the first commit of an initial deployment);
- the commit is recorded in the task's `commits` ({"applied": [[i, op], ...], "final": bool}) so a
  rollback knows what changed, even if the server dies right after.
After the last step of a successful task the whole specification is stored the same way (NOOP
deployeds too, which now point at the new version's deployables), or, for an undeployment, the
deployed application and any deployed left are deleted. Commits are idempotent: a step run again
after a crash commits the same state again. `{b64}` values are stored as they are (already encrypted).
Deployeds are never shared: a commit that would store a deployed another deployed application lists
is refused (validation refuses it first; this catches two deployments that raced past it).
Each commit holds the task's claim in its transaction: once the claim moved on (another server failed or
claimed the task), the commit raises ClaimLost and the repository does not change.
"""

from __future__ import annotations

import copy
import threading

from ..errors import Conflict, DeployitError
from ..types.udm import DEPLOYED_APPLICATION, owned_elsewhere
from .context import StepFailed
from .store import TaskStore, empty_commits

CREATE, MODIFY, DESTROY, NOOP = "CREATE", "MODIFY", "DESTROY", "NOOP"
UNDEPLOYMENT = "UNDEPLOYMENT"
# Commits of all tasks are serialised: parallel branches of one task update the same deployed application.
_commit_lock = threading.Lock()


class Committer:
    def __init__(self, repository, types, store: TaskStore, task_id: str, specification: dict, commits: dict | None,
                 user: str, claim=None):
        self.repository, self.types, self.store, self.claim = repository, types, store, claim
        self.task_id, self.spec, self.user = task_id, specification or {}, user
        self.commits = copy.deepcopy(commits) if commits else empty_commits()

    @property
    def applies(self) -> bool:
        return bool(self.spec.get("deltas") is not None and self.spec.get("deployedApplication"))

    # -- CI JSON -------------------------------------------------------------------------------
    def _flatten(self, ci: dict) -> tuple[list[dict], list[str]]:
        """(CIs to save: the deployed then its embedded deployeds, stale embedded ids to delete)."""
        desc = self.types.get(ci.get("type"))
        contained = [p.name for p in desc.properties.values() if p.kind.is_collection and p.as_containment] \
            if desc is not None else []
        parent = {k: v for k, v in ci.items() if k not in contained and k != "validation-messages"}
        saves, deletes, children = [parent], [], []
        for name in contained:
            for child in ci.get(name) or ():
                if isinstance(child, dict):
                    children.append(child)
        if contained and self.repository.exists(ci["id"]):
            keep = {c.get("id") for c in children}
            deletes += [rec.id for rec in self.repository.children(ci["id"]) if rec.id not in keep]
        for child in children:
            more_saves, more_deletes = self._flatten(child)
            saves += more_saves
            deletes += more_deletes
        return saves, deletes

    def _application(self, deployeds: list[str]) -> dict:
        app = {k: v for k, v in self.spec["deployedApplication"].items() if k != "validation-messages"}
        app["deployeds"] = list(deployeds)
        return app

    def _current_deployeds(self) -> list[str]:
        app_id = self.spec["deployedApplication"]["id"]
        try:
            return list(self.repository.read(app_id).properties.get("deployeds") or [])
        except DeployitError:
            return []

    # -- commits -------------------------------------------------------------------------------
    def checkpoint(self, checkpoint: dict) -> None:
        """Commit one checkpoint; StepFailed (one sentence) when the repository refuses it."""
        if not self.applies or not checkpoint:
            return
        index, operation = checkpoint.get("delta"), checkpoint.get("operation")
        deltas = self.spec["deltas"]
        if not isinstance(index, int) or not 0 <= index < len(deltas):
            return
        delta = deltas[index]
        with _commit_lock:
            deployeds = self._current_deployeds()
            saves, deletes = [], []
            if operation in (CREATE, MODIFY) and delta.get("deployed"):
                deployed = delta["deployed"]
                saves, deletes = self._flatten(deployed)
                if deployed["id"] not in deployeds:
                    deployeds.append(deployed["id"])
            elif operation == DESTROY:
                gone = (delta.get("previous") or delta.get("deployed") or {}).get("id")
                if gone:
                    deletes.append(gone)
                    deployeds = [d for d in deployeds if d != gone]
            else:
                return
            commits = copy.deepcopy(self.commits)
            commits["applied"].append([index, operation])
            self._write(saves + [self._application(deployeds)], deletes, commits,
                        f"checkpoint of {operation} {(delta.get('deployed') or delta.get('previous') or {}).get('id')}",
                        [saves[0]["id"]] if saves else [])

    def final(self) -> None:
        """Store the whole specification after the last step of a successful task."""
        if not self.applies or self.commits.get("final"):
            return
        deltas = self.spec["deltas"]
        with _commit_lock:
            commits = copy.deepcopy(self.commits)
            commits["final"] = True
            if self.spec.get("type") == UNDEPLOYMENT:
                gone = [(d.get("previous") or d.get("deployed") or {}).get("id") for d in deltas]
                deletes = [self.spec["deployedApplication"]["id"]] + [g for g in gone if g]
                self._write([], deletes, commits, "undeployment")
                return
            saves, deletes, kept = [], [], set()
            for delta in deltas:
                if delta.get("operation") != DESTROY and delta.get("deployed"):
                    more_saves, more_deletes = self._flatten(delta["deployed"])
                    saves += more_saves
                    deletes += more_deletes
                    kept.add(delta["deployed"]["id"])
            for delta in deltas:
                if delta.get("operation") == DESTROY:
                    gone = (delta.get("previous") or delta.get("deployed") or {}).get("id")
                    if gone and gone not in kept:
                        deletes.append(gone)
            listed = self.spec["deployedApplication"].get("deployeds")
            deployeds = list(listed) if listed is not None else sorted(kept)
            self._write(saves + [self._application(deployeds)], deletes, commits, "deployment", sorted(kept))

    def _write(self, saves: list[dict], deletes: list[str], commits: dict, what: str,
               deployeds: list[str] = ()) -> None:
        """Apply one commit; `deployeds` are the deployeds it stores, which no other deployed application
        may own once it is written (checked in the same transaction, so a deployment that raced past
        validation cannot take over another one's deployed)."""
        try:
            with self.store.db.write():  # one unit of work: the CIs, the check and the task's record of the commit
                self.store.hold_claim(self.task_id, self.claim)  # first: ClaimLost leaves the repository as it is
                self.repository.apply(self.user, saves, deletes)
                self._refuse_owned(deployeds)
                self.store.record_commits(self.task_id, commits)
        except DeployitError as exc:
            raise StepFailed(f"The repository refused the {what}: {exc.message}") from None
        self.commits = commits

    def _refuse_owned(self, deployeds: list[str]) -> None:
        if not deployeds:
            return
        owners: dict[str, list[str]] = {}
        for owner, deployed in self.repository.referrers_through("deployeds", DEPLOYED_APPLICATION,
                                                                 targets=deployeds):
            owners.setdefault(deployed, []).append(owner)
        app_id = self.spec["deployedApplication"]["id"]
        for deployed in deployeds:
            refused = owned_elsewhere(deployed, owners.get(deployed, ()), app_id)
            if refused:
                raise Conflict(refused)
