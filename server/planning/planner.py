"""Planning: deltas -> orchestrated tree -> steps from rules -> simplified, split task tree (engine §0, §6).

    plan(deployment, snapshot, types, rules) -> Plan

1. Delta analysis against the previous deployed application (delta.py).
2. Orchestration with the deployed application's orchestrators (orchestrators.py).
3. Every interleaved leaf becomes a step block: for each delta the deployed-scope rules whose type
   and operation match (and whose expression holds) contribute steps; then the plan-scope rules run
   once for the leaf. Steps are sorted by order (stable). A delta whose steps carry no checkpoint gets
   one on its last step.
4. Pre-plan rules fill a block placed before the plan, post-plan rules one placed after it.
   Staging (§2.7): when an upload goes to a host with `stagingDirectoryPath`, a "Stage artifacts"
   block (one `stage` step per host and artifact) comes first and a "Clean up staged artifacts"
   block (one `unstage` per host) last, so cleanup runs only after everything else succeeded.
5. Simplification when optimizePlan is true, splitting always (plan.py); the result is wrapped in the
   task's root and phase blocks.
Rules run in load order, each in isolation; they share data only through context attributes.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from ..errors import BadRequest
from .delta import DESTROY, Delta, analyse
from .model import INITIAL, UNDEPLOYMENT, UPDATE, Deployment, Snapshot, name_of, parent_of
from .orchestrators import Facts, names_of, orchestrate
from .plan import StepBlock, leaves, replace_leaves, serial, simplify, split, task_tree
from .rules import Rule, RuleSet, StepTemplate, Value
from .scripting import (DEPLOYED, PREVIOUS, CiView, DeltasView, DeltaView, RepositoryView, SpecificationView, World,
                        expand, host_of, log)
from .steps import CI, CI_LIST, ORDERS, STEP_TYPES, Step, StepError, StepFactory, coerce, finish, parse_order

VERBS = {INITIAL: "Deploy", UPDATE: "Update", UNDEPLOYMENT: "Undeploy"}
TASK_TYPES = {INITIAL: "INITIAL", UPDATE: "UPGRADE", UNDEPLOYMENT: "UNDEPLOY"}
TASK_DESCRIPTIONS = {INITIAL: "Initial deployment of {}", UPDATE: "Update deployment of {}",
                     UNDEPLOYMENT: "Undeployment of {}"}
OPERATION_VERBS = {"CREATE": "Create", "MODIFY": "Modify", "DESTROY": "Destroy", "NOOP": "Noop"}
PRE_PLAN, POST_PLAN = "Pre-deployment steps", "Post-deployment steps"
STAGE, CLEAN_UP = "Stage artifacts", "Clean up staged artifacts"


@dataclass
class Plan:
    deployment: Deployment
    deltas: list
    tree: object                 # the task tree (root block `0`)
    description: str             # of the plan: "Deploy Sample 1.0 on SampleEnv"
    task_description: str        # of the task: "Initial deployment of Environments/SampleEnv/Sample"
    task_type: str
    metadata: dict = field(default_factory=dict)


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() != "false"
    return bool(value) if value is not None else True


def version_of(deployment: Deployment, snap: Snapshot) -> str | None:
    return deployment.application.properties.get("version") or snap.version


def describe(deployment: Deployment, snap: Snapshot) -> tuple[str, dict]:
    """The plan's description and the task's metadata."""
    version = version_of(deployment, snap) or ""
    environment = deployment.application.properties.get("environment") or snap.environment or ""
    app = snap.application or (parent_of(version) if version else "") or ""
    text = f"{VERBS[deployment.type]} {name_of(app)} {name_of(version)} on {name_of(environment)}"
    metadata = {"application": name_of(app), "version": name_of(version), "environment": name_of(environment),
                "environment_id": environment, "application_id": app, "version_id": version,
                "deployedApplication": deployment.application.id, "taskType": TASK_TYPES[deployment.type]}
    return text, metadata


class _Planning:
    """State of one planning run: the world, context attributes, the steps being collected."""

    def __init__(self, deployment: Deployment, deltas: list, snap: Snapshot, types, rules: RuleSet):
        self.types = types
        self.rules = rules
        self.deltas = deltas
        self.world = World(snap, types, deltas)
        self.attributes: dict = {}
        self.collected: list[Step] | None = None
        self.undeploy = deployment.type == UNDEPLOYMENT
        self.application = self.world.view(deployment.application)
        self.previous_application = self.world.view(snap.previous) if snap.previous is not None else None
        self.specification = SpecificationView([DeltaView(d, self.world) for d in deltas],
                                               None if self.undeploy else self.application,
                                               self.previous_application, deployment.type)
        self.repository = RepositoryView(self.world)
        self._hosts: dict = {}

    # -- running rules -------------------------------------------------------------------------
    def _variables(self, rule: Rule, delta: Delta | None, context) -> dict:
        variables = {"__builtins__": builtins, "context": context, "steps": StepFactory(f"rule {rule.name}"),
                     "deployedApplication": self.application, "previousDeployedApplication": self.previous_application,
                     "specification": self.specification, "logger": log, "repositoryService": self.repository,
                     "host_of": host_of, "hostOf": host_of}
        if delta is not None:
            view = DeltaView(delta, self.world)
            deployed = view.deployedOrPrevious
            variables.update(delta=view, deployed=deployed, previousDeployed=view.previous,
                             container=deployed.container)
        return variables

    def run(self, rule: Rule, delta: Delta | None, deltas: list | None = None) -> None:
        context = PlanningContext(self, rule, delta)
        variables = self._variables(rule, delta, context)
        if deltas is not None:
            variables["deltas"] = DeltasView([DeltaView(d, self.world) for d in deltas])
        where = f"rule {rule.name}" + (f" for {delta.id} ({delta.operation})" if delta is not None else "")
        try:
            if rule.condition is not None and not eval(rule.condition, variables):
                return
            if rule.steps is not None:
                for template in rule.steps:
                    step = self._from_template(template, variables, where)
                    checkpoint = None
                    if template.checkpoint is not None and delta is not None:
                        checkpoint = (delta, template.checkpoint or None)
                    self.add(step, rule, delta, checkpoint)
            else:
                exec(rule.script, variables)
        except (BadRequest, StepError) as exc:
            raise BadRequest(f"Planning failed in {where}: {getattr(exc, 'message', exc)}") from None
        except Exception as exc:  # rules are user code: report, do not crash the server
            raise BadRequest(f"Planning failed in {where}: {type(exc).__name__}: {exc}") from None

    def _evaluate(self, value: Value, variables: dict):
        if value.code is not None:
            result = eval(value.code, variables)
        elif value.items is not None:
            result = [self._evaluate(v, variables) for v in value.items]
        elif value.entries is not None:
            result = {k: self._evaluate(v, variables) for k, v in value.entries.items()}
        else:
            result = value.literal
        if isinstance(result, str):
            result = expand(result, variables)
        return result

    def _from_template(self, template: StepTemplate, variables: dict, where: str) -> Step:
        params = {}
        kind = STEP_TYPES[template.type]
        for name, value in template.params.items():
            result = self._evaluate(value, variables)
            if result is None:
                continue
            if name == "order":
                params[name] = parse_order(result)
            elif kind.params[name].kind == CI and isinstance(result, str):
                params[name] = self.world.view(result)
            elif kind.params[name].kind == CI_LIST:
                params[name] = [self.world.view(v) if isinstance(v, str) else v for v in coerce(CI_LIST, result, where)]
            else:
                params[name] = coerce(kind.params[name].kind, result, f"{where}: parameter '{name}' of {template.type}")
        step = Step(type=template.type)
        for name, result in params.items():
            if name == "order":
                step.order = result
            elif name == "description":
                step.description = str(result)
            else:
                step.parameters[name] = result
        return step

    # -- collecting steps ----------------------------------------------------------------------
    def _calculate(self, step: Step, delta: Delta) -> None:
        """Calculated parameters of the deployed scope (engine §6.5)."""
        item = delta.deployed_or_previous
        side = DEPLOYED if delta.deployed is not None else PREVIOUS
        view = self.world.view(item, side)
        artifact = self.types.is_a(item.type, "udm.Artifact")
        kind = STEP_TYPES[step.type]
        if step.order is None:
            if delta.operation == DESTROY:
                step.order = 30 if artifact else 40
            else:
                step.order = 70 if artifact else 60
        if not step.description:
            step.description = f"{OPERATION_VERBS[delta.operation]} {item.name} on {view.container.name}"
        if "target-host" in kind.calculated and step.parameters.get("target-host") is None:
            container = view.container
            key = (container.id, container.side) if isinstance(container, CiView) else None
            host = self._hosts[key] if key in self._hosts else host_of(container)
            if key is not None:
                self._hosts[key] = host  # the same for every deployed on the container
            if host is None and isinstance(view.getProperty("host"), CiView):
                host = view.getProperty("host")
            if host is not None:
                step.parameters["target-host"] = host
        if "artifact" in kind.calculated and step.parameters.get("artifact") is None and artifact:
            step.parameters["artifact"] = view
        for context_param in ("freemarker-context", "jython-context"):
            if context_param in kind.calculated:
                context = dict(step.parameters.get(context_param) or {})
                context.setdefault("deployed", view)
                if delta.deployed is not None and delta.previous is not None:
                    context.setdefault("previousDeployed", self.world.view(delta.previous, PREVIOUS))
                step.parameters[context_param] = context

    def add(self, step: Step, rule: Rule, delta: Delta | None, checkpoint=None) -> None:
        if not isinstance(step, Step):
            raise StepError(f"rule {rule.name} added {step!r}, which is not a step; make steps with steps.<type>(...).")
        if self.collected is None:
            raise StepError(f"rule {rule.name} added a step outside planning.")
        if delta is not None:
            self._calculate(step, delta)
        finish(step, f"rule {rule.name}")
        step.metadata = {"rule": rule.name}
        if delta is not None:
            step.delta = delta
            step.metadata.update(deployed=delta.id, operation=delta.operation)
        if checkpoint is not None:
            self.checkpoint(step, *checkpoint)
        self.collected.append(step)

    @staticmethod
    def checkpoint(step: Step, delta: Delta, operation: str | None = None) -> None:
        operation = operation or delta.operation
        step.checkpoint = {"delta": delta.index, "deployed": delta.id, "operation": operation}
        if operation != delta.operation:
            step.checkpoint["deltaOperation"] = delta.operation
        if step.delta is None:
            step.delta = delta

    # -- the blocks ----------------------------------------------------------------------------
    def leaf_steps(self, deltas: list) -> list[Step]:
        self.collected = []
        for delta in deltas:
            for rule in self.rules.for_delta(self.types, delta.deployed_or_previous.type, delta.operation):
                self.run(rule, delta)
        for rule in self.rules.scoped("plan"):
            self.run(rule, None, deltas)
        steps = sorted(self.collected, key=lambda s: s.order)
        self.collected = None
        last: dict[int, Step] = {}
        marked: set[int] = set()
        for step in steps:
            if step.delta is not None:
                last[step.delta.index] = step
                if step.checkpoint is not None:
                    marked.add(step.delta.index)
        for index, step in last.items():
            if index not in marked and step.checkpoint is None:
                self.checkpoint(step, step.delta)
        return steps

    # -- staging (engine §2.7) ------------------------------------------------------------------
    def _view(self, host):
        return self.world.view(host) if isinstance(host, str) else host

    def staging(self, blocks: list) -> tuple[list[Step], list[Step]]:
        """The `stage` steps for every upload to a host with a staging directory (one per host and
        artifact, the first upload's options), and one `unstage` per such host."""
        staged, hosts = [], {}
        seen: set[tuple[str, str]] = set()
        for step in (s for block in blocks for leaf in leaves(block) for s in getattr(leaf, "steps", ())):
            if step.type != "upload":
                continue
            host = self._view(step.parameters.get("target-host"))
            artifact = self._view(step.parameters.get("artifact"))
            if not isinstance(host, CiView) or not isinstance(artifact, CiView):
                continue
            if host.getProperty("stagingDirectoryPath") in (None, ""):
                continue
            if (host.id, artifact.id) in seen:
                continue
            seen.add((host.id, artifact.id))
            hosts.setdefault(host.id, host)
            stage = Step(type="stage", description=f"Stage {artifact.name} on {host.name}", order=ORDERS["PRE_FLIGHT"],
                         parameters={"artifact": artifact, "target-host": host,
                                     "extract": step.parameters.get("extract", False),
                                     "replace-placeholders": step.parameters.get("replace-placeholders", True)},
                         metadata={"staging": True, "deployed": artifact.id})
            staged.append(finish(stage, "staging"))
        cleanup = [finish(Step(type="unstage", description=f"Clean up staged artifacts on {host.name}",
                               order=ORDERS["POST_FLIGHT"], parameters={"target-host": host},
                               metadata={"staging": True}), "staging")
                   for host in hosts.values()]
        return staged, cleanup

    def once(self, scope: str) -> list[Step]:
        self.collected = []
        for rule in self.rules.scoped(scope):
            self.run(rule, None)
        steps = sorted(self.collected, key=lambda s: s.order)
        self.collected = None
        return steps


class PlanningContext:
    """`context` in planning scripts (DeploymentPlanningContext)."""

    def __init__(self, planning: _Planning, rule: Rule, delta: Delta | None):
        self._planning = planning
        self._rule = rule
        self._delta = delta

    @staticmethod
    def _unwrap(delta):
        return delta.delta if isinstance(delta, DeltaView) else delta

    def addStep(self, step):  # noqa: N802
        self._planning.add(step, self._rule, self._delta)

    def addStepWithCheckpoint(self, step, delta, operation=None):  # noqa: N802
        self._planning.add(step, self._rule, self._delta, (self._unwrap(delta), operation))

    def addCheckpoint(self, step, delta, operation=None):  # noqa: N802
        self._planning.checkpoint(step, self._unwrap(delta), operation)

    def getAttribute(self, name):  # noqa: N802
        return self._planning.attributes.get(name)

    def setAttribute(self, name, value):  # noqa: N802
        self._planning.attributes[name] = value

    def getDeployedApplication(self):  # noqa: N802
        return self._planning.application

    def getRepository(self):  # noqa: N802
        return self._planning.repository


def facts_for(deployment: Deployment, snap: Snapshot) -> Facts:
    from .model import Ci

    def container(ci_id):
        return snap.get(ci_id) or Ci(id=ci_id, type="udm.Container")

    def member(delta):
        package = snap.member_of.get(delta.deployed_or_previous.deployable) or parent_of(
            delta.deployed_or_previous.deployable) or ""
        return package, f"{name_of(parent_of(package) or '')} {name_of(package)}".strip()

    def application(delta):
        version = version_of(deployment, snap) or ""
        app = snap.application or parent_of(version) or ""
        return app, f"{name_of(app)} {name_of(version)}".strip()

    levels = snap.dependency_levels or ([[snap.application]] if snap.application else [])
    return Facts(VERBS[deployment.type], deployment.type == UNDEPLOYMENT, container, member, list(snap.members),
                 application, levels)


def plan(deployment: Deployment, snap: Snapshot, types, rules: RuleSet) -> Plan:
    deltas = analyse(deployment, snap, types)
    description, metadata = describe(deployment, snap)
    names = names_of(deployment.application.properties.get("orchestrator"))
    try:
        orchestrated = orchestrate(names, deltas, description, facts_for(deployment, snap))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    planning = _Planning(deployment, deltas, snap, types, rules)
    pre = StepBlock(description=PRE_PLAN, steps=planning.once("pre-plan"))
    main = replace_leaves(orchestrated, lambda leaf: StepBlock(description=leaf.description,
                                                               steps=planning.leaf_steps(leaf.deltas)))
    post = StepBlock(description=POST_PLAN, steps=planning.once("post-plan"))
    blocks = [pre, main, post]
    staged, cleanup = planning.staging(blocks)
    if staged:
        blocks = [StepBlock(description=STAGE, steps=staged), *blocks, StepBlock(description=CLEAN_UP, steps=cleanup)]
    tree = serial(description, blocks)
    if _truthy(deployment.application.properties.get("optimizePlan", True)):
        tree = simplify(tree)
    if tree is not None:
        tree = split(tree)
    root = task_tree(tree, description, VERBS[deployment.type])
    return Plan(deployment=deployment, deltas=deltas, tree=root, description=description,
                task_description=TASK_DESCRIPTIONS[deployment.type].format(deployment.application.id),
                task_type=TASK_TYPES[deployment.type], metadata=metadata)


def all_steps(tree) -> list[Step]:
    found = []
    for leaf in leaves(tree):
        found.extend(getattr(leaf, "steps", []))
    return found

