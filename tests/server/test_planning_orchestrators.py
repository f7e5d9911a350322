"""Every orchestrator against plan trees written out by hand from the reference manual's descriptions.

The world: a composite package App 1.0 made of FE 1.0 (deployable `fe`) and BE 1.0 (`be`), deployed
to three containers listed as web-b (deployment group 2), web-a (group 1) and db (no group). The
specification orders deltas deployable by deployable, container by container as listed.
"""

import pytest

from server.planning import specification as spec
from server.planning.delta import analyse
from server.planning.model import Ci
from server.planning.orchestrators import ALIASES, ORCHESTRATORS, canonical, orchestrate
from server.planning.planner import describe, facts_for
from tests.server.planning_helpers import World

D = "Deploy App 1.0 on Env"


def world():
    w = World()
    w.snap.add(Ci("Applications/App/1.0", "udm.CompositePackage",
                  {"packages": ["Applications/FE/1.0", "Applications/BE/1.0"]}))
    w.snap.members = ["Applications/FE/1.0", "Applications/BE/1.0"]
    w.deployable("fe", port="1", package="Applications/FE/1.0")
    w.deployable("be", port="2", package="Applications/BE/1.0")
    w.container("web-b", deploymentGroup=2, deploymentSubGroup=1)
    w.container("web-a", deploymentGroup=1, deploymentSubGroup=1)
    w.container("db")
    return w


def tree(names, undeploy=False):
    w = world()
    deployment = w.initial()
    if undeploy:
        w.deployed_previously(deployment.deployeds, version="1.0")
        deployment = spec.prepare_undeploy(w.snap, w.types)
    deltas = analyse(deployment, w.snap, w.types)
    description, _ = describe(deployment, w.snap)
    return orchestrate(names, deltas, description, facts_for(deployment, w.snap)).shape()


def ids(*short):
    """'fe@db' -> 'Infrastructure/db/fe'"""
    return [f"Infrastructure/{s.split('@')[1]}/{s.split('@')[0]}" for s in short]


def leaf(description, *short):
    return ("interleaved", description, ids(*short))


ALL = ("fe@web-b", "fe@web-a", "fe@db", "be@web-b", "be@web-a", "be@db")

BY_CONTAINER = [leaf("Deploy on db", "fe@db", "be@db"), leaf("Deploy on web-a", "fe@web-a", "be@web-a"),
                leaf("Deploy on web-b", "fe@web-b", "be@web-b")]
BY_PACKAGE = [leaf("Deploy FE 1.0", "fe@web-b", "fe@web-a", "fe@db"), leaf("Deploy BE 1.0", "be@web-b", "be@web-a", "be@db")]
BY_GROUP = [leaf("Deploy containers without a deployment group", "fe@db", "be@db"),
            leaf("Deploy deployment group 1", "fe@web-a", "be@web-a"),
            leaf("Deploy deployment group 2", "fe@web-b", "be@web-b")]
BY_SUB_GROUP = [leaf("Deploy containers without a deployment sub-group", "fe@db", "be@db"),
                leaf("Deploy deployment sub-group 1", "fe@web-b", "fe@web-a", "be@web-b", "be@web-a")]
BY_DEPLOYED = [leaf(f"Deploy {s.split('@')[0]} on {s.split('@')[1]}", s) for s in ALL]

EXPECTED = {
    "default": leaf(D, *ALL),
    "sequential-by-container": ("serial", D, BY_CONTAINER),
    "parallel-by-container": ("parallel", D, BY_CONTAINER),
    "sequential-by-composite-package": ("serial", D, BY_PACKAGE),
    "parallel-by-composite-package": ("parallel", D, BY_PACKAGE),
    "sequential-by-deployment-group": ("serial", D, BY_GROUP),
    "parallel-by-deployment-group": ("parallel", D, BY_GROUP),
    "sequential-by-deployment-sub-group": ("serial", D, BY_SUB_GROUP),
    "parallel-by-deployment-sub-group": ("parallel", D, BY_SUB_GROUP),
    "sequential-by-deployment-sub-sub-group": ("serial", D, [
        leaf("Deploy containers without a deployment sub-sub-group", *ALL)]),
    "parallel-by-deployment-sub-sub-group": ("parallel", D, [
        leaf("Deploy containers without a deployment sub-sub-group", *ALL)]),
    "sequential-by-deployed": ("serial", D, BY_DEPLOYED),
    "parallel-by-deployed": ("parallel", D, BY_DEPLOYED),
    "sequential-by-dependency": ("serial", D, [leaf("Deploy App 1.0", *ALL)]),
    "parallel-by-dependency": ("serial", D, [("parallel", f"{D} (level 1)", [leaf("Deploy App 1.0", *ALL)])]),
}


def test_every_orchestrator_has_an_expected_tree():
    assert set(EXPECTED) == set(ORCHESTRATORS)


@pytest.mark.parametrize("name", ORCHESTRATORS)
def test_orchestrator(name):
    assert tree([name]) == EXPECTED[name]


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_deprecated_aliases_behave_as_their_orchestrator(alias):
    assert tree([alias]) == EXPECTED[canonical(alias)]


def test_no_orchestrator_is_the_default():
    assert tree([]) == EXPECTED["default"]


def test_orchestrators_are_applied_in_turn_to_each_interleaved_leaf():
    # the manual's example: members one after the other, each deployed to all containers in parallel
    assert tree(["sequential-by-composite-package", "parallel-by-container"]) == ("serial", D, [
        ("parallel", "Deploy FE 1.0", [leaf("Deploy on db", "fe@db"), leaf("Deploy on web-a", "fe@web-a"),
                                       leaf("Deploy on web-b", "fe@web-b")]),
        ("parallel", "Deploy BE 1.0", [leaf("Deploy on db", "be@db"), leaf("Deploy on web-a", "be@web-a"),
                                       leaf("Deploy on web-b", "be@web-b")]),
    ])
    assert tree(["sequential-by-deployment-group", "parallel-by-deployed"]) == ("serial", D, [
        ("parallel", "Deploy containers without a deployment group", [leaf("Deploy fe on db", "fe@db"),
                                                                      leaf("Deploy be on db", "be@db")]),
        ("parallel", "Deploy deployment group 1", [leaf("Deploy fe on web-a", "fe@web-a"),
                                                   leaf("Deploy be on web-a", "be@web-a")]),
        ("parallel", "Deploy deployment group 2", [leaf("Deploy fe on web-b", "fe@web-b"),
                                                   leaf("Deploy be on web-b", "be@web-b")]),
    ])


def test_undeploy_reverses_the_order_of_ordered_orchestrators():
    undeploy = "Undeploy App 1.0 on Env"
    assert tree(["sequential-by-container"], undeploy=True) == ("serial", undeploy, [
        leaf("Undeploy on web-b", "fe@web-b", "be@web-b"), leaf("Undeploy on web-a", "fe@web-a", "be@web-a"),
        leaf("Undeploy on db", "fe@db", "be@db")])
    assert tree(["sequential-by-deployment-group"], undeploy=True)[2][0] == leaf(
        "Undeploy deployment group 2", "fe@web-b", "be@web-b")
    assert tree(["sequential-by-composite-package"], undeploy=True)[2][0][1] == "Undeploy BE 1.0"
    # parallel blocks impose no order: nothing to reverse
    assert tree(["parallel-by-container"], undeploy=True)[2][0][1] == "Undeploy on db"


def test_unknown_orchestrators_are_refused_by_name():
    with pytest.raises(ValueError, match="Unknown orchestrator 'by-magic'"):
        tree(["by-magic"])
