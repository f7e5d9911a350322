"""A hand-built StepContext for the step tests: CIs in a dict, artifacts as files in a temporary store, real hosts.

    h = Harness(tmp_path)
    h.add({"id": "Infrastructure/local", "type": "overthere.LocalHost", ...})
    h.file_artifact("Applications/app/1.0/config", "file.File", "config.properties", "a={{A}}")
    h.run("upload", artifact=h.ref("Infrastructure/local/config", "deployed"), ...)   # -> DONE / PAUSE
    h.log                                                                             # the step log text
"""

from __future__ import annotations

import copy
import io
import os
import threading
from pathlib import Path

from server.engine.context import StepContext
from server.engine.hosts import connect
from server.engine.steps import execute
from server.packages import folders
from server.packages.source import Entry

BUILTIN_SCRIPTS = Path(__file__).resolve().parents[2] / "server" / "plugins" / "builtin" / "scripts"


# udm.BaseDeployableArtifact's default textFileNamesRegex: CIs reach steps with their effective values.
TEXT_FILES = r".+\.(cfg|conf|config|ini|properties|props|txt|asp|aspx|htm|html|jsf|jsp|xht|xhtml|sql|xml|xsd|xsl|xslt)"


def ref(ci_id: str, where: str = "repository", type_name: str | None = None) -> dict:
    return {"ref": ci_id, "type": type_name, "from": where}


def pack_folder(files: dict) -> bytes:
    """The stored form of a folder artifact (server.packages.folders) holding `files` (path -> bytes/str)."""
    entries, dirs = [], set()
    for path in files:
        parts = path.split("/")
        for n in range(1, len(parts)):
            dirs.add("/".join(parts[:n]))
    for path in sorted(set(files) | dirs):
        if path in dirs:
            entries.append(Entry(path, True, 0o755, 0))
        else:
            data = files[path]
            data = data.encode() if isinstance(data, str) else data
            mode = 0o755 if path.endswith(".sh") else 0o644
            entries.append(Entry(path, False, mode, len(data), (lambda d=data: io.BytesIO(d))))
    packed = folders.pack(entries, None, "test")
    try:
        return packed.file.read()
    finally:
        packed.file.close()


class Harness:
    def __init__(self, tmp_path: Path, task_id: str = "task-1", script_paths=()):
        self.tmp = Path(tmp_path)
        self.store = self.tmp / "store"
        self.store.mkdir(parents=True, exist_ok=True)
        self.cis: dict[str, dict] = {}
        self.previous: dict[str, dict] = {}
        self.artifacts: dict[str, Path] = {}
        self.lines: list[str] = []
        self.cancel = threading.Event()
        self.attributes: dict = {}
        self.task: dict = {}
        self.task_id = task_id
        self.script_paths = [Path(p) for p in script_paths] + [BUILTIN_SCRIPTS]
        self.resolved: list[dict] = []
        self.host_tmp = self.tmp / "host-tmp"
        self.host_tmp.mkdir(exist_ok=True)
        self.steps = 0

    # -- CIs ---------------------------------------------------------------------------------------

    def add(self, ci: dict, where: str | None = None) -> dict:
        """Add a CI; `where="previous"` stores the previous version of a deployed (references with
        "from": "previous" find it first)."""
        (self.previous if where == "previous" else self.cis)[ci["id"]] = ci
        return ci

    def local_host(self, ci_id: str = "Infrastructure/local", **props) -> dict:
        return self.add({"id": ci_id, "type": "overthere.LocalHost", "os": "UNIX", "protocol": "local",
                         "temporaryDirectoryPath": str(self.host_tmp), **props})

    def _store(self, ci_id: str, file_name: str, data: bytes) -> Path:
        folder = self.store / str(len(self.artifacts))
        folder.mkdir()
        path = folder / file_name
        path.write_bytes(data)
        self.artifacts[ci_id] = path
        return path

    def file_artifact(self, ci_id: str, type_name: str, file_name: str, content, **props) -> dict:
        data = content.encode() if isinstance(content, str) else content
        self._store(ci_id, file_name, data)
        return self.add({"id": ci_id, "type": type_name, "delimiters": "{{ }}",
                         "textFileNamesRegex": TEXT_FILES, **props})

    def folder_artifact(self, ci_id: str, type_name: str, files: dict, **props) -> dict:
        self._store(ci_id, ci_id.rsplit("/", 1)[-1], pack_folder(files))
        return self.add({"id": ci_id, "type": type_name, "delimiters": "{{ }}",
                         "textFileNamesRegex": TEXT_FILES, **props})

    def archive_artifact(self, ci_id: str, type_name: str, file_name: str, data: bytes, **props) -> dict:
        self._store(ci_id, file_name, data)
        return self.add({"id": ci_id, "type": type_name, "delimiters": "{{ }}",
                         "textFileNamesRegex": TEXT_FILES, **props})

    # -- the context ---------------------------------------------------------------------------------

    def _resolve(self, request: dict) -> dict:
        self.resolved.append(request)
        if request.get("from") == "previous" and request["ref"] in self.previous:
            return copy.deepcopy(self.previous[request["ref"]])
        return copy.deepcopy(self.cis[request["ref"]])

    def _artifact_file(self, ci_id: str) -> Path:
        return self.artifacts[ci_id]

    def context(self, step_path: str = "0_1_1") -> StepContext:
        self.steps += 1
        work = self.tmp / f"work-{self.steps}"
        work.mkdir()
        return StepContext(task_id=self.task_id, step_path=step_path, log=self.lines.append, cancel=self.cancel,
                           resolve=self._resolve, artifact_file=self._artifact_file, connect=connect, work_dir=work,
                           attributes=self.attributes, task=self.task, script_paths=self.script_paths)

    def run(self, step_type: str, description: str = "a step", order: int = 50, step_path: str = "0_1_1",
            **parameters) -> str:
        """Run one step with parameters given as keyword arguments (underscores for dashes); a fresh log."""
        self.lines.clear()
        params = {k.rstrip("_").replace("_", "-"): v for k, v in parameters.items()}
        step = {"type": step_type, "description": description, "order": order, "parameters": params,
                "checkpoint": None}
        return execute(step, self.context(step_path))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)


def tree(root: Path) -> dict:
    """Relative path -> bytes of every file under root."""
    out = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            full = Path(folder, name)
            out[full.relative_to(root).as_posix()] = full.read_bytes()
    return out
