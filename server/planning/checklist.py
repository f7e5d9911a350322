"""Deployment checklists: which `requires<Condition>` of an environment a version does not satisfy.

An environment turns a condition on with a boolean `requires<Condition>` property; a version satisfies
it with `satisfies<Condition>`: true, or (an integer or a string) not empty. A condition the version's
type does not declare cannot be satisfied. A hidden `roles<Condition>` on the version names the roles
allowed to change `satisfies<Condition>`. Pure functions of property dicts and the type registry.
"""

from __future__ import annotations

REQUIRES, SATISFIES, ROLES = "requires", "satisfies", "roles"


def conditions(types, environment_type: str, environment: dict) -> list[str]:
    """The conditions an environment requires, in the order its type declares them."""
    desc = types.get(environment_type)
    if desc is None:
        return []
    return [name[len(REQUIRES):] for name, prop in desc.properties.items()
            if name.startswith(REQUIRES) and len(name) > len(REQUIRES) and prop.kind.value == "BOOLEAN"
            and environment.get(name) is True]


def satisfied(value) -> bool:
    if isinstance(value, bool):
        return value
    return value is not None and str(value).strip() != ""


def unmet(types, environment_type: str, environment: dict, version_type: str, version: dict) -> list[str]:
    """The `satisfies<Condition>` properties the version lacks for the environment's checklist."""
    desc = types.get(version_type)
    missing = []
    for condition in conditions(types, environment_type, environment):
        name = SATISFIES + condition
        if desc is None or desc.property(name) is None or not satisfied(version.get(name)):
            missing.append(name)
    return missing


def refusal(version_id: str, environment_id: str, missing: list[str]) -> str:
    """The one sentence refusing a deployment whose checklist is not satisfied."""
    return (f"{version_id} does not satisfy the deployment checklist of {environment_id}: set "
            f"{', '.join(missing)} on the version first.")


def guarded_changes(types, version_type: str, before: dict, after: dict) -> dict[str, list[str]]:
    """The `satisfies<Condition>` properties that differ between two states of a version and have
    roles attached: property name -> the roles whose members may change it."""
    desc = types.get(version_type)
    if desc is None:
        return {}
    out = {}
    for name in desc.properties:
        roles_prop = desc.property(ROLES + name[len(SATISFIES):]) if name.startswith(SATISFIES) else None
        if roles_prop is None:
            continue
        roles = after.get(roles_prop.name) or before.get(roles_prop.name) or roles_prop.default or []
        if isinstance(roles, str):
            roles = [r.strip() for r in roles.split(",") if r.strip()]
        if roles and _plain(before.get(name)) != _plain(after.get(name)):
            out[name] = list(roles)
    return out


def _plain(value):
    """A checklist value compared as the user sees it: unset, false and empty are alike."""
    if value is None or value is False or value == "":
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)
