"""`os-script` (a rendered script run on a host) and `template` (a rendered file written to a host)."""

from __future__ import annotations

import shlex

from server.engine.context import DONE
from server.engine.steps.artifacts import artifact_of, prepare
from server.engine.steps.base import Run
from server.engine.steps.cis import CiView, HostPath
from server.engine.steps.render import (expand, locate, output_name, read_template, render, script_candidates,
                                        template_candidates)
from server.engine.steps.scope import deployed_of, step_info, variables


def _names(run: Run, name: str) -> list[str]:
    value = run.param(name) or []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    return [str(v) for v in value if v not in (None, "")]


def _is_artifact(run: Run, deployed: CiView) -> bool:
    data = deployed._data()
    if not data.get("deployable"):
        return False
    if run.descriptor(data.get("type")) is not None:
        return run.is_a(data["type"], "udm.DeployedArtifact") or run.is_a(data["type"], "udm.Artifact")
    return isinstance(data.get("placeholders"), dict)


def os_script(run: Run) -> str:
    script = run.text("script", required=True)
    host = run.host()
    with run.connect(host) as conn:
        folder = conn.temp_dir()
        info = step_info(run, remoteWorkingDirectory=folder, hostFileSeparator=conn.sep)
        scope = variables(run, step=info)
        deployed = deployed_of(scope)
        if deployed is not None and run.flag("upload-artifacts", True) and _is_artifact(run, deployed):
            artifact = artifact_of(run, deployed._data())
            payload = prepare(run, artifact, run.ctx.work_dir / "artifact")
            path = conn.path_join(folder, payload.name)
            if payload.is_tree:
                conn.upload_tree(str(payload.path), path)
            else:
                conn.upload(str(payload.path), path)
            info.uploadedArtifactPath = path
            scope = variables(run, step=info, deployed_extra={"file": HostPath(path)})
        for name in _names(run, "classpath-resources"):
            resource = locate(run, name, [name], "classpath resource")
            conn.upload(str(resource), conn.path_join(folder, resource.name))
        for name in _names(run, "template-classpath-resources"):
            resource = locate(run, name, template_candidates(name), "template classpath resource")
            text = render(run, read_template(run, resource), scope, f"Template {name}")
            conn.write_text(conn.path_join(folder, output_name(resource)), text)
        located = locate(run, script, script_candidates(script, conn.windows), "script")
        text = render(run, read_template(run, located), scope, f"Script {script}")
        path = conn.path_join(folder, output_name(located))
        if conn.windows:
            conn.write_text(path, text.replace("\r\n", "\n").replace("\n", "\r\n"))
            command = ["cmd", "/c", path]
        else:
            conn.write_text(path, text, mode=0o755)
            command = shlex.quote(path)
        env = container_environment(scope)
        code = conn.execute(command, run.output, cwd=folder, env=env, cancel=run.ctx.cancel)
        if code != 0:
            raise run.fail(f"Script {script} on host {conn.host_id} exited with code {code}.")
    return DONE


def container_environment(scope: dict) -> dict | None:
    """A generic container's envVars, set for every script run for it."""
    container = scope.get("container")
    if isinstance(container, CiView):
        values = container.getProperty("envVars")
        if isinstance(values, dict) and values:
            return {str(k): "" if v is None else str(v) for k, v in values.items()}
    return None


def template(run: Run) -> str:
    name = run.text("template-path", required=True)
    host = run.host()
    scope = variables(run)
    target = expand(run, run.text("target-path", required=True), scope, "The target path")
    located = locate(run, name, template_candidates(name), "template")
    file_name = expand(run, run.text("target-file-name"), scope, "The target file name") or output_name(located)
    text = render(run, read_template(run, located), scope, f"Template {name}")
    with run.connect(host) as conn:
        if run.flag("create-target-directory", False):
            conn.mkdirs(target)
        elif not conn.is_dir(target):
            raise run.fail(f"The target directory {target} does not exist on host {conn.host_id} (and the step does "
                           f"not create it).")
        path = conn.path_join(target, file_name)
        conn.write_text(path, text, mode=0o644)
        run.log(f"Wrote {path} on {conn.host_id} from the template {name}")
    return DONE
