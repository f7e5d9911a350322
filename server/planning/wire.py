"""The Deployment JSON of the REST API (xldeploy-py's shape) to and from the planning model.

    {"id": "deployment-<uuid>", "type": "INITIAL" | "UPDATE" | "UNDEPLOYMENT",
     "application": {udm.DeployedApplication CI: id, type, version, environment, orchestrator,
                     optimizePlan, ..., "deployeds": [ids], "validation-messages": [...]},
     "deployeds": [deployed CIs: id, type, deployable, container, every property of the type,
                   embedded deployeds nested as full objects in their containment property,
                   "validation-messages": [...]],
     "deployables": [{"id": ..., "type": ...}], "containers": [{"id": ..., "type": ...}],
     "requiredDeployments": []}

Validation messages are `{"ci": <id>, "property": <name or null>, "message": <text>, "level":
"ERROR" | "WARNING"}`; on each deployed they are about that deployed or its embedded deployeds, on
the application about the deployment as a whole. They are output only: incoming ones are ignored.
`deployables`/`containers` entries may come back as ids or in any reference form of server/refs.py.
Secrets are handed in and out through `conceal(text) -> ciphertext` and
`reveal(text) -> (clear, was_secret)`: passwords and placeholder values from encrypted dictionaries
leave as `{b64}...` ciphertext and are accepted back in that form.
"""

from __future__ import annotations

from ..errors import BadRequest
from ..refs import reference as ref
from ..types import TypeRegistry
from ..types.values import coerce, effective
from .model import DEPLOYMENT_TYPES, UNDEPLOYMENT, Ci, Deployed, Deployment, Snapshot
from .orchestrators import names_of

MESSAGES = "validation-messages"
DEPLOYED_APPLICATION = "udm.DeployedApplication"
_SKIP = {"id", "type", "deployable", "container", MESSAGES}


def _copy(value):
    return type(value)(value) if isinstance(value, (list, dict)) else value


_FIXED, _EMBEDDED, _SECRET, _VALUE = range(4)


def _out_plan(desc) -> list[tuple]:
    """(name, what it is, property) for each property of a deployed type, as deployed_to_json writes it."""
    plan = []
    for prop in desc.properties.values():
        name = prop.name
        if name in ("deployable", "container"):
            what = _FIXED
        elif prop.kind.is_collection and prop.as_containment:
            what = _EMBEDDED
        elif prop.password:
            what = _SECRET
        else:
            what = _VALUE
        plan.append((name, what, prop))
    return plan


def _in_plan(desc) -> dict[str, tuple]:
    """name -> (property, what it is) for each property of a deployed type, as deployed_from_json reads it."""
    return {name: (prop, what) for name, what, prop in _out_plan(desc)}


def deployed_to_json(deployed: Deployed, types: TypeRegistry, conceal, messages: bool = True) -> dict:
    desc = types.get(deployed.type)
    out = {"id": deployed.id, "type": deployed.type}
    if desc is None:
        out.update(deployable=deployed.deployable, container=deployed.container, **deployed.properties)
    else:
        props = deployed.properties
        for name, what, prop in desc.memo("wire.out", _out_plan):
            if what == _FIXED:
                out[name] = deployed.deployable if name == "deployable" else deployed.container
                continue
            if what == _EMBEDDED:
                out[name] = [deployed_to_json(e, types, conceal, messages)
                             for e in deployed.embedded if e.collection == name]
                continue
            value = props.get(name)
            if value is None:
                value = prop.default if prop.default is not None else prop.empty_value()
            if isinstance(value, (list, dict)):
                value = type(value)(value)
            if what == _SECRET and isinstance(value, str) and value:
                value = conceal(value)
            elif name == "placeholders" and isinstance(value, dict) and deployed.secret_placeholders:
                value = {k: (conceal(v) if k in deployed.secret_placeholders and v else v) for k, v in value.items()}
            out[name] = value
    if messages:
        out[MESSAGES] = [m.to_json() for m in deployed.messages]
    return out


def application_to_json(app: Ci, types: TypeRegistry, deployed_ids=None, messages=None, conceal=None) -> dict:
    desc = types.get(app.type) or types.get(DEPLOYED_APPLICATION)
    out = {"id": app.id, "type": app.type}
    for prop in desc.properties.values():
        value = _copy(effective(prop, app.properties))
        if prop.password and isinstance(value, str) and value and conceal:
            value = conceal(value)
        out[prop.name] = value
    if deployed_ids is not None:
        out["deployeds"] = list(deployed_ids)
    if messages is not None:
        out[MESSAGES] = [m.to_json() for m in messages]
    return out


def _refs(ids, snap: Snapshot) -> list[dict]:
    out = []
    for ci_id in ids:
        ci = snap.get(ci_id)
        out.append({"id": ci_id, "type": ci.type if ci else None})
    return out


def deployment_to_json(deployment: Deployment, snap: Snapshot, types: TypeRegistry, conceal) -> dict:
    return {
        "id": deployment.id,
        "type": deployment.type,
        "application": application_to_json(deployment.application, types, [d.id for d in deployment.deployeds],
                                           deployment.messages, conceal),
        "deployeds": [deployed_to_json(d, types, conceal) for d in deployment.deployeds],
        "deployables": _refs(deployment.deployables, snap),
        "containers": _refs(deployment.containers, snap),
        "requiredDeployments": [],
    }


def deployed_from_json(data, types: TypeRegistry, reveal, parent: str | None = None,
                       collection: str | None = None) -> Deployed:
    if not isinstance(data, dict):
        raise BadRequest(f"Each deployed must be a JSON object (a CI), not {str(data)[:60]!r}.")
    deployed_id = ref(data.get("id"))
    type_name = data.get("type")
    if not deployed_id:
        raise BadRequest("A deployed in the deployment has no id.")
    desc = types.get(type_name) if isinstance(type_name, str) else None
    if desc is None:
        raise BadRequest(f"Unknown type '{type_name}' for deployed {deployed_id}.")
    deployable = ref(data.get("deployable"))
    container = ref(data.get("container")) or parent
    if parent is not None and container != parent:  # else it would be stored on a container nobody checked
        raise BadRequest(f"Embedded deployed {deployed_id} belongs in its parent {parent}, not in {container}.")
    if not deployable:
        raise BadRequest(f"Deployed {deployed_id} has no deployable.")
    if not container:
        raise BadRequest(f"Deployed {deployed_id} has no container.")
    deployed = Deployed(id=deployed_id, type=type_name, deployable=deployable, container=container,
                        collection=collection)
    known = desc.memo("wire.in", _in_plan)
    for key, value in data.items():
        if key in _SKIP or key.startswith("$"):
            continue
        found = known.get(key)
        if found is None:
            if key == "token":
                continue
            raise BadRequest(f"Unknown property '{key}' on deployed {deployed_id} of type {type_name}.")
        prop, what = found
        if what == _EMBEDDED:
            for item in value or []:
                if isinstance(item, dict):
                    deployed.embedded.append(deployed_from_json(item, types, reveal, deployed_id, key))
            continue
        if what == _SECRET and isinstance(value, str):
            value = reveal(value)[0]
        elif key == "placeholders" and isinstance(value, dict):
            clear = {}
            for k, v in value.items():
                text, secret = reveal(v) if isinstance(v, str) else (v, False)
                clear[k] = text
                if secret:
                    deployed.secret_placeholders.add(str(k))
            value = clear
        converted = coerce(prop, value)
        if converted is not None:
            deployed.properties[key] = converted
    return deployed


def application_from_json(data, types: TypeRegistry, reveal) -> Ci:
    if not isinstance(data, dict):
        raise BadRequest("The deployment's 'application' must be the udm.DeployedApplication CI (a JSON object).")
    app_id = ref(data.get("id"))
    if not app_id:
        raise BadRequest("The deployment's application has no id.")
    type_name = data.get("type") or DEPLOYED_APPLICATION
    if type_name not in types or not types.is_a(type_name, DEPLOYED_APPLICATION):
        raise BadRequest(f"The deployment's application {app_id} must be a {DEPLOYED_APPLICATION}, not {type_name}.")
    desc = types.get(type_name)
    props = {}
    for key, value in data.items():
        if key in ("id", "type", "deployeds", MESSAGES) or key.startswith("$"):
            continue
        prop = desc.property(key)
        if prop is None:
            if key == "token":
                continue
            raise BadRequest(f"Unknown property '{key}' on deployed application {app_id}.")
        if key == "orchestrator":
            value = names_of(value)
        elif prop.password and isinstance(value, str):
            value = reveal(value)[0]
        converted = coerce(prop, value)
        if converted is not None:
            props[key] = converted
    return Ci(id=app_id, type=type_name, properties=props)


def deployment_from_json(data, types: TypeRegistry, reveal) -> Deployment:
    if not isinstance(data, dict):
        raise BadRequest("The body must be a Deployment: a JSON object with id, type, application and deployeds.")
    kind = data.get("type") or data.get("deploymentType")
    if kind not in DEPLOYMENT_TYPES:
        raise BadRequest(f"The deployment's type must be one of {', '.join(DEPLOYMENT_TYPES)}, not {kind!r}.")
    app = application_from_json(data.get("application"), types, reveal)
    if kind != UNDEPLOYMENT:
        for key in ("version", "environment"):
            if not app.properties.get(key):
                raise BadRequest(f"The deployment's application {app.id} has no {key}.")
    deployeds = data.get("deployeds")
    deployeds = [] if deployeds is None else deployeds
    if not isinstance(deployeds, list):
        raise BadRequest("The deployment's 'deployeds' must be a list of CIs.")
    ids = lambda key: [i for i in (ref(x) for x in (data.get(key) or []) if x is not None) if i]  # noqa: E731
    return Deployment(id=str(data.get("id") or ""), type=kind, application=app,
                      deployeds=[deployed_from_json(d, types, reveal) for d in deployeds],
                      deployables=ids("deployables"), containers=ids("containers"))
