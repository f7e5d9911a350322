"""Deployment checklists in validation: requires<Condition> on the environment, satisfies<Condition>
on the version (server/planning/checklist.py, specification.validate)."""

from __future__ import annotations

from server.planning import checklist
from tests.server.planning_helpers import TEST_TYPES, World, types

USER_CHECKS = TEST_TYPES.replace("</synthetic>", "") + """
  <type-modification type="udm.Environment">
    <property name="requiresSecurityScan" kind="boolean" required="false" category="Deployment Checklist"/>
  </type-modification>
  <type-modification type="udm.Version">
    <property name="satisfiesSecurityScan" kind="integer" required="false" category="Deployment Checklist"/>
    <property name="rolesSecurityScan" kind="set_of_string" hidden="true" default="security-officer"/>
  </type-modification>
</synthetic>"""


def _world(env: dict, version: dict, registry=None) -> World:
    w = World(registry)
    w.snap.get(w.env).properties.update(env)
    w.snap.get(w.snap.version).properties.update(version)
    w.deployable("web", port="1")
    w.container("host")
    return w


def test_an_unsatisfied_checklist_refuses_the_deployment_in_one_sentence():
    w = _world({"requiresReleaseNotes": True, "requiresChangeTicketNumber": True, "requiresPerformanceTested": False},
               {"satisfiesReleaseNotes": False, "satisfiesChangeTicketNumber": "  "})
    errors = w.initial().errors()
    assert [(m.ci, m.property, m.message) for m in errors] == [(
        "Applications/App/1.0", "version",
        "Applications/App/1.0 does not satisfy the deployment checklist of Environments/Env: set "
        "satisfiesReleaseNotes, satisfiesChangeTicketNumber on the version first.")]


def test_a_satisfied_checklist_passes_and_validating_again_does_not_repeat_messages():
    w = _world({"requiresReleaseNotes": True, "requiresChangeTicketNumber": True},
               {"satisfiesReleaseNotes": True, "satisfiesChangeTicketNumber": "CHG-42"})
    assert w.initial().errors() == []
    w.snap.get(w.snap.version).properties["satisfiesReleaseNotes"] = False
    deployment = w.initial()
    from server.planning import specification as spec
    spec.validate(spec.validate(deployment, w.snap, w.types), w.snap, w.types)
    assert len(deployment.errors()) == 1


def test_user_conditions_come_from_type_modifications_of_the_interface_udm_version():
    registry = types(USER_CHECKS)
    assert registry.get("udm.CompositePackage").property("satisfiesSecurityScan") is not None
    w = _world({"requiresSecurityScan": True}, {}, registry)
    assert "satisfiesSecurityScan" in w.initial().errors()[0].message
    w.snap.get(w.snap.version).properties["satisfiesSecurityScan"] = 0  # an integer that is set satisfies
    assert w.initial().errors() == []


def test_roles_guard_only_changes_of_their_condition():
    registry = types(USER_CHECKS)
    before = {"satisfiesSecurityScan": None, "satisfiesReleaseNotes": False}
    assert checklist.guarded_changes(registry, "udm.DeploymentPackage", before,
                                     {"satisfiesSecurityScan": 3, "satisfiesReleaseNotes": True}) == {
        "satisfiesSecurityScan": ["security-officer"]}
    assert checklist.guarded_changes(registry, "udm.DeploymentPackage", before,
                                     {"satisfiesSecurityScan": None, "satisfiesReleaseNotes": True}) == {}
