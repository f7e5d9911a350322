"""Specification: preparing deployments, mapping deployables to containers, validating deployeds.

The operations of XL Deploy's deployment service, as pure functions of a Deployment and a Snapshot:
prepare_initial, prepare_update, prepare_undeploy, generate_all, auto_deployeds (prepareAutoDeployeds),
generate_selected, generate_single and validate.

Mapping one deployable onto one container (engine reference §4):
- the deployed's id is `<container id>/<deployable name>`; embedded deployeds are
  `<parent deployed id>/<embedded deployable name>`, mapped with the parent deployed's type as
  container type and put in the parent's containment property that accepts their type;
- each property of the deployed type (hidden ones excepted) gets, in this order: the deployable's
  value of the same name with its `{{placeholders}}` filled from the dictionaries that apply to the
  container (unknown ones left as they are); the dictionary key `<deployedType>.<property>` (most
  specific type first); on an update the previous deployed's value; the type's default. Values are
  converted to the deployed's kinds. References are copied when they point at CIs of the deployed
  property's referenced type.
- an artifact deployed's `placeholders` map gets a value for every placeholder scanned in the
  deployable: the dictionary's, else (on an update) the last known value, else empty, which
  validation reports.

Validation (`validate`, and before a task is created) attaches messages to deployeds: required
properties without a value, values that do not fit the property's kind, regex rules, unresolved
placeholders left in required properties, file placeholders without a value, a deployable or
container that is not part of the deployment, and a deployed id that another deployed application
owns or that two deployeds of the deployment share (deployeds are never shared). A version that does
not satisfy the environment's deployment checklist gets one message on the deployed application
(property `version`) naming the unmet `satisfies<Condition>` properties.
"""

from __future__ import annotations

import uuid

from ..errors import BadRequest, Conflict
from ..types import PropertyKind, TypeRegistry
from ..types.udm import DEPLOYED_APPLICATION, owned_elsewhere
from ..types.values import coerce, effective, failed_rules, is_empty, is_missing, needs_value, problem
from . import checklist
from .dictionaries import PATTERN, EffectiveDictionary, property_key_candidates
from .matching import TypeMatcher, tags_match
from .model import (ERROR, INITIAL, UNDEPLOYMENT, UPDATE, WARNING, Ci, Deployed, Deployment, Message, Snapshot,
                    name_of)

# Values of exactly these classes always fit the kind (`problem` has nothing to say about them).
_FITS = {PropertyKind.STRING: str, PropertyKind.DATE: str, PropertyKind.INTEGER: int, PropertyKind.BOOLEAN: bool,
         PropertyKind.CI: str, PropertyKind.MAP_STRING_STRING: dict}
ARTIFACT_DEPLOYED = "udm.DeployedArtifact"
FIXED = ("deployable", "container")


def new_deployment_id() -> str:
    return f"deployment-{uuid.uuid4()}"


class Mapper:
    """Builds and checks the deployeds of one deployment; caches per container and per type."""

    def __init__(self, snap: Snapshot, types: TypeRegistry):
        self.snap = snap
        self.types = types
        self.matcher = TypeMatcher(types)
        self._dictionaries: dict[str | None, EffectiveDictionary] = {}
        self._fillable: dict[str, list] = {}
        self._deployables = set(snap.deployables)
        self._embedded_deployables: set[str] | None = None
        self._check_plans: dict[str, list] = {}
        self._fill_plans: dict[tuple[str, str], list] = {}
        self._templated: dict[tuple[str, str], list] = {}

    # -- dictionaries --------------------------------------------------------------------------
    def dictionary(self, container: str | None) -> EffectiveDictionary:
        found = self._dictionaries.get(container)
        if found is None:
            found = self._dictionaries[container] = EffectiveDictionary(
                self.snap.dictionaries, container, self.snap.application)
        return found

    # -- building ------------------------------------------------------------------------------
    def _fillable_properties(self, deployed_type: str) -> list:
        found = self._fillable.get(deployed_type)
        if found is None:
            desc = self.types.get(deployed_type)
            artifact = self.types.is_a(deployed_type, ARTIFACT_DEPLOYED)
            found = [p for p in desc.properties.values()
                     if p.name not in FIXED and not p.hidden and not (p.kind.is_collection and p.as_containment)
                     and not (artifact and p.name == "placeholders")]
            self._fillable[deployed_type] = found
        return found

    def _fills(self, deployed_type: str, deployable_type: str) -> list[tuple]:
        """(property, name, the deployable type's property of that name or None, whether it is a
        reference) for each property `build` fills, worked out once per pair of types."""
        key = (deployed_type, deployable_type)
        found = self._fill_plans.get(key)
        if found is None:
            source_desc = self.types.get(deployable_type)
            found = self._fill_plans[key] = [
                (prop, prop.name, source_desc.property(prop.name) if source_desc else None, prop.kind.is_reference)
                for prop in self._fillable_properties(deployed_type)]
        return found

    def _fill_value(self, value, dictionary: EffectiveDictionary, password: bool):
        if isinstance(value, str):
            return dictionary.fill(value, allow_secret=password)[0]
        if isinstance(value, list):
            return [self._fill_value(v, dictionary, password) for v in value]
        if isinstance(value, dict):
            return {k: self._fill_value(v, dictionary, password) for k, v in value.items()}
        return value

    def _keyed(self, deployed_type: str, prop, dictionary: EffectiveDictionary):
        desc = self.types.get(deployed_type)
        for key in property_key_candidates([deployed_type] + desc.super_types, prop.name):
            entry = dictionary.get(key)
            if entry is not None:
                if entry.secret and not prop.password:
                    return ""
                return entry.value
        return None

    def build(self, deployable: Ci, container_id: str, deployed_type: str, previous: Deployed | None = None,
              deployed_id: str | None = None, dictionary_container: str | None = None) -> Deployed:
        types = self.types
        deployed_id = deployed_id or f"{container_id}/{deployable.name}"
        dictionary = self.dictionary(dictionary_container or container_id)
        previous_props = previous.properties if previous is not None else {}
        props: dict = {}
        raw_props = deployable.properties
        for prop, name, source, reference in self._fills(deployed_type, deployable.type):
            raw = raw_props.get(name) if source is not None else None
            if reference:
                if source is not None and source.kind.is_reference and not is_empty(raw):
                    props[name] = self._references(prop, raw)
                elif not is_empty(previous_props.get(name)):
                    props[name] = previous_props[name]
                continue
            if not is_empty(raw):
                value = coerce(prop, self._fill_value(raw, dictionary, prop.password))
                if value is not None:
                    props[name] = value
                continue
            keyed = self._keyed(deployed_type, prop, dictionary) if dictionary.applicable else None
            if keyed is not None:
                value = coerce(prop, keyed)
                if value is not None:
                    props[name] = value
                continue
            if not is_empty(previous_props.get(name)):
                props[name] = previous_props[name]
        deployed = Deployed(id=deployed_id, type=deployed_type, deployable=deployable.id, container=container_id,
                            properties=props)
        if types.is_a(deployed_type, ARTIFACT_DEPLOYED) and types.get(deployed_type).property("placeholders"):
            self._file_placeholders(deployed, deployable, dictionary, previous)
        self._embed(deployed, deployable, previous, dictionary_container or container_id)
        return deployed

    def _references(self, prop, raw):
        targets = raw if isinstance(raw, list) else [raw]
        kept = []
        for target in targets:
            ci = self.snap.get(target)
            if ci is None or self.types.is_a(ci.type, prop.referenced_type or "udm.ConfigurationItem"):
                kept.append(target)
        if prop.kind == PropertyKind.CI:
            return kept[0] if kept else None
        return kept

    def _file_placeholders(self, deployed: Deployed, deployable: Ci, dictionary: EffectiveDictionary,
                           previous: Deployed | None) -> None:
        keys = deployable.properties.get("placeholders") or []
        last_known = (previous.properties.get("placeholders") or {}) if previous is not None else {}
        values = {}
        for key in sorted(keys):
            entry = dictionary.get(key)
            if entry is not None:
                values[key] = entry.value
                if entry.secret:
                    deployed.secret_placeholders.add(key)
            elif last_known.get(key) not in (None, ""):
                values[key] = last_known[key]  # a key gone from the dictionary keeps its last known value
                if key in previous.secret_placeholders:
                    deployed.secret_placeholders.add(key)
            else:
                values[key] = ""
        deployed.properties["placeholders"] = values

    def _embed(self, deployed: Deployed, deployable: Ci, previous: Deployed | None, dictionary_container: str):
        children = self.snap.children.get(deployable.id)
        if not children:
            return
        desc = self.types.get(deployed.type)
        collections = [p for p in desc.properties.values() if p.kind.is_collection and p.as_containment]
        previous_children = {e.id: e for e in previous.embedded} if previous is not None else {}
        for child_id in children:
            child = self.snap.get(child_id)
            if child is None or not self.types.is_a(child.type, "udm.EmbeddedDeployable"):
                continue
            candidates = self.matcher.most_specific(child.type, deployed.type)
            if len(candidates) != 1:
                continue
            embedded_type = candidates[0]
            collection = next((p.name for p in collections if self.types.is_a(embedded_type, p.referenced_type)), None)
            if collection is None:
                continue
            embedded_id = f"{deployed.id}/{child.name}"
            embedded = self.build(child, deployed.id, embedded_type, previous_children.get(embedded_id),
                                  embedded_id, dictionary_container)
            embedded.collection = collection
            deployed.embedded.append(embedded)

    # -- mapping -------------------------------------------------------------------------------
    def map_pairs(self, deployable_ids, keep: dict[str, Deployed], previous: dict[str, Deployed],
                  messages: list[Message]) -> list[Deployed]:
        """Deployeds for every matching (deployable, container) pair; ids in `keep` are kept as given."""
        out = []
        containers = [c for c in (self.snap.get(i) for i in self.snap.containers) if c is not None]
        for deployable_id in deployable_ids:
            deployable = self.snap.get(deployable_id)
            if deployable is None:
                continue
            tags = deployable.properties.get("tags")
            for container in containers:
                deployed_id = f"{container.id}/{deployable.name}"
                if deployed_id in keep:
                    out.append(keep.pop(deployed_id))
                    continue
                if not tags_match(tags, container.properties.get("tags")):
                    continue
                earlier = previous.get(deployed_id)
                if earlier is not None and self.matcher.can_map(earlier.type, deployable.type, container.type):
                    deployed_type = earlier.type
                else:
                    found = self.matcher.most_specific(deployable.type, container.type)
                    if not found:
                        continue
                    if len(found) > 1:
                        messages.append(Message(
                            deployable.id, None,
                            f"{deployable.id} can be deployed to {container.id} as any of {', '.join(found)}; "
                            f"it was not mapped there. Choose one with generateSingleDeployed.", WARNING))
                        continue
                    deployed_type = found[0]
                out.append(self.build(deployable, container.id, deployed_type, earlier))
        return out

    # -- validation ----------------------------------------------------------------------------
    def check(self, deployed: Deployed, parent: Deployed | None = None) -> None:
        """Replace the messages of a deployed (and its embedded deployeds) with fresh ones."""
        types = self.types
        messages: list[Message] = []
        deployed.messages = messages
        desc = types.get(deployed.type)
        say = lambda prop, text: messages.append(Message(deployed.id, prop, text))  # noqa: E731
        if desc is None or not desc.deployable_type or not desc.container_type:
            say(None, f"{deployed.type} is not a deployed type.")
            return
        deployable = self.snap.get(deployed.deployable)
        if deployable is None:
            say("deployable", f"The deployable {deployed.deployable} does not exist.")
        elif parent is None and deployed.deployable not in self._deployables:
            say("deployable", f"The deployable {deployed.deployable} is not part of {self.snap.version}.")
        elif not types.is_a(deployable.type, desc.deployable_type):
            say("deployable", f"A {deployed.type} cannot be made from {deployed.deployable} of type {deployable.type}.")
        if parent is None:
            container = self.snap.get(deployed.container)
            if container is None or deployed.container not in self.snap.containers:
                say("container", f"The container {deployed.container} is not a member of {self.snap.environment}.")
            elif not types.is_a(container.type, desc.container_type):
                say("container", f"A {deployed.type} cannot be deployed to {container.id} of type {container.type}.")
        elif not types.is_a(parent.type, desc.container_type):
            say("container", f"A {deployed.type} cannot be embedded in {parent.id} of type {parent.type}.")
        if not deployed.id.startswith(deployed.container + "/") or "/" in deployed.id[len(deployed.container) + 1:]:
            say(None, f"The id of a deployed must be its container's id followed by a name, here "
                      f"{deployed.container}/{name_of(deployed.deployable)}.")
        props = deployed.properties
        for prop, name, fits, must_have, regexes in self._checks(deployed.type, desc):
            value = props.get(name)
            if value is not None and value.__class__ is not fits:
                why = problem(prop, value)
                if why:
                    say(name, f"Property '{name}' {why}.")
                    continue
            if must_have and is_missing(prop, props):
                say(name, f"Property '{name}' is required.")
                continue
            if isinstance(value, str):
                for rule in failed_rules(prop, value) if regexes else ():
                    say(name, rule.get("message") or f"Property '{name}' does not match {rule.get('pattern')}.")
                if prop.required and "{{" in value:
                    names = sorted({m.group(1) for m in PATTERN.finditer(value)})
                    if names:
                        say(name, f"Property '{name}' has placeholders without a value: {', '.join(names)}.")
        if deployable is not None and types.is_a(deployed.type, ARTIFACT_DEPLOYED) and desc.property("placeholders"):
            values = props.get("placeholders") or {}
            missing = [k for k in sorted(deployable.properties.get("placeholders") or [])
                       if values.get(k) in (None, "")]
            if missing:
                say("placeholders", f"No value for placeholder{'s' if len(missing) > 1 else ''} "
                                    f"{', '.join(missing)}; give {'them' if len(missing) > 1 else 'it'} a value in a "
                                    f"dictionary or on the deployed (<empty> for an empty value).")
        if deployable is not None:
            messages.extend(self._blank_secrets(deployed, deployable, desc))
        for child in deployed.embedded:
            self.check(child, deployed)

    def _checks(self, deployed_type: str, desc) -> list[tuple]:
        """What `check` looks at for each property of a deployed type, worked out once per deployment:
        (property, name, the class whose values always fit its kind, whether it needs a value, whether it
        has regex rules)."""
        found = self._check_plans.get(deployed_type)
        if found is None:
            found = []
            for prop in desc.properties.values():
                kind = prop.kind
                if prop.name in FIXED or (kind.is_collection and prop.as_containment):
                    continue
                regexes = any(r.get("type") == "regex" for r in prop.validation_rules)
                found.append((prop, prop.name, _FITS.get(kind), needs_value(prop), regexes))
            self._check_plans[deployed_type] = found
        return found

    def _blank_secrets(self, deployed: Deployed, deployable: Ci, desc) -> list[Message]:
        """Warnings for placeholders whose values come from encrypted dictionaries and so are blank in a
        property that is not a password (the reference manual's rule; only password properties and
        file placeholders get encrypted values), while the property still holds what they made of it."""
        templated = self._templated.get((deployable.id, desc.type))
        if templated is None:
            templated = self._templated[(deployable.id, desc.type)] = [
                (prop, raw) for prop in desc.properties.values()
                if not prop.password and isinstance(raw := deployable.properties.get(prop.name), str) and "{{" in raw]
        if not templated:
            return []
        container = deployed.container
        while container not in self.snap.containers and "/" in container:  # an embedded deployed's target
            container = container.rsplit("/", 1)[0]
        dictionary = self.dictionary(container)
        found = []
        for prop, raw in templated:
            if deployed.properties.get(prop.name) != coerce(prop, dictionary.fill(raw, allow_secret=False)[0]):
                continue  # set on the deployed itself since
            for name in dict.fromkeys(m.group(1) for m in PATTERN.finditer(raw)):
                entry = dictionary.get(name)
                if entry is None or not entry.secret:
                    continue
                source = next((d for d in self.snap.dictionaries if d.id == entry.secret_source), None)
                whole = source is not None and set(source.entries) <= set(source.secret_keys)
                origin = f"encrypted dictionary {entry.secret_source}" if whole else \
                    f"the encrypted entries of dictionary {entry.secret_source}"
                found.append(Message(deployed.id, prop.name,
                                     f"{{{{{name}}}}} comes from {origin} and is blank in the non-password property "
                                     f"'{prop.name}' of {deployed.id}; only password properties and file "
                                     f"placeholders get encrypted values.", WARNING))
        return found


# -- the deployment service's operations ---------------------------------------------------------
def _application_ci(snap: Snapshot, types: TypeRegistry, base: dict) -> Ci:
    desc = types.get(DEPLOYED_APPLICATION)
    props = {}
    for prop in desc.properties.values():
        if prop.transient:
            continue
        props[prop.name] = base.get(prop.name, effective(prop, {}))
    app_name = name_of(snap.application)
    return Ci(id=f"{snap.environment}/{app_name}", type=DEPLOYED_APPLICATION, properties=props)


def prepare_initial(snap: Snapshot, types: TypeRegistry) -> Deployment:
    if snap.previous is not None:
        raise Conflict(f"{name_of(snap.application)} is already deployed to {snap.environment} "
                       f"({snap.previous.id}); prepare an update instead.")
    version = snap.get(snap.version)
    app = _application_ci(snap, types, {
        "version": snap.version, "environment": snap.environment,
        "orchestrator": list(version.properties.get("orchestrator") or []),
        "undeployDependencies": version.properties.get("undeployDependencies", False)})
    return Deployment(id=new_deployment_id(), type=INITIAL, application=app, deployables=list(snap.deployables),
                      containers=list(snap.containers))


def _previous_or_fail(snap: Snapshot):
    if snap.previous is None:
        raise BadRequest(f"{name_of(snap.application or '?')} is not deployed to {snap.environment}.")
    return snap.previous


def prepare_update(snap: Snapshot, types: TypeRegistry) -> Deployment:
    previous = _previous_or_fail(snap)
    version = snap.get(snap.version)
    carried = dict(previous.properties)
    carried.update(version=snap.version, environment=snap.environment)
    if not carried.get("orchestrator"):
        carried["orchestrator"] = list(version.properties.get("orchestrator") or [])
    app = _application_ci(snap, types, carried)
    app.id = previous.id
    mapper = Mapper(snap, types)
    by_name = {}
    for deployable_id in snap.deployables:
        by_name.setdefault(name_of(deployable_id), deployable_id)
    members = set(snap.containers)
    deployeds = []
    for earlier in snap.previous_deployeds:
        deployable = snap.get(by_name.get(name_of(earlier.deployable)))
        container = snap.get(earlier.container)
        if deployable is None or container is None or earlier.container not in members:
            continue
        if mapper.matcher.can_map(earlier.type, deployable.type, container.type):
            deployed_type = earlier.type
        else:
            found = mapper.matcher.most_specific(deployable.type, container.type)
            if len(found) != 1:
                continue
            deployed_type = found[0]
        deployeds.append(mapper.build(deployable, container.id, deployed_type, earlier, earlier.id))
    deployment = Deployment(id=new_deployment_id(), type=UPDATE, application=app, deployeds=deployeds,
                            deployables=list(snap.deployables), containers=list(snap.containers))
    return validate(deployment, snap, types, mapper)


def prepare_undeploy(snap: Snapshot, types: TypeRegistry) -> Deployment:
    previous = _previous_or_fail(snap)
    app = Ci(id=previous.id, type=previous.type, properties=dict(previous.properties))
    return Deployment(id=new_deployment_id(), type=UNDEPLOYMENT, application=app)


def _previous_by_id(snap: Snapshot, deployment: Deployment) -> dict[str, Deployed]:
    return {d.id: d for d in snap.previous_deployeds} if deployment.type == UPDATE else {}


def _refuse_undeployment(deployment: Deployment, what: str) -> None:
    if deployment.type == UNDEPLOYMENT:
        raise BadRequest(f"Cannot {what} for an undeployment: it removes every deployed.")


def generate_all(deployment: Deployment, snap: Snapshot, types: TypeRegistry) -> Deployment:
    """All deployeds afresh (generateAllDeployeds): every matching pair, earlier choices dropped."""
    _refuse_undeployment(deployment, "generate deployeds")
    mapper = Mapper(snap, types)
    deployment.messages = []
    deployment.deployeds = mapper.map_pairs(snap.deployables, {}, _previous_by_id(snap, deployment),
                                            deployment.messages)
    return validate(deployment, snap, types, mapper)


def auto_deployeds(deployment: Deployment, snap: Snapshot, types: TypeRegistry) -> Deployment:
    """prepareAutoDeployeds: keep the deployeds given, add those for pairs not yet mapped, and drop
    deployeds whose deployable is no longer in the version."""
    if deployment.type == UNDEPLOYMENT:
        return validate(deployment, snap, types)
    mapper = Mapper(snap, types)
    in_version = set(snap.deployables)
    keep = {d.id: d for d in deployment.deployeds if d.deployable in in_version}
    deployment.messages = []
    mapped = mapper.map_pairs(snap.deployables, keep, _previous_by_id(snap, deployment), deployment.messages)
    deployment.deployeds = mapped + list(keep.values())
    return validate(deployment, snap, types, mapper)


def generate_selected(deployment: Deployment, snap: Snapshot, types: TypeRegistry, deployable_ids) -> Deployment:
    """generateSelectedDeployeds: add deployeds for the given deployables on every matching container."""
    _refuse_undeployment(deployment, "generate deployeds")
    ids = [str(i).strip("/") for i in deployable_ids]
    if not ids:
        raise BadRequest("Query parameter 'deployables' is required: the ids of the deployables to map.")
    in_version = set(snap.deployables)
    for deployable_id in ids:
        if deployable_id not in in_version:
            raise BadRequest(f"The deployable {deployable_id} is not part of {snap.version}.")
    mapper = Mapper(snap, types)
    keep = {d.id: d for d in deployment.deployeds}
    order = list(keep)
    deployment.messages = []
    added = mapper.map_pairs(ids, keep, _previous_by_id(snap, deployment), deployment.messages)
    existing = {d.id: d for d in deployment.deployeds}
    new = [d for d in added if d.id not in existing]
    deployment.deployeds = [existing[i] for i in order] + new
    return validate(deployment, snap, types, mapper)


def generate_single(deployment: Deployment, snap: Snapshot, types: TypeRegistry, deployable_id: str,
                    container_id: str, deployed_type: str | None) -> Deployment:
    """generateSingleDeployed: one deployable on one container, with the given deployed type
    (or the most specific one); replaces a deployed with the same id."""
    _refuse_undeployment(deployment, "generate deployeds")
    deployable_id = (deployable_id or "").strip("/")
    container_id = (container_id or "").strip("/")
    if deployable_id not in set(snap.deployables):
        raise BadRequest(f"The deployable {deployable_id or '(none)'} is not part of {snap.version}.")
    if container_id not in set(snap.containers):
        raise BadRequest(f"The container {container_id or '(none)'} is not a member of {snap.environment}.")
    deployable, container = snap.get(deployable_id), snap.get(container_id)
    mapper = Mapper(snap, types)
    if deployed_type:
        if deployed_type not in types:
            raise BadRequest(f"Unknown deployed type '{deployed_type}'.")
        if not mapper.matcher.can_map(deployed_type, deployable.type, container.type):
            raise BadRequest(f"A {deployed_type} cannot map {deployable_id} ({deployable.type}) onto "
                             f"{container_id} ({container.type}).")
    else:
        found = mapper.matcher.most_specific(deployable.type, container.type)
        if not found:
            raise BadRequest(f"No deployed type maps {deployable_id} ({deployable.type}) onto {container_id} "
                             f"({container.type}).")
        if len(found) > 1:
            raise BadRequest(f"{deployable_id} can be deployed to {container_id} as any of {', '.join(found)}; "
                             f"give the deployed type with the 'deployedtype' parameter.")
        deployed_type = found[0]
    deployed_id = f"{container_id}/{deployable.name}"
    earlier = _previous_by_id(snap, deployment).get(deployed_id)
    deployed = mapper.build(deployable, container_id, deployed_type, earlier)
    replaced = False
    for index, existing in enumerate(deployment.deployeds):
        if existing.id == deployed_id:
            deployment.deployeds[index] = deployed
            replaced = True
    if not replaced:
        deployment.deployeds.append(deployed)
    return validate(deployment, snap, types, mapper)


def validate(deployment: Deployment, snap: Snapshot, types: TypeRegistry, mapper: Mapper | None = None) -> Deployment:
    """Attach fresh validation messages to every deployed (and embedded deployed)."""
    mapper = mapper or Mapper(snap, types)
    seen: dict[str, Deployed] = {}
    for deployed in deployment.deployeds:
        mapper.check(deployed)
        owned = owned_elsewhere(deployed.id, snap.owners.get(deployed.id, ()), deployment.application.id)
        if owned:
            deployed.messages.append(Message(deployed.id, None, owned, ERROR))
        earlier = seen.get(deployed.id)
        if earlier is not None and earlier.deployable != deployed.deployable:
            deployed.messages.append(Message(deployed.id, None,
                                             f"Deployed {deployed.id} is also mapped from {earlier.deployable} in "
                                             f"this deployment; rename the deployable or deploy to another "
                                             f"container.", ERROR))
        elif earlier is not None:
            deployed.messages.append(Message(deployed.id, None,
                                             f"Two deployeds have the id {deployed.id}; a deployable can be "
                                             f"deployed to a container only once.", ERROR))
        seen[deployed.id] = deployed
    deployment.messages = [m for m in deployment.messages if m.property != "version"]
    refused = checklist_refusal(deployment, snap, types)
    if refused:
        deployment.messages.append(Message(snap.version, "version", refused, ERROR))
    return deployment


def checklist_refusal(deployment: Deployment, snap: Snapshot, types: TypeRegistry) -> str | None:
    """The sentence refusing a deployment whose version does not satisfy the environment's deployment
    checklist (server/planning/checklist.py), or None; undeployments have no checklist."""
    if deployment.type == UNDEPLOYMENT:
        return None
    environment, version = snap.get(snap.environment), snap.get(snap.version)
    if environment is None or version is None:
        return None
    missing = checklist.unmet(types, environment.type, environment.properties, version.type, version.properties)
    return checklist.refusal(version.id, environment.id, missing) if missing else None
