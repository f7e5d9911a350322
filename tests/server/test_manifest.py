"""Manifest parsing (deployit-manifest.xml and META-INF/MANIFEST.MF) into CI bodies: pure, no server."""

import pytest

from server.errors import BadRequest
from server.packages.manifest import parse_mf, parse_xml
from server.types import TypeRegistry, load_registry
from server.types.registry import builtin_sources

PLUGIN = """<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">
  <type type="test.Release" extends="udm.DeploymentPackage">
    <property name="releaseDate" kind="date" required="false"/>
    <property name="tickets" kind="list_of_string" required="false"/>
  </type>
  <type type="test.Website" extends="udm.BaseDeployable">
    <property name="port" required="false"/>
    <property name="enabled" kind="boolean" required="false"/>
    <property name="main" kind="ci" referenced-type="udm.Deployable" required="false"/>
    <property name="uses" kind="list_of_ci" referenced-type="udm.Deployable" required="false"/>
    <property name="aliases" kind="set_of_string" required="false"/>
    <property name="settings" kind="map_string_string" required="false"/>
    <property name="bindings" kind="set_of_ci" referenced-type="test.Binding" as-containment="true" required="false"/>
  </type>
  <type type="test.Binding" extends="udm.BaseEmbeddedDeployable">
    <property name="port" required="false"/>
    <property name="headers" kind="set_of_ci" referenced-type="test.Header" as-containment="true" required="false"/>
  </type>
  <type type="test.Header" extends="udm.BaseEmbeddedDeployable">
    <property name="value" required="false"/>
  </type>
</synthetic>"""


@pytest.fixture(scope="module")
def types() -> TypeRegistry:
    registry = TypeRegistry()
    for source, text in builtin_sources():
        registry.add_xml(text, source)
    registry.add_xml(PLUGIN, "test-plugin")
    return registry.build()


def xml(body: str, root: str = 'udm.DeploymentPackage version="1.0" application="App"') -> bytes:
    tag = root.split()[0]
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>{body}</{tag}>'.encode()


def test_minimal_manifest_gives_package_and_application(types):
    m = parse_xml(xml(""), types)
    assert (m.application, m.version, m.package_id, m.application_id) == (
        "App", "1.0", "Applications/App/1.0", "Applications/App")
    assert m.package == {"id": "Applications/App/1.0", "type": "udm.DeploymentPackage"} and m.deployables == []


def test_every_value_syntax(types):
    body = """
      <orchestrator><value>sequential-by-container</value><value>parallel-by-container</value></orchestrator>
      <applicationDependencies><entry key="Backend">[1.0,2.0)</entry></applicationDependencies>
      <releaseDate>2013-04-02T16:22:00.000Z</releaseDate>
      <tickets><value>JIRA-1</value><value>JIRA-2</value></tickets>
      <deployables>
        <file.File name="war" file="app/app.war"><checksum>abc</checksum></file.File>
        <test.Website name="{{SITE}}-web">
          <port>{{PORT}}</port>
          <enabled>true</enabled>
          <main ref="war"/>
          <uses><ci ref="war"/><ci ref="Applications/Other/1.0/x"/></uses>
          <aliases><value>www</value><value>web</value></aliases>
          <settings><entry key="a">1</entry><entry key="b">{{B}}</entry></settings>
          <bindings>
            <test.Binding name="http"><port>80</port>
              <headers><test.Header name="h1"><value>v</value></test.Header></headers>
            </test.Binding>
            <test.Binding name="https"><port>443</port></test.Binding>
          </bindings>
          <tags><value>FE</value></tags>
        </test.Website>
      </deployables>"""
    m = parse_xml(xml(body, 'test.Release version="2.1" application="dir/App"'), types)
    pkg = "Applications/dir/App/2.1"
    assert m.package == {
        "id": pkg, "type": "test.Release", "orchestrator": ["sequential-by-container", "parallel-by-container"],
        "applicationDependencies": {"Backend": "[1.0,2.0)"}, "releaseDate": "2013-04-02T16:22:00.000Z",
        "tickets": ["JIRA-1", "JIRA-2"]}
    assert m.application == "dir/App"
    ids = [d.id for d in m.deployables]
    site = f"{pkg}/{{{{SITE}}}}-web"
    assert ids == [f"{pkg}/war", site, f"{site}/http", f"{site}/http/h1", f"{site}/https"]
    war, web, http, header, https = m.deployables
    assert war.file == "app/app.war" and war.ci["checksum"] == "abc"
    assert web.file is None
    assert web.ci == {"id": site, "type": "test.Website", "port": "{{PORT}}", "enabled": "true", "main": f"{pkg}/war",
                      "uses": [f"{pkg}/war", "Applications/Other/1.0/x"], "aliases": ["www", "web"],
                      "settings": {"a": "1", "b": "{{B}}"}, "tags": ["FE"]}
    assert http.ci == {"id": f"{site}/http", "type": "test.Binding", "port": "80"}
    assert header.ci == {"id": f"{site}/http/h1", "type": "test.Header", "value": "v"}


@pytest.mark.parametrize("body, root, message", [
    ("", "udm.Nope version='1' application='A'", "'udm.Nope' is not a known type"),
    ("", "udm.CompositePackage version='1' application='A'", "cannot be imported"),
    ("", "udm.Application version='1' application='A'", "not a deployment package type"),
    ("", "udm.DeploymentPackage application='A'", "does not give the package version"),
    ("", "udm.DeploymentPackage version='1'", "does not name the application"),
    ("", "udm.DeploymentPackage version='a/b' application='A'", "must be a name"),
    ("<nope>1</nope>", None, "unknown property 'nope' on Applications/App/1.0"),
    ("<deployables><foo.Bar name='x'/></deployables>", None, "'x' the unknown type 'foo.Bar'"),
    ("<deployables><overthere.SshHost name='x'/></deployables>", None, "not a deployable"),
    ("<deployables><udm.BaseDeployable name='x'/></deployables>", None, "virtual"),
    ("<deployables><file.File file='a'/></deployables>", None, "has no name attribute"),
    ("<deployables><file.File name='a/b' file='a'/></deployables>", None, "must be a name"),
    ("<deployables><file.File name='a' file='a'/><file.File name='a' file='b'/></deployables>", None, "twice"),
    ("<deployables><cmd.Command name='c' file='x'><commandLine>x</commandLine></cmd.Command></deployables>", None,
     "not an artifact"),
    ("<deployables><file.File name='a' file='a'><bogus>1</bogus></file.File></deployables>", None,
     "unknown property 'bogus' on Applications/App/1.0/a of type file.File"),
    ("<deployables><file.File name='a' file='a'><tags><ci ref='x'/></tags></file.File></deployables>", None,
     "must hold <value> elements"),
    ("<deployables><test.Website name='w'><settings><value>x</value></settings></test.Website></deployables>", None,
     "<entry key"),
    ("<deployables><test.Website name='w'><uses><value>x</value></uses></test.Website></deployables>", None,
     "<ci ref"),
    ("<deployables><test.Website name='w'><port><value>1</value></port></test.Website></deployables>", None,
     "plain value"),
    ("<deployables><test.Website name='w'><bindings><test.Header name='h'/></bindings></test.Website></deployables>",
     None, "not a test.Binding"),
    ("<orchestrator/><orchestrator/>", None, "twice"),
])
def test_refusals_name_the_culprit(types, body, root, message):
    with pytest.raises(BadRequest, match=message.replace("(", r"\(").replace("{", r"\{").replace(".", r"\.")):
        parse_xml(xml(body, root) if root else xml(body), types)


@pytest.mark.parametrize("data, message", [
    (b"<udm.DeploymentPackage version='1' application='A'>", "not well-formed"),
    (b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
        <udm.DeploymentPackage version="1" application="&lol2;"/>""", "DTD or entities"),
    (b"""<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
        <udm.DeploymentPackage version="1" application="&xxe;"/>""", "DTD or entities"),
    (b"""<?xml version="1.0"?><!DOCTYPE foo SYSTEM "http://example.com/x.dtd">
        <udm.DeploymentPackage version="1" application="A"/>""", "DTD or entities"),
])
def test_hostile_or_broken_xml_is_refused(types, data, message):
    with pytest.raises(BadRequest, match=message):
        parse_xml(data, types)


def test_namespaced_and_commented_manifest(types):
    data = b"""<?xml version="1.0"?>
    <udm.DeploymentPackage xmlns="urn:x" version="1.0" application="App">
      <!-- a comment -->
      <deployables><cmd.Command name="c"><commandLine>echo <!-- c -->hi</commandLine></cmd.Command></deployables>
    </udm.DeploymentPackage>"""
    m = parse_xml(data, types)
    assert m.deployables[0].ci["commandLine"] == "echo hi"


MF = """Manifest-Version: 1.0
Deployit-Package-Format-Version: 1.3
CI-Application: AnimalZoo-ear
CI-Version: 4.0
CI-orchestrator-EntryValue-1: parallel-by-container

Name: AnimalZooBE-1.0.ear
CI-Type: file.File
CI-Name: backend
CI-tags-EntryValue-2: b
CI-tags-EntryValue-1: a
CI-fileEncodings-.+\\.txt: UTF-16
CI-targetPath: /opt/a-very-long-path-that-is-continued-on-the-next-line-because-jar-
 manifests-wrap-at-72-bytes

Name: signature.SF
SHA1-Digest: xyz

Name: conf/
CI-Type: file.Folder

Name: run
CI-Type: cmd.Command
CI-commandLine: run.sh
CI-dependencies-EntryValue-1: AnimalZooBE-1.0.ear
CI-dependencies-EntryValue-2: conf/
"""


def test_old_manifest_format(types):
    m = parse_mf(MF.replace("\n", "\r\n").encode(), types)
    pkg = "Applications/AnimalZoo-ear/4.0"
    assert m.format == "mf" and m.package == {"id": pkg, "type": "udm.DeploymentPackage",
                                              "orchestrator": ["parallel-by-container"]}
    backend, conf, run = m.deployables
    assert backend.file == "AnimalZooBE-1.0.ear" and backend.ci == {
        "id": f"{pkg}/backend", "type": "file.File", "tags": ["a", "b"], "fileEncodings": {".+\\.txt": "UTF-16"},
        "targetPath": "/opt/a-very-long-path-that-is-continued-on-the-next-line-because-jar-manifests-wrap-at-72-bytes"}
    assert conf.id == f"{pkg}/conf" and conf.file == "conf/"
    assert run.file is None and run.ci["dependencies"] == [f"{pkg}/backend", f"{pkg}/conf"]


@pytest.mark.parametrize("text, message", [
    ("Manifest-Version: 1.0\nCI-Version: 1\n", "no CI-Application"),
    ("Manifest-Version: 1.0\nCI-Application: A\n", "no CI-Version"),
    ("Manifest-Version: 1.0\nCI-Application: A\nCI-Version: 1\n\nName: x\nCI-Type: no.Such\n", "unknown type"),
    ("Manifest-Version: 1.0\nCI-Application: A\nCI-Version: 1\n\nName: x\nCI-Type: file.File\nCI-bogus: 1\n",
     "unknown property 'bogus'"),
    (" continued\n", "continues nothing"),
    ("no colon here\n", "not 'Name: value'"),
])
def test_old_manifest_refusals(types, text, message):
    with pytest.raises(BadRequest, match=message):
        parse_mf(text.encode(), types)


def test_builtin_registry_parses_the_samples():
    from pathlib import Path
    types = load_registry()
    root = Path(__file__).resolve().parents[2] / "samples" / "dar"
    m = parse_xml((root / "Sample" / "1.0" / "deployit-manifest.xml").read_bytes(), types)
    assert [(d.id.rsplit("/", 1)[-1], d.type, d.file) for d in m.deployables] == [
        ("readme", "file.File", "docs/README.txt"), ("config", "file.Folder", "config"),
        ("announce", "cmd.Command", None), ("schema", "sql.SqlScripts", "sql")]
    old = parse_mf((root / "OldSample" / "1.0" / "META-INF" / "MANIFEST.MF").read_bytes(), types)
    assert old.package_id == "Applications/OldSample/1.0" and len(old.deployables) == 3
