"""What rule expressions and planning scripts see: CIs, deltas, the specification, the planning context.

Python takes the place of Jython; the names follow XL Deploy's planning API so that rules read the
same: `deployed.container.name`, `deployed["targetPath"]`, `deployed.values["x"]`,
`deployed.type.instanceOf("file.DeployedArchive")`, `delta.operation == "CREATE"`,
`delta.deployedOrPrevious`, `deltas.deltas`, `specification.deltas`,
`specification.deployedOrPreviousApplication`, `context.addStep(...)`, `context.setAttribute(...)`.
Getter spellings (`delta.getOperation()`, `ci.getProperty("x")`) work as well.
Password values are `Secret` strings: they work as text and stay encrypted when stored in a plan.
"""

from __future__ import annotations

import logging
import re

from ..types import PropertyKind
from .model import Ci, Deployed, name_of

log = logging.getLogger("deployit.rules")

DEPLOYED, PREVIOUS, REPOSITORY = "deployed", "previous", "repository"


class Secret(str):
    """A password value: usable as a string, concealed when a plan is stored."""


class TypeName(str):
    """A CI's type: compares as its name; `instanceOf(name)` tests is-a."""

    def __new__(cls, name: str, types):
        obj = super().__new__(cls, name)
        obj._types = types
        return obj

    def instanceOf(self, other) -> bool:  # noqa: N802 - XL Deploy's name
        return self._types.is_a(str(self), str(other))

    is_a = instanceOf


class World:
    """Resolves ids to views: deployeds of this plan by side, everything else from the snapshot."""

    def __init__(self, snap, types, deltas=()):
        self.snap = snap
        self.types = types
        self.by_side = {DEPLOYED: {}, PREVIOUS: {}}
        self._views: dict[tuple[str, str], CiView] = {}
        for delta in deltas:
            for side, item in ((DEPLOYED, delta.deployed), (PREVIOUS, delta.previous)):
                if item is not None:
                    for ci in item.walk():
                        self.by_side[side][ci.id] = ci

    def view(self, target, side: str = REPOSITORY):
        if target is None:
            return None
        if isinstance(target, (Ci, Deployed)):
            return CiView(target, self, side)
        # Views of ids are kept: rules ask for the same containers and hosts for every deployed.
        key = (target, side)
        found = self._views.get(key)
        if found is None:
            if side in self.by_side and target in self.by_side[side]:
                found = CiView(self.by_side[side][target], self, side)
            else:
                ci = self.snap.get(target)
                if ci is None:  # not kept: the CI may yet be added to the snapshot
                    return CiView(Ci(id=target, type="udm.ConfigurationItem", properties={}), self, REPOSITORY)
                found = CiView(ci, self, REPOSITORY)
            self._views[key] = found
        return found


class _Values:
    """`ci.values`: the properties as a mapping; writes change this plan's copy of the CI."""

    def __init__(self, view):
        self._view = view

    def __getitem__(self, name):
        return self._view._value(name)

    def __setitem__(self, name, value):
        self._view._ci.properties[name] = value

    def get(self, name, default=None):
        try:
            return self._view._value(name)
        except AttributeError:
            return default

    def __contains__(self, name):
        return self._view._descriptor(name) is not None or name in self._view._ci.properties

    def keys(self):
        desc = self._view._type_descriptor()
        return list(desc.properties) if desc else list(self._view._ci.properties)


_PLAIN, _REFERENCE, _REFERENCES, _SECRET = range(4)


def _value_plan(desc) -> dict[str, tuple]:
    """name -> (property, how CiView shows its value), for each property of a type."""
    plan = {}
    for prop in desc.properties.values():
        if prop.kind == PropertyKind.CI:
            what = _REFERENCE
        elif prop.kind in (PropertyKind.SET_OF_CI, PropertyKind.LIST_OF_CI):
            what = _REFERENCES
        elif prop.password:
            what = _SECRET
        else:
            what = _PLAIN
        plan[prop.name] = (prop, what)
    return plan


class CiView:
    """A read-mostly view of a CI for expressions and scripts."""

    __slots__ = ("_ci", "_world", "_side")

    def __init__(self, ci, world: World, side: str = REPOSITORY):
        object.__setattr__(self, "_ci", ci)
        object.__setattr__(self, "_world", world)
        object.__setattr__(self, "_side", side)

    # identity
    @property
    def id(self) -> str:
        return self._ci.id

    @property
    def name(self) -> str:
        return name_of(self._ci.id)

    @property
    def type(self) -> TypeName:
        return TypeName(self._ci.type, self._world.types)

    @property
    def values(self) -> _Values:
        return _Values(self)

    @property
    def side(self) -> str:
        return self._side

    def _type_descriptor(self):
        return self._world.types.get(self._ci.type)

    def _descriptor(self, name):
        desc = self._type_descriptor()
        return desc.property(name) if desc else None

    def _value(self, name):
        ci = self._ci
        world = self._world
        if name in ("deployable", "container") and isinstance(ci, Deployed):
            target = ci.deployable if name == "deployable" else ci.container
            if name == "container" and self._side in world.by_side and target in world.by_side[self._side]:
                return world.view(target, self._side)
            return world.view(target)
        desc = world.types.get(ci.type)
        found = desc.memo("scripting.values", _value_plan).get(name) if desc is not None else None
        if found is None:
            if name in ci.properties:
                return ci.properties[name]
            raise AttributeError(f"{ci.type} {ci.id} has no property '{name}'.")
        prop, what = found
        value = ci.properties.get(name)
        if value is None:
            value = prop.default if prop.default is not None else prop.empty_value()
        if what == _PLAIN:
            return value
        if what == _REFERENCE:
            return world.view(value) if value else None
        if what == _REFERENCES:
            if prop.as_containment and isinstance(ci, Deployed):
                return [CiView(e, world, self._side) for e in ci.embedded if e.collection == name]
            return [world.view(v) for v in value or []]
        return Secret(value) if isinstance(value, str) and value else value

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._value(name)

    def __setattr__(self, name, value):
        self._ci.properties[name] = value

    def __getitem__(self, name):
        return self._value(name)

    def getProperty(self, name, default=None):  # noqa: N802
        try:
            return self._value(name)
        except AttributeError:
            return default

    def hasProperty(self, name) -> bool:  # noqa: N802
        return self._descriptor(name) is not None

    def setProperty(self, name, value):  # noqa: N802
        self._ci.properties[name] = value

    def getId(self):  # noqa: N802
        return self.id

    def getName(self):  # noqa: N802
        return self.name

    def getType(self):  # noqa: N802
        return self.type

    def __eq__(self, other):
        return isinstance(other, CiView) and other._ci is self._ci

    def __hash__(self):
        return hash(id(self._ci))

    def __bool__(self):
        return True

    def __repr__(self):
        return f"<{self._ci.type} {self._ci.id}>"

    __str__ = lambda self: self._ci.id  # noqa: E731


class DeltaView:
    __slots__ = ("delta", "world")

    def __init__(self, delta, world: World):
        self.delta = delta
        self.world = world

    @property
    def operation(self) -> str:
        return self.delta.operation

    @property
    def deployed(self):
        d = self.delta
        return self.world.view(d.deployed, DEPLOYED) if d.deployed is not None else None

    @property
    def previous(self):
        d = self.delta
        return self.world.view(d.previous, PREVIOUS) if d.previous is not None else None

    @property
    def deployedOrPrevious(self):  # noqa: N802
        return self.deployed if self.delta.deployed is not None else self.previous

    previousDeployed = previous  # noqa: N815

    def getOperation(self):  # noqa: N802
        return self.operation

    def getDeployed(self):  # noqa: N802
        return self.deployed

    def getPrevious(self):  # noqa: N802
        return self.previous

    def getDeployedOrPrevious(self):  # noqa: N802
        return self.deployedOrPrevious

    def __repr__(self):
        return f"<Delta {self.delta.operation} {self.delta.id}>"


class DeltasView:
    """`deltas` in the plan scope: `deltas.deltas`, iteration and len."""

    def __init__(self, items: list):
        self.deltas = items

    def getDeltas(self):  # noqa: N802
        return self.deltas

    def __iter__(self):
        return iter(self.deltas)

    def __len__(self):
        return len(self.deltas)


class SpecificationView:
    """`specification` in the pre-plan and post-plan scopes."""

    def __init__(self, deltas: list, deployed_application, previous_application, operation: str):
        self.deltas = deltas
        self.deployedApplication = deployed_application
        self.previousDeployedApplication = previous_application
        self.operation = operation

    @property
    def deployedOrPreviousApplication(self):  # noqa: N802
        return self.deployedApplication if self.deployedApplication is not None else self.previousDeployedApplication

    def getDeltas(self):  # noqa: N802
        return self.deltas

    def getDeployedApplication(self):  # noqa: N802
        return self.deployedApplication

    def getPreviousDeployedApplication(self):  # noqa: N802
        return self.previousDeployedApplication


class RepositoryView:
    """`repositoryService` / `context.getRepository()`: read-only, over what planning was given."""

    def __init__(self, world: World):
        self._world = world

    def read(self, ci_id: str):
        if self._world.snap.get(ci_id) is None:
            raise KeyError(f"Repository entity {ci_id} is not known to this deployment's planning.")
        return self._world.view(ci_id)

    def exists(self, ci_id: str) -> bool:
        return self._world.snap.get(ci_id) is not None


def host_of(ci) -> "CiView | None":
    """The host a container runs on: itself when it is an overthere.Host, else its `host`, following
    `parentContainer` up (engine §6.5, target-host)."""
    seen = set()
    while isinstance(ci, CiView) and ci.id not in seen:
        seen.add(ci.id)
        if ci.type.instanceOf("overthere.Host"):
            return ci
        host = ci.getProperty("host")
        if isinstance(host, CiView):
            return host_of(host) or host
        ci = ci.getProperty("parentContainer")
    return None


_EXPAND = re.compile(r"\$\{\s*([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)+)\s*\}")


def expand(text: str, variables: dict) -> str:
    """Resolve `${deployed.container.home}`-style paths whose first name is a planning variable;
    anything else (`${artifactName}`, a path that does not resolve) stays as it is."""
    if "${" not in text:
        return text

    def one(match):
        value = variables.get(match.group(1))
        if value is None:
            return match.group(0)
        for part in match.group(2).split(".")[1:]:
            try:
                value = getattr(value, part)
            except AttributeError:
                return match.group(0)
            if value is None:
                return match.group(0)
        return str(value)
    return _EXPAND.sub(one, text)


def value_json(value, conceal=None):
    """A parameter value as JSON: CI views as references, secrets concealed."""
    if isinstance(value, CiView):
        return {"ref": value.id, "type": value._ci.type, "from": value.side}
    if isinstance(value, Secret):
        return conceal(value) if conceal else str(value)
    if isinstance(value, dict):
        return {str(k): value_json(v, conceal) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [value_json(v, conceal) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
