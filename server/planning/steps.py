"""Steps as data: the step types rules may use, their parameters, step orders, calculated parameters.

A planned step is pure JSON for the task engine to execute:

    {"type": "upload", "description": "...", "order": 70, "parameters": {...}, "checkpoint": null | {...}}

A parameter that names a CI is a reference `{"ref": <id>, "type": <type>, "from": <where>}` where
`from` is "deployed" (the new version of a deployed of this task), "previous" (the version of a
deployed currently in the repository, for MODIFY and DESTROY) or "repository" (any other CI, read
when the step runs). The task stores every delta's deployed and previous CI, so the engine resolves
"deployed"/"previous" references from the task itself. Secret values stay encrypted (`{b64}...`)
in stored parameters; the engine decrypts them when the step runs. String parameters may still hold
`${...}` expressions (for example generic types' `${deployed.container.home}/webapps`) that planning
could not resolve, and scripts/templates are rendered by the engine with the step's context.

A checkpoint marks the step after which the engine commits a delta to the repository:
`{"delta": <index in the task's deltas>, "deployed": <id>, "operation": "CREATE"|"MODIFY"|"DESTROY"}`;
a MODIFY split in two has "operation": "DESTROY" after the removal step and "CREATE" after the
creation step, with "deltaOperation": "MODIFY". A delta whose rules set no checkpoint gets one on its
last step. After the last step of a successful task the engine stores the whole specification.

Step types (every step also has `description` (text) and `order` (0-100)):

| type | parameters | what the engine does |
|---|---|---|
| noop | - | nothing; marks a delta that needs no action |
| wait | seconds (int, required) | sleeps |
| manual | message-template (text, required), freemarker-context (map), mail-server (ci), to (list), from, subject | renders the message into the step log (and mails it when mail-server and to are set), then PAUSES until the task is started again |
| jython | script (path, required), jython-context (map) | runs a Python script on the server with the context's entries as globals |
| os-script | script (path, required; looked up as x, x.sh or x.bat/x.cmd), target-host (ci), freemarker-context (map), classpath-resources (list), template-classpath-resources (list), upload-artifacts (bool, default true) | renders the script template with the context, uploads it (and the resources, and the deployed's artifact when there is one) to the host and runs it; a non-zero exit fails the step |
| template | template-path (required), target-path (required, a directory), target-file-name, target-host (ci), freemarker-context (map), create-target-directory (bool, default false) | renders the template and writes it to target-path/target-file-name (default: the template's name without a .ftl/.j2 suffix) |
| upload | artifact (ci, a deployed artifact), target-path (required, a directory), target-file-name, target-host (ci), create-target-path (bool, default true), extract (bool, default false), replace-placeholders (bool, default true) | copies the deployable's file or folder to the host, placeholders replaced with the deployed's `placeholders` map (files matching the deployable's textFileNamesRegex, not excludeFileNamesRegex, in fileEncodings' charsets); an archive is extracted into target-path when extract is true |
| delete | target-path (required), target-host (ci), artifact (ci), target-file-name, delete-recursively (bool, default true), delete-target-path (bool, default false) | removes what the artifact put in target-path (the file target-file-name or the artifact's name; a folder's or archive's entries), then target-path itself when delete-target-path |
| command | command-line (required), target-host (ci), dependencies (list of ci: deployables) | uploads the dependencies, replaces `${name}` in the command line by the uploaded path of the dependency called name, runs the command line (split on spaces) |
| sql | artifact (ci, the sql.ExecutedSqlScripts), previous-artifact (ci, MODIFY), mode (install, update or rollback), sql-client (ci), target-host (ci), executor-script (path) | runs the artifact's SQL scripts one by one through the executor script on the host: install runs the scripts (recognition regex, rollback scripts excluded) in name order; update runs new and (executeModifiedScripts) changed ones, a changed one's rollback first when executeRollbackForModifiedScripts, and rollback scripts of removed ones; rollback runs the rollback scripts in reverse name order. Regexes and flags are the deployed's properties |
| executed-folder | artifact (ci, a generic.ExecutedFolder), previous-artifact (ci, MODIFY), mode (install, update or rollback), target-host (ci), executor-script (path) | as sql, with the deployed's executorScript run once per script of the folder |
| stage | artifact (ci, a deployed artifact), target-host (ci), extract (bool, default false), replace-placeholders (bool, default true) | copies the artifact, prepared as its upload will want it, to `<stagingDirectoryPath>/<task id>/...` on the host; the upload then copies it from there |
| unstage | target-host (ci) | removes the task's staging folder on the host |

Staging (engine §2.7) is added by the planner, not by rules: for every upload to a host whose
`stagingDirectoryPath` is set, a `stage` step (order 0) with the upload's artifact, extract and
replace-placeholders goes into a "Stage artifacts" block before the plan (pre-plan steps included),
and one `unstage` per such host (order 100) into a "Clean up staged artifacts" block after it, so
it runs only when everything before it succeeded. Rules may use the two types as well.

Every step that works on a host needs target-host; in the deployed scope it is calculated, other
scopes must give it. In planning scripts parameters are keyword arguments with underscores
(`steps.os_script(target_host=..., freemarker_context={...})`, `from_=` for `from`).

Calculated parameters (engine §6.5), filled in when a rule leaves them out:
- order: 50 outside the deployed scope; in it CREATE, MODIFY and NOOP give 70 for an artifact and
  60 otherwise, DESTROY 30 for an artifact and 40 otherwise;
- description: in the deployed scope "<Create|Modify|Destroy|Noop> <deployed> on <container>";
- target-host: the deployed's container if it is an overthere.Host, else its `host` (following
  `parentContainer` up), else a `host` property;
- artifact: the deployed itself when it is an artifact;
- freemarker-context and jython-context: `deployed` (and `previousDeployed` when there is one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ORDERS = {
    "PRE_FLIGHT": 0, "STOP_ARTIFACTS": 10, "STOP_CONTAINERS": 20, "UNDEPLOY_ARTIFACTS": 30,
    "DESTROY_RESOURCES": 40, "CREATE_RESOURCES": 60, "DEPLOY_ARTIFACTS": 70, "START_CONTAINERS": 80,
    "START_ARTIFACTS": 90, "POST_FLIGHT": 100,
}
_ORDER_NAMES = {v: k for k, v in ORDERS.items()}
DEFAULT_ORDER = 50

STRING, INTEGER, BOOLEAN, LIST, MAP, CI, CI_LIST = "string", "integer", "boolean", "list", "map", "ci", "ci_list"


def order_name(order: int) -> str | None:
    return _ORDER_NAMES.get(order)


@dataclass(frozen=True)
class Param:
    kind: str = STRING
    required: bool = False
    default: object = None


@dataclass(frozen=True)
class StepType:
    name: str
    params: dict
    calculated: tuple = ()


COMMON = {"description": Param(STRING), "order": Param(INTEGER)}


def _type(name, calculated=(), **params) -> StepType:
    merged = dict(COMMON)
    merged.update({k.replace("_", "-"): v for k, v in params.items()})
    return StepType(name, merged, tuple(calculated))


STEP_TYPES = {t.name: t for t in (
    _type("noop"),
    _type("wait", seconds=Param(INTEGER, True)),
    _type("manual", message_template=Param(STRING, True), freemarker_context=Param(MAP), mail_server=Param(CI),
          to=Param(LIST), subject=Param(STRING), **{"from": Param(STRING)}, calculated=("freemarker-context",)),
    _type("jython", script=Param(STRING, True), jython_context=Param(MAP), calculated=("jython-context",)),
    _type("os-script", script=Param(STRING, True), target_host=Param(CI, True), freemarker_context=Param(MAP),
          classpath_resources=Param(LIST), template_classpath_resources=Param(LIST),
          upload_artifacts=Param(BOOLEAN, default=True), calculated=("target-host", "freemarker-context")),
    _type("template", template_path=Param(STRING, True), target_path=Param(STRING, True),
          target_file_name=Param(STRING), target_host=Param(CI, True), freemarker_context=Param(MAP),
          create_target_directory=Param(BOOLEAN, default=False), calculated=("target-host", "freemarker-context")),
    _type("upload", artifact=Param(CI, True), target_path=Param(STRING, True), target_file_name=Param(STRING),
          target_host=Param(CI, True), create_target_path=Param(BOOLEAN, default=True), extract=Param(BOOLEAN, default=False),
          replace_placeholders=Param(BOOLEAN, default=True), calculated=("target-host", "artifact")),
    _type("delete", target_path=Param(STRING, True), target_host=Param(CI, True), artifact=Param(CI),
          target_file_name=Param(STRING), delete_recursively=Param(BOOLEAN, default=True),
          delete_target_path=Param(BOOLEAN, default=False), calculated=("target-host", "artifact")),
    _type("command", command_line=Param(STRING, True), target_host=Param(CI, True), dependencies=Param(CI_LIST),
          calculated=("target-host",)),
    _type("sql", artifact=Param(CI, True), previous_artifact=Param(CI), mode=Param(STRING, True), sql_client=Param(CI),
          target_host=Param(CI, True), executor_script=Param(STRING), calculated=("target-host", "artifact")),
    _type("executed-folder", artifact=Param(CI, True), previous_artifact=Param(CI), mode=Param(STRING, True),
          target_host=Param(CI, True), executor_script=Param(STRING), calculated=("target-host", "artifact")),
    _type("stage", artifact=Param(CI, True), target_host=Param(CI, True), extract=Param(BOOLEAN, default=False),
          replace_placeholders=Param(BOOLEAN, default=True), calculated=("target-host", "artifact")),
    _type("unstage", target_host=Param(CI, True), calculated=("target-host",)),
)}


class StepError(ValueError):
    """A step that cannot be built: unknown type or parameter, missing or wrong value."""


@dataclass(eq=False)
class Step:
    """A step being planned. `parameters` hold Python values until the step is turned into JSON."""
    type: str
    description: str | None = None
    order: int | None = None
    parameters: dict = field(default_factory=dict)
    checkpoint: dict | None = None
    metadata: dict = field(default_factory=dict)
    delta: object = None  # the Delta it was planned for (deployed scope), not serialised

    def to_json(self, value_json) -> dict:
        return {"type": self.type, "description": self.description, "order": self.order,
                "parameters": {k: value_json(v) for k, v in self.parameters.items()},
                "checkpoint": self.checkpoint, "metadata": dict(self.metadata)}


def step_type(name: str) -> StepType:
    found = STEP_TYPES.get(name)
    if found is None:
        raise StepError(f"Unknown step type '{name}'; the step types are {', '.join(sorted(STEP_TYPES))}.")
    return found


def parse_order(value) -> int:
    """An order: 0-100, as a number or one of the named orders (DEPLOY_ARTIFACTS...)."""
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in ORDERS:
            return ORDERS[text.upper()]
        try:
            value = int(text)
        except ValueError:
            raise StepError(f"Step order '{value}' is neither a number nor one of {', '.join(ORDERS)}.") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise StepError(f"Step order {value!r} must be a number from 0 to 100.")
    if not 0 <= value <= 100:
        raise StepError(f"Step order {value} must be from 0 to 100.")
    return value


def coerce(kind: str, value, where: str):
    """A literal parameter value (from XML text or a script) in the parameter's kind."""
    if value is None:
        return None
    if kind == INTEGER:
        if isinstance(value, bool):
            raise StepError(f"{where} must be a number, not {value!r}.")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise StepError(f"{where} must be a number, not {value!r}.") from None
    if kind == BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise StepError(f"{where} must be true or false, not {value!r}.")
    if kind in (LIST, CI_LIST):
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, (list, tuple, set, frozenset)):
            return list(value)
        return [value]
    if kind == MAP:
        if not isinstance(value, dict):
            raise StepError(f"{where} must be a map.")
        return dict(value)
    return value


def new_step(type_name: str, params: dict, where: str) -> Step:
    """A step from parameter values keyed by XML names (dashes) or Python names (underscores)."""
    kind = step_type(type_name)
    step = Step(type=type_name)
    for key, value in params.items():
        name = key.rstrip("_").replace("_", "-")  # from_= for `from`, a Python keyword
        if name not in kind.params:
            raise StepError(f"{where}: step {type_name} has no parameter '{name}'; its parameters are "
                            f"{', '.join(sorted(kind.params))}.")
        if value is None:
            continue
        if name == "order":
            step.order = parse_order(value)
        elif name == "description":
            step.description = str(value)
        else:
            step.parameters[name] = coerce(kind.params[name].kind, value, f"{where}: parameter '{name}' of {type_name}")
    return step


def finish(step: Step, where: str) -> Step:
    """Apply defaults and check required parameters once calculated ones are in."""
    kind = step_type(step.type)
    if step.order is None:
        step.order = DEFAULT_ORDER
    if not step.description:
        raise StepError(f"{where}: step {step.type} needs a description.")
    for name, param in kind.params.items():
        if name in COMMON:
            continue
        if name not in step.parameters and param.default is not None:
            step.parameters[name] = param.default
        if param.required and step.parameters.get(name) in (None, ""):
            raise StepError(f"{where}: step {step.type} '{step.description}' needs parameter '{name}'.")
    return step


class StepFactory:
    """`steps` in planning scripts: steps.os_script(description=..., order=..., script=...)."""

    def __init__(self, where: str = "planning script"):
        self._where = where

    def __getattr__(self, name: str):
        type_name = name.replace("_", "-")
        if type_name not in STEP_TYPES:
            raise AttributeError(f"Unknown step type '{type_name}'; the step types are {', '.join(sorted(STEP_TYPES))}.")
        return lambda **params: new_step(type_name, params, self._where)

    def __dir__(self):
        return sorted(n.replace("-", "_") for n in STEP_TYPES)
