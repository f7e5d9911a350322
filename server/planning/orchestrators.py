"""Names of the orchestrators XL Deploy users know, with the deprecated aliases they still accept."""

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
