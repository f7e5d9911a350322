"""Deployment documents: deploy a package to an environment and wait for the task, after the CIs.

An initial deployment when the application is not on the environment, else an update; nothing when the
environment already runs that version (so applying the file again changes nothing). The deployeds are
mapped as prepareAutoDeployeds maps them; `orchestrators` replaces the deployed application's. A task
that succeeds is archived (`onSuccessPolicy: ARCHIVE`, the default; `NOOP` leaves it EXECUTED). A
task that fails is left as it is (`onFailurePolicy: NOOP`, the default), rolled back (`ROLLBACK`) or
cancelled (`CANCEL`), and the apply fails naming it.
"""

from __future__ import annotations

import io

from ..client import DeployitException, quote_id
from .contents import Contents, DeploymentSpec
from .document import AsCodeError, name_of, parent_of
from .plan import Action, PropertyChange


def plan(client, contents: Contents, in_file: dict, exists) -> list[Action]:
    actions = []
    for spec in contents.deployments:
        _check(client, spec, spec.package, "package", in_file, exists)
        _check(client, spec, spec.environment, "environment", in_file, exists)
        deployed_id = f"{spec.environment}/{name_of(parent_of(spec.package))}"
        current = None
        if exists(deployed_id):
            current = client.get(f"/repository/ci/{quote_id(deployed_id)}") or {}
            version = current.get("version")
            version = version.get("ci-ref") or version.get("id") if isinstance(version, dict) else version
            if str(version or "").strip("/") == spec.package:
                continue  # already deployed: nothing to do
            current = str(version or "").strip("/") or None
        diffs = [PropertyChange("version", current, spec.package)] if current else []
        actions.append(Action("DEPLOY", f"{spec.package} to {spec.environment}", diffs,
                              _deploy(spec, deployed_id if current else None)))
    return actions


def _check(client, spec: DeploymentSpec, ci_id: str, what: str, in_file: dict, exists) -> None:
    if ci_id not in in_file and not exists(ci_id):
        raise AsCodeError(f"{spec.where}: the {what} {ci_id} of the Deployment is neither in the repository nor "
                          f"in the file.")


def _deploy(spec: DeploymentSpec, deployed_id: str | None):
    def run(client) -> str:
        if deployed_id:
            deployment = client.get("/deployment/prepare/update",
                                    params={"version": spec.package, "deployedApplication": deployed_id})
        else:
            deployment = client.get("/deployment/prepare/initial",
                                    params={"version": spec.package, "environment": spec.environment})
        deployment = client.post("/deployment/prepare/deployeds", body=deployment)
        if spec.orchestrators is not None and isinstance(deployment.get("application"), dict):
            deployment["application"]["orchestrator"] = list(spec.orchestrators)
        try:
            answer = client.post("/deployment", body=deployment)
        except DeployitException as exc:
            raise AsCodeError(f"{spec.where}: the deployment of {spec.package} to {spec.environment} was refused: "
                              f"{exc.message.rstrip('.')}.") from None
        task_id = str(answer.get("string") if isinstance(answer, dict) else answer)
        state = _run_task(client, task_id)
        if state == "EXECUTED":
            if spec.on_success == "ARCHIVE":
                client.post(f"/tasks/v2/{quote_id(task_id)}/archive")
                return f"task {task_id} EXECUTED and archived"
            return f"task {task_id} EXECUTED"
        raise AsCodeError(f"{spec.where}: the deployment of {spec.package} to {spec.environment} ended {state} "
                          f"(task {task_id}){_after_failure(client, spec, task_id)}.")
    return run


def _run_task(client, task_id: str) -> str:
    from ..taskwait import Progress, poll
    client.post(f"/tasks/v2/{quote_id(task_id)}/start")
    return str(poll(client, task_id, Progress(io.StringIO(), live=False)).get("state"))


def _after_failure(client, spec: DeploymentSpec, task_id: str) -> str:
    if spec.on_failure == "CANCEL":
        client.post(f"/tasks/v2/{quote_id(task_id)}/cancel")
        return "; it was cancelled"
    if spec.on_failure == "ROLLBACK":
        answer = client.post(f"/deployment/rollback/{quote_id(task_id)}")
        rollback = str(answer.get("string") if isinstance(answer, dict) else answer)
        state = _run_task(client, rollback)
        if state == "EXECUTED":
            client.post(f"/tasks/v2/{quote_id(rollback)}/archive")
        return f"; its rollback (task {rollback}) ended {state}"
    return "; it is left as it is: start it again or cancel it"
