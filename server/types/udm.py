"""The udm model's rules that more than one layer applies (planning validates, the engine commits)."""

from __future__ import annotations

DEPLOYED_APPLICATION = "udm.DeployedApplication"


def owned_elsewhere(deployed_id: str, owners, application_id: str) -> str | None:
    """Deployeds are never shared: the sentence refusing `deployed_id` when a deployed application
    other than `application_id` lists it among its `owners`, else None. Validation
    (server/planning/specification.py) and the task's repository commits (server/engine/checkpoints.py)
    both apply this rule."""
    other = next((owner for owner in owners if owner != application_id), None)
    if other is None:
        return None
    return (f"Deployed {deployed_id} already belongs to deployed application {other}; rename the deployable "
            f"or deploy to another container.")
