"""Rollback tasks (engine §6.8): the committed deltas of a deployment task inverted and planned again.

From the task's `commits` (server/engine/checkpoints.py) we know, for every deployed it touched, what
it was before the task (the delta's previous version, or nothing) and what it is now (the committed
new version, or nothing). The rollback deploys "before" over "now" for those deployeds only, with the
planner and the rules, like any deployment: what was created is destroyed, what was destroyed is
created again, what was modified is modified back (NOOP deployeds too when the task stored its
whole specification, since they then point at the new version's deployables). Deltas that were never
committed are left out.

Its specification ends in the deployed application as it was before the task (none after an
initial deployment: the rollback is planned as an undeployment of what was created, and removes the
deployed application at the end). The rollback task's type is ROLLBACK; rolling back a rollback works
the same way.
"""

from __future__ import annotations

from ..errors import BadRequest
from ..planning import specification as spec_module
from ..planning.model import INITIAL, UNDEPLOYMENT, UPDATE, Ci, Deployment, parent_of
from ..planning.planner import plan as make_plan
from ..planning.wire import application_from_json, deployed_from_json
from ..engine.checkpoints import CREATE, DESTROY, MODIFY

ROLLBACK = "ROLLBACK"


def _states(spec: dict, commits: dict) -> tuple[dict, dict, list[str]]:
    """(before, now, touched ids): the JSON of each touched deployed before the task and now (None: absent)."""
    deltas = spec.get("deltas") or []
    before, now, touched = {}, {}, []

    def touch(ci_id):
        if ci_id not in touched:
            touched.append(ci_id)

    for delta in deltas:
        previous = delta.get("previous")
        if previous:
            before.setdefault(previous["id"], previous)
    if commits.get("final"):
        for delta in deltas:
            item = delta.get("deployed") or delta.get("previous")
            if not item:
                continue
            touch(item["id"])
            now[item["id"]] = None if delta.get("operation") == DESTROY else delta.get("deployed")
    else:
        for index, operation in commits.get("applied") or []:
            if not 0 <= index < len(deltas):
                continue
            delta = deltas[index]
            item = delta.get("deployed") or delta.get("previous")
            if not item:
                continue
            touch(item["id"])
            now[item["id"]] = delta.get("deployed") if operation in (CREATE, MODIFY) else None
    return before, now, touched


def plan_rollback(deployments, record: dict) -> dict:
    """The parts of the rollback task of a stored task (with specification): type, description,
    metadata, block and specification. `deployments` is the DeploymentService (service.py)."""
    task_id = record["id"]
    spec = record.get("specification") or {}
    if spec.get("deltas") is None or not spec.get("deployedApplication"):
        raise BadRequest(f"Task {task_id} is a {record.get('task_type')} task; only deployment tasks can be "
                         f"rolled back.")
    types, reveal, snapshots = deployments.types, deployments.secrets.reveal, deployments.snapshots
    before, now, touched = _states(spec, record.get("commits") or {})
    current_app = spec["deployedApplication"]
    app_id = current_app["id"]
    original_type = spec.get("type")
    target_app = None if original_type == INITIAL else spec.get("previousDeployedApplication")
    app_exists = deployments.repository.exists(app_id)
    if target_app is None:
        kind = UNDEPLOYMENT
    elif original_type == UNDEPLOYMENT and not app_exists:
        kind = INITIAL
    else:
        kind = UPDATE

    environment = current_app.get("environment") or parent_of(app_id)
    target_version = (target_app or {}).get("version")
    snap = snapshots.snapshot(target_version, environment, app_id)
    if not snap.application:
        version = target_version or current_app.get("version")
        snap.application = parent_of(version) if version else None
    targets = [deployed_from_json(before[i], types, reveal) for i in touched if before.get(i)]
    currents = [deployed_from_json(now[i], types, reveal) for i in touched if now.get(i)]
    for deployed in targets + currents:
        for item in deployed.walk():
            snapshots.load_into(snap, item.container)
            snapshots.load_into(snap, item.deployable)
    if snap.previous is None:
        snap.previous = Ci(id=app_id, type=current_app.get("type") or "udm.DeployedApplication",
                           properties={k: v for k, v in current_app.items() if k not in ("id", "type")})
    snap.previous_deployeds = currents
    application = application_from_json(target_app if kind != UNDEPLOYMENT else current_app, types, reveal)
    deployment = Deployment(id=spec_module.new_deployment_id(), type=kind, application=application,
                            deployeds=targets if kind != UNDEPLOYMENT else [])
    plan = make_plan(deployment, snap, types, deployments.rules)
    now_app = dict(current_app, deployeds=list(deployments.repository.read(app_id).properties.get("deployeds") or [])) \
        if app_exists else None
    specification = {"deployment": deployment.id, "type": kind,
                     "deployedApplication": target_app if target_app is not None else current_app,
                     "previousDeployedApplication": now_app,
                     "deltas": deployments.task_builder.deltas(plan.deltas)}
    metadata = dict(plan.metadata, taskType=ROLLBACK, rollbackOf=task_id)
    return {"task_type": ROLLBACK, "description": f"Rollback of {record['description']}",
            "metadata": metadata, "block": deployments.task_builder.block(plan, snap),
            "specification": specification}
