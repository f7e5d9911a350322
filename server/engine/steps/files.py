"""Steps that put artifacts on hosts and take them away: upload, delete, and the staging pair stage/unstage."""

from __future__ import annotations

import json
import os
import re

from server.engine.context import DONE
from server.engine.steps.artifacts import ARCHIVE, FILE, Artifact, Payload, artifact_of, prepare, top_level_entries
from server.engine.steps.base import Run
from server.engine.steps.cis import CiView
from server.engine.steps.render import expand

STAGED_MARKER = ".deployit-staged"


def path_variables(run: Run, ci: dict | None) -> dict:
    """What `${...}` left in a path parameter may use: the deployed and its container."""
    if ci is None:
        return {}
    deployed = CiView(run, ci=ci)
    out = {"deployed": deployed}
    if ci.get("container"):
        out["container"] = deployed.container
    return out


def _count_files(root) -> int:
    return sum(len(names) for _d, _s, names in os.walk(root))


def _refuse_root(run: Run, conn, path: str) -> None:
    stripped = path.strip().rstrip("/\\")
    if stripped in ("", ".", "..") or re.fullmatch(r"[A-Za-z]:", stripped):
        raise run.fail(f"Refusing to delete '{path}' on host {conn.host_id}: it is a root folder.")


# ----------------------------------------------------------------------------------------------- upload

def upload(run: Run) -> str:
    host = run.host()
    artifact_ci = run.ci("artifact", required=True)
    artifact = artifact_of(run, artifact_ci)
    variables = path_variables(run, artifact_ci)
    target = expand(run, run.text("target-path", required=True), variables, "The target path")
    file_name = expand(run, run.text("target-file-name"), variables, "The target file name")
    extract = run.flag("extract", False)
    replace = run.flag("replace-placeholders", True)
    with run.connect(host) as conn:
        _ensure_folder(run, conn, target, run.flag("create-target-path", True))
        staged = _staged(run, conn, host, artifact, extract, replace)
        if staged is not None:
            source, is_tree, name = staged
            destination = _destination(conn, target, file_name, is_tree, name)
            run.log(f"Copying {artifact.file_name} from the staging folder to {destination} on {conn.host_id}")
            _remote_copy(run, conn, source, destination, is_tree)
            return DONE
        payload = prepare(run, artifact, run.ctx.work_dir / "upload", replace=replace, extract=extract)
        destination = _destination(conn, target, file_name, payload.is_tree, payload.name)
        _copy_payload(run, conn, artifact, payload, destination, extract)
    return DONE


def _ensure_folder(run: Run, conn, folder: str, create: bool) -> None:
    if create:
        conn.mkdirs(folder)
    elif not conn.is_dir(folder):
        raise run.fail(f"The target path {folder} does not exist on host {conn.host_id} (and the deployed does not "
                       f"create it).")


def _destination(conn, target: str, file_name: str | None, is_tree: bool, name: str) -> str:
    if is_tree:
        return conn.path_join(target, file_name) if file_name else target
    return conn.path_join(target, file_name or name)


def _copy_payload(run: Run, conn, artifact: Artifact, payload: Payload, destination: str, extract: bool) -> None:
    if payload.is_tree:
        what = "Extracting" if extract and artifact.kind != "folder" else "Copying"
        count = _count_files(payload.path)
        run.log(f"{what} {artifact.file_name} to {destination} on {conn.host_id} ({count} file{'s' * (count != 1)})")
        conn.upload_tree(str(payload.path), destination)
    else:
        run.log(f"Copying {artifact.file_name} to {destination} on {conn.host_id}")
        conn.upload(str(payload.path), destination)
    if artifact.placeholders:
        run.log(f"Replaced placeholders in {payload.replaced_files} of {payload.text_files} text "
                f"file{'s' * (payload.text_files != 1)}")


# ----------------------------------------------------------------------------------------------- delete

def delete(run: Run) -> str:
    host = run.host()
    artifact_ci = run.ci("artifact")
    variables = path_variables(run, artifact_ci)
    target = expand(run, run.text("target-path", required=True), variables, "The target path")
    file_name = expand(run, run.text("target-file-name"), variables, "The target file name")
    recursive = run.flag("delete-recursively", True)
    with run.connect(host) as conn:
        entries: list[str] = []
        if file_name:
            entries = [file_name]
        elif artifact_ci is not None:
            entries = _entries_of(run, conn, target, artifact_of(run, artifact_ci))
        for entry in entries:
            path = conn.path_join(target, entry)
            if conn.delete(path, recursive=recursive):
                run.log(f"Deleted {path} on {conn.host_id}")
            else:
                run.log(f"{path} is not on {conn.host_id} (already deleted)")
        if run.flag("delete-target-path", False):
            _refuse_root(run, conn, target)
            if not conn.exists(target):
                run.log(f"{target} is not on {conn.host_id} (already deleted)")
            elif not recursive and conn.is_dir(target) and conn.list_dir(target):
                run.log(f"{target} on {conn.host_id} is not empty; left in place")
            else:
                conn.delete(target, recursive=recursive)
                run.log(f"Deleted {target} on {conn.host_id}")
    return DONE


def _entries_of(run: Run, conn, target: str, artifact: Artifact) -> list[str]:
    """What copying the artifact put in the target path."""
    if artifact.kind == FILE:
        return [artifact.file_name]
    if artifact.kind == ARCHIVE:
        copied = conn.path_join(target, artifact.file_name)
        if conn.exists(copied) and not conn.is_dir(copied):
            return [artifact.file_name]  # copied as it is, not extracted
    return top_level_entries(run, artifact.source, artifact.file_name, artifact.kind)


# ----------------------------------------------------------------------------------------------- staging

def staging_root(host: dict) -> str | None:
    root = host.get("stagingDirectoryPath")
    return str(root) if root not in (None, "") else None


def stage_folder(conn, root: str, task_id: str, ci_id: str) -> str:
    return conn.path_join(root, task_id, re.sub(r"[^A-Za-z0-9._-]", "_", ci_id))


def _marker(artifact: Artifact, extract: bool, replace: bool, payload: Payload | None = None) -> dict:
    data = {"deployable": artifact.deployable["id"], "checksum": artifact.deployable.get("checksum"),
            "extract": extract, "replace": replace}
    if payload is not None:
        data.update(tree=payload.is_tree, name=payload.name)
    return data


def stage(run: Run) -> str:
    host = run.host()
    root = staging_root(host)
    artifact_ci = run.ci("artifact", required=True)
    if root is None:
        run.log(f"Host {host.get('id')} has no staging directory; {artifact_ci.get('id')} is copied when it is "
                f"deployed")
        return DONE
    artifact = artifact_of(run, artifact_ci)
    extract = run.flag("extract", False)
    replace = run.flag("replace-placeholders", True)
    payload = prepare(run, artifact, run.ctx.work_dir / "stage", replace=replace, extract=extract)
    with run.connect(host) as conn:
        folder = stage_folder(conn, root, run.ctx.task_id, artifact_ci["id"])
        content = conn.path_join(folder, "payload")
        conn.delete(folder, recursive=True)
        conn.mkdirs(content)
        if payload.is_tree:
            conn.upload_tree(str(payload.path), content)
        else:
            conn.upload(str(payload.path), conn.path_join(content, payload.name))
        conn.write_text(conn.path_join(folder, STAGED_MARKER), json.dumps(_marker(artifact, extract, replace, payload)))
        run.log(f"Staged {artifact.file_name} in {folder} on {conn.host_id}")
    return DONE


def _staged(run: Run, conn, host: dict, artifact: Artifact, extract: bool, replace: bool):
    """(path on the host, is_tree, name) of the artifact's staged copy made by this task, or None."""
    root = staging_root(host)
    if root is None:
        return None
    folder = stage_folder(conn, root, run.ctx.task_id, artifact.ci["id"])
    marker = conn.path_join(folder, STAGED_MARKER)
    if not conn.exists(marker):
        return None
    try:
        recorded = json.loads(conn.read_text(marker))
    except ValueError:
        return None
    expected = _marker(artifact, extract, replace)
    if any(recorded.get(k) != v for k, v in expected.items()):
        return None
    content = conn.path_join(folder, "payload")
    if recorded.get("tree"):
        return content, True, recorded.get("name") or artifact.file_name
    name = recorded.get("name") or artifact.file_name
    return conn.path_join(content, name), False, name


def _remote_copy(run: Run, conn, source: str, destination: str, is_tree: bool) -> None:
    if conn.windows:
        command = (["cmd", "/c", "xcopy", source, destination, "/E", "/I", "/Y", "/Q"] if is_tree
                   else ["cmd", "/c", "copy", "/Y", source, destination])
    else:
        if is_tree:
            conn.mkdirs(destination)
        command = ["cp", "-R", source + "/.", destination] if is_tree else ["cp", source, destination]
    result = conn.run(command, cancel=run.ctx.cancel)
    if result.exit_code != 0:
        detail = (result.errors or result.output).strip()
        raise run.fail(f"Copying {source} to {destination} on host {conn.host_id} failed with exit code "
                       f"{result.exit_code}{': ' + detail if detail else ''}.")


def unstage(run: Run) -> str:
    host = run.host()
    root = staging_root(host)
    if root is None:
        run.log(f"Host {host.get('id')} has no staging directory; nothing to clean up")
        return DONE
    with run.connect(host) as conn:
        folder = conn.path_join(root, run.ctx.task_id)
        if conn.delete(folder, recursive=True):
            run.log(f"Removed the staging folder {folder} on {conn.host_id}")
        else:
            run.log(f"The staging folder {folder} is not on {conn.host_id} (already removed)")
    return DONE
