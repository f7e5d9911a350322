"""Building the StepContext of one step execution: CI references resolved, secrets decrypted and masked.

References (`{"ref": id, "type": t, "from": ...}`) resolve as follows:
- "deployed": the new version of a deployed of this task, from the task's specification (embedded
  deployeds included); "previous": the version the deployment replaces;
- "repository": the CI as stored now (properties effective, passwords in clear);
- "server": the machine the server runs on, as an overthere.LocalHost (`localShellScript` control tasks).
Every `{b64}` value a step is given (in its parameters or in a resolved CI) is decrypted, and its clear
text is masked as ******** in every line of the task's step logs. The host connections a step opens
record the commands they run while these run (server/engine/leftovers.py).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from pathlib import Path

from ..errors import DeployitError
from ..repository import values
from . import hosts
from .context import StepContext, StepFailed
from .logs import Secrets

SERVER_HOST_ID = "Infrastructure/deployit-server"


class Resolver:
    """The CI references of one task."""

    def __init__(self, repository, types, crypto, specification: dict | None, secrets: Secrets):
        self.repository, self.types, self.crypto, self.secrets = repository, types, crypto, secrets
        self.index: dict[str, dict[str, dict]] = {"deployed": {}, "previous": {}}
        for delta in (specification or {}).get("deltas") or ():
            for side in ("deployed", "previous"):
                if delta.get(side):
                    self._index(side, delta[side])
        # Every secret of the task's deployeds is masked from the first step on, whichever step prints it.
        self.clear(specification or {})

    def _index(self, side: str, ci: dict) -> None:
        self.index[side][ci["id"]] = ci
        for value in ci.values():
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, dict) and item.get("id") and item.get("type"):
                        self._index(side, item)

    def clear(self, value):
        """A copy with every encrypted string decrypted (and remembered as a secret)."""
        if isinstance(value, str):
            if self.crypto.is_encrypted(value):
                text = self.crypto.decrypt(value)
                self.secrets.add(text)
                return text
            return value
        if isinstance(value, dict):
            return {k: self.clear(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.clear(v) for v in value]
        return value

    def resolve(self, ref) -> dict:
        if isinstance(ref, str):
            ref = {"ref": ref, "from": "repository"}
        if not isinstance(ref, dict):
            raise StepFailed(f"{ref!r} is not a reference to a configuration item.")
        side = ref.get("from") or "repository"
        ci_id = ref.get("ref") or ref.get("id")
        if side == "server":
            return self.server_host()
        if side in self.index and ci_id in self.index[side]:
            return self.clear(self.index[side][ci_id])
        try:
            rec = self.repository.read(ci_id)
        except DeployitError:
            raise StepFailed(f"Configuration item {ci_id} does not exist in the repository.") from None
        props = self.repository.decrypted(rec)
        desc = self.types.get(rec.type)
        if desc is not None:
            for prop in desc.properties.values():
                if prop.password:
                    value = props.get(prop.name)
                    for secret in (value.values() if isinstance(value, dict) else [value]):
                        self.secrets.add(secret)
        return dict({"id": rec.id, "type": rec.type}, **props)

    def server_host(self) -> dict:
        desc = self.types.get("overthere.LocalHost")
        props = values.to_json(desc, {}) if desc is not None else {}
        return dict({"id": SERVER_HOST_ID, "type": "overthere.LocalHost"}, **props)

    def artifact_path(self, ci_id: str, work_dir: Path) -> Path:
        """The file of an artifact CI (or of a deployed's deployable), under its own file name in the step's work
        folder: a link (or copy) of the file in the artifact store, or a copy streamed from the database."""
        found = self.repository.artifact_file(ci_id)
        if found is None:
            deployable = None
            for side in ("deployed", "previous"):
                if ci_id in self.index[side]:
                    deployable = self.index[side][ci_id].get("deployable")
                    break
            if deployable is None:
                try:
                    deployable = self.repository.read(ci_id).properties.get("deployable")
                except DeployitError:
                    deployable = None
            if deployable:
                found = self.repository.artifact_file(deployable)
        if found is None:
            raise StepFailed(f"Artifact {ci_id} has no file in the repository.")
        store = self.repository.artifacts
        if not store.exists(found[0]):
            raise StepFailed(f"The file of artifact {ci_id} ({found[1]}) is missing from the artifact store.")
        name = Path(found[1] or "").name or Path(ci_id).name or found[0]
        work_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="artifact-", dir=work_dir))
        named = folder / name
        store.place(found[0], named)  # a link to the stored file, or a copy streamed from the database
        return named


class ContextFactory:
    """Makes the StepContext of each step of one task run."""

    def __init__(self, *, task: dict, repository, types, crypto, secrets: Secrets, script_paths: list[Path],
                 work_root: Path, processes=None):
        self.task = task
        # step path -> what records the commands the step runs on hosts (server/engine/leftovers.py), or None
        self.processes = processes or (lambda path: None)
        self.secrets = secrets
        self.resolver = Resolver(repository, types, crypto, task.get("specification"), secrets)
        self.types = types
        self.script_paths = script_paths
        self.work_root = work_root
        self.attributes: dict = {}
        self._root_made = False

    def parameters(self, step: dict) -> dict:
        """The step as the implementation gets it: secret parameters decrypted."""
        out = dict(step)
        out["parameters"] = self.resolver.clear(step.get("parameters") or {})
        return out

    def make(self, path: str, log, cancel: threading.Event) -> StepContext:
        if not self._root_made:  # private: what steps leave there may hold secrets
            self.work_root.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._root_made = True
        # Named now, made by the first step that uses it (most never do): making and removing a folder
        # per step cost more than a no-op step itself.
        work_dir = self.work_root / f"step-{path}-{uuid.uuid4().hex[:12]}"
        processes = self.processes(path)
        return StepContext(task_id=self.task["id"], step_path=path, log=log, cancel=cancel,
                           resolve=self.resolver.resolve,
                           artifact_file=lambda ci_id: self.resolver.artifact_path(ci_id, work_dir),
                           connect=lambda host: hosts.connect(host, processes=processes), work_dir=work_dir,
                           attributes=self.attributes, types=self.types,
                           task={"id": self.task["id"], "description": self.task.get("description"),
                                 "owner": self.task.get("owner"), "metadata": self.task.get("metadata") or {},
                                 "specification": self.task.get("specification") or {}},
                           script_paths=list(self.script_paths))

    @staticmethod
    def cleanup(ctx: StepContext) -> None:
        if ctx.work_dir.exists():
            shutil.rmtree(ctx.work_dir, ignore_errors=True)
