"""Staging (engine §2.7): `stage` steps before the plan and `unstage` after it, for hosts with a staging directory."""

from server.planning import specification as spec
from server.planning.model import Ci
from server.planning.plan import block_json, find_block
from server.planning.planner import all_steps
from server.planning.scripting import value_json
from server.planning.steps import STEP_TYPES, StepFactory
from tests.server.planning_helpers import World, deployed, rules


def ref(ci_id, ci_type, side="repository"):
    return {"ref": ci_id, "type": ci_type, "from": side}


def params(step):
    return {k: value_json(v) for k, v in step.parameters.items()}


def plan_block(result):
    """The plan under the task's root and phase blocks."""
    return result.tree.blocks[0].blocks[0]


def host_world(staging="/var/stage", other_staging=None, orchestrator=None):
    w = World()
    w.version("1.0", orchestrator=orchestrator)
    w.container("web", "overthere.SshHost", address="h", username="u", stagingDirectoryPath=staging)
    if other_staging is not False:
        w.container("db", "overthere.SshHost", address="d", username="u", stagingDirectoryPath=other_staging)
    w.deployable("app.conf", "file.File", targetPath="/etc/app", checksum="c1", placeholders=["X"])
    w.deployable("site", "file.Archive", targetPath="/var/www", checksum="c2")
    w.deployable("conf", "file.Folder", targetPath="/etc/conf", checksum="c3")
    w.deployable("job", "cmd.Command", commandLine="echo hi")
    w.dictionary("d", {"X": "1"})
    return w


def test_step_types_stage_and_unstage_are_declared_with_their_parameters():
    stage, unstage = STEP_TYPES["stage"], STEP_TYPES["unstage"]
    assert set(stage.params) == {"description", "order", "artifact", "target-host", "extract", "replace-placeholders"}
    assert stage.params["artifact"].required and stage.params["target-host"].required
    assert (stage.params["extract"].default, stage.params["replace-placeholders"].default) == (False, True)
    assert set(unstage.params) == {"description", "order", "target-host"}
    made = StepFactory().unstage(description="clean", target_host="Infrastructure/web", order="POST_FLIGHT")
    assert (made.type, made.order, made.parameters) == ("unstage", 100, {"target-host": "Infrastructure/web"})


def test_uploads_to_a_staging_host_get_a_stage_block_first_and_a_cleanup_block_last():
    w = host_world(other_staging=None)
    result = w.plan(w.initial())
    top = plan_block(result)
    assert top.id == "0_1_1" and top.kind == "serial"
    assert [(b.id, b.description) for b in top.blocks] == [
        ("0_1_1_1", "Stage artifacts"), ("0_1_1_2", "Deploy App 1.0 on Env"), ("0_1_1_3", "Clean up staged artifacts")]
    stage_block, main, cleanup = top.blocks
    uploads = {s.parameters["artifact"].id: s for s in main.steps if s.type == "upload"}
    assert set(uploads) == {"Infrastructure/web/app.conf", "Infrastructure/web/site", "Infrastructure/db/app.conf",
                            "Infrastructure/db/site", "Infrastructure/db/conf", "Infrastructure/web/conf"}
    # only the host with a staging directory is staged, one step per artifact, in the uploads' order
    assert [s.description for s in stage_block.steps] == [
        "Stage app.conf on web", "Stage site on web", "Stage conf on web"]
    for stage in stage_block.steps:
        upload = uploads[stage.parameters["artifact"].id]
        assert stage.type == "stage" and stage.order == 0 and stage.checkpoint is None
        assert params(stage) == {"artifact": params(upload)["artifact"], "target-host": params(upload)["target-host"],
                                 "extract": upload.parameters["extract"],
                                 "replace-placeholders": upload.parameters["replace-placeholders"]}
    site = next(s for s in stage_block.steps if s.description == "Stage site on web")
    assert params(site) == {"artifact": ref("Infrastructure/web/site", "file.DeployedArchive", "deployed"),
                            "target-host": ref("Infrastructure/web", "overthere.SshHost"),
                            "extract": True, "replace-placeholders": True}
    [unstage] = cleanup.steps
    assert (unstage.type, unstage.description, unstage.order) == ("unstage", "Clean up staged artifacts on web", 100)
    assert params(unstage) == {"target-host": ref("Infrastructure/web", "overthere.SshHost")}
    # the deployment's own steps and checkpoints are untouched
    assert all(s.type != "stage" for s in main.steps) and sum(1 for s in main.steps if s.checkpoint) == 8


def test_every_staging_host_gets_its_own_cleanup_and_json_ids_stay_hierarchical():
    w = host_world(other_staging="/srv/stage")
    result = w.plan(w.initial())
    stage_block, _main, cleanup = plan_block(result).blocks
    assert len(stage_block.steps) == 6
    assert [s.description for s in cleanup.steps] == ["Clean up staged artifacts on web",
                                                      "Clean up staged artifacts on db"]
    data = block_json(result.tree, lambda s: {"type": s.type})
    assert find_block(data, "0_1_1_1")["steps"][0] == {"type": "stage"}
    assert find_block(data, "0_1_1_3")["steps"] == [{"type": "unstage"}, {"type": "unstage"}]


def test_no_staging_directory_leaves_the_plan_as_it_was():
    w = host_world(staging=None, other_staging=None)
    result = w.plan(w.initial())
    top = plan_block(result)
    assert top.description == "Deploy App 1.0 on Env" and top.id == "0_1_1"
    assert {s.type for s in all_steps(result.tree)} == {"upload", "command"}
    empty = host_world(staging="", other_staging=False)
    assert "stage" not in {s.type for s in all_steps(empty.plan(empty.initial()).tree)}


def test_staging_with_an_orchestrator_comes_before_the_orchestrated_plan():
    w = host_world(other_staging="/srv/stage", orchestrator=["parallel-by-container"])
    result = w.plan(w.initial())
    stage_block, main, cleanup = plan_block(result).blocks
    assert stage_block.description == "Stage artifacts" and cleanup.description == "Clean up staged artifacts"
    assert main.kind == "parallel" and main.id == "0_1_1_2"
    assert [b.id for b in main.blocks] == ["0_1_1_2_1", "0_1_1_2_2"]
    assert len(stage_block.steps) == 6 and len(cleanup.steps) == 2


def test_without_plan_optimisation_empty_pre_and_post_blocks_stay_between_staging_and_cleanup():
    w = host_world(other_staging=False)
    deployment = w.initial()
    deployment.application.properties["optimizePlan"] = False
    top = plan_block(w.plan(deployment))
    assert [b.description for b in top.blocks] == ["Stage artifacts", "Pre-deployment steps", "Deploy App 1.0 on Env",
                                                   "Post-deployment steps", "Clean up staged artifacts"]
    unstaged = host_world(staging=None, other_staging=False)
    deployment = unstaged.initial()
    deployment.application.properties["optimizePlan"] = False
    assert [b.description for b in plan_block(unstaged.plan(deployment)).blocks] == [
        "Pre-deployment steps", "Deploy App 1.0 on Env", "Post-deployment steps"]


def test_updates_stage_only_what_is_copied_again_and_undeployments_stage_nothing():
    w = World()
    w.container("web", "overthere.SshHost", address="h", username="u", stagingDirectoryPath="/var/stage")
    w.snap.add(Ci("Applications/App/0.9/same.txt", "file.File", {"checksum": "aaa", "targetPath": "/t"}))
    w.snap.add(Ci("Applications/App/0.9/changed.txt", "file.File", {"checksum": "bbb", "targetPath": "/t"}))
    w.version("2.0")
    w.deployable("same.txt", "file.File", targetPath="/t", checksum="aaa")
    w.deployable("changed.txt", "file.File", targetPath="/t", checksum="ccc")
    w.deployed_previously([
        deployed("Infrastructure/web/same.txt", "file.DeployedFile", "Applications/App/0.9/same.txt", targetPath="/t"),
        deployed("Infrastructure/web/changed.txt", "file.DeployedFile", "Applications/App/0.9/changed.txt",
                 targetPath="/t")])
    result = w.plan(w.update())
    stage_block, main, cleanup = plan_block(result).blocks
    [stage] = stage_block.steps
    assert stage.description == "Stage changed.txt on web"
    assert params(stage)["artifact"] == ref("Infrastructure/web/changed.txt", "file.DeployedFile", "deployed")
    assert [s.type for s in main.steps] == ["delete", "upload"] and len(cleanup.steps) == 1
    undeploy = w.plan(spec.prepare_undeploy(w.snap, w.types))
    assert {s.type for s in all_steps(undeploy.tree)} == {"delete"}


def test_hosts_behind_containers_and_uploads_from_rules_are_staged_once_per_artifact():
    w = World()
    w.snap.add(Ci("Infrastructure/ssh", "overthere.SshHost", {"address": "h", "username": "u",
                                                             "stagingDirectoryPath": "/stage"}))
    w.container("ssh/tomcat", "test.Tomcat", host="Infrastructure/ssh")
    w.deployable("shop.war", "test.WarSpec", checksum="w1")
    twice = rules("""
      <rule name="test.copy-again" scope="deployed">
        <conditions><type>test.War</type><operation>CREATE</operation></conditions>
        <steps><upload><description>copy again</description><target-path>/backup</target-path>
          <replace-placeholders>false</replace-placeholders></upload></steps>
      </rule>""")
    result = w.plan(w.initial(), twice)
    stage_block, main, cleanup = plan_block(result).blocks
    [stage] = stage_block.steps
    assert stage.description == "Stage shop.war on ssh"
    assert params(stage)["target-host"] == ref("Infrastructure/ssh", "overthere.SshHost")
    first_upload = next(s for s in main.steps if s.type == "upload")
    assert stage.parameters["replace-placeholders"] == first_upload.parameters["replace-placeholders"]
    assert [s.description for s in cleanup.steps] == ["Clean up staged artifacts on ssh"]


def test_many_artifacts_split_the_staging_block_like_any_other():
    w = World()
    w.container("web", "overthere.SshHost", address="h", username="u", stagingDirectoryPath="/stage")
    for n in range(120):
        w.deployable(f"f{n:03}.txt", "file.File", targetPath="/t", checksum=f"c{n}")
    stage_block = plan_block(w.plan(w.initial())).blocks[0]
    assert stage_block.kind == "serial" and stage_block.description == "Stage artifacts"
    assert [(b.description, len(b.steps)) for b in stage_block.blocks] == [("Steps 1 to 100", 100),
                                                                          ("Steps 101 to 120", 20)]
    assert stage_block.blocks[1].id == "0_1_1_1_2"
