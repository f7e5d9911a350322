"""Deployments of a plugin's types in the shell: an ambiguous mapping (two deployed types fit equally) is
left out by prepareAutoDeployeds with a warning, refused by generateSingleDeployed without a type, and
mapped once the script names the type. Runs against its own server, which has the plugin."""

from __future__ import annotations

import pytest

from tests.cli.sample_packages import run_ok, unique
from tests.support.server import ServerProcess

TYPES = """<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">
  <type type="acme.Server" extends="udm.BaseContainer"/>
  <type type="acme.TwinServer" extends="acme.Server"/>
  <type type="acme.AppSpec" extends="udm.BaseDeployable">
    <property name="port" required="false"/>
  </type>
  <type type="acme.App" extends="udm.BaseDeployed" deployable-type="acme.AppSpec" container-type="acme.Server">
    <property name="port" kind="integer"/>
  </type>
  <type type="acme.TwinA" extends="acme.App" deployable-type="acme.AppSpec" container-type="acme.TwinServer"/>
  <type type="acme.TwinB" extends="acme.App" deployable-type="acme.AppSpec" container-type="acme.TwinServer"/>
</synthetic>"""

RULES = """<?xml version="1.0"?>
<rules xmlns="http://www.xebialabs.com/xl-deploy/xl-rules">
  <rule name="acme.App.create" scope="deployed">
    <conditions><type>acme.App</type><operation>CREATE</operation></conditions>
    <steps><noop><description expression="true">"Register %s on port %d" % (deployed.name, deployed.port)</description></noop></steps>
  </rule>
</rules>
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """This module's own server (overrides the package's): it has the acme plugin."""
    home = tmp_path_factory.mktemp("cli-plugins") / "home"
    (home / "plugins").mkdir(parents=True)
    (home / "plugins" / "acme-synthetic.xml").write_text(TYPES)
    (home / "plugins" / "acme-rules.xml").write_text(RULES)
    proc = ServerProcess(home).start()
    yield proc
    proc.stop()


def test_ambiguous_mapping_needs_the_deployed_type(cli):
    name = unique("acme")
    out = run_ok(cli, f"""
plain = repository.create(factory.configurationItem('Infrastructure/{name}-plain', 'acme.Server'))
twin = repository.create(factory.configurationItem('Infrastructure/{name}-twin', 'acme.TwinServer'))
env = repository.create(factory.configurationItem('Environments/{name}', 'udm.Environment',
                                                  {{'members': [plain.id, twin.id]}}))
repository.create(factory.configurationItem('Applications/{name}', 'udm.Application'))
version = repository.create(factory.configurationItem('Applications/{name}/1.0', 'udm.DeploymentPackage'))
spec = repository.create(factory.configurationItem(version.id + '/web', 'acme.AppSpec', {{'port': '8080'}}))

depl = deployment.prepareAutoDeployeds(deployment.prepareInitial(version.id, env.id))
print([(d.id, d.type) for d in depl.deployeds])
for v in depl.validations:
    print(v.level, v.ciId, 'acme.TwinA, acme.TwinB' in v.message)
try:
    deployment.generateSingleDeployed(spec.id, twin.id, None, depl)
except DeployitException as e:
    print(e)
depl = deployment.generateSingleDeployed(spec.id, twin.id, 'acme.TwinB', depl)
print(sorted((d.id, d.type, d.port) for d in depl.deployeds))
deployment.preview(depl)
print(deployment.createDeployTask(depl).state)
""")
    plain, twin, web = f"Infrastructure/{name}-plain", f"Infrastructure/{name}-twin", f"Applications/{name}/1.0/web"
    lines = out.splitlines()
    assert lines[:4] == [
        str([(f"{plain}/web", "acme.App")]),
        f"WARNING {web} True",
        f"{web} can be deployed to {twin} as any of acme.TwinA, acme.TwinB; give the deployed type with the "
        "'deployedtype' parameter.",
        str(sorted([(f"{plain}/web", "acme.App", 8080), (f"{twin}/web", "acme.TwinB", 8080)])),
    ]
    assert f"  CREATE   {twin}/web (acme.TwinB)" in lines
    assert "1. Register web on port 8080" in "\n".join(lines)
    assert lines[-1] == "PENDING"
