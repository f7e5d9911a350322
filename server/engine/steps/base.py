"""What every step implementation shares: parameters, CI resolution, host connections, a secret-masking log."""

from __future__ import annotations

import re
from functools import lru_cache

from server.engine.context import StepContext, StepFailed
from server.engine.hosts import HostConnectionError, HostError
from server.refs import reference as ref_id  # the id a parameter or property value refers to

ROOTS = ("Applications/", "Environments/", "Infrastructure/", "Configuration/")
MASK = "********"


@lru_cache(maxsize=1)
def builtin_types():
    """The built-in types, for a context made without the server's registry (tests, tools)."""
    from server.types.registry import load_registry
    return load_registry()


def name_of(ci_id: str) -> str:
    return ci_id.rstrip("/").rsplit("/", 1)[-1]


def to_bool(value, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    return str(value).strip().lower() in ("true", "yes", "1", "on")


class Run:
    """One execution of one step: the step's JSON, the engine's context and what the step learnt while running
    (CIs resolved, secret values to mask)."""

    def __init__(self, step: dict, ctx: StepContext):
        self.step = step
        self.ctx = ctx
        self.type = str(step.get("type") or "")
        self.description = str(step.get("description") or self.type)
        self.order = step.get("order")
        self.params = dict(step.get("parameters") or {})
        self.types = ctx.types if ctx.types is not None else builtin_types()
        self._cis: dict[tuple, dict] = {}
        self._secrets: set[str] = set()

    # ------------------------------------------------------------------------------------------- log

    def mask(self, text: str) -> str:
        """The text with every secret value this step has seen replaced by ********."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def log(self, text: str = "") -> None:
        """Append to the step log, one call per line, secrets masked."""
        for line in str(text).split("\n"):
            self.ctx.log(self.mask(line.rstrip("\r")))

    def output(self, line: str, is_stderr: bool = False) -> None:
        """A host OutputHandler writing command output to the step log."""
        self.ctx.log(self.mask(line))

    def add_secret(self, value) -> None:
        if isinstance(value, str) and len(value) >= 3 and not value.startswith("{b64}"):
            self._secrets.add(value)

    def fail(self, message: str) -> StepFailed:
        return StepFailed(self.mask(message))

    # ------------------------------------------------------------------------------------------- parameters

    def param(self, name: str, default=None):
        value = self.params.get(name)
        return default if value is None else value

    def text(self, name: str, default: str | None = None, required: bool = False) -> str | None:
        value = self.params.get(name)
        if value is None or value == "":
            if required:
                raise self.fail(f"Step '{self.description}' has no parameter '{name}'.")
            return default
        return str(value)

    def flag(self, name: str, default: bool) -> bool:
        return to_bool(self.params.get(name), default)

    def integer(self, name: str, default: int | None = None) -> int:
        value = self.params.get(name, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise self.fail(f"Parameter '{name}' of step '{self.description}' must be a number, not {value!r}.") \
                from None

    # ------------------------------------------------------------------------------------------- CIs

    def resolve(self, ref, where: str = "repository", type_name: str | None = None) -> dict:
        """The CI a reference names, as a dict of effective properties (secrets in clear, remembered for masking).
        `ref` is a step parameter reference {"ref", "type", "from"} or an id (then looked up in `where`)."""
        if isinstance(ref, dict) and "ref" in ref:
            request = {"ref": ref["ref"], "type": ref.get("type") or type_name, "from": ref.get("from") or where}
        else:
            ci_id = ref_id(ref)
            if not ci_id:
                raise self.fail(f"Step '{self.description}' refers to a CI with {ref!r}, which is not a CI id.")
            request = {"ref": ci_id, "type": type_name, "from": where}
        key = (request["ref"], request["from"])
        if key not in self._cis:
            try:
                ci = self.ctx.resolve(request)
            except StepFailed:
                raise
            except Exception as exc:  # noqa: BLE001 - whatever the engine raises, the step says which CI
                raise self.fail(f"Cannot read CI {request['ref']}: {exc}") from None
            if not isinstance(ci, dict):
                raise self.fail(f"CI {request['ref']} was not found.")
            self._note_secrets(ci)
            self._cis[key] = ci
        return self._cis[key]

    def ci(self, name: str, required: bool = False) -> dict | None:
        """The CI a step parameter refers to."""
        value = self.params.get(name)
        if value in (None, "", {}):
            if required:
                raise self.fail(f"Step '{self.description}' has no parameter '{name}'.")
            return None
        return self.resolve(value)

    def ci_list(self, name: str) -> list[dict]:
        value = self.params.get(name) or []
        if isinstance(value, (str, dict)):
            value = [value]
        return [self.resolve(item) for item in value]

    def descriptor(self, type_name: str | None):
        return self.types.get(type_name) if type_name else None

    def is_a(self, type_name: str | None, base: str) -> bool:
        if not type_name:
            return False
        if type_name == base:
            return True
        try:
            return bool(self.types.is_a(type_name, base))
        except Exception:  # noqa: BLE001 - a registry without the type: not a subtype
            return False

    def property_of(self, ci: dict, name: str):
        """The PropertyDescriptor of a CI's property, or None when the type or property is unknown."""
        desc = self.descriptor(ci.get("type"))
        return desc.properties.get(name) if desc is not None else None

    def _note_secrets(self, ci: dict) -> None:
        desc = self.descriptor(ci.get("type"))
        if desc is None:
            return
        for prop in desc.properties.values():
            if prop.password:
                value = ci.get(prop.name)
                if isinstance(value, dict):
                    for item in value.values():
                        self.add_secret(item)
                else:
                    self.add_secret(value)

    def reference(self, ci: dict, name: str) -> dict | None:
        """The CI a reference property of `ci` names (resolved from the repository), or None when unset."""
        value = ci.get(name)
        if value in (None, "", {}):
            return None
        prop = self.property_of(ci, name)
        return self.resolve(value, "repository", prop.referenced_type if prop is not None else None)

    # ------------------------------------------------------------------------------------------- hosts

    def host(self, name: str = "target-host") -> dict:
        host = self.ci(name)
        if host is None:
            raise self.fail(f"Step '{self.description}' has no target host (parameter '{name}').")
        return host

    def connect(self, host: dict):
        try:
            return self.ctx.connect(host)
        except HostConnectionError as exc:
            raise self.fail(str(exc)) from None
        except HostError as exc:
            raise self.fail(str(exc)) from None

    # ------------------------------------------------------------------------------------------- task

    def deployed_application(self) -> dict | None:
        task = self.ctx.task or {}
        app = task.get("deployedApplication")
        if app is None and isinstance(task.get("specification"), dict):
            app = task["specification"].get("deployedApplication")
        return app if isinstance(app, dict) else None


def is_ci_id(value) -> bool:
    return isinstance(value, str) and value.startswith(ROOTS)


def safe_relative(name: str) -> bool:
    """Whether a script or resource name stays inside the folder it is looked up in."""
    parts = re.split(r"[\\/]", name)
    return bool(name) and not name.startswith(("/", "\\")) and ".." not in parts and not re.match(r"^[A-Za-z]:", name)
