"""Export and import as tasks of the engine: one step of type `export-cis` or `import-cis`, run on the
server by `Exchange.run_step` (registered in the engine's `server_steps`).

Export files go to `<home>/export/<Root>-<yyyyMMddTHHmmss>.zip` (the export folder is `export.path` when set: a
folder servers sharing a database share, so that each reads the others' archives) (or to another folder given as
`exportDir`: relative to `<home>/export`, or absolute for admins); the file name is chosen when the task is
created and is in its metadata (`exportFile`). Import archives are read from `<home>/export/` by name
(uploaded ones are saved there first).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..errors import BadRequest
from ..engine.context import StepFailed
from ..errors import DeployitError
from ..text import check_file_name
from . import cis

EXPORT, IMPORT = "EXPORT", "IMPORT"


def _step(type_name: str, description: str, parameters: dict) -> dict:
    return {"description": description, "state": "PENDING", "startDate": None, "completionDate": None,
            "failureCount": 0, "log": "", "metadata": {"order": "50", "previewAvailable": False},
            "type": type_name, "order": 50, "parameters": parameters, "checkpoint": None}


def _block(description: str, step: dict) -> dict:
    return {"id": "0", "description": description, "state": "PENDING", "type": "serial", "root": True,
            "blocks": [{"id": "0_1", "description": description, "state": "PENDING", "type": "steps",
                        "current": 0, "steps": [step]}]}


class Exchange:
    STEP_TYPES = ("export-cis", "import-cis")

    def __init__(self, repository, store, home: Path, limits=None, export_dir: Path | None = None):
        self.repository, self.store, self.home, self.limits = repository, store, Path(home), limits
        self._export_dir = export_dir
        # authorize(user, EXPORT | IMPORT, root): the permission check of the routes (security.policy), made again
        # when the step runs, for the task's owner then: grants may have been revoked since the task was created.
        self.authorize = None

    @property
    def export_dir(self) -> Path:
        return self._export_dir or self.home / "export"

    def _inside(self, path: Path, what: str) -> Path:
        base = self.export_dir.resolve()
        resolved = path.resolve()
        if resolved != base and base not in resolved.parents:
            raise BadRequest(f"{what} must be inside the server's export folder.")
        return resolved

    def folder(self, export_dir: str | None, admin: bool) -> Path:
        if not export_dir:
            return self.export_dir
        path = Path(check_file_name(export_dir, "The export folder"))
        if path.is_absolute():
            if not admin:
                raise BadRequest("Only an admin may export to a folder outside the server's export folder; give a "
                                 "folder relative to it.")
            return path
        return self._inside(self.export_dir / path, f"The export folder {export_dir}")

    def archive_path(self, name: str) -> Path:
        """An archive in the export folder, by name (no way out of it)."""
        if not name or not str(name).strip():
            raise BadRequest("Name the archive to import: a file in the server's export folder.")
        check_file_name(str(name), "The archive name")
        return self._inside(self.export_dir / str(name).strip(), f"The archive {name}")

    # -- creating the tasks --------------------------------------------------------------------
    def create_export(self, root, export_dir: str | None, owner: str, admin: bool) -> tuple[str, str]:
        root = cis.normalise_root(root)
        if root is not None:
            self.repository.read(root)
        folder = self.folder(export_dir, admin)
        base = cis.archive_name(root, datetime.now())
        target, n = folder / base, 1
        while target.exists():  # two exports in the same second
            n += 1
            target = folder / base.replace(".zip", f"-{n}.zip")
        what = root or "the whole repository"
        description = f"Export {what} to {target.name}"
        block = _block(description, _step("export-cis", description, {"root": root, "target": str(target)}))
        metadata = {"taskType": EXPORT, "ci": root or "", "exportFile": target.name, "exportPath": str(target)}
        task_id = self.store.create(task_type=EXPORT, description=description, owner=owner, metadata=metadata,
                                    block=block, specification={"export": {"root": root, "target": str(target)}})
        return task_id, str(target)

    def check_import(self, name: str) -> cis.Archive:
        return cis.read_archive(self.archive_path(name), self.repository, self.limits)

    def create_import(self, archive: cis.Archive, owner: str) -> str:
        what = archive.root or "the whole repository"
        description = f"Import {archive.path.name} into {what}"
        block = _block(description, _step("import-cis", description, {"archive": str(archive.path)}))
        metadata = {"taskType": IMPORT, "ci": archive.root or "", "archive": archive.path.name}
        return self.store.create(task_type=IMPORT, description=description, owner=owner, metadata=metadata,
                                 block=block, specification={"import": {"archive": str(archive.path)}})

    # -- running the steps ---------------------------------------------------------------------
    def run_step(self, step: dict, ctx) -> str:
        params = step.get("parameters") or {}
        owner = (ctx.task or {}).get("owner") or "admin"
        try:
            if step.get("type") == "export-cis":
                self._authorize(owner, EXPORT, params.get("root"))
                cis.export(self.repository, params.get("root"), Path(params["target"]), owner, ctx.log)
            else:
                path = Path(params["archive"])
                archive = cis.read_archive(path, self.repository, self.limits)
                self._authorize(owner, IMPORT, archive.root)
                cis.import_archive(self.repository, archive, owner, ctx.log)
        except DeployitError as exc:
            raise StepFailed(exc.message) from None
        return "DONE"

    def _authorize(self, owner: str, kind: str, root: str | None) -> None:
        if self.authorize is not None:
            self.authorize(owner, kind, root)
