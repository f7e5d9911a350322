"""Plain data the planner works on: a repository snapshot, deployeds, deployments, validation messages.

Nothing here reads the repository. The deployment service (server/deployments) fills a `Snapshot`
from it; every planning module takes these records (and the read-only TypeRegistry) and returns new ones.

Values are kept the way the planner needs them: CI properties are effective values (defaults applied)
with passwords in clear, references as id strings. Secrets go back to ciphertext only when the
service turns results into JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

INITIAL, UPDATE, UNDEPLOYMENT = "INITIAL", "UPDATE", "UNDEPLOYMENT"
DEPLOYMENT_TYPES = (INITIAL, UPDATE, UNDEPLOYMENT)

ERROR, WARNING = "ERROR", "WARNING"


def name_of(ci_id: str) -> str:
    return ci_id.rsplit("/", 1)[-1]


def parent_of(ci_id: str) -> str | None:
    return ci_id.rsplit("/", 1)[0] if "/" in ci_id else None


@dataclass(slots=True)
class Ci:
    """A CI from the repository: id, type and effective properties (passwords in clear)."""
    id: str
    type: str
    properties: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return name_of(self.id)


@dataclass(slots=True)
class Message:
    """A validation message attached to a CI (and a property of it, when it is about one)."""
    ci: str
    property: str | None
    message: str
    level: str = ERROR

    def to_json(self) -> dict:
        return {"ci": self.ci, "property": self.property, "message": self.message, "level": self.level}


@dataclass(slots=True)
class Deployed:
    """A deployed of a specification: a deployable mapped onto a container by a deployed type.

    `properties` holds the values that are set, in the deployed type's kinds where they convert
    (a value that does not convert is kept as given, and validation says so). `deployable` and
    `container` are ids; embedded deployeds hang in `embedded`, each naming the containment
    property (`collection`) of its parent it belongs to. `secret_placeholders` names the file
    placeholders whose values came from encrypted dictionary entries.
    """
    id: str
    type: str
    deployable: str
    container: str
    properties: dict = field(default_factory=dict)
    embedded: list["Deployed"] = field(default_factory=list)
    collection: str | None = None
    secret_placeholders: set = field(default_factory=set)
    messages: list[Message] = field(default_factory=list)

    @property
    def name(self) -> str:
        return name_of(self.id)

    def walk(self):
        """This deployed and every embedded deployed below it, parents first."""
        yield self
        for child in self.embedded:
            yield from child.walk()


@dataclass(slots=True)
class Dictionary:
    """A dictionary as planning sees it: entries in clear, which keys are secret, its restrictions."""
    id: str
    entries: dict
    secret_keys: frozenset = frozenset()
    restrict_containers: frozenset = frozenset()
    restrict_applications: frozenset = frozenset()

    @property
    def restricted(self) -> bool:
        return bool(self.restrict_containers or self.restrict_applications)

    def applies(self, container: str | None, application: str | None) -> bool:
        """A dictionary applies only when all its restrictions hold."""
        if self.restrict_containers and container not in self.restrict_containers:
            return False
        if self.restrict_applications and application not in self.restrict_applications:
            return False
        return True


@dataclass
class Snapshot:
    """The part of the repository one deployment needs, read once by the deployment service.

    `deployables` lists the deployables of the version in deployment order (composite packages
    flattened in member order); `member_of` maps each deployable (of the new and of the previous
    version) to the deployment package it comes from, and `members` lists those packages in order.
    `children` maps a CI id to the ids of the CIs stored under it that planning cares about
    (embedded deployables under deployables, embedded deployeds under deployeds). `owners` maps each
    deployed stored on the environment's containers to the deployed applications that list it.
    """
    cis: dict[str, Ci] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    version: str | None = None
    environment: str | None = None
    application: str | None = None
    deployables: list[str] = field(default_factory=list)
    member_of: dict[str, str] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)
    dictionaries: list[Dictionary] = field(default_factory=list)
    previous: Ci | None = None
    previous_deployeds: list[Deployed] = field(default_factory=list)
    dependency_levels: list[list[str]] = field(default_factory=list)
    owners: dict[str, list[str]] = field(default_factory=dict)

    def get(self, ci_id: str | None) -> Ci | None:
        return self.cis.get(ci_id) if ci_id else None

    def add(self, ci: Ci) -> Ci:
        self.cis[ci.id] = ci
        return ci


@dataclass
class Deployment:
    """A deployment specification, as the REST API's Deployment object carries it.

    `application` is the udm.DeployedApplication (its properties include version, environment,
    orchestrator and optimizePlan). `messages` are about the deployment as a whole (for example a
    deployable that several deployed types could map), shown on the application CI.
    """
    id: str
    type: str
    application: Ci
    deployeds: list[Deployed] = field(default_factory=list)
    deployables: list[str] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)

    def all_messages(self) -> list[Message]:
        found = list(self.messages)
        for deployed in self.deployeds:
            for item in deployed.walk():
                found.extend(item.messages)
        return found

    def errors(self) -> list[Message]:
        return [m for m in self.all_messages() if m.level == ERROR]
