"""The built-in step types: `execute(step, ctx) -> DONE | PAUSE` runs one planned step on the hosts it names.

`step` is the planner's JSON (server/planning/steps.py): `{"type", "description", "order", "parameters",
"checkpoint"}`; `ctx` is the engine's `StepContext` (server/engine/context.py), the only thing steps use. A step
that cannot do its job raises `StepFailed` with one sentence (secret values masked); an aborted one raises
`StepAborted`. Host errors, unreadable CIs and unexpected exceptions all become `StepFailed`. Secret values (password
properties of every CI the step resolves) are masked as ******** in the log and in failure messages.

What the engine must provide beyond the context's own docstring:
- `ctx.resolve(ref)` gets `{"ref", "type", "from"}` from step parameters, and `{"ref": id, "type": <referenced type
  or None>, "from": "repository"}` for references inside CIs (a deployed's `deployable` and `container`, a sql
  client's `host`...), which are id strings in the CI dicts.
- `ctx.artifact_file(deployable_id)` returns a path whose *name* is the artifact's file name as imported (e.g. a
  link or copy under `work_dir`); a bare SHA-1 name makes steps fall back on the CI's name.
- `ctx.types`: the server's TypeRegistry, so user types extending `file.Folder`, `generic.Archive`... are known for
  what they are; without it only the built-in types are.

Step types and parameters (CIs are references; `target-host` is an overthere host CI)

noop                 -
wait                 seconds. Sleeps; aborting the task interrupts it (StepAborted).
manual               message-template (a template on the script path, or the message itself), freemarker-context,
                     mail-server (CI: host, port, username, password, fromAddress, tls), to, from, subject.
                     Logs the rendered message (and mails it), returns PAUSE; run again in the same task it logs
                     "Continuing after the manual step" and is DONE.
jython               script (on the script path, `.py` optional), jython-context. Runs the Python 3 script on the
                     server with the context's entries as globals (CIs as read-only views), plus `context`
                     (getAttribute/setAttribute shared by the task's steps, logOutput), `logger` and a `print` that
                     write to the step log, `deployedApplication`, `step`. An exception fails the step.
os-script            script, target-host, freemarker-context, classpath-resources, template-classpath-resources,
                     upload-artifacts (default true). The script is looked up in `ctx.script_paths` as x, x.sh,
                     x.sh.ftl, x.sh.j2 (x.bat, x.cmd... on Windows), rendered (see render.py), uploaded with the
                     resources to a new temporary folder and run there; a deployed artifact is uploaded first (its
                     placeholders replaced) and is `${deployed.file}` / `${step.uploadedArtifactPath}`. A generic
                     container's envVars are set. Non-zero exit: "Script x on host h exited with code N."
template             template-path, target-path, target-file-name (default: the template's name without
                     .ftl/.j2), target-host, freemarker-context, create-target-directory (default false).
upload               artifact, target-path, target-file-name, target-host, create-target-path (default true),
                     extract (default false), replace-placeholders (default true). A file goes to
                     target-path/(target-file-name or its file name); a folder's content into target-path (or
                     target-path/target-file-name); an archive is extracted into target-path when extract, else
                     copied as a file (its text entries' placeholders replaced).
delete               target-path, target-host, artifact, target-file-name, delete-recursively (default true),
                     delete-target-path (default false). Removes target-file-name, else what the artifact put there
                     (its file; a folder's or extracted archive's top-level entries), then the target path.
                     Already-missing paths are fine (idempotent); a root folder is never deleted.
command              command-line, target-host, dependencies (deployables). See command.py; the log reads
                     "Executing command line : '<line>'" then the output.
sql                  artifact (sql.ExecutedSqlScripts), previous-artifact, mode (install|update|rollback),
                     sql-client, target-host, executor-script. See scriptfolders.py and the executors in
                     server/plugins/builtin/scripts/sql/ (sqlite, postgresql, mysql, oracle, mssql, db2).
executed-folder      artifact (generic.ExecutedFolder), previous-artifact, mode, target-host, executor-script.
check-connection     target-host (or host). Connects, writes and reads back a temporary file, runs `echo`.

Staging (engine spec §2.7). For a host with `stagingDirectoryPath`, the planner adds, before the deployment, one
`stage` step per artifact the plan uploads to that host, and after it `unstage` once per such host:
stage                artifact, target-host, extract, replace-placeholders: the same values as the artifact's
                     upload step. Copies the prepared content (placeholders replaced, archive extracted as the
                     upload will want it) to `<stagingDirectoryPath>/<task id>/<deployed id, / as _>/payload`, with a
                     marker file written last. A host without a staging directory: logs and does nothing.
unstage              target-host. Removes `<stagingDirectoryPath>/<task id>`; idempotent.
`upload` copies from the staged copy on the host (`cp -R`, or xcopy on Windows) when this task staged that
artifact with the same options, and from the server otherwise, so staging is an optimisation that cannot break a
deployment. Suggested orders: stage at 0 (PRE_FLIGHT) in a block before the plan, unstage at 100 after it.
"""

from __future__ import annotations

import logging
from typing import Callable

from server.engine.context import DONE, PAUSE, StepAborted, StepContext, StepFailed
from server.engine.hosts import CommandAborted, HostError
from server.engine.steps import command, connection, files, scriptfolders, scripts, simple
from server.engine.steps.base import Run

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[Run], str]] = {
    "noop": simple.noop,
    "wait": simple.wait,
    "manual": simple.manual,
    "jython": simple.jython,
    "os-script": scripts.os_script,
    "template": scripts.template,
    "upload": files.upload,
    "delete": files.delete,
    "stage": files.stage,
    "unstage": files.unstage,
    "command": command.command,
    "sql": scriptfolders.sql,
    "executed-folder": scriptfolders.executed_folder,
    "check-connection": connection.check_connection,
}

STEP_TYPES = tuple(sorted(HANDLERS))

__all__ = ["execute", "STEP_TYPES", "DONE", "PAUSE"]


def execute(step: dict, ctx: StepContext) -> str:
    """Run one planned step; returns DONE or PAUSE, raises StepFailed or StepAborted."""
    run = Run(step, ctx)
    handler = HANDLERS.get(run.type)
    if handler is None:
        raise StepFailed(f"Unknown step type '{run.type}'; the step types are {', '.join(STEP_TYPES)}.")
    if ctx.cancel.is_set():
        raise StepAborted("The task was aborted before the step started.")
    try:
        result = handler(run)
    except (StepFailed, StepAborted):
        raise
    except CommandAborted as exc:
        raise StepAborted(run.mask(str(exc) or "The command was aborted.")) from None
    except HostError as exc:
        raise run.fail(str(exc)) from None
    except OSError as exc:
        raise run.fail(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}.") from None
    except Exception as exc:  # noqa: BLE001 - a step failure, never a crash of the engine
        log.exception("Step %s (%s) of task %s failed unexpectedly", ctx.step_path, run.type, ctx.task_id)
        raise run.fail(f"Step '{run.description}' failed unexpectedly: {type(exc).__name__}: {exc}") from None
    return result if result in (DONE, PAUSE) else DONE
