"""Rules: the xl-rules.xml format (engine §6), parsed into plain records the planner evaluates.

    <rules xmlns="http://www.xebialabs.com/xl-deploy/xl-rules">
      <rule name="acme.CreateFoo" scope="deployed|plan|pre-plan|post-plan">
        <conditions>
          <type>acme.DeployedFoo</type>          1..n, deployed scope only (is-a: subtypes match)
          <operation>CREATE</operation>          1..n, deployed scope only
          <expression>deployed.port > 0</expression>   optional, any scope (Python)
        </conditions>
        <steps>                                  an XML rule ...
          <os-script>
            <description expression="true">"Install %s" % deployed.name</description>
            <order>DEPLOY_ARTIFACTS</order>      a number or a named order
            <script>acme/install</script>
            <freemarker-context><port expression="true">deployed.port</port></freemarker-context>
            <classpath-resources><value>acme/lib.sh</value></classpath-resources>
          </os-script>
          <checkpoint/>                          on the step before it; completed="DESTROY|CREATE" splits a MODIFY
        </steps>
        <planning-script-path>acme/foo.py</planning-script-path>   ... or a script rule
      </rule>
      <disable-rule name="file.DeployedArtifactOnHost.executeCreate_CREATE"/>
    </rules>

Beyond the original: `<planning-script>` may hold the script inline (the built-in rules use it, so
everything a plugin needs fits in one file). Expressions and scripts are Python 3 (they take the
place of Jython). Rule names are unique across all files; a file may disable rules of any file.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from defusedxml import ElementTree

from .delta import OPERATIONS
from .steps import BOOLEAN, CI, CI_LIST, INTEGER, LIST, MAP, StepError, coerce, parse_order, step_type

SCOPES = ("deployed", "plan", "pre-plan", "post-plan")
NAMESPACES = ("http://www.xebialabs.com/xl-deploy/xl-rules", "http://www.xebialabs.com/deployit/xl-rules")


class RuleError(ValueError):
    """A rules file that cannot be loaded; the message names the file and the rule."""


@dataclass
class Value:
    """A parameter value in an XML rule: literal (already converted) or an expression to evaluate."""
    literal: object = None
    code: object = None
    text: str = ""
    items: list | None = None        # a list parameter: Values
    entries: dict | None = None      # a map parameter: name -> Value


@dataclass
class StepTemplate:
    type: str
    params: dict                     # parameter name -> Value
    checkpoint: str | None = None    # None: no checkpoint; "": the delta's operation; or CREATE/DESTROY/MODIFY


@dataclass
class Rule:
    name: str
    scope: str
    source: str
    types: list = field(default_factory=list)
    operations: list = field(default_factory=list)
    condition: object = None         # compiled expression
    condition_text: str = ""
    steps: list | None = None        # StepTemplates of an XML rule
    script: object = None            # compiled script of a script rule
    script_name: str = ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _compile(text: str, mode: str, where: str):
    try:
        return compile(text, where, mode)
    except SyntaxError as exc:
        raise RuleError(f"{where}: {'expression' if mode == 'eval' else 'script'} is not valid Python "
                        f"({exc.msg}, line {exc.lineno}).") from None


def _value(element, kind: str, where: str) -> Value:
    children = list(element)
    text = (element.text or "").strip()
    if element.get("expression", "").strip().lower() == "true":
        return Value(code=_compile(text, "eval", where), text=text)
    if kind in (LIST, CI_LIST) or (children and all(_local(c.tag) == "value" for c in children)):
        if children:
            return Value(items=[_value(c, "string", where) for c in children])
        return Value(literal=coerce(kind, text, where) if text else [])
    if kind == MAP or children:
        return Value(entries={_local(c.tag): _value(c, "string", f"{where}/{_local(c.tag)}") for c in children})
    if kind in (INTEGER, BOOLEAN):
        return Value(literal=coerce(kind, text, where))
    return Value(literal=text)


def _step(element, where: str) -> StepTemplate:
    name = _local(element.tag)
    try:
        kind = step_type(name)
    except StepError as exc:
        raise RuleError(f"{where}: {exc}") from None
    params = {}
    for child in element:
        param = _local(child.tag)
        spec = kind.params.get(param)
        if spec is None:
            raise RuleError(f"{where}: step {name} has no parameter '{param}'; its parameters are "
                            f"{', '.join(sorted(kind.params))}.")
        here = f"{where}/{name}/{param}"
        try:
            if param == "order" and child.get("expression", "").lower() != "true":
                params[param] = Value(literal=parse_order((child.text or "").strip()))
            else:
                params[param] = _value(child, "ci" if spec.kind in (CI,) else spec.kind, here)
        except StepError as exc:
            raise RuleError(f"{here}: {exc}") from None
    return StepTemplate(type=name, params=params)


def _rule(element, source: str, load_script) -> Rule:
    name = (element.get("name") or "").strip()
    if not name:
        raise RuleError(f"{source}: a <rule> has no name.")
    where = f"{source}: rule {name}"
    scope = (element.get("scope") or "").strip()
    if scope not in SCOPES:
        raise RuleError(f"{where}: scope must be one of {', '.join(SCOPES)}, not '{scope}'.")
    rule = Rule(name=name, scope=scope, source=source)
    for child in element:
        tag = _local(child.tag)
        if tag == "conditions":
            for cond in child:
                ctag, text = _local(cond.tag), (cond.text or "").strip()
                if ctag == "type":
                    rule.types.append(text)
                elif ctag == "operation":
                    if text not in OPERATIONS:
                        raise RuleError(f"{where}: operation must be one of {', '.join(OPERATIONS)}, not '{text}'.")
                    rule.operations.append(text)
                elif ctag == "expression":
                    rule.condition = _compile(text, "eval", f"{where} condition")
                    rule.condition_text = text
                else:
                    raise RuleError(f"{where}: unknown condition <{ctag}>.")
        elif tag == "steps":
            rule.steps = []
            for step_element in child:
                stag = _local(step_element.tag)
                if stag == "checkpoint":
                    if scope != "deployed":
                        raise RuleError(f"{where}: checkpoints are only allowed in the deployed scope.")
                    if not rule.steps:
                        raise RuleError(f"{where}: a <checkpoint/> must follow a step.")
                    completed = (step_element.get("completed") or "").strip()
                    if completed and completed not in OPERATIONS:
                        raise RuleError(f"{where}: checkpoint completed= must be one of {', '.join(OPERATIONS)}.")
                    rule.steps[-1].checkpoint = completed
                else:
                    rule.steps.append(_step(step_element, where))
        elif tag == "planning-script-path":
            path = (child.text or "").strip()
            text = load_script(path, source)
            if text is None:
                raise RuleError(f"{where}: planning script {path} not found.")
            rule.script = _compile(text, "exec", path)
            rule.script_name = path
        elif tag == "planning-script":
            rule.script = _compile(textwrap.dedent(child.text or ""), "exec", f"{where} planning-script")
            rule.script_name = f"{name} (inline)"
        else:
            raise RuleError(f"{where}: unknown element <{tag}>.")
    if scope == "deployed" and (not rule.types or not rule.operations):
        raise RuleError(f"{where}: a deployed-scope rule needs <type> and <operation> conditions.")
    if scope != "deployed" and (rule.types or rule.operations):
        raise RuleError(f"{where}: only deployed-scope rules take <type> and <operation> conditions.")
    if (rule.steps is None) == (rule.script is None):
        raise RuleError(f"{where}: a rule has either <steps> or a planning script.")
    return rule


def parse_rules(text: str | bytes, source: str, load_script=lambda path, source: None):
    """(rules, names of disabled rules) of one rules file (untrusted input: parsed with defusedxml)."""
    try:
        root = ElementTree.fromstring(text)
    except Exception as exc:  # defusedxml raises several kinds of errors
        raise RuleError(f"{source}: not a valid rules file ({exc}).") from None
    if _local(root.tag) != "rules":
        raise RuleError(f"{source}: the root element must be <rules>, not <{_local(root.tag)}>.")
    rules, disabled = [], []
    for element in root:
        tag = _local(element.tag)
        if tag == "rule":
            rules.append(_rule(element, source, load_script))
        elif tag == "disable-rule":
            name = (element.get("name") or "").strip()
            if not name:
                raise RuleError(f"{source}: a <disable-rule> has no name.")
            disabled.append(name)
        else:
            raise RuleError(f"{source}: unknown element <{tag}>.")
    return rules, disabled


class RuleSet:
    """The enabled rules, in load order, with a per-(type, operation) index for the deployed scope."""

    def __init__(self, rules: list[Rule], disabled=()):
        names: dict[str, Rule] = {}
        for rule in rules:
            if rule.name in names:
                raise RuleError(f"Rule {rule.name} is defined twice: in {names[rule.name].source} and in {rule.source}.")
            names[rule.name] = rule
        self.disabled = set(disabled)
        self.all = rules
        self.rules = [r for r in rules if r.name not in self.disabled]
        self._index: dict[tuple[str, str], list[Rule]] = {}

    @classmethod
    def load(cls, files, load_script=lambda path, source: None) -> "RuleSet":
        """Rules of several files [(source, text)]: built-in ones first, then users'."""
        rules, disabled = [], []
        for source, text in files:
            found, off = parse_rules(text, source, load_script)
            rules.extend(found)
            disabled.extend(off)
        return cls(rules, disabled)

    def check_types(self, types) -> None:
        """Every type a rule names must exist (and be a deployed type)."""
        for rule in self.all:
            for name in rule.types:
                desc = types.get(name)
                if desc is None:
                    raise RuleError(f"{rule.source}: rule {rule.name} names unknown type {name}.")
                if not types.is_a(name, "udm.Deployed") and not types.is_a(name, "udm.EmbeddedDeployed"):
                    raise RuleError(f"{rule.source}: rule {rule.name} names {name}, which is not a deployed type.")

    def scoped(self, scope: str) -> list[Rule]:
        return [r for r in self.rules if r.scope == scope]

    def for_delta(self, types, deployed_type: str, operation: str) -> list[Rule]:
        key = (deployed_type, operation)
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = [
                r for r in self.rules if r.scope == "deployed" and operation in r.operations
                and any(types.is_a(deployed_type, t) for t in r.types)]
        return found

    def names(self) -> list[str]:
        return [r.name for r in self.rules]
