"""Delta analysis: what each deployed of a specification means for the environment (engine §3).

Deployeds are paired with the previous deployed application's deployeds by id:
- new only: CREATE; previous only: DESTROY; both and equal: NOOP; both and different: MODIFY;
- a changed deployed type is a DESTROY of the old deployed followed by a CREATE of the new one;
- "different" compares every persisted property of the deployed type (`deployable` excepted, since
  each version has its own deployables), the deployable's checksum for artifacts (a changed file is a
  MODIFY even when no property changed; a previous deployable that no longer exists counts as
  changed), and the embedded deployeds, which are never compared on their own: any change below a
  deployed is a MODIFY of that deployed.
An undeployment makes every previous deployed a DESTROY.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..types import TypeRegistry
from ..types.values import comparable, effective
from .model import UNDEPLOYMENT, Deployed, Deployment, Snapshot

CREATE, MODIFY, DESTROY, NOOP = "CREATE", "MODIFY", "DESTROY", "NOOP"
OPERATIONS = (CREATE, MODIFY, DESTROY, NOOP)
MASK = "********"


@dataclass(eq=False)
class Delta:
    operation: str
    deployed: Deployed | None = None
    previous: Deployed | None = None
    index: int = 0

    @property
    def deployed_or_previous(self) -> Deployed:
        return self.deployed if self.deployed is not None else self.previous

    @property
    def id(self) -> str:
        return self.deployed_or_previous.id

    @property
    def container(self) -> str:
        return self.deployed_or_previous.container


def _compared_properties(types: TypeRegistry, deployed_type: str):
    desc = types.get(deployed_type)
    if desc is None:
        return []
    return [p for p in desc.properties.values()
            if not p.transient and p.name != "deployable" and not (p.kind.is_collection and p.as_containment)]


def changes(new: Deployed, old: Deployed, snap: Snapshot, types: TypeRegistry) -> list[dict]:
    """What differs between two versions of a deployed: [{property, previous, new}], embedded included
    (as `<embedded id>.<property>`, `<embedded id>` for added or removed ones). Passwords masked."""
    found = []
    if new.type != old.type:
        return [{"property": "type", "previous": old.type, "new": new.type}]
    for prop in _compared_properties(types, new.type):
        a = effective(prop, old.properties)
        b = effective(prop, new.properties)
        if comparable(prop, a) != comparable(prop, b):
            if prop.password:
                a, b = (MASK if a else a), (MASK if b else b)
            elif prop.name == "placeholders" and (new.secret_placeholders or old.secret_placeholders):
                a = {k: (MASK if k in old.secret_placeholders else v) for k, v in (a or {}).items()}
                b = {k: (MASK if k in new.secret_placeholders else v) for k, v in (b or {}).items()}
            found.append({"property": prop.name, "previous": a, "new": b})
    if types.is_a(new.type, "udm.Artifact") and new.deployable is not None:
        before = snap.get(old.deployable)
        after = snap.get(new.deployable)
        old_sum = before.properties.get("checksum") if before else None
        new_sum = after.properties.get("checksum") if after else None
        if before is None or old_sum != new_sum:
            found.append({"property": "checksum", "previous": old_sum, "new": new_sum})
    old_children = {e.id: e for e in old.embedded}
    for child in new.embedded:
        earlier = old_children.pop(child.id, None)
        if earlier is None:
            found.append({"property": child.id, "previous": None, "new": child.type})
            continue
        for change in changes(child, earlier, snap, types):
            found.append(dict(change, property=f"{child.id}.{change['property']}"))
    for gone in old_children.values():
        found.append({"property": gone.id, "previous": gone.type, "new": None})
    return found


def analyse(deployment: Deployment, snap: Snapshot, types: TypeRegistry) -> list[Delta]:
    """The deltas of a deployment, in the specification's order; DESTROYs of removed deployeds last."""
    previous = {} if snap.previous is None else {d.id: d for d in snap.previous_deployeds}
    deltas: list[Delta] = []
    if deployment.type == UNDEPLOYMENT:
        deltas = [Delta(DESTROY, None, d) for d in snap.previous_deployeds]
    else:
        for deployed in deployment.deployeds:
            old = previous.pop(deployed.id, None)
            if old is None:
                deltas.append(Delta(CREATE, deployed, None))
            elif old.type != deployed.type:
                deltas.append(Delta(DESTROY, None, old))
                deltas.append(Delta(CREATE, deployed, None))
            elif changes(deployed, old, snap, types):
                deltas.append(Delta(MODIFY, deployed, old))
            else:
                deltas.append(Delta(NOOP, deployed, old))
        deltas.extend(Delta(DESTROY, None, old) for old in snap.previous_deployeds if old.id in previous)
    for index, delta in enumerate(deltas):
        delta.index = index
    return deltas
