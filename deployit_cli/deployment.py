"""The Deployment object of the shell: what deployment.prepare*() answers and the other methods take.

    depl.id                    the deployment's id
    depl.deploymentType        INITIAL | UPDATE | UNDEPLOYMENT  (REST: "type")
    depl.deployedApplication   the udm.DeployedApplication CI (REST: "application"); its
                               `.values['orchestrator'] = 'parallel-by-container'` is sent back
    depl.deployeds             a list of deployed CIs (`len()`, `size()`, `get(i)`, `append`, `remove`);
                               each CI's `.validations` are the server's validation messages
    depl.deployables           [ConfigurationItemId] of the version (`.id`, `.type`)
    depl.containers            [ConfigurationItemId] of the environment
    depl.requiredDeployments   nested Deployments (application dependencies)
    depl.validations           every validation message: the deployment's own, then each deployed's

`to_json()` gives back the server's JSON with every field it had, known or not, and the changes made
in the shell. Deployeds may be replaced by any list of CIs (e.g. filtered) or of JSON objects.
"""

from __future__ import annotations

import copy

from .ci import VALIDATION_MESSAGES, ConfigurationItem, ValidationMessage
from .compat import wrap

KNOWN = ("id", "type", "application", "deployeds", "deployables", "containers", "requiredDeployments")


class ConfigurationItemId:
    """A reference to a CI: `.id` and `.type`. Equal to another reference, a CI or an id string with the
    same id, so `'Infrastructure/host' in depl.containers` works."""

    def __init__(self, id, type=None, extra: dict | None = None):
        self.id = str(id).strip("/") if id is not None else None
        self.type = type
        self._extra = dict(extra or {})

    @classmethod
    def from_json(cls, value) -> "ConfigurationItemId":
        if isinstance(value, ConfigurationItemId):
            return value
        if isinstance(value, ConfigurationItem):
            return cls(value.id, value.type)
        if isinstance(value, dict):
            ref = next((value[k] for k in ("id", "ci", "ref", "ci-ref") if value.get(k)), None)
            extra = {k: v for k, v in value.items() if k not in ("id", "ci", "ref", "ci-ref", "type")}
            return cls(ref, value.get("type"), extra)
        return cls(str(value))

    def to_json(self) -> dict:
        return dict(self._extra, id=self.id, type=self.type)

    def getId(self): return self.id
    def getType(self): return self.type

    def __eq__(self, other):
        if isinstance(other, (ConfigurationItemId, ConfigurationItem)):
            return self.id == other.id
        if isinstance(other, str):
            return self.id == other.strip("/")
        return NotImplemented

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash(self.id)

    def __str__(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:
        return f"{self.id} [{self.type}]" if self.type else str(self.id)


def _messages(data: dict) -> list[ValidationMessage]:
    ci_id = data.get("id")
    return [ValidationMessage.from_json(m, ci_id) for m in data.get(VALIDATION_MESSAGES) or [] if isinstance(m, dict)]


class Deployment:
    """See the module docstring."""

    def __init__(self, data: dict, session=None):
        data = dict(data or {})
        registry = session.types if session is not None else None
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_raw", copy.deepcopy({k: v for k, v in data.items() if k not in KNOWN}))
        object.__setattr__(self, "_id", data.get("id"))
        object.__setattr__(self, "_type", data.get("type") or data.get("deploymentType"))
        app = data.get("application")
        object.__setattr__(self, "_application",
                           ConfigurationItem.from_json(app, registry) if isinstance(app, dict) else None)
        object.__setattr__(self, "_deployeds", self._as_deployeds(data.get("deployeds") or []))
        object.__setattr__(self, "_deployables", wrap([ConfigurationItemId.from_json(x)
                                                       for x in data.get("deployables") or []]))
        object.__setattr__(self, "_containers", wrap([ConfigurationItemId.from_json(x)
                                                      for x in data.get("containers") or []]))
        object.__setattr__(self, "_required", wrap([
            Deployment(x, session) if isinstance(x, dict) else x for x in data.get("requiredDeployments") or []]))

    @classmethod
    def from_json(cls, data: dict, session=None) -> "Deployment":
        return cls(data, session)

    def _as_deployeds(self, items):
        registry = self._session.types if self._session is not None else None
        out = []
        for item in items:
            if isinstance(item, dict):
                item = ConfigurationItem.from_json(item, registry)
            elif not isinstance(item, ConfigurationItem):
                raise TypeError(f"A deployment's deployeds are CIs, not {item!r}.")
            out.append(item)
        return wrap(out)

    # -- the server's JSON ---------------------------------------------------------------------
    def to_json(self) -> dict:
        data = copy.deepcopy(self._raw)
        data["id"] = self._id
        data["type"] = self._type
        data["application"] = self._application.to_json() if self._application is not None else None
        data["deployeds"] = [d.to_json() if isinstance(d, ConfigurationItem) else d for d in self._deployeds]
        data["deployables"] = [ConfigurationItemId.from_json(x).to_json() for x in self._deployables]
        data["containers"] = [ConfigurationItemId.from_json(x).to_json() for x in self._containers]
        data["requiredDeployments"] = [d.to_json() if isinstance(d, Deployment) else d for d in self._required]
        return data

    toJson = to_json

    # -- attributes ----------------------------------------------------------------------------
    @property
    def id(self):
        return self._id

    @property
    def deploymentType(self):
        return self._type

    type = deploymentType

    @property
    def deployedApplication(self) -> ConfigurationItem:
        return self._application

    application = deployedApplication

    @property
    def deployeds(self):
        return self._deployeds

    @property
    def deployables(self):
        return self._deployables

    @property
    def containers(self):
        return self._containers

    @property
    def requiredDeployments(self):
        return self._required

    @property
    def validations(self):
        found = list(self._application.validations) if self._application is not None else []
        for deployed in self._deployeds:
            if isinstance(deployed, ConfigurationItem):
                found += list(deployed.validations)
        return wrap(found)

    def __setattr__(self, name, value):
        if name == "deployeds":
            object.__setattr__(self, "_deployeds", self._as_deployeds(list(value or [])))
        elif name in ("deployedApplication", "application"):
            if not isinstance(value, ConfigurationItem):
                raise TypeError(f"deployedApplication must be a udm.DeployedApplication CI, not {value!r}.")
            object.__setattr__(self, "_application", value)
        elif name in ("deployables", "containers"):
            object.__setattr__(self, f"_{name}", wrap([ConfigurationItemId.from_json(x) for x in value or []]))
        elif name in ("deploymentType", "type"):
            object.__setattr__(self, "_type", str(value))
        else:
            raise AttributeError(f"A Deployment has no settable attribute '{name}'; it has deployedApplication, "
                                 f"deployeds, deployables, containers, deploymentType and id.")

    # -- Java-style accessors (old scripts) ----------------------------------------------------
    def getId(self): return self._id
    def getDeploymentType(self): return self._type
    def getType(self): return self._type
    def getDeployedApplication(self): return self._application
    def getDeployeds(self): return self._deployeds
    def getDeployables(self): return self._deployables
    def getContainers(self): return self._containers
    def getRequiredDeployments(self): return self._required
    def setDeployeds(self, deployeds): self.deployeds = deployeds
    def setDeployedApplication(self, ci): self.deployedApplication = ci

    def __repr__(self) -> str:
        app = self._application
        values = app.values if app is not None else {}
        target = app.id if app is not None else "?"
        version, environment = values.get("version"), values.get("environment")
        if self._type == "INITIAL":
            what = f"initial deployment of {version} to {environment}"
        elif self._type == "UPDATE":
            what = f"update of {target} to {version}"
        elif self._type == "UNDEPLOYMENT":
            what = f"undeployment of {target}"
        else:
            what = f"{self._type} of {target}"
        count = len(self._deployeds)
        return f"Deployment {self._id}: {what} ({count} deployed{'s' if count != 1 else ''})"

    __str__ = __repr__
