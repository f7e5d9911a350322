"""Deployments with users' plugins: their types (ambiguous matches, embedded deployeds), tags, and
their rules files in the home's plugins folder (XML and script rules, a disabled built-in rule)."""

from __future__ import annotations

import pytest

from tests.integration.test_deployment_api import Scenario, by_id, cmd
from tests.support.server import InProcessServer, ServerProcess

TYPES = """<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">
  <type type="acme.Server" extends="udm.BaseContainer"/>
  <type type="acme.TwinServer" extends="acme.Server"/>
  <type type="acme.EndpointSpec" extends="udm.BaseEmbeddedDeployable">
    <property name="port" required="false"/>
  </type>
  <type type="acme.AppSpec" extends="udm.BaseDeployable">
    <property name="port" required="false"/>
    <property name="endpoints" kind="set_of_ci" referenced-type="acme.EndpointSpec" as-containment="true" required="false"/>
  </type>
  <type type="acme.App" extends="udm.BaseDeployed" deployable-type="acme.AppSpec" container-type="acme.Server">
    <property name="port" kind="integer"/>
    <property name="endpoints" kind="set_of_ci" referenced-type="acme.Endpoint" as-containment="true" required="false"/>
  </type>
  <type type="acme.TwinA" extends="acme.App" deployable-type="acme.AppSpec" container-type="acme.TwinServer"/>
  <type type="acme.TwinB" extends="acme.App" deployable-type="acme.AppSpec" container-type="acme.TwinServer"/>
  <type type="acme.Endpoint" extends="udm.BaseEmbeddedDeployed" deployable-type="acme.EndpointSpec" container-type="acme.App">
    <property name="port" kind="integer" required="false"/>
  </type>
</synthetic>"""

RULES = """<?xml version="1.0"?>
<rules xmlns="http://www.xebialabs.com/xl-deploy/xl-rules">
  <rule name="acme.App.create" scope="deployed">
    <conditions><type>acme.App</type><operation>CREATE</operation></conditions>
    <steps>
      <jython>
        <description expression="true">"Register %s on port %d" % (deployed.name, deployed.port)</description>
        <order>CREATE_RESOURCES</order>
        <script>acme/register.py</script>
      </jython>
    </steps>
  </rule>
  <rule name="acme.App.endpoints" scope="deployed">
    <conditions><type>acme.App</type><operation>CREATE</operation></conditions>
    <planning-script-path>acme/endpoints.py</planning-script-path>
  </rule>
  <rule name="acme.announce" scope="pre-plan">
    <steps><noop><description expression="true">"Announce %s" % specification.deployedApplication.name</description></noop></steps>
  </rule>
  <disable-rule name="cmd.DeployedCommand.executeCreate_CREATE"/>
</rules>
"""

ENDPOINTS = """
for endpoint in deployed.endpoints:
    context.addStep(steps.noop(description="Open port %d for %s" % (endpoint.port, deployed.name), order=65))
"""


@pytest.fixture(scope="module")
def plugin_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("deploy-plugins") / "home"
    (home / "plugins" / "acme").mkdir(parents=True)
    (home / "plugins" / "acme-synthetic.xml").write_text(TYPES)
    (home / "plugins" / "acme-rules.xml").write_text(RULES)
    (home / "plugins" / "acme" / "endpoints.py").write_text(ENDPOINTS)
    proc = InProcessServer(home).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def papi(plugin_server):
    from tests.conftest import Api
    return Api(plugin_server)


def app_spec(port, **props):
    return ("acme.AppSpec", dict({"port": str(port)}, **props))


def test_ambiguous_deployed_types_are_not_mapped_until_chosen(papi):
    s = Scenario(papi, hosts=("plain",), host_type="acme.Server")
    twin = f"{s.folder}/twin"
    assert papi.post(f"/repository/ci/{twin}", json={"id": twin, "type": "acme.TwinServer"}).status_code == 200
    s.hosts.append(twin)
    s.set_env()
    version = s.version("1.0", {"web": app_spec(8080)})
    deployment = s.auto(s.initial(version))
    assert [(d["id"], d["type"]) for d in deployment["deployeds"]] == [(f"{s.hosts[0]}/web", "acme.App")]
    [warning] = deployment["application"]["validation-messages"]
    assert warning["level"] == "WARNING" and warning["ci"] == f"{version}/web"
    assert "acme.TwinA, acme.TwinB" in warning["message"]
    refused = papi.post("/deployment/generate/single", json=deployment,
                        params={"deployable": f"{version}/web", "container": twin})
    assert refused.status_code == 400 and "deployedtype" in refused.json()["message"]
    chosen = s.post("/deployment/generate/single", deployment, deployable=f"{version}/web", container=twin,
                    deployedtype="acme.TwinB")
    assert by_id(chosen)[f"{twin}/web"]["type"] == "acme.TwinB"
    assert "string" in s.post("/deployment", chosen)


@pytest.mark.parametrize("deployable_tags, container_tags, mapped", [
    ([], [], True), (["web"], ["web", "db"], True), (["web"], ["db"], False), (["*"], ["db"], True),
    (["+"], [], False), ([], ["+"], False), (["+"], ["db"], True), ([], ["db"], False),
])
def test_tag_combinations(papi, deployable_tags, container_tags, mapped):
    s = Scenario(papi, host_type="acme.Server", tags=container_tags)
    version = s.version("1.0", {"web": app_spec(1, tags=deployable_tags)})
    assert bool(s.auto(s.initial(version))["deployeds"]) is mapped


def test_user_rules_embedded_deployeds_and_a_disabled_builtin_rule(papi):
    s = Scenario(papi, hosts=("server",), host_type="acme.Server")
    ssh = f"{s.folder}/ssh"
    assert papi.post(f"/repository/ci/{ssh}", json={"id": ssh, "type": "overthere.SshHost", "address": "h",
                                                    "username": "u"}).status_code == 200
    s.hosts.append(ssh)
    s.set_env()
    version = s.version("1.0", {"web": app_spec("{{PORT}}"), "job": cmd("echo")})
    for name, port in (("http", "80"), ("https", "{{TLS_PORT}}")):
        ci_id = f"{version}/web/{name}"
        assert papi.post(f"/repository/ci/{ci_id}", json={"id": ci_id, "type": "acme.EndpointSpec",
                                                          "port": port}).status_code == 200
    s.dictionary({"PORT": "8080", "TLS_PORT": "8443"})
    deployment = s.auto(s.initial(version))
    web = by_id(deployment)[f"{s.hosts[0]}/web"]
    assert web["port"] == 8080
    assert [(e["id"], e["type"], e["port"], e["container"]) for e in web["endpoints"]] == [
        (f"{s.hosts[0]}/web/http", "acme.Endpoint", 80, web["id"]),
        (f"{s.hosts[0]}/web/https", "acme.Endpoint", 8443, web["id"])]
    task_id = s.post("/deployment", deployment)["string"]
    task = papi.get(f"/tasks/v2/{task_id}").json()
    plan = task["block"]["blocks"][0]["blocks"][0]
    assert plan["type"] == "serial"
    pre, main = plan["blocks"]
    assert [st["description"] for st in pre["steps"]] == [f"Announce {s.name}"]
    assert [(st["description"], st["order"], st["metadata"]["rule"]) for st in main["steps"]] == [
        ("Register web on port 8080", 60, "acme.App.create"),
        ("Open port 80 for web", 65, "acme.App.endpoints"),
        ("Open port 8443 for web", 65, "acme.App.endpoints")]   # and nothing for the command: its rule is off
    assert main["steps"][0]["type"] == "jython" and main["steps"][0]["parameters"]["script"] == "acme/register.py"
    assert main["steps"][2]["checkpoint"]["operation"] == "CREATE"


def test_a_broken_rules_file_stops_the_server_with_the_reason(tmp_path):
    home = tmp_path / "home"
    (home / "plugins").mkdir(parents=True)
    (home / "plugins" / "xl-rules.xml").write_text(
        '<rules xmlns="http://www.xebialabs.com/xl-deploy/xl-rules"><rule name="x" scope="plan">'
        '<steps><teleport/></steps></rule></rules>')
    with pytest.raises(RuntimeError, match="Unknown step type 'teleport'"):
        ServerProcess(home).start()
