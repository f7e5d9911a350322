"""The task a plan becomes, as the engine stores it and runs it.

The block tree with each step's engine data (type, order, parameters, checkpoint; secrets hidden,
see secrets.py), and the specification: the deployed application before and after and every delta
in and out, secrets as ciphertext. The engine's checkpoints commit the specification's deltas
(server/engine/checkpoints.py); a rollback inverts them (rollback.py).
"""

from __future__ import annotations

from ..planning.model import Snapshot
from ..planning.plan import block_json
from ..planning.planner import Plan
from ..planning.scripting import value_json
from ..planning.wire import application_to_json, deployed_to_json
from ..types import TypeRegistry
from .secrets import DeploymentSecrets

PREVIEW_TYPES = ("os-script", "template", "manual", "jython")


class TaskBuilder:
    def __init__(self, types: TypeRegistry, secrets: DeploymentSecrets):
        self.types = types
        self.secrets = secrets

    def step_json(self, step, hidden: frozenset = frozenset()) -> dict:
        """A step as stored in the task. Secret values stay encrypted, and so does any parameter text
        holding one of `hidden` (a rule may build a command line from a password)."""
        metadata = {"order": str(step.order), "previewAvailable": step.type in PREVIEW_TYPES}
        metadata.update(step.metadata)
        parameters = {k: value_json(v, self.secrets.conceal) for k, v in step.parameters.items()}
        if hidden:
            parameters = {k: self.secrets.hide(v, hidden) for k, v in parameters.items()}
        return {"description": step.description, "state": "PENDING", "startDate": None, "completionDate": None,
                "failureCount": 0, "log": "", "metadata": metadata,
                "type": step.type, "order": step.order,
                "parameters": parameters,
                "checkpoint": step.checkpoint}

    def block(self, plan: Plan, snap: Snapshot) -> dict:
        """The plan's block tree, hiding the texts that hold its secrets."""
        hidden = self.secrets.in_plan(plan.deployment, snap)
        return block_json(plan.tree, lambda step: self.step_json(step, hidden))

    def deployed(self, deployed) -> dict | None:
        return deployed_to_json(deployed, self.types, self.secrets.conceal, messages=False) if deployed else None

    def deltas(self, deltas) -> list[dict]:
        return [{"operation": d.operation, "deployed": self.deployed(d.deployed), "previous": self.deployed(d.previous)}
                for d in deltas]

    def specification(self, plan: Plan, snap: Snapshot) -> dict:
        deployment, previous, conceal = plan.deployment, snap.previous, self.secrets.conceal
        return {"deployment": deployment.id, "type": deployment.type,
                "deployedApplication": application_to_json(deployment.application, self.types,
                                                           [d.id for d in deployment.deployeds], conceal=conceal),
                "previousDeployedApplication": application_to_json(
                    previous, self.types, previous.properties.get("deployeds") or [], conceal=conceal)
                if previous is not None else None,
                "deltas": self.deltas(plan.deltas)}

    def task(self, plan: Plan, snap: Snapshot) -> dict:
        """The parts of the deployment task (the arguments of the task store's `create` but its owner)."""
        return {"task_type": plan.task_type, "description": plan.task_description, "metadata": plan.metadata,
                "block": self.block(plan, snap), "specification": self.specification(plan, snap)}
