"""The deployment service: planning's link to the outside world.

It reads what a deployment needs from the repository into a `Snapshot`, hands plain data to the
pure planning modules, turns their results into the REST API's JSON (secrets concealed) and stores
tasks. Rules files are read here too, once at start: the built-in `*-rules.xml` of
server/plugins/builtin, then the home's `plugins/*rules*.xml`, `ext/xl-rules.xml` and `xl-rules.xml`;
planning scripts (`<planning-script-path>`) are looked up beside the rules file, then in `plugins/`
and `ext/`.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from ..errors import BadRequest, Conflict, NotFound
from ..types import PropertyKind, TypeRegistry
from ..types.registry import is_rules_file
from ..planning import specification as spec
from ..planning.delta import MASK, changes
from ..planning.dictionaries import EffectiveDictionary
from ..planning.model import ERROR, INITIAL, UNDEPLOYMENT, UPDATE, Ci, Deployed, Deployment, Dictionary, Snapshot, name_of, parent_of
from ..planning.plan import block_json, find_block
from ..planning.planner import plan as make_plan
from ..planning.rules import RuleSet
from ..planning.scripting import value_json
from .rollback import plan_rollback
from ..planning.wire import application_to_json, deployed_to_json, deployment_from_json, deployment_to_json

log = logging.getLogger(__name__)

DEPLOYABLE, EMBEDDED_DEPLOYABLE = "udm.Deployable", "udm.EmbeddedDeployable"
PREVIEW_TYPES = ("os-script", "template", "manual", "jython")


class ValidationFailed(BadRequest):
    """A deployment with validation errors; `messages` lists them all."""

    def __init__(self, message: str, messages: list):
        super().__init__(message)
        self.messages = messages


def rule_files(home: Path | None) -> list[tuple[str, bytes, Path | None]]:
    """(source, text, folder) of every rules file: built-in first, then the home's."""
    found = []
    folder = resources.files("server.plugins.builtin")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if is_rules_file(entry.name):
            found.append((f"builtin/{entry.name}", entry.read_bytes(), None))
    if home is not None:
        candidates = sorted((home / "plugins").glob("*.xml")) if (home / "plugins").is_dir() else []
        candidates = [p for p in candidates if is_rules_file(p.name)]
        candidates += [p for p in (home / "ext" / "xl-rules.xml", home / "xl-rules.xml") if p.is_file()]
        for path in candidates:
            found.append((str(path), path.read_bytes(), path.parent))
    return found


def load_rules(home: Path | None, types: TypeRegistry) -> RuleSet:
    files = rule_files(home)
    folders = {source: folder for source, _, folder in files}
    search = [home / "plugins", home / "ext"] if home is not None else []

    def load_script(path: str, source: str):
        for base in ([folders.get(source)] if folders.get(source) else []) + search:
            candidate = (base / path).resolve()
            if candidate.is_file() and base.resolve() in candidate.parents:
                return candidate.read_text(encoding="utf-8")
        return None

    rules = RuleSet.load([(s, t) for s, t, _ in files], load_script)
    rules.check_types(types)
    log.info("Loaded %d rules (%d disabled)", len(rules.rules), len(rules.all) - len(rules.rules))
    return rules


class DeploymentService:
    def __init__(self, repository, types: TypeRegistry, secrets, rules: RuleSet, tasks, engine):
        self.repository = repository
        self.types = types
        self.secrets = secrets
        self.rules = rules
        self.tasks = tasks
        self.engine = engine

    # -- secrets -------------------------------------------------------------------------------
    def conceal(self, text: str) -> str:
        return self.secrets.encrypt(str(text))

    def reveal(self, text: str) -> tuple[str, bool]:
        if self.secrets.is_encrypted(text):
            return self.secrets.decrypt(text), True
        return text, False

    # -- reading the repository ----------------------------------------------------------------
    def _ci(self, rec) -> Ci:
        return Ci(id=rec.id, type=rec.type, properties=self.repository.decrypted(rec))

    def _read(self, ci_id: str, must_be: str, what: str, param: str | None = None) -> Ci:
        if not ci_id:
            raise BadRequest(f"Query parameter '{param}' is required." if param else f"No {what} given.")
        try:
            rec = self.repository.read(ci_id)
        except NotFound:
            raise NotFound(f"Repository entity {ci_id.strip('/')} not found.") from None
        if not self.types.is_a(rec.type, must_be):
            raise BadRequest(f"{rec.id} is of type {rec.type}, not {what}.")
        return self._ci(rec)

    def _try_read(self, ci_id: str) -> Ci | None:
        try:
            return self._ci(self.repository.read(ci_id))
        except (NotFound, BadRequest):
            return None

    def _load_references(self, snap: Snapshot, ci: Ci, depth: int = 3) -> None:
        """CIs a container refers to (its host, parent container...), for target hosts in rules."""
        desc = self.types.get(ci.type)
        if desc is None or depth == 0:
            return
        for prop in desc.properties.values():
            if prop.kind == PropertyKind.CI and ci.properties.get(prop.name):
                target = ci.properties[prop.name]
                if snap.get(target) is None:
                    found = self._try_read(target)
                    if found is not None:
                        snap.add(found)
                        self._load_references(snap, found, depth - 1)

    def _load_version(self, snap: Snapshot, version_id: str, primary: bool) -> None:
        version = snap.get(version_id) or snap.add(self._read(version_id, "udm.Version", "an application version"))
        packages, seen = [], set()

        def flatten(ci: Ci):
            if ci.id in seen:
                return
            seen.add(ci.id)
            if self.types.is_a(ci.type, "udm.CompositePackage"):
                for member in ci.properties.get("packages") or []:
                    flatten(snap.get(member) or snap.add(self._read(member, "udm.Version", "an application version")))
            else:
                packages.append(ci.id)
        flatten(version)
        deployables = []
        for package in packages:
            for rec in self.repository.query(ancestor=package):
                ci = snap.get(rec.id) or snap.add(self._ci(rec))
                parent = parent_of(rec.id)
                if parent == package and self.types.is_a(rec.type, DEPLOYABLE):
                    deployables.append(rec.id)
                    snap.member_of[rec.id] = package
                elif self.types.is_a(ci.type, EMBEDDED_DEPLOYABLE):
                    snap.children.setdefault(parent, []).append(rec.id)
        if primary:
            snap.version = version_id
            snap.deployables = deployables
            snap.members = packages
            snap.application = parent_of(version_id)

    def _load_previous_deployeds(self, snap: Snapshot) -> None:
        for deployed_id in snap.previous.properties.get("deployeds") or []:
            try:
                rec = self.repository.read(deployed_id)
            except (NotFound, BadRequest):
                continue
            snap.previous_deployeds.append(self._deployed(rec))
        for deployed in snap.previous_deployeds:
            for ci_id in (deployed.container, deployed.deployable):
                if snap.get(ci_id) is None:
                    found = self._try_read(ci_id)
                    if found is not None:
                        snap.add(found)
                        self._load_references(snap, found)

    def _deployed(self, rec, parent: str | None = None, collection: str | None = None) -> Deployed:
        props = self.repository.decrypted(rec)
        deployed = Deployed(id=rec.id, type=rec.type, deployable=props.pop("deployable", None),
                            container=props.pop("container", None) or parent, collection=collection)
        placeholders = props.get("placeholders")
        if isinstance(placeholders, dict):
            clear = {}
            for key, value in placeholders.items():
                text, secret = self.reveal(value) if isinstance(value, str) else (value, False)
                clear[key] = text
                if secret:
                    deployed.secret_placeholders.add(key)
            props["placeholders"] = clear
        desc = self.types.get(rec.type)
        collections = [p for p in desc.properties.values() if p.kind.is_collection and p.as_containment] if desc else []
        for prop in collections:
            props.pop(prop.name, None)
        deployed.properties = props
        if collections:
            for child in self.repository.children(rec.id):
                into = next((p.name for p in collections if self.types.is_a(child.type, p.referenced_type)), None)
                if into:
                    deployed.embedded.append(self._deployed(child, rec.id, into))
        return deployed

    def snapshot(self, version_id: str | None, environment_id: str, previous_id: str | None = None,
                 with_previous: bool = True) -> Snapshot:
        snap = Snapshot()
        env = snap.add(self._read(environment_id, "udm.Environment", "an environment", "environment"))
        snap.environment = env.id
        for member in env.properties.get("members") or []:
            container = self._try_read(member)
            if container is not None:
                snap.add(container)
                snap.containers.append(container.id)
                self._load_references(snap, container)
        for dictionary_id in env.properties.get("dictionaries") or []:
            found = self._try_read(dictionary_id)
            if found is not None:
                snap.add(found)
                snap.dictionaries.append(self.dictionary_of(found))
        if version_id:
            self._load_version(snap, version_id, primary=True)
            self._load_owners(snap)
        if not with_previous:
            return snap
        previous_id = previous_id or (f"{env.id}/{name_of(snap.application)}" if snap.application else None)
        previous = self._try_read(previous_id) if previous_id else None
        if previous is not None and self.types.is_a(previous.type, "udm.DeployedApplication"):
            snap.previous = snap.add(previous)
            earlier_version = previous.properties.get("version")
            if earlier_version and self._try_read(earlier_version) is not None:
                self._load_version(snap, earlier_version, primary=not version_id)
            if not snap.application:
                snap.application = parent_of(earlier_version) if earlier_version else None
            self._load_previous_deployeds(snap)
        return snap

    def _load_owners(self, snap: Snapshot) -> None:
        """Who owns the deployeds already on the environment's containers, for validation to refuse
        taking over one that belongs to another deployed application."""
        for owner, deployed in self.repository.referrers_through("deployeds", spec.DEPLOYED_APPLICATION,
                                                                 parents=snap.containers):
            snap.owners.setdefault(deployed, []).append(owner)

    def load_into(self, snap: Snapshot, ci_id: str | None) -> Ci | None:
        """Add a CI and the CIs it refers to to a snapshot unless it is there (hook for rollback planning)."""
        if not ci_id:
            return None
        found = snap.get(ci_id)
        if found is None:
            found = self._try_read(ci_id)
            if found is not None:
                snap.add(found)
                self._load_references(snap, found)
        return found

    def dictionary_of(self, ci: Ci) -> Dictionary:
        props = ci.properties
        entries = dict(props.get("entries") or {})
        secret = set(entries) if self.types.is_a(ci.type, "udm.EncryptedDictionary") else set()
        for key, value in (props.get("encryptedEntries") or {}).items():
            entries[key] = value  # encryptedEntries win over entries of the same key
            secret.add(key)
        return Dictionary(id=ci.id, entries=entries, secret_keys=frozenset(secret),
                          restrict_containers=frozenset(props.get("restrictToContainers") or ()),
                          restrict_applications=frozenset(props.get("restrictToApplications") or ()))

    # -- deployment JSON -----------------------------------------------------------------------
    def _to_json(self, deployment: Deployment, snap: Snapshot) -> dict:
        return deployment_to_json(deployment, snap, self.types, self.conceal)

    def _parse(self, data) -> tuple[Deployment, Snapshot]:
        deployment = deployment_from_json(data, self.types, self.reveal)
        app = deployment.application
        if deployment.type == INITIAL:
            snap = self.snapshot(app.properties["version"], app.properties["environment"], with_previous=False)
        elif deployment.type == UPDATE:
            snap = self.snapshot(app.properties["version"], app.properties["environment"], app.id)
            if snap.previous is None or snap.previous.id != app.id:
                raise BadRequest(f"{app.id} is not a deployed application; deploy it with an INITIAL deployment.")
        else:
            previous = self._read(app.id, "udm.DeployedApplication", "a deployed application")
            snap = self.snapshot(None, previous.properties.get("environment") or parent_of(app.id), app.id)
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

    # -- the service's operations --------------------------------------------------------------
    def prepare_initial(self, version: str, environment: str) -> dict:
        self._read(version, "udm.Version", "an application version", "version")
        snap = self.snapshot(version, environment)
        return self._to_json(spec.prepare_initial(snap, self.types), snap)

    def prepare_update(self, version: str, deployed_application: str) -> dict:
        self._read(version, "udm.Version", "an application version", "version")
        previous = self._read(deployed_application, "udm.DeployedApplication", "a deployed application",
                              "deployedApplication")
        if name_of(parent_of(version) or "") != previous.name:
            raise BadRequest(f"{version} is not a version of the application deployed as {previous.id}.")
        snap = self.snapshot(version, previous.properties.get("environment") or parent_of(previous.id), previous.id)
        return self._to_json(spec.prepare_update(snap, self.types), snap)

    def prepare_undeploy(self, deployed_application: str) -> dict:
        previous = self._read(deployed_application, "udm.DeployedApplication", "a deployed application",
                              "deployedApplication")
        snap = self.snapshot(None, previous.properties.get("environment") or parent_of(previous.id), previous.id)
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

    def step_json(self, step, secrets: frozenset = frozenset()) -> dict:
        """A step as stored in the task. Secret values stay encrypted, and so does any parameter text
        holding one of `secrets` (a rule may build a command line from a password)."""
        metadata = {"order": str(step.order), "previewAvailable": step.type in PREVIEW_TYPES}
        metadata.update(step.metadata)
        parameters = {k: value_json(v, self.conceal) for k, v in step.parameters.items()}
        if secrets:
            parameters = {k: self._hide(v, secrets) for k, v in parameters.items()}
        return {"description": step.description, "state": "PENDING", "startDate": None, "completionDate": None,
                "failureCount": 0, "log": "", "metadata": metadata,
                "type": step.type, "order": step.order,
                "parameters": parameters,
                "checkpoint": step.checkpoint}

    def _hide(self, value, secrets: frozenset):
        if isinstance(value, str):
            if not self.secrets.is_encrypted(value) and any(secret in value for secret in secrets):
                return self.conceal(value)
            return value
        if isinstance(value, dict):
            return {k: self._hide(v, secrets) for k, v in value.items()}
        if isinstance(value, list):
            return [self._hide(v, secrets) for v in value]
        return value

    def secret_values(self, deployment: Deployment, snap: Snapshot) -> frozenset:
        """The clear text of every secret a plan may use: password values of the CIs read, of the
        deployeds (new and previous), secret dictionary entries and secret placeholders."""
        found: set = set()

        def of_ci(type_name: str, props: dict) -> None:
            desc = self.types.get(type_name)
            for prop in (desc.properties.values() if desc else ()):
                value = props.get(prop.name)
                if prop.password and isinstance(value, str):
                    found.add(value)
                elif prop.password and isinstance(value, dict):
                    found.update(v for v in value.values() if isinstance(v, str))

        for ci in snap.cis.values():
            of_ci(ci.type, ci.properties)
        for dictionary in snap.dictionaries:
            found.update(v for k, v in dictionary.entries.items()
                         if k in dictionary.secret_keys and isinstance(v, str))
        for top in list(deployment.deployeds) + list(snap.previous_deployeds):
            for item in top.walk():
                of_ci(item.type, item.properties)
                placeholders = item.properties.get("placeholders")
                if isinstance(placeholders, dict):
                    found.update(placeholders[k] for k in item.secret_placeholders
                                 if isinstance(placeholders.get(k), str))
        return frozenset(v for v in found if len(v) >= 3 and not self.secrets.is_encrypted(v))

    def step_json_for(self, deployment: Deployment, snap: Snapshot):
        """step_json for the steps of one plan, hiding the texts that hold its secrets."""
        secrets = self.secret_values(deployment, snap)
        return lambda step: self.step_json(step, secrets)

    def _specification(self, plan, snap: Snapshot) -> dict:
        deployment = plan.deployment

        def as_json(deployed):
            return deployed_to_json(deployed, self.types, self.conceal, messages=False) if deployed else None
        previous = snap.previous
        return {"deployment": deployment.id, "type": deployment.type,
                "deployedApplication": application_to_json(deployment.application, self.types,
                                                           [d.id for d in deployment.deployeds], conceal=self.conceal),
                "previousDeployedApplication": application_to_json(
                    previous, self.types, previous.properties.get("deployeds") or [], conceal=self.conceal)
                if previous is not None else None,
                "deltas": [{"operation": d.operation, "deployed": as_json(d.deployed), "previous": as_json(d.previous)}
                           for d in plan.deltas]}

    def create_task(self, data, owner: str) -> str:
        deployment, snap, plan = self._planned(data)
        return self.tasks.create(task_type=plan.task_type, description=plan.task_description, owner=owner,
                                 metadata=plan.metadata, block=block_json(plan.tree,
                                                                          self.step_json_for(deployment, snap)),
                                 specification=self._specification(plan, snap))

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
                "block": block_json(plan.tree, self.step_json_for(deployment, snap))}

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
                "block": block_json(plan.tree, self.step_json_for(deployment, snap))}

    def is_deployed(self, application: str, environment: str) -> bool:
        if not application or not environment:
            raise BadRequest("Query parameters 'application' and 'environment' are required.")
        ci_id = f"{environment.strip('/')}/{name_of(application.strip('/'))}"
        found = self._try_read(ci_id)
        return found is not None and self.types.is_a(found.type, "udm.DeployedApplication")

    def effective_dictionary(self, environment: str, application: str | None, container: str | None) -> dict:
        """The entries that apply to a deployment of application to container, values resolved;
        secret ones masked."""
        env = self._read(environment, "udm.Environment", "an environment", "environment")
        dictionaries = []
        for dictionary_id in env.properties.get("dictionaries") or []:
            found = self._try_read(dictionary_id)
            if found is not None:
                dictionaries.append(self.dictionary_of(found))
        application = application.strip("/") if application else None
        container = container.strip("/") if container else None
        effective = EffectiveDictionary(dictionaries, container, application)
        return {key: (MASK if entry.secret else entry.value) for key, entry in effective.items().items()}
