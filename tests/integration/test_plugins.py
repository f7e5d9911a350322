"""Users' synthetic.xml plugins and deployit-defaults.properties, loaded by a real server."""

import pytest

from tests.support.server import InProcessServer, ServerProcess

PLUGIN = """<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">
  <type type="acme.AllKinds" extends="udm.BaseContainer" description="Every property kind">
    <property name="text" required="false"/>
    <property name="count" kind="integer" required="false"/>
    <property name="enabled" kind="boolean" required="false"/>
    <property name="level" kind="enum" default="low"><enum-values><value>low</value><value>high</value></enum-values></property>
    <property name="since" kind="date" required="false"/>
    <property name="host" kind="ci" referenced-type="overthere.Host" required="false"/>
    <property name="peers" kind="set_of_ci" referenced-type="udm.Container" required="false"/>
    <property name="chain" kind="list_of_ci" referenced-type="udm.Container" required="false"/>
    <property name="labels" kind="set_of_string" required="false"/>
    <property name="steps" kind="list_of_string" required="false"/>
    <property name="env" kind="map_string_string" required="false"/>
    <property name="token" password="true" required="false"/>
    <property name="internal" hidden="true" default="x"/>
    <property name="scratch" transient="true" required="false"/>
  </type>
  <type-modification type="overthere.SshHost">
    <property name="rack" required="false" category="Placement"/>
  </type-modification>
</synthetic>"""


@pytest.fixture(scope="module")
def plugin_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("plugins") / "home"
    (home / "plugins").mkdir(parents=True)
    (home / "plugins" / "acme-synthetic.xml").write_text(PLUGIN)
    (home / "conf").mkdir()
    (home / "conf" / "deployit-defaults.properties").write_text("overthere.Host.temporaryDirectoryPath=/var/tmp/xl\n")
    proc = InProcessServer(home).start()
    yield proc
    proc.stop()


def test_plugin_types_are_served_by_the_metadata_service(plugin_server):
    s = plugin_server.session()
    desc = s.get(plugin_server.url + "/metadata/type/acme.AllKinds").json()
    kinds = {p["name"]: p["kind"] for p in desc["properties"]}
    assert kinds["since"] == "DATE" and kinds["env"] == "MAP_STRING_STRING" and kinds["chain"] == "LIST_OF_CI"
    hidden = [p for p in desc["properties"] if p["name"] == "internal"][0]
    assert hidden["hidden"] and hidden["default"] == "x"
    ssh = s.get(plugin_server.url + "/metadata/type/overthere.SshHost").json()
    props = {p["name"]: p for p in ssh["properties"]}
    assert props["rack"]["category"] == "Placement"
    assert props["temporaryDirectoryPath"]["default"] == "/var/tmp/xl"
    names = [t["type"] for t in s.get(plugin_server.url + "/metadata/type").json()]
    assert "acme.AllKinds" in names and "udm.Environment" in names


def test_a_ci_with_every_kind_round_trips(plugin_server):
    s, url = plugin_server.session(), plugin_server.url
    assert s.post(url + "/repository/ci/Infrastructure/h1", json={"type": "overthere.LocalHost"}).ok
    body = {"type": "acme.AllKinds", "text": "hello", "count": "42", "enabled": "true", "level": "high",
            "since": "2024-03-01T10:00:00Z", "host": "Infrastructure/h1", "peers": ["Infrastructure/h1"],
            "chain": [{"ci-ref": "Infrastructure/h1"}], "labels": ["a", "b", "a"], "steps": ["x", "x"],
            "env": {"A": "1"}, "token": "t0p", "scratch": "not kept"}
    created = s.post(url + "/repository/ci/Infrastructure/all", json=body)
    assert created.status_code == 200, created.text
    ci = s.get(url + "/repository/ci/Infrastructure/all").json()
    assert ci["count"] == 42 and ci["enabled"] is True and ci["level"] == "high"
    assert ci["since"] == "2024-03-01T10:00:00.000+0000"
    assert ci["host"] == "Infrastructure/h1" and ci["chain"] == ["Infrastructure/h1"]
    assert ci["labels"] == ["a", "b"] and ci["steps"] == ["x", "x"]
    assert ci["env"] == {"A": "1"} and ci["internal"] == "x"
    assert ci["token"] == "********"
    assert ci["scratch"] is None  # transient: not persisted


def test_a_broken_plugin_stops_the_server_with_a_clear_message(tmp_path):
    home = tmp_path / "home"
    (home / "plugins").mkdir(parents=True)
    (home / "plugins" / "bad.xml").write_text(
        '<synthetic><type type="acme.Bad" extends="no.Such.Type"/></synthetic>')
    proc = ServerProcess(home)
    with pytest.raises(RuntimeError) as failure:
        proc.start(timeout=20)
    assert "no.Such.Type" in str(failure.value)
    assert proc.proc.returncode == 2


EXT_TYPES = """<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">
  <type type="acme.Probe" extends="udm.BaseContainer" description="A type kept in ext/ as XL Deploy users do">
    <property name="host" kind="ci" referenced-type="overthere.Host" as-containment="true"/>
    <property name="interval" kind="integer" default="30"/>
  </type>
</synthetic>"""


def test_types_in_ext_synthetic_xml_load_like_plugins(tmp_path):
    home = tmp_path / "home"
    (home / "ext").mkdir(parents=True)
    (home / "ext" / "synthetic.xml").write_text(EXT_TYPES)
    proc = InProcessServer(home).start()
    try:
        s = proc.session()
        desc = s.get(proc.url + "/metadata/type/acme.Probe")
        assert desc.status_code == 200, desc.text
        assert {p["name"]: p.get("default") for p in desc.json()["properties"]}["interval"] == 30
        assert s.post(proc.url + "/repository/ci/Infrastructure/h1", json={"type": "overthere.LocalHost"}).ok
        assert s.post(proc.url + "/repository/ci/Infrastructure/h1/probe", json={"type": "acme.Probe"}).ok
    finally:
        proc.stop()


def test_a_broken_ext_synthetic_xml_stops_the_server_like_a_broken_plugin(tmp_path):
    home = tmp_path / "home"
    (home / "ext").mkdir(parents=True)
    (home / "ext" / "synthetic.xml").write_text('<synthetic><type type="acme.Bad" extends="udm.BaseContainer">')
    proc = ServerProcess(home)
    with pytest.raises(RuntimeError) as failure:
        proc.start(timeout=20)
    assert "ext/synthetic.xml: not a valid synthetic.xml file" in str(failure.value)
    assert proc.proc.returncode == 2
