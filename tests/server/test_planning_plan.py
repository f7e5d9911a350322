"""The plan tree: simplification, splitting large step lists, block ids, optimizePlan, JSON."""

from server.planning.plan import (StepBlock, block_json, count_steps, find_block, parallel, serial, simplify, split,
                                  task_tree)
from server.planning.steps import Step
from tests.server.planning_helpers import World, rules


def steps(*orders):
    return [Step(type="noop", description=f"step {n}", order=o) for n, o in enumerate(orders, start=1)]


def test_simplification_removes_empty_blocks_and_single_child_composites():
    tree = serial("all", [StepBlock("pre", steps=[]),
                          parallel("by container", [StepBlock("only", steps=steps(50))]),
                          serial("empty", [StepBlock("nothing", steps=[])])])
    assert simplify(tree).shape() == ("steps", "only", ["step 1"])
    assert simplify(serial("x", [StepBlock("a", steps=[])])) is None
    two = serial("two", [StepBlock("a", steps=steps(1)), StepBlock("b", steps=steps(2))])
    assert simplify(two).shape() == two.shape()


def test_more_than_30_steps_are_split_by_order():
    block = StepBlock("big", steps=steps(*([70] * 20 + [30] * 11)))
    assert split(StepBlock("small", steps=steps(*([70] * 30)))).shape()[0] == "steps"
    shape = split(block).shape()
    assert shape[0] == "serial" and shape[1] == "big"
    assert [(b[1], len(b[2])) for b in shape[2]] == [("Steps with order 70 (DEPLOY_ARTIFACTS)", 20),
                                                   ("Steps with order 30 (UNDEPLOY_ARTIFACTS)", 11)]


def test_more_than_100_steps_are_split_into_chunks():
    one_order = split(StepBlock("many", steps=steps(*([50] * 250)))).shape()
    assert one_order[0] == "serial"
    assert [(b[1], len(b[2])) for b in one_order[2]] == [("Steps 1 to 100", 100), ("Steps 101 to 200", 100),
                                                       ("Steps 201 to 250", 50)]
    mixed = split(StepBlock("mixed", steps=steps(*([50] * 150 + [60] * 10)))).shape()
    assert [(b[0], b[1]) for b in mixed[2]] == [("serial", "Steps with order 50"),
                                                 ("steps", "Steps with order 60 (CREATE_RESOURCES)")]
    assert [len(b[2]) for b in mixed[2][0][2]] == [100, 50]


def test_task_tree_ids_and_json():
    plan = serial("Deploy A 1.0 on E", [StepBlock("first", steps=steps(1)), parallel("both", [
        StepBlock("x", steps=steps(2, 3)), StepBlock("y", steps=steps(4))])])
    root = task_tree(plan, "Deploy A 1.0 on E", "Deploy")
    data = block_json(root, lambda s: {"description": s.description})
    assert data["id"] == "0" and data["root"] is True
    assert data["blocks"][0]["id"] == "0_1" and data["blocks"][0]["phase"] is True
    assert find_block(data, "0_1_1")["description"] == "Deploy A 1.0 on E"
    assert find_block(data, "0_1_1_2_1")["steps"] == [{"description": "step 1"}, {"description": "step 2"}]
    assert find_block(data, "0_1_1_2")["type"] == "parallel"
    assert find_block(data, "0_9") is None
    assert count_steps(data) == 4


def test_optimize_plan_off_keeps_intermediate_blocks_but_still_splits():
    w = World()
    for n in range(40):
        w.deployable(f"d{n:02}", port="1")
    w.container("host")
    many = rules('<rule name="t.two" scope="deployed"><conditions><type>test.Deployed</type>'
                 '<operation>CREATE</operation></conditions><steps>'
                 '<noop><description>a</description><order>10</order></noop>'
                 '<noop><description>b</description><order>20</order></noop></steps></rule>', builtin=False)
    deployment = w.initial()
    optimized = w.plan(deployment, many).tree.shape()
    plan = optimized[2][0][2][0]
    assert plan[0] == "serial" and [b[1] for b in plan[2]] == ["Steps with order 10 (STOP_ARTIFACTS)",
                                                                  "Steps with order 20 (STOP_CONTAINERS)"]
    deployment.application.properties["optimizePlan"] = False
    kept = w.plan(deployment, many).tree.shape()[2][0][2][0]
    assert [b[1] for b in kept[2]] == ["Pre-deployment steps", "Deploy App 1.0 on Env", "Post-deployment steps"]
    assert kept[2][1][0] == "serial"  # the 80-step leaf is still split by order


def test_an_empty_plan_is_one_empty_step_block():
    w = World()
    w.container("host")
    result = w.plan(w.initial())
    assert result.tree.shape() == ("serial", "Deploy App 1.0 on Env", [
        ("serial", "Deploy", [("steps", "Deploy App 1.0 on Env", [])])])
    assert result.task_description == "Initial deployment of Environments/Env/App"
    assert result.metadata["taskType"] == "INITIAL" and result.metadata["application"] == "App"
