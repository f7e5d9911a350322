"""The variables scripts and templates see: deployed, previousDeployed, container, deployedApplication, step, and
the step's freemarker-context (or jython-context) entries, CIs as `CiView`s."""

from __future__ import annotations

from types import SimpleNamespace

from server.engine.steps.base import Run
from server.engine.steps.cis import CiView, wrap


def step_info(run: Run, **values) -> SimpleNamespace:
    """`step` in templates: description, order, and for os-script remoteWorkingDirectory/uploadedArtifactPath."""
    info = {"description": run.description, "order": run.order, "remoteWorkingDirectory": None,
            "uploadedArtifactPath": None, "hostFileSeparator": "/"}
    info.update(values)
    return SimpleNamespace(**info)


def variables(run: Run, context_param: str = "freemarker-context", step: SimpleNamespace | None = None,
              deployed_extra: dict | None = None) -> dict:
    raw = run.param(context_param) or {}
    if not isinstance(raw, dict):
        raise run.fail(f"Parameter '{context_param}' of step '{run.description}' must be a map.")
    out = {str(k): wrap(run, v) for k, v in raw.items()}
    deployed = out.get("deployed")
    if isinstance(deployed, CiView) and deployed_extra:
        deployed = CiView(run, ci=deployed._data(), extra=deployed_extra)
        out["deployed"] = deployed
    if out.get("container") is None and isinstance(deployed, CiView) and "container" in deployed:
        out["container"] = deployed.container
    if out.get("container") is None and isinstance(out.get("thisCi"), CiView):
        out["container"] = out["thisCi"]  # control tasks: the CI the method runs on
    out.setdefault("previousDeployed", None)
    out.setdefault("container", None)
    if out.get("deployedApplication") is None:
        app = run.deployed_application()
        out["deployedApplication"] = wrap(run, app) if app else None
    out["step"] = step or step_info(run)
    return out


def deployed_of(variables_: dict) -> CiView | None:
    found = variables_.get("deployed")
    return found if isinstance(found, CiView) else None
