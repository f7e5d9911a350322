"""The deployment service (XL Deploy's DeploymentService): prepare, map, validate, preview and
create deployment tasks, and their rollbacks.

Each operation reads what it needs from the repository (snapshot.py), hands plain data to the pure
planning package, and answers in the Deployment JSON of server/planning/wire.py with secrets as
ciphertext (secrets.py). Creating a task hands the plan (tasks.py) to the task store; the engine
stores and runs it and never plans.
"""

from __future__ import annotations

from ..errors import BadRequest, Conflict, NotFound
from ..planning import specification as spec
from ..planning.delta import MASK, changes
from ..planning.dictionaries import EffectiveDictionary
from ..planning.model import ERROR, INITIAL, UNDEPLOYMENT, UPDATE, Ci, Deployment, Snapshot, name_of, parent_of
from ..planning.plan import find_block
from ..planning.planner import plan as make_plan
from ..planning.rules import RuleSet
from ..planning.wire import deployment_from_json, deployment_to_json
from ..types import TypeRegistry
from .rollback import plan_rollback
from .secrets import DeploymentSecrets
from .snapshot import SnapshotReader
from .tasks import TaskBuilder


class ValidationFailed(BadRequest):
    """A deployment with validation errors; `messages` lists them all."""

    def __init__(self, message: str, messages: list):
        super().__init__(message)
        self.messages = messages


def _environment_of(deployed_application: Ci) -> str:
    return deployed_application.properties.get("environment") or parent_of(deployed_application.id)


class DeploymentService:
    def __init__(self, repository, types: TypeRegistry, secrets, rules: RuleSet, tasks, engine):
        self.repository = repository
        self.types = types
        self.rules = rules
        self.tasks = tasks
        self.engine = engine
        self.secrets = DeploymentSecrets(secrets, types)
        self.snapshots = SnapshotReader(repository, types, self.secrets)
        self.task_builder = TaskBuilder(types, self.secrets)

    def _to_json(self, deployment: Deployment, snap: Snapshot) -> dict:
        return deployment_to_json(deployment, snap, self.types, self.secrets.conceal)

    def _parse(self, data) -> tuple[Deployment, Snapshot]:
        """The client's Deployment in the planning model, and the snapshot it needs."""
        deployment = deployment_from_json(data, self.types, self.secrets.reveal)
        app = deployment.application
        if deployment.type == INITIAL:
            snap = self.snapshots.snapshot(app.properties["version"], app.properties["environment"],
                                           with_previous=False)
        elif deployment.type == UPDATE:
            snap = self.snapshots.snapshot(app.properties["version"], app.properties["environment"], app.id)
            if snap.previous is None or snap.previous.id != app.id:
                raise BadRequest(f"{app.id} is not a deployed application; deploy it with an INITIAL deployment.")
        else:
            previous = self.snapshots.read(app.id, "udm.DeployedApplication", "a deployed application")
            snap = self.snapshots.snapshot(None, _environment_of(previous), app.id)
        if deployment.type != UNDEPLOYMENT:
            # The id decides which deployeds the deployment owns, so it is derived, never taken from the client.
            expected = f"{snap.environment}/{name_of(snap.application or '')}"
            if app.id != expected:
                raise BadRequest(f"The deployed application of {app.properties['version']} on {snap.environment} "
                                 f"is {expected}, not {app.id}.")
        if not deployment.id:
            deployment.id = spec.new_deployment_id()
        if not deployment.deployables and deployment.type != UNDEPLOYMENT:
            deployment.deployables = list(snap.deployables)
        if not deployment.containers and deployment.type != UNDEPLOYMENT:
            deployment.containers = list(snap.containers)
        return deployment, snap

    def prepare_initial(self, version: str, environment: str) -> dict:
        self.snapshots.read(version, "udm.Version", "an application version", "version")
        snap = self.snapshots.snapshot(version, environment)
        return self._to_json(spec.prepare_initial(snap, self.types), snap)

    def prepare_update(self, version: str, deployed_application: str) -> dict:
        self.snapshots.read(version, "udm.Version", "an application version", "version")
        previous = self.snapshots.read(deployed_application, "udm.DeployedApplication", "a deployed application",
                                       "deployedApplication")
        if name_of(parent_of(version) or "") != previous.name:
            raise BadRequest(f"{version} is not a version of the application deployed as {previous.id}.")
        snap = self.snapshots.snapshot(version, _environment_of(previous), previous.id)
        return self._to_json(spec.prepare_update(snap, self.types), snap)

    def prepare_undeploy(self, deployed_application: str) -> dict:
        previous = self.snapshots.read(deployed_application, "udm.DeployedApplication", "a deployed application",
                                       "deployedApplication")
        snap = self.snapshots.snapshot(None, _environment_of(previous), previous.id)
        return self._to_json(spec.prepare_undeploy(snap, self.types), snap)

    def auto_deployeds(self, data) -> dict:
        deployment, snap = self._parse(data)
        return self._to_json(spec.auto_deployeds(deployment, snap, self.types), snap)

    def generate_all(self, data) -> dict:
        deployment, snap = self._parse(data)
        return self._to_json(spec.generate_all(deployment, snap, self.types), snap)

    def generate_selected(self, data, deployables: list[str]) -> dict:
        deployment, snap = self._parse(data)
        return self._to_json(spec.generate_selected(deployment, snap, self.types, deployables), snap)

    def generate_single(self, data, deployable: str, container: str, deployed_type: str | None) -> dict:
        deployment, snap = self._parse(data)
        return self._to_json(spec.generate_single(deployment, snap, self.types, deployable, container,
                                                  deployed_type), snap)

    def validate(self, data) -> dict:
        deployment, snap = self._parse(data)
        return self._to_json(spec.validate(deployment, snap, self.types), snap)

    def _planned(self, data):
        deployment, snap = self._parse(data)
        if deployment.type == INITIAL:
            existing = f"{snap.environment}/{name_of(snap.application)}"
            if self.repository.exists(existing):
                raise Conflict(f"{name_of(snap.application)} is already deployed to {snap.environment} ({existing}); "
                               f"prepare an update instead.")
        spec.validate(deployment, snap, self.types)
        errors = deployment.errors()
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            what = first.message if first.ci in first.message else f"{first.ci}: {first.message}"
            raise ValidationFailed(f"The deployment is not valid: {what}{more}",
                                   [m.to_json() for m in errors])
        return deployment, snap, make_plan(deployment, snap, self.types, self.rules)

    def create_task(self, data, owner: str) -> str:
        deployment, snap, plan = self._planned(data)
        return self.tasks.create(owner=owner, **self.task_builder.task(plan, snap))

    def rollback(self, task_id: str, owner: str) -> str:
        """Create the rollback task of a deployment task (rollback.py); the original task is archived
        (DONE when it was EXECUTED, else CANCELLED) so it cannot run again."""
        record = self.engine.to_roll_back(task_id)
        parts = plan_rollback(self, record)
        return self.engine.create_and_archive(task_id, record["state"], lambda: self.tasks.create(
            owner=owner, rollback_of=task_id, **parts))

    def preview_block(self, data) -> dict:
        deployment, snap, plan = self._planned(data)
        return {"id": None, "description": plan.task_description, "state": "PENDING", "metadata": plan.metadata,
                "block": self.task_builder.block(plan, snap)}

    def preview_step(self, data, block_id: str, step_nr: int) -> dict:
        preview = self.preview_block(data)
        block = find_block(preview["block"], block_id)
        if block is None or "steps" not in block:
            raise NotFound(f"The plan has no step block {block_id}.")
        if not 1 <= step_nr <= len(block["steps"]):
            raise NotFound(f"Block {block_id} has no step {step_nr}; it has {len(block['steps'])}.")
        return block["steps"][step_nr - 1]

    def preview_changes(self, data) -> dict:
        """Each deployed's operation and changed properties, with the plan (deployment.preview)."""
        deployment, snap, plan = self._planned(data)
        deltas = []
        for delta in plan.deltas:
            item = delta.deployed_or_previous
            entry = {"operation": delta.operation, "id": item.id, "type": item.type,
                     "container": item.container, "deployable": item.deployable}
            if delta.operation == "MODIFY":
                entry["previousDeployable"] = delta.previous.deployable
                entry["changes"] = changes(delta.deployed, delta.previous, snap, self.types)
            else:
                entry["changes"] = []
            deltas.append(entry)
        return {"description": plan.task_description, "metadata": plan.metadata, "deltas": deltas,
                "warnings": [m.to_json() for m in deployment.all_messages() if m.level != ERROR],
                "block": self.task_builder.block(plan, snap)}

    def is_deployed(self, application: str, environment: str) -> bool:
        if not application or not environment:
            raise BadRequest("Query parameters 'application' and 'environment' are required.")
        ci_id = f"{environment.strip('/')}/{name_of(application.strip('/'))}"
        found = self.snapshots.try_read(ci_id)
        return found is not None and self.types.is_a(found.type, "udm.DeployedApplication")

    def effective_dictionary(self, environment: str, application: str | None, container: str | None) -> dict:
        """The entries that apply to a deployment of application to container, values resolved;
        secret ones masked."""
        env = self.snapshots.read(environment, "udm.Environment", "an environment", "environment")
        dictionaries = []
        for dictionary_id in env.properties.get("dictionaries") or []:
            found = self.snapshots.try_read(dictionary_id)
            if found is not None:
                dictionaries.append(self.snapshots.dictionary_of(found))
        application = application.strip("/") if application else None
        container = container.strip("/") if container else None
        effective = EffectiveDictionary(dictionaries, container, application)
        return {key: (MASK if entry.secret else entry.value) for key, entry in effective.items().items()}
