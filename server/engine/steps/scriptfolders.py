"""`sql` (sql.ExecutedSqlScripts) and `executed-folder` (generic.ExecutedFolder): a folder of scripts run one by one
through an executor script on the host.

Which scripts (names directly in the folder's root; sub-folders such as `common/` are uploaded with them):
- installation scripts match the deployed's `scriptRecognitionRegex` (whole name) and not its
  `rollbackScriptRecognitionRegex`; a script's rollback script is its base name (first regex group) followed by
  `rollbackScriptPostfix`.
- mode `install`: every installation script in name order.
- mode `update` (needs previous-artifact): first the rollback scripts, from the previous version, of removed scripts
  and (with `executeRollbackForModifiedScripts`) of changed ones, in reverse name order; then the new scripts and
  (with `executeModifiedScripts`) the changed ones, in name order. "Changed" compares the scripts' content as
  packaged (before placeholders are replaced), so a new dictionary value does not re-run a script.
- mode `rollback`: the rollback scripts of the installation scripts, in reverse name order.
Placeholders are replaced in the scripts (they are the artifact's text files) with the deployed's values.

The executor script (the `executor-script` parameter; for sql the client's hidden `sqlScriptExecutor`, e.g.
`sql/sqlite`, `sql/postgresql`) is found on the script path like an os-script and rendered once per script with:
`deployed`, `previousDeployed`, `container` (the sql client, or the deployed's container), `step`,
`scriptToExecute` (path on the host; also `sqlScriptToExecute`), `scriptName`; for sql also `username`
(the deployed's, else the client's), `databaseName`, and `passwordFile`: the path of a file, private to the
connection's temporary folder, holding the password, which executors read into the client's environment
(`PGPASSWORD="$(cat ...)"`) so that it never appears on a command line. Each runs in the folder holding the scripts;
its output goes to the step log under `Executing <script>`; a non-zero exit fails the step naming the script.
"""

from __future__ import annotations

import re
import shlex
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from server.engine.context import DONE
from server.engine.steps.artifacts import artifact_of, prepare
from server.engine.steps.base import Run, to_bool
from server.engine.steps.cis import CiView
from server.engine.steps.render import locate, output_name, read_template, render, script_candidates
from server.engine.steps.scope import step_info
from server.engine.steps.scripts import container_environment

SQL_DEFAULTS = (r"([0-9]*-.*)\.sql", r"([0-9]*-.*)-rollback\.sql", "-rollback.sql")
FOLDER_DEFAULTS = (r"([0-9]*-.*)\.sh", r"([0-9]*-.*)-rollback\.sh", "-rollback.sh")


@dataclass
class Scripts:
    """The scripts of one version of the folder, unpacked (placeholders replaced) in `root`."""
    label: str                # "new" or "old": the folder's name on the host
    root: Path
    raw: dict                 # name -> content as packaged
    install: list = field(default_factory=list)
    regex: re.Pattern | None = None
    postfix: str = ""

    def rollback_of(self, name: str) -> str | None:
        match = self.regex.fullmatch(name) if self.regex else None
        base = match.group(1) if match and match.groups() and match.group(1) is not None else name.rsplit(".", 1)[0]
        candidate = base + self.postfix
        return candidate if candidate in self.raw else None


def _compile(run: Run, ci: dict, name: str, default: str) -> re.Pattern:
    value = ci.get(name) or default
    try:
        return re.compile(value)
    except re.error as exc:
        raise run.fail(f"Property '{name}' of {ci.get('id')} is not a valid regular expression ({exc}).") from None


def _scripts(run: Run, ci: dict, label: str, defaults: tuple) -> Scripts:
    artifact = artifact_of(run, ci)
    payload = prepare(run, artifact, run.ctx.work_dir / label, replace=True)
    if not payload.is_tree:
        raise run.fail(f"{ci.get('id')} must be a folder of scripts, but its artifact is a file.")
    raw = {}
    try:
        with zipfile.ZipFile(artifact.source) as archive:
            for info in archive.infolist():
                name = info.filename.strip("/")
                if not info.is_dir() and "/" not in name:
                    raw[name] = archive.read(info)
    except zipfile.BadZipFile as exc:
        raise run.fail(f"The folder content of {artifact.deployable['id']} cannot be read: {exc}") from None
    regex = _compile(run, ci, "scriptRecognitionRegex", defaults[0])
    rollback = _compile(run, ci, "rollbackScriptRecognitionRegex", defaults[1])
    install = sorted(n for n in raw if regex.fullmatch(n) and not rollback.fullmatch(n))
    return Scripts(label, payload.path, raw, install, regex, str(ci.get("rollbackScriptPostfix") or defaults[2]))


def _plan(run: Run, mode: str, deployed: dict, new: Scripts, old: Scripts | None) -> list[tuple[Scripts, str]]:
    if mode == "install":
        return [(new, name) for name in new.install]
    if mode == "rollback":
        return [(new, rb) for rb in (new.rollback_of(n) for n in reversed(new.install)) if rb]
    # update
    modified = [n for n in new.install if n in old.install and new.raw[n] != old.raw[n]] \
        if to_bool(deployed.get("executeModifiedScripts"), True) else []
    removed = [n for n in old.install if n not in new.install]
    undo = removed + (modified if to_bool(deployed.get("executeRollbackForModifiedScripts"), True) else [])
    plan = [(old, rb) for rb in (old.rollback_of(n) for n in sorted(undo, reverse=True)) if rb]
    plan += [(new, n) for n in new.install if n not in old.install or n in modified]
    return plan


def sql(run: Run) -> str:
    return _run_folder(run, True)


def executed_folder(run: Run) -> str:
    return _run_folder(run, False)


def _run_folder(run: Run, is_sql: bool) -> str:
    mode = (run.text("mode", required=True) or "").strip().lower()
    if mode not in ("install", "update", "rollback"):
        raise run.fail(f"Step '{run.description}' has mode '{mode}'; the modes are install, update and rollback.")
    deployed = run.ci("artifact", required=True)
    previous = run.ci("previous-artifact")
    if mode == "update" and previous is None:
        raise run.fail(f"Step '{run.description}' updates {deployed.get('id')} but has no previous-artifact.")
    container = (run.ci("sql-client") if is_sql else None) or run.reference(deployed, "container")
    executor = run.text("executor-script") or (container or {}).get("sqlScriptExecutor" if is_sql else "executorScript")
    if not executor:
        raise run.fail(f"Step '{run.description}' has no executor script.")
    defaults = SQL_DEFAULTS if is_sql else FOLDER_DEFAULTS
    new = _scripts(run, deployed, "new", defaults)
    old = _scripts(run, previous, "old", defaults) if mode == "update" else None
    plan = _plan(run, mode, deployed, new, old)
    what = "SQL script" if is_sql else "script"
    if not plan:
        run.log(f"No {what}s to run")
        return DONE
    host = run.host()
    with run.connect(host) as conn:
        located = locate(run, executor, script_candidates(executor, conn.windows), "executor script")
        template = read_template(run, located)
        folder = conn.temp_dir()
        for scripts in {id(s): s for s, _ in plan}.values():
            conn.upload_tree(str(scripts.root), conn.path_join(folder, scripts.label))
        base = {"deployed": CiView(run, ci=deployed), "previousDeployed": CiView(run, ci=previous) if previous else None,
                "container": CiView(run, ci=container) if container else None,
                "step": step_info(run, remoteWorkingDirectory=folder, hostFileSeparator=conn.sep)}
        if is_sql:
            base.update(_credentials(run, conn, folder, deployed, container))
        executor_path = conn.path_join(folder, output_name(located))
        for scripts, name in plan:
            where = conn.path_join(folder, scripts.label)
            path = conn.path_join(where, name)
            scope = dict(base, scriptToExecute=path, sqlScriptToExecute=path, scriptName=name)
            text = render(run, template, scope, f"Executor script {executor}")
            if conn.windows:
                conn.write_text(executor_path, text.replace("\r\n", "\n").replace("\n", "\r\n"))
                command = ["cmd", "/c", executor_path]
            else:
                conn.write_text(executor_path, text, mode=0o700)
                command = shlex.quote(executor_path)
            run.log(f"Executing {name}")
            code = conn.execute(command, run.output, cwd=where, env=container_environment(base),
                                cancel=run.ctx.cancel)
            if code != 0:
                raise run.fail(f"The {what} {name} failed on {conn.host_id}: {executor} exited with code {code}.")
    return DONE


def _credentials(run: Run, conn, folder: str, deployed: dict, client: dict | None) -> dict:
    client = client or {}
    username = deployed.get("username") or client.get("username")
    password = deployed.get("password") or client.get("password")
    password_file = None
    if password:
        run.add_secret(password)
        password_file = conn.path_join(folder, ".password")
        conn.write_text(password_file, str(password), mode=0o600)
    return {"username": username, "passwordFile": password_file, "databaseName": client.get("databaseName")}
