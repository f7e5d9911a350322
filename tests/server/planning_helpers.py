"""Plain-data builders for the planning unit tests: types, snapshots, deployments, plans."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from server.planning import specification as spec
from server.planning.model import Ci, Deployed, Dictionary, Snapshot
from server.planning.planner import plan
from server.planning.rules import RuleSet
from server.types.registry import TypeRegistry, builtin_sources

TEST_TYPES = """<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">
  <type type="test.Server" extends="udm.BaseContainer">
    <property name="home" required="false"/>
    <property name="deploymentGroup" kind="integer" required="false"/>
    <property name="deploymentSubGroup" kind="integer" required="false"/>
  </type>
  <type type="test.SpecialServer" extends="test.Server"/>
  <type type="test.TwinServer" extends="test.Server"/>

  <type type="test.BindingSpec" extends="udm.BaseEmbeddedDeployable">
    <property name="port" required="false"/>
  </type>
  <type type="test.Spec" extends="udm.BaseDeployable">
    <property name="port" required="false"/>
    <property name="url" required="false"/>
    <property name="secret" required="false" password="true"/>
    <property name="enabled" required="false"/>
    <property name="bindings" kind="set_of_ci" referenced-type="test.BindingSpec" as-containment="true" required="false"/>
  </type>

  <type type="test.Deployed" extends="udm.BaseDeployed" deployable-type="test.Spec" container-type="test.Server">
    <property name="port" kind="integer" required="true"/>
    <property name="url" required="false"/>
    <property name="secret" password="true" required="false"/>
    <property name="enabled" kind="boolean" required="false" default="true"/>
    <property name="path" required="false" default="/opt"/>
    <property name="note" required="false"/>
    <property name="bindings" kind="set_of_ci" referenced-type="test.Binding" as-containment="true" required="false"/>
  </type>
  <type type="test.SpecialDeployed" extends="test.Deployed" deployable-type="test.Spec" container-type="test.SpecialServer"/>
  <type type="test.TwinA" extends="test.Deployed" deployable-type="test.Spec" container-type="test.TwinServer"/>
  <type type="test.TwinB" extends="test.Deployed" deployable-type="test.Spec" container-type="test.TwinServer"/>
  <type type="test.Binding" extends="udm.BaseEmbeddedDeployed" deployable-type="test.BindingSpec" container-type="test.Deployed">
    <property name="port" kind="integer" required="false"/>
  </type>

  <type type="test.Tomcat" extends="generic.Container">
    <property name="home" default="/opt/tomcat"/>
    <property name="startScript" default="tomcat/start" hidden="true"/>
    <property name="stopScript" default="tomcat/stop" hidden="true"/>
    <property name="startWaitTime" kind="integer" default="5" hidden="true"/>
  </type>
  <type type="test.Script" extends="generic.ExecutedScript" deployable-type="test.ScriptSpec" container-type="test.Tomcat">
    <generate-deployable type="test.ScriptSpec" extends="generic.Resource"/>
    <property name="createScript" default="test/create" hidden="true"/>
    <property name="destroyScript" default="test/destroy" hidden="true"/>
    <property name="restartRequired" kind="boolean" default="true" hidden="true"/>
  </type>
  <type type="test.War" extends="generic.CopiedArtifact" deployable-type="test.WarSpec" container-type="test.Tomcat">
    <generate-deployable type="test.WarSpec" extends="generic.Archive"/>
    <property name="targetDirectory" default="${deployed.container.home}/webapps" hidden="true"/>
  </type>
</synthetic>"""


@lru_cache(maxsize=None)
def types(extra: str = TEST_TYPES) -> TypeRegistry:
    registry = TypeRegistry()
    for source, text in builtin_sources():
        registry.add_xml(text, source)
    if extra:
        registry.add_xml(extra, "test-types.xml")
    return registry.build({})


@lru_cache(maxsize=None)
def builtin_rules() -> RuleSet:
    folder = resources.files("server.plugins.builtin")
    files = sorted((f"builtin/{e.name}", e.read_bytes()) for e in folder.iterdir() if e.name.endswith("-rules.xml"))
    return RuleSet.load(files)


def rules(xml: str, builtin: bool = True, scripts: dict | None = None) -> RuleSet:
    """A rule set from a rules file body (namespace added), after the built-in rules when asked."""
    folder = resources.files("server.plugins.builtin")
    files = sorted((f"builtin/{e.name}", e.read_bytes()) for e in folder.iterdir()
                   if e.name.endswith("-rules.xml")) if builtin else []
    files.append(("test-rules.xml", f'<rules xmlns="http://www.xebialabs.com/xl-deploy/xl-rules">{xml}</rules>'))
    return RuleSet.load(files, lambda path, source: (scripts or {}).get(path))


class World:
    """Builds a Snapshot: an application version with deployables, an environment with containers."""

    def __init__(self, registry: TypeRegistry | None = None, app: str = "App", version: str = "1.0",
                 env: str = "Env"):
        self.types = registry or types()
        self.snap = Snapshot()
        self.app = f"Applications/{app}"
        self.env = f"Environments/{env}"
        self.snap.add(Ci(self.app, "udm.Application", {}))
        self.snap.add(Ci(self.env, "udm.Environment", {}))
        self.snap.application = self.app
        self.snap.environment = self.env
        self.version(version)

    def version(self, name: str, orchestrator=None) -> str:
        version_id = f"{self.app}/{name}"
        self.snap.add(Ci(version_id, "udm.DeploymentPackage", {"orchestrator": orchestrator or []}))
        self.snap.version = version_id
        if version_id not in self.snap.members:
            self.snap.members = [version_id]
        self.snap.deployables = []
        return version_id

    def deployable(self, name: str, ci_type: str = "test.Spec", package: str | None = None, **props) -> str:
        package = package or self.snap.version
        ci_id = f"{package}/{name}"
        desc = self.types.get(ci_type)
        effective = {p.name: p.default for p in desc.properties.values() if p.default is not None}
        effective.update(props)
        self.snap.add(Ci(ci_id, ci_type, effective))
        self.snap.deployables.append(ci_id)
        self.snap.member_of[ci_id] = package
        return ci_id

    def embedded(self, parent: str, name: str, ci_type: str = "test.BindingSpec", **props) -> str:
        ci_id = f"{parent}/{name}"
        self.snap.add(Ci(ci_id, ci_type, props))
        self.snap.children.setdefault(parent, []).append(ci_id)
        return ci_id

    def container(self, name: str, ci_type: str = "test.Server", **props) -> str:
        ci_id = f"Infrastructure/{name}"
        self.snap.add(Ci(ci_id, ci_type, props))
        self.snap.containers.append(ci_id)
        return ci_id

    def dictionary(self, name: str, entries: dict, secret=(), containers=(), applications=()) -> Dictionary:
        d = Dictionary(id=f"Environments/{name}", entries=dict(entries), secret_keys=frozenset(secret),
                       restrict_containers=frozenset(containers), restrict_applications=frozenset(applications))
        self.snap.dictionaries.append(d)
        return d

    def deployed_previously(self, deployeds: list[Deployed], version: str = "0.9", **app_props) -> Ci:
        """Make this an update: a deployed application of an earlier version with these deployeds."""
        version_id = f"{self.app}/{version}"
        if self.snap.get(version_id) is None:
            self.snap.add(Ci(version_id, "udm.DeploymentPackage", {}))
        props = {"version": version_id, "environment": self.env, "deployeds": [d.id for d in deployeds],
                 "orchestrator": [], "optimizePlan": True}
        props.update(app_props)
        self.snap.previous = self.snap.add(Ci(f"{self.env}/{self.app.rsplit('/', 1)[1]}",
                                              "udm.DeployedApplication", props))
        self.snap.previous_deployeds = list(deployeds)
        return self.snap.previous

    # shortcuts through the pure operations
    def initial(self):
        return spec.auto_deployeds(spec.prepare_initial(self.snap, self.types), self.snap, self.types)

    def update(self):
        return spec.auto_deployeds(spec.prepare_update(self.snap, self.types), self.snap, self.types)

    def plan(self, deployment, rule_set: RuleSet | None = None):
        return plan(deployment, self.snap, self.types, rule_set or builtin_rules())


def deployed(ci_id: str, ci_type: str, deployable: str, **props) -> Deployed:
    return Deployed(id=ci_id, type=ci_type, deployable=deployable, container=ci_id.rsplit("/", 1)[0], properties=props)


def by_id(deployment) -> dict:
    return {d.id: d for d in deployment.deployeds}
