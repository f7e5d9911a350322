"""Rules: the xl-rules.xml format, scopes, conditions, script rules, checkpoints and the built-in rules."""

import pytest

from server.errors import BadRequest
from server.planning import specification as spec
from server.planning.model import Ci
from server.planning.planner import all_steps
from server.planning.rules import RuleError
from server.planning.scripting import value_json
from tests.server.planning_helpers import TEST_TYPES, World, builtin_rules, deployed, rules, types


def steps_of(result):
    return all_steps(result.tree)


def summary(result):
    return [(s.type, s.description, s.order) for s in steps_of(result)]


def simple_world(*names):
    w = World()
    for name in names or ("web",):
        w.deployable(name, port="1")
    w.container("host")
    return w


# -- the format ----------------------------------------------------------------------------------
@pytest.mark.parametrize("xml, message", [
    ('<rule scope="deployed"/>', "has no name"),
    ('<rule name="x" scope="everywhere"/>', "scope must be one of"),
    ('<rule name="x" scope="deployed"><steps><noop><description>d</description></noop></steps></rule>',
     "needs <type> and <operation>"),
    ('<rule name="x" scope="plan"><conditions><type>test.Deployed</type></conditions><steps/></rule>',
     "only deployed-scope rules"),
    ('<rule name="x" scope="plan"><steps><teleport/></steps></rule>', "Unknown step type 'teleport'"),
    ('<rule name="x" scope="plan"><steps><noop><colour>red</colour></noop></steps></rule>', "no parameter 'colour'"),
    ('<rule name="x" scope="plan"><steps><noop><order>101</order></noop></steps></rule>', "from 0 to 100"),
    ('<rule name="x" scope="plan"><steps><noop><order>SOON</order></noop></steps></rule>', "neither a number"),
    ('<rule name="x" scope="plan"><steps><checkpoint/></steps></rule>', "only allowed in the deployed scope"),
    ('<rule name="x" scope="plan"><conditions><expression>1 +</expression></conditions><steps/></rule>',
     "not valid Python"),
    ('<rule name="x" scope="plan"/>', "either <steps> or a planning script"),
    ('<rule name="x" scope="plan"><planning-script-path>nowhere.py</planning-script-path></rule>', "not found"),
    ('<rule name="file.DeployedArtifactOnHost.executeCreate_CREATE" scope="plan"><steps/></rule>', "defined twice"),
    ('<disable-rule/>', "has no name"),
])
def test_bad_rules_files_are_refused_with_the_reason(xml, message):
    with pytest.raises(RuleError, match=message):
        rules(xml)


def test_hostile_or_broken_xml_is_refused():
    from server.planning.rules import parse_rules
    bomb = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            '<rules>&b;</rules>')
    with pytest.raises(RuleError, match="not a valid rules file"):
        parse_rules(bomb, "bomb.xml")
    with pytest.raises(RuleError, match="root element must be <rules>"):
        parse_rules("<synthetic/>", "x.xml")


def test_rules_naming_unknown_types_are_refused():
    bad = rules('<rule name="x" scope="deployed"><conditions><type>no.Such</type><operation>CREATE</operation>'
                '</conditions><steps><noop><description>d</description></noop></steps></rule>')
    with pytest.raises(RuleError, match="unknown type no.Such"):
        bad.check_types(World().types)


# -- conditions and scopes -----------------------------------------------------------------------
TYPED = """
<rule name="test.onBase" scope="deployed">
  <conditions><type>test.Deployed</type><operation>CREATE</operation><operation>MODIFY</operation></conditions>
  <steps><noop><description expression="true">"base " + deployed.name</description></noop></steps>
</rule>
<rule name="test.onlyBig" scope="deployed">
  <conditions><type>test.Deployed</type><operation>CREATE</operation>
    <expression>deployed.port &gt; 100</expression></conditions>
  <steps><noop><description expression="true">"big " + deployed.name</description></noop></steps>
</rule>
<rule name="test.onDestroy" scope="deployed">
  <conditions><type>test.Deployed</type><operation>DESTROY</operation></conditions>
  <steps><noop><description>gone</description></noop></steps>
</rule>
"""


def test_type_conditions_match_subtypes_and_expressions_filter():
    w = World()
    w.deployable("small", port="1")
    w.deployable("large", port="1000")
    w.container("plain")
    w.container("special", "test.SpecialServer")
    result = w.plan(w.initial(), rules(TYPED))
    descriptions = sorted(s.description for s in steps_of(result))
    assert descriptions == ["base large", "base large", "base small", "base small", "big large", "big large"]
    assert {s.metadata["rule"] for s in steps_of(result)} == {"test.onBase", "test.onlyBig"}


SCOPES = """
<rule name="test.pre" scope="pre-plan">
  <steps><noop><description expression="true">"pre: %d deltas" % len(specification.deltas)</description></noop></steps>
</rule>
<rule name="test.post" scope="post-plan">
  <conditions><expression>specification.deployedApplication is not None</expression></conditions>
  <steps><wait><description>settle</description><seconds>3</seconds><order>POST_FLIGHT</order></wait></steps>
</rule>
<rule name="test.perLeaf" scope="plan">
  <planning-script>
names = sorted(d.deployed.name for d in deltas.deltas)
context.addStep(steps.noop(description="leaf of " + ",".join(names), order=5))
context.setAttribute("seen", (context.getAttribute("seen") or 0) + len(deltas))
  </planning-script>
</rule>
<rule name="test.readsAttribute" scope="plan">
  <planning-script>
context.addStep(steps.noop(description="seen %s" % context.getAttribute("seen"), order=6))
  </planning-script>
</rule>
"""


def test_pre_plan_and_post_plan_blocks_surround_the_plan_and_plan_rules_run_per_leaf():
    w = simple_world("a", "b")
    w.container("other")
    deployment = w.initial()
    deployment.application.properties["orchestrator"] = ["sequential-by-container"]
    result = w.plan(deployment, rules(SCOPES, builtin=False))
    shape = result.tree.shape()
    assert shape == ("serial", "Deploy App 1.0 on Env", [("serial", "Deploy", [
        ("serial", "Deploy App 1.0 on Env", [
            ("steps", "Pre-deployment steps", ["pre: 4 deltas"]),
            ("serial", "Deploy App 1.0 on Env", [
                ("steps", "Deploy on host", ["leaf of a,b", "seen 2"]),
                ("steps", "Deploy on other", ["leaf of a,b", "seen 4"])]),
            ("steps", "Post-deployment steps", ["settle"])])])])
    wait = [s for s in steps_of(result) if s.type == "wait"][0]
    assert (wait.order, wait.parameters) == (100, {"seconds": 3})
    assert result.tree.blocks[0].blocks[0].id == "0_1_1"
    assert [b.id for b in result.tree.blocks[0].blocks[0].blocks] == ["0_1_1_1", "0_1_1_2", "0_1_1_3"]


def test_disabled_rules_contribute_nothing():
    w = simple_world()
    w.deployable("cmd", "cmd.Command", commandLine="echo hi")
    w.container("ssh", "overthere.SshHost", address="h", username="u")
    enabled = summary(w.plan(w.initial()))
    assert ("command", "Execute cmd on ssh", 50) in enabled
    disabled = rules('<disable-rule name="cmd.DeployedCommand.executeCreate_CREATE"/>')
    assert summary(w.plan(w.initial(), disabled)) == []


# -- script rules and calculated parameters ------------------------------------------------------
SCRIPTED = """
<rule name="test.script" scope="deployed">
  <conditions><type>test.Script</type><operation>CREATE</operation></conditions>
  <planning-script-path>test/create.py</planning-script-path>
</rule>
"""
SCRIPT = """
step = steps.os_script(script="test/install", freemarker_context={"extra": deployed.createScript})
context.addStep(step)
context.addStep(steps.noop(description="custom", order="PRE_FLIGHT"))
"""


def test_script_rules_get_calculated_parameters():
    w = World()
    w.deployable("web", "test.ScriptSpec")
    w.container("ssh/box", "test.Tomcat", host="Infrastructure/ssh")
    w.snap.add(Ci("Infrastructure/ssh", "overthere.SshHost", {"address": "h", "username": "u"}))
    result = w.plan(w.initial(), rules(SCRIPTED, builtin=False, scripts={"test/create.py": SCRIPT}))
    noop, script = steps_of(result)
    assert (noop.description, noop.order) == ("custom", 0)
    assert script.description == "Create web on box" and script.order == 60
    params = {k: value_json(v) for k, v in script.parameters.items()}
    assert params["target-host"] == {"ref": "Infrastructure/ssh", "type": "overthere.SshHost", "from": "repository"}
    assert params["freemarker-context"] == {
        "extra": "test/create", "deployed": {"ref": "Infrastructure/ssh/box/web", "type": "test.Script", "from": "deployed"}}
    assert params["upload-artifacts"] is True


def test_failing_rules_fail_planning_with_the_rule_and_deployed_named():
    w = simple_world()
    broken = rules('<rule name="test.broken" scope="deployed"><conditions><type>test.Deployed</type>'
                   '<operation>CREATE</operation><expression>deployed.nope == 1</expression></conditions>'
                   '<steps><noop><description>x</description></noop></steps></rule>', builtin=False)
    with pytest.raises(BadRequest, match=r"rule test.broken for Infrastructure/host/web \(CREATE\).*no property 'nope'"):
        w.plan(w.initial(), broken)
    missing = rules('<rule name="test.missing" scope="plan"><steps><wait><description>w</description></wait>'
                    '</steps></rule>', builtin=False)
    with pytest.raises(BadRequest, match="needs parameter 'seconds'"):
        w.plan(w.initial(), missing)


# -- checkpoints ---------------------------------------------------------------------------------
def test_deltas_without_a_checkpoint_get_one_on_their_last_step():
    w = simple_world()
    two = rules('<rule name="test.two" scope="deployed"><conditions><type>test.Deployed</type>'
                '<operation>CREATE</operation></conditions><steps>'
                '<noop><description>late</description><order>80</order></noop>'
                '<noop><description>early</description><order>20</order></noop></steps></rule>', builtin=False)
    early, late = steps_of(w.plan(w.initial(), two))
    assert early.checkpoint is None
    assert late.checkpoint == {"delta": 0, "deployed": "Infrastructure/host/web", "operation": "CREATE"}


# -- the built-in rules --------------------------------------------------------------------------
def file_world():
    w = World()
    w.container("ssh", "overthere.SshHost", address="h", username="u")
    w.snap.add(Ci("Applications/App/0.9/app.conf", "file.File", {"checksum": "old"}))
    w.version("2.0")
    w.deployable("app.conf", "file.File", targetPath="/etc/app", targetFileName="app.cfg", checksum="new",
                 placeholders=["X"])
    w.deployable("site", "file.Archive", targetPath="/var/www", targetPathShared="true")
    w.dictionary("d", {"X": "1"})
    old = deployed("Infrastructure/ssh/app.conf", "file.DeployedFile", "Applications/App/0.9/app.conf",
                   targetPath="/etc/old", targetFileName="app.cfg", placeholders={"X": "1"})
    w.deployed_previously([old])
    return w


def test_file_rules():
    w = file_world()
    result = w.plan(w.update())
    delete, upload_conf, upload_site = sorted(steps_of(result), key=lambda s: (s.order, s.description))
    assert (delete.type, delete.description, delete.order) == ("delete", "Delete app.conf from /etc/old on ssh", 30)
    params = {k: value_json(v) for k, v in delete.parameters.items()}
    assert params == {"artifact": {"ref": "Infrastructure/ssh/app.conf", "type": "file.DeployedFile", "from": "previous"},
                      "target-path": "/etc/old", "target-file-name": "app.cfg", "delete-target-path": True,
                      "target-host": {"ref": "Infrastructure/ssh", "type": "overthere.SshHost", "from": "repository"},
                      "delete-recursively": True}
    assert delete.checkpoint == {"delta": 0, "deployed": "Infrastructure/ssh/app.conf", "operation": "DESTROY",
                                 "deltaOperation": "MODIFY"}
    assert upload_conf.checkpoint["operation"] == "CREATE"
    params = {k: value_json(v) for k, v in upload_conf.parameters.items()}
    assert params["artifact"]["from"] == "deployed" and params["target-path"] == "/etc/app"
    assert params["extract"] is False and params["create-target-path"] is True
    assert upload_site.description == "Copy site to /var/www on ssh" and upload_site.parameters["extract"] is True
    undeploy = file_world()
    from server.planning import specification as spec
    result = undeploy.plan(spec.prepare_undeploy(undeploy.snap, undeploy.types))
    [delete] = steps_of(result)
    assert delete.type == "delete" and delete.checkpoint["operation"] == "DESTROY"
    assert value_json(delete.parameters["artifact"])["from"] == "previous"


def cmd_world(old_props=None, **props):
    w = World()
    w.container("ssh", "overthere.SshHost", address="h", username="u")
    w.deployable("job", "cmd.Command", **dict({"commandLine": "run ${script.sh}", "order": 55, "undoOrder": 45,
                                                "runUndoCommandOnUpgrade": True}, **props))
    if old_props is not None:
        w.deployed_previously([deployed("Infrastructure/ssh/job", "cmd.DeployedCommand", "Applications/App/0.9/job",
                                        **old_props)])
    return w


def test_cmd_rules():
    w = cmd_world()
    [run] = steps_of(w.plan(w.initial()))
    assert (run.type, run.order, run.parameters["command-line"]) == ("command", 55, "run ${script.sh}")
    assert run.checkpoint["operation"] == "CREATE"
    w = cmd_world(old_props={"commandLine": "old", "order": 50, "undoCommandLine": "undo old", "undoOrder": 45},
                  commandLine="new")
    undo, run = steps_of(w.plan(w.update()))
    assert (undo.description, undo.order, undo.parameters["command-line"]) == ("Undo job on ssh", 45, "undo old")
    assert (undo.checkpoint["operation"], run.checkpoint["operation"]) == ("DESTROY", "CREATE")
    w = cmd_world(old_props={"commandLine": "old", "order": 50}, commandLine="new")
    [run] = steps_of(w.plan(w.update()))
    assert run.parameters["command-line"] == "new" and run.checkpoint["operation"] == "MODIFY"
    from server.planning import specification as spec
    w = cmd_world(old_props={"commandLine": "old", "order": 50})
    [noop] = steps_of(w.plan(spec.prepare_undeploy(w.snap, w.types)))
    assert (noop.type, noop.order, noop.checkpoint["operation"]) == ("noop", 50, "DESTROY")


@pytest.mark.parametrize("rerun, expected", [(False, []), (True, [("command", "Execute job on ssh", 55, "NOOP")])])
def test_cmd_rerun_command_runs_an_unchanged_command_again(rerun, expected):
    """XL Deploy's rerunCommand on a deployed command: an update that leaves the command unchanged runs it again."""
    props = {"commandLine": "run ${script.sh}", "order": 55, "undoOrder": 45, "runUndoCommandOnUpgrade": True}
    w = cmd_world(old_props=dict(props, rerunCommand=rerun))
    result = w.plan(w.update())
    assert [(s.type, s.description, s.order, s.checkpoint["operation"]) for s in steps_of(result)] == expected


def tomcat_world():
    w = World()
    w.snap.add(Ci("Infrastructure/ssh", "overthere.SshHost", {"address": "h", "username": "u"}))
    w.container("ssh/tomcat", "test.Tomcat", host="Infrastructure/ssh", home="/opt/tc", startScript="tomcat/start",
                stopScript="tomcat/stop", startOrder=90, stopOrder=10, startWaitTime=5, stopWaitTime=0)
    return w


def test_generic_rules_scripts_copies_and_container_restarts():
    w = tomcat_world()
    w.deployable("schema", "test.ScriptSpec")
    w.deployable("shop.war", "test.WarSpec")
    result = w.plan(w.initial())
    assert summary(result) == [
        ("os-script", "Stop tomcat", 10),
        ("os-script", "Create schema on tomcat", 50),
        ("upload", "Copy shop.war on tomcat", 50),
        ("os-script", "Start tomcat", 90),
        ("wait", "Wait 5 seconds for tomcat", 90)]
    upload = steps_of(result)[2]
    assert upload.parameters["target-path"] == "/opt/tc/webapps"  # ${deployed.container.home} resolved
    assert value_json(upload.parameters["target-host"])["ref"] == "Infrastructure/ssh"


FOLDER_TYPES = TEST_TYPES.replace("</synthetic>", """
  <type type="test.Conf" extends="generic.CopiedArtifact" deployable-type="test.ConfSpec" container-type="test.Tomcat">
    <generate-deployable type="test.ConfSpec" extends="generic.Folder"/>
    <property name="targetDirectory" default="${deployed.container.home}/conf" hidden="true"/>
  </type>
</synthetic>""")


def test_generic_copied_folders_go_to_a_folder_of_their_name_unless_target_file_says_otherwise():
    w = World(types(FOLDER_TYPES))
    w.snap.add(Ci("Infrastructure/ssh", "overthere.SshHost", {"address": "h", "username": "u"}))
    w.container("ssh/tomcat", "test.Tomcat", host="Infrastructure/ssh", home="/opt/tc")
    w.snap.add(Ci("Applications/App/0.9/conf", "test.ConfSpec", {"checksum": "old"}))
    w.snap.add(Ci("Applications/App/0.9/shop.war", "test.WarSpec", {"checksum": "w"}))
    w.version("2.0")
    w.deployable("conf", "test.ConfSpec", checksum="new")
    w.deployable("named", "test.ConfSpec", targetFile="settings")
    w.deployable("shop.war", "test.WarSpec", checksum="w2")
    w.deployed_previously([deployed("Infrastructure/ssh/tomcat/conf", "test.Conf", "Applications/App/0.9/conf",
                                    targetDirectory="/opt/tc/conf"),
                           deployed("Infrastructure/ssh/tomcat/shop.war", "test.War", "Applications/App/0.9/shop.war",
                                    targetDirectory="/opt/tc/webapps")])
    by_description = {s.description: s for s in steps_of(w.plan(w.update()))}
    assert by_description["Delete conf on tomcat"].parameters["target-file-name"] == "conf"
    assert by_description["Update conf on tomcat"].parameters["target-file-name"] == "conf"
    assert by_description["Copy named on tomcat"].parameters["target-file-name"] == "settings"
    assert by_description["Update conf on tomcat"].parameters["target-path"] == "/opt/tc/conf"
    # files and archives keep their own name, as before
    assert "target-file-name" not in by_description["Update shop.war on tomcat"].parameters
    assert "target-file-name" not in by_description["Delete shop.war on tomcat"].parameters
    [delete] = [s for s in steps_of(w.plan(spec.prepare_undeploy(w.snap, w.types))) if "conf" in s.description]
    assert (delete.description, delete.parameters["target-file-name"]) == ("Delete conf on tomcat", "conf")


def test_generic_modify_without_modify_script_destroys_then_creates():
    w = tomcat_world()
    w.version("2.0")
    w.deployable("schema", "test.ScriptSpec")
    w.snap.add(Ci("Applications/App/0.9/schema", "test.ScriptSpec", {}))
    old = deployed("Infrastructure/ssh/tomcat/schema", "test.Script", "Applications/App/0.9/schema",
                   createScript="test/create-old")
    w.deployed_previously([old])
    result = w.plan(w.update())
    scripts = [s for s in steps_of(result) if s.metadata.get("deployed")]
    assert [(s.description, s.parameters["script"], s.checkpoint["operation"]) for s in scripts] == [
        ("Destroy schema on tomcat", "test/destroy", "DESTROY"), ("Create schema on tomcat", "test/create", "CREATE")]
    assert value_json(scripts[0].parameters["freemarker-context"]["deployed"])["from"] == "previous"


def test_sql_rules():
    w = World()
    w.snap.add(Ci("Infrastructure/db", "overthere.SshHost", {"address": "h", "username": "u"}))
    w.container("db/psql", "sql.PostgreSqlClient", host="Infrastructure/db", sqlScriptExecutor="sql/postgresql")
    w.deployable("schema", "sql.SqlScripts")
    [run] = steps_of(w.plan(w.initial()))
    params = {k: value_json(v) for k, v in run.parameters.items()}
    assert (run.type, run.description, run.order) == ("sql", "Run schema on psql", 50)
    assert params["mode"] == "install" and params["executor-script"] == "sql/postgresql"
    assert params["target-host"]["ref"] == "Infrastructure/db" and params["artifact"]["from"] == "deployed"


def test_builtin_rules_are_named_as_in_xl_deploy():
    names = builtin_rules().names()
    assert "file.DeployedArtifactOnHost.executeCreate_CREATE" in names
    assert "com.xebialabs.deployit.plugin.generic.container.LifeCycleContributor.restartContainers" in names
