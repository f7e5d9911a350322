"""Orchestrators: how the deltas of a deployment are grouped into serial, parallel and interleaved blocks.

Names are the ones XL Deploy users know, with the deprecated aliases they still accept (engine §5):

| orchestrator | groups deltas by | block | order of groups |
|---|---|---|---|
| default | nothing | one interleaved block | - |
| sequential-by-container / parallel-by-container | container | serial / parallel | container name |
| sequential-by-composite-package / parallel-by-composite-package | member package of a composite | serial / parallel | member order |
| sequential-by-deployment-group / parallel-by-deployment-group | container's deploymentGroup | serial / parallel | ascending; no group first |
| ...-by-deployment-sub-group, ...-by-deployment-sub-sub-group | deploymentSubGroup, deploymentSubSubGroup | as above | as above |
| sequential-by-deployed / parallel-by-deployed | one delta per block | serial / parallel | specification order |
| sequential-by-dependency / parallel-by-dependency | application | serial / serial of parallel levels | dependencies first |

Aliases: container-by-container-serial, composite-package, group-based.

A list of orchestrators is applied in turn: the first works on all deltas, each next one replaces every
interleaved leaf of the tree so far by its own sub-tree (whose top block keeps the leaf's
description). Orchestrators that impose an order reverse it for an undeployment. Leaf descriptions
name what they hold: `Deploy on host1`, `Deploy PetClinic 1.0`, `Deploy deployment group 2`...
"""

from __future__ import annotations

from .plan import Block, Interleaved, parallel, replace_leaves, serial

ORCHESTRATORS = (
    "default",
    "sequential-by-container", "parallel-by-container",
    "sequential-by-composite-package", "parallel-by-composite-package",
    "sequential-by-deployment-group", "parallel-by-deployment-group",
    "sequential-by-deployment-sub-group", "parallel-by-deployment-sub-group",
    "sequential-by-deployment-sub-sub-group", "parallel-by-deployment-sub-sub-group",
    "sequential-by-deployed", "parallel-by-deployed",
    "sequential-by-dependency", "parallel-by-dependency",
)

ALIASES = {
    "container-by-container-serial": "sequential-by-container",
    "composite-package": "sequential-by-composite-package",
    "group-based": "sequential-by-deployment-group",
}


def canonical(name: str) -> str | None:
    """The orchestrator a name (or deprecated alias) stands for, or None when unknown."""
    name = (name or "").strip()
    if name in ORCHESTRATORS:
        return name
    return ALIASES.get(name)


def names_of(value) -> list[str]:
    """The orchestrator list of a deployed application: a list, or a comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [str(v).strip() for v in value if str(v).strip()]


class Facts:
    """What orchestrators need to know about deltas; the planner fills it from the snapshot.

    verb: Deploy, Update or Undeploy. container(delta) -> Ci; member(delta) -> (package id, label);
    members: package ids in member order; application(delta) -> (app id, label); levels: application
    ids by dependency level, dependencies first.
    """

    def __init__(self, verb: str, undeploy: bool, container, member, members, application, levels):
        self.verb = verb
        self.undeploy = undeploy
        self.container = container
        self.member = member
        self.members = members
        self.application = application
        self.levels = levels


def _group(deltas, key):
    groups: dict = {}
    for delta in deltas:
        groups.setdefault(key(delta), []).append(delta)
    return groups


def _wrap(kind: str, description: str, children: list, facts: Facts, ordered: bool = True) -> Block:
    if kind == "serial":
        if ordered and facts.undeploy:
            children = list(reversed(children))
        return serial(description, children)
    return parallel(description, children)


def by_container(kind):
    def orchestrate(leaf: Interleaved, facts: Facts) -> Block:
        groups = _group(leaf.deltas, lambda d: d.container)
        containers = sorted(groups, key=lambda c: (facts.container(c).name.lower(), c))
        return _wrap(kind, leaf.description, [
            Interleaved(f"{facts.verb} on {facts.container(c).name}", groups[c]) for c in containers], facts)
    return orchestrate


def by_composite_package(kind):
    def orchestrate(leaf: Interleaved, facts: Facts) -> Block:
        groups = _group(leaf.deltas, lambda d: facts.member(d)[0])
        position = {m: i for i, m in enumerate(facts.members)}
        order = sorted(groups, key=lambda m: (position.get(m, len(position)), m or ""))
        return _wrap(kind, leaf.description, [
            Interleaved(f"{facts.verb} {facts.member(groups[m][0])[1]}", groups[m]) for m in order], facts)
    return orchestrate


def by_group(kind, prop: str, label: str):
    def orchestrate(leaf: Interleaved, facts: Facts) -> Block:
        def group_of(delta):
            value = facts.container(delta.container).properties.get(prop)
            try:
                return int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                return None
        groups = _group(leaf.deltas, group_of)
        order = sorted(groups, key=lambda g: (g is not None, g if g is not None else 0))
        children = []
        for g in order:
            text = f"{facts.verb} {label} {g}" if g is not None else f"{facts.verb} containers without a {label}"
            children.append(Interleaved(text, groups[g]))
        return _wrap(kind, leaf.description, children, facts)
    return orchestrate


def by_deployed(kind):
    def orchestrate(leaf: Interleaved, facts: Facts) -> Block:
        children = [Interleaved(f"{facts.verb} {d.deployed_or_previous.name} on {facts.container(d.container).name}",
                                [d]) for d in leaf.deltas]
        return _wrap(kind, leaf.description, children, facts)
    return orchestrate


def by_dependency(kind):
    def orchestrate(leaf: Interleaved, facts: Facts) -> Block:
        groups = _group(leaf.deltas, lambda d: facts.application(d)[0])
        levels = [[a for a in level if a in groups] for level in facts.levels]
        listed = {a for level in levels for a in level}
        levels = [level for level in levels if level] + [[a] for a in groups if a not in listed]
        if facts.undeploy:
            levels = list(reversed(levels))

        def block_for(app):
            return Interleaved(f"{facts.verb} {facts.application(groups[app][0])[1]}", groups[app])
        if kind == "serial":
            return serial(leaf.description, [block_for(a) for level in levels for a in level])
        return serial(leaf.description, [parallel(f"{leaf.description} (level {n})", [block_for(a) for a in level])
                                         for n, level in enumerate(levels, start=1)])
    return orchestrate


def default(leaf: Interleaved, facts: Facts) -> Block:
    return Interleaved(leaf.description, list(leaf.deltas))


IMPLEMENTATIONS = {
    "default": default,
    "sequential-by-container": by_container("serial"),
    "parallel-by-container": by_container("parallel"),
    "sequential-by-composite-package": by_composite_package("serial"),
    "parallel-by-composite-package": by_composite_package("parallel"),
    "sequential-by-deployment-group": by_group("serial", "deploymentGroup", "deployment group"),
    "parallel-by-deployment-group": by_group("parallel", "deploymentGroup", "deployment group"),
    "sequential-by-deployment-sub-group": by_group("serial", "deploymentSubGroup", "deployment sub-group"),
    "parallel-by-deployment-sub-group": by_group("parallel", "deploymentSubGroup", "deployment sub-group"),
    "sequential-by-deployment-sub-sub-group": by_group("serial", "deploymentSubSubGroup", "deployment sub-sub-group"),
    "parallel-by-deployment-sub-sub-group": by_group("parallel", "deploymentSubSubGroup", "deployment sub-sub-group"),
    "sequential-by-deployed": by_deployed("serial"),
    "parallel-by-deployed": by_deployed("parallel"),
    "sequential-by-dependency": by_dependency("serial"),
    "parallel-by-dependency": by_dependency("parallel"),
}


def unknown(names) -> list[str]:
    return [n for n in names_of(names) if canonical(n) is None]


def orchestrate(names, deltas: list, description: str, facts: Facts) -> Block:
    """The orchestrated tree of a deployment's deltas; unknown names raise ValueError."""
    wrong = unknown(names)
    if wrong:
        raise ValueError(f"Unknown orchestrator '{wrong[0]}'; the orchestrators are "
                         f"{', '.join(ORCHESTRATORS + tuple(sorted(ALIASES)))}.")
    tree: Block = Interleaved(description, list(deltas))
    for name in names_of(names) or ["default"]:
        implementation = IMPLEMENTATIONS[canonical(name)]
        tree = replace_leaves(tree, lambda leaf: implementation(leaf, facts) if leaf.deltas else leaf)
    return tree

