"""The objects a notification template sees, as XL Deploy's trigger plugin names them:
`${deployedApplication}` (with `.version.application.name`, `.environment.name`...), `${task}` (id,
state, description, owner, startDate, completionDate, nrSteps, currentStepNr, failureCount, metadata),
`${step}` (description, state, log, startDate, completionDate, failureCount; step triggers only) and
`${action}` (the notification CI). References between CIs are read from the repository when used;
passwords are never shown."""

from __future__ import annotations

from types import SimpleNamespace

from ..errors import BadRequest, NotFound
from ..repository.ids import name_of, parent_of

MASK = "********"


class CiView:
    """A CI for templates: `.id`, `.name`, `.type`, its properties, CI references followed; a
    version's `.application` is the application it belongs to."""

    def __init__(self, repository, types, ci_id: str, ci_type: str | None = None, props: dict | None = None):
        self._repository, self._types = repository, types
        self.id, self.name = ci_id, name_of(ci_id)
        self._type, self._props = ci_type, props

    def _load(self) -> None:
        if self._props is None:
            try:
                rec = self._repository.read(self.id)
                self._type, self._props = rec.type, rec.properties
            except (NotFound, BadRequest):
                self._props = {}

    @property
    def type(self) -> str | None:
        self._load()
        return self._type

    def _view(self, ci_id):
        return CiView(self._repository, self._types, ci_id) if isinstance(ci_id, str) and ci_id else None

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        self._load()
        desc = self._types.get(self._type) if self._type else None
        prop = desc.property(name) if desc is not None else None
        if prop is None:
            if name == "application" and self._type and self._types.is_a(self._type, "udm.Version"):
                return self._view(parent_of(self.id))
            raise AttributeError(name)
        value = self._props.get(name, prop.default)
        if prop.password:
            return MASK if value else value
        if prop.kind.value == "CI":
            return self._view(value)
        if prop.kind.is_reference:
            return [self._view(v) for v in value or ()]
        return value

    def __str__(self) -> str:
        return self.id


def variables(repository, types, task: dict, progress: dict, steps: list[str], deployed_application: dict | None,
              action_id: str, step: SimpleNamespace | None) -> dict:
    """The template variables for one action fired by one transition; `steps` are the task's step paths."""
    current = [p for p in steps if (progress.get(p) or {}).get("started_at")]
    app = None
    if deployed_application:
        props = {k: v for k, v in deployed_application.items() if k not in ("id", "type")}
        app = CiView(repository, types, deployed_application.get("id", ""), deployed_application.get("type"), props)
    task_view = SimpleNamespace(
        id=task["id"], state=task.get("state"), description=task.get("description"), owner=task.get("owner"),
        startDate=task.get("started_at"), completionDate=task.get("completed_at"),
        nrSteps=len(steps), currentStepNr=len(current), failureCount=task.get("failures") or 0,
        metadata=task.get("metadata") or {})
    return {"deployedApplication": app, "task": task_view, "step": step,
            "action": CiView(repository, types, action_id)}
