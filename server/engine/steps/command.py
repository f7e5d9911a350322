"""The `command` step of cmd.DeployedCommand: dependencies uploaded, `${name}` replaced, the command line run.

As in XL Deploy the command line is split on spaces and run without a shell (shell characters reach the program
as they are); it runs in a temporary folder on the host that holds the dependencies, each under its file name
(placeholders in them are not replaced). The log is `Executing command line : '<command line>'` followed by
the command's output.
"""

from __future__ import annotations

from server.engine.context import DONE
from server.engine.steps.artifacts import artifact_of, prepare
from server.engine.steps.base import Run, name_of


def command(run: Run) -> str:
    host = run.host()
    line = run.text("command-line", required=True)
    dependencies = run.ci_list("dependencies")
    with run.connect(host) as conn:
        folder = conn.temp_dir()
        paths: dict[str, str] = {}
        for index, dependency in enumerate(dependencies):
            artifact = artifact_of(run, dependency)
            payload = prepare(run, artifact, run.ctx.work_dir / f"dependency-{index}", replace=False)
            path = conn.path_join(folder, payload.name)
            if payload.is_tree:
                conn.upload_tree(str(payload.path), path)
            else:
                conn.upload(str(payload.path), path)
            paths[name_of(dependency["id"])] = path
        for name in sorted(paths, key=len, reverse=True):
            line = line.replace("${" + name + "}", paths[name])
        arguments = [part for part in line.split(" ") if part]
        if not arguments:
            raise run.fail(f"The command line of step '{run.description}' is empty.")
        run.log(f"Executing command line : '{line}'")
        code = conn.execute(arguments, run.output, cwd=folder, cancel=run.ctx.cancel)
        if code != 0:
            raise run.fail(f"Command line '{line}' on host {conn.host_id} exited with code {code}.")
    return DONE
