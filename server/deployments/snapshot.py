"""What one deployment needs from the repository, read once into a planning `Snapshot`.

The environment, its containers and dictionaries, the version (composite packages flattened) and
its deployables, the deployed application already there with its deployeds, and the CIs these refer
to (hosts of containers...) so rules can reach them. Properties come decrypted: planning works on
clear values, and the deployment's secrets (secrets.py) turn them back into ciphertext on the way out.
"""

from __future__ import annotations

from ..errors import BadRequest, NotFound
from ..planning.model import Ci, Deployed, Dictionary, Snapshot, name_of, parent_of
from ..types import PropertyKind, TypeRegistry
from ..types.udm import DEPLOYED_APPLICATION

DEPLOYABLE, EMBEDDED_DEPLOYABLE = "udm.Deployable", "udm.EmbeddedDeployable"


class SnapshotReader:
    def __init__(self, repository, types: TypeRegistry, secrets):
        self.repository = repository
        self.types = types
        self.secrets = secrets

    def _ci(self, rec) -> Ci:
        return Ci(id=rec.id, type=rec.type, properties=self.repository.decrypted(rec))

    def read(self, ci_id: str, must_be: str, what: str, param: str | None = None) -> Ci:
        if not ci_id:
            raise BadRequest(f"Query parameter '{param}' is required." if param else f"No {what} given.")
        try:
            rec = self.repository.read(ci_id)
        except NotFound:
            raise NotFound(f"Repository entity {ci_id.strip('/')} not found.") from None
        if not self.types.is_a(rec.type, must_be):
            raise BadRequest(f"{rec.id} is of type {rec.type}, not {what}.")
        return self._ci(rec)

    def try_read(self, ci_id: str) -> Ci | None:
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
                    found = self.try_read(target)
                    if found is not None:
                        snap.add(found)
                        self._load_references(snap, found, depth - 1)

    def _load_version(self, snap: Snapshot, version_id: str, primary: bool) -> None:
        version = snap.get(version_id) or snap.add(self.read(version_id, "udm.Version", "an application version"))
        packages, seen = [], set()

        def flatten(ci: Ci):
            if ci.id in seen:
                return
            seen.add(ci.id)
            if self.types.is_a(ci.type, "udm.CompositePackage"):
                for member in ci.properties.get("packages") or []:
                    flatten(snap.get(member) or snap.add(self.read(member, "udm.Version", "an application version")))
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
                    found = self.try_read(ci_id)
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
                text, secret = self.secrets.reveal(value) if isinstance(value, str) else (value, False)
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
        env = snap.add(self.read(environment_id, "udm.Environment", "an environment", "environment"))
        snap.environment = env.id
        for member in env.properties.get("members") or []:
            container = self.try_read(member)
            if container is not None:
                snap.add(container)
                snap.containers.append(container.id)
                self._load_references(snap, container)
        for dictionary_id in env.properties.get("dictionaries") or []:
            found = self.try_read(dictionary_id)
            if found is not None:
                snap.add(found)
                snap.dictionaries.append(self.dictionary_of(found))
        if version_id:
            self._load_version(snap, version_id, primary=True)
            self._load_owners(snap)
        if not with_previous:
            return snap
        previous_id = previous_id or (f"{env.id}/{name_of(snap.application)}" if snap.application else None)
        previous = self.try_read(previous_id) if previous_id else None
        if previous is not None and self.types.is_a(previous.type, "udm.DeployedApplication"):
            snap.previous = snap.add(previous)
            earlier_version = previous.properties.get("version")
            if earlier_version and self.try_read(earlier_version) is not None:
                self._load_version(snap, earlier_version, primary=not version_id)
            if not snap.application:
                snap.application = parent_of(earlier_version) if earlier_version else None
            self._load_previous_deployeds(snap)
        return snap

    def _load_owners(self, snap: Snapshot) -> None:
        """Who owns the deployeds already on the environment's containers, for validation to refuse
        taking over one that belongs to another deployed application."""
        for owner, deployed in self.repository.referrers_through("deployeds", DEPLOYED_APPLICATION,
                                                                 parents=snap.containers):
            snap.owners.setdefault(deployed, []).append(owner)

    def load_into(self, snap: Snapshot, ci_id: str | None) -> Ci | None:
        """Add a CI and the CIs it refers to to a snapshot unless it is there (hook for rollback planning)."""
        if not ci_id:
            return None
        found = snap.get(ci_id)
        if found is None:
            found = self.try_read(ci_id)
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
