"""XL Deploy's XML on the wire: replies negotiated from `Accept` (XML when it prefers XML or states no
preference, JSON when it asks for JSON), XML request bodies on every route, and an XML-only client
(tests/integration/xml_client.py, the Ansible `xldeploy` module's request shapes) doing everything from
creating CIs to following a deployment task. The documentation's curl calls are sent as curl sends them.
"""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile

import pytest
import requests

from tests.integration.helpers import unique
from tests.integration.security_helpers import dar
from tests.integration.xml_client import XmlClient
from tests.support.server import InProcessServer

PLUGIN = """<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">
  <type type="acme.AllKinds" extends="udm.BaseContainer" description="Every property kind">
    <property name="text" required="false"/>
    <property name="count" kind="integer" required="false"/>
    <property name="enabled" kind="boolean" required="false"/>
    <property name="level" kind="enum" default="low">
      <enum-values><value>low</value><value>high</value></enum-values>
    </property>
    <property name="since" kind="date" required="false"/>
    <property name="host" kind="ci" referenced-type="overthere.Host" required="false"/>
    <property name="peers" kind="set_of_ci" referenced-type="udm.Container" required="false"/>
    <property name="chain" kind="list_of_ci" referenced-type="udm.Container" required="false"/>
    <property name="labels" kind="set_of_string" required="false"/>
    <property name="steps" kind="list_of_string" required="false"/>
    <property name="env" kind="map_string_string" required="false"/>
    <property name="token" password="true" required="false"/>
    <property name="secrets" kind="map_string_string" password="true" required="false"/>
  </type>
</synthetic>"""
CURL = {"User-Agent": "curl/7.88.1", "Accept": "*/*"}  # what curl sends when not told otherwise


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("xml") / "home"
    (home / "plugins").mkdir(parents=True)
    (home / "plugins" / "acme-synthetic.xml").write_text(PLUGIN)
    proc = InProcessServer(home).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def xml(server):
    return XmlClient(server)


def curl(server, method: str, path: str, data: str | bytes | None = None, content_type: str | None = None,
         **kw) -> requests.Response:
    """A request as `curl -u admin:admin -X METHOD [-H "Content-type:..."] URL [-d@file]` sends it."""
    headers = dict(CURL, **({"Content-Type": content_type} if content_type else {}))
    return server.http().request(method, server.url + path, data=data, headers=headers, auth=("admin", "admin"),
                            timeout=30, **kw)


def error(response, status: int, *words: str) -> str:
    """The response is `status` with an XML `<error>` whose one-sentence message holds every word."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/xml"), response.headers["Content-Type"]
    root = ET.fromstring(response.content)
    assert root.tag == "error", response.text
    message = root.find("message").text
    for word in words:
        assert word in message, message
    assert message.endswith(".") and ". " not in message.rstrip("."), f"not one sentence: {message}"
    return message


# -- negotiation --------------------------------------------------------------------------------

@pytest.mark.parametrize("accept,expected", [
    (None, "xml"), ("*/*", "xml"), ("application/xml", "xml"), ("text/xml", "xml"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "xml"), ("text/plain", "xml"),
    ("application/json", "json"), ("application/json, */*;q=0.1", "json"),
    ("application/xml;q=0.5, application/json", "json"), ("application/*", "xml"),
])
def test_the_reply_format_follows_accept_and_is_xml_without_a_preference(server, accept, expected):
    response = server.http().get(server.url + "/repository/exists/Infrastructure", auth=("admin", "admin"),
                            headers={"Accept": accept})  # None: requests sends no Accept at all
    assert response.status_code == 200
    if expected == "xml":
        assert response.headers["Content-Type"].startswith("application/xml")
        assert response.text == "<boolean>true</boolean>"
    else:
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == {"boolean": True}


def test_a_json_default_in_deployit_conf_answers_json_without_a_preference(tmp_path):
    proc = InProcessServer(tmp_path / "home", conf={"http.default.format": "json"}).start()
    try:
        auth = ("admin", "admin")
        plain = proc.http().get(proc.url + "/repository/exists/Infrastructure", auth=auth, headers={"Accept": "*/*"})
        assert plain.json() == {"boolean": True}
        asked = proc.http().get(proc.url + "/repository/exists/Infrastructure", auth=auth,
                             headers={"Accept": "application/xml"})
        assert asked.text == "<boolean>true</boolean>"
        refused = proc.http().get(proc.url + "/repository/ci/Nowhere", auth=("admin", "wrong"))
        assert refused.status_code == 401 and "credentials" in refused.json()["message"]
    finally:
        proc.stop()


def test_a_bad_default_format_stops_the_server_with_one_sentence(tmp_path):
    from server.config import init_home, load_config
    init_home(tmp_path)
    conf = tmp_path / "conf" / "deployit.conf"
    conf.write_text(conf.read_text().replace("http.default.format=xml", "http.default.format=yaml"))
    with pytest.raises(SystemExit, match="http.default.format must be xml or json, not 'yaml'"):
        load_config(tmp_path)


def test_errors_come_in_the_requested_format(server):
    error(curl(server, "GET", "/repository/ci/Infrastructure/nowhere"), 404, "Infrastructure/nowhere")
    error(server.http().get(server.url + "/server/info", headers=CURL), 401, "credentials")
    error(server.http().get(server.url + "/server/info", headers=CURL, auth=("nobody", "x")), 401, "credentials")
    error(curl(server, "GET", "/no/such/service"), 404, "/no/such/service")
    error(curl(server, "DELETE", "/repository/query"), 405, "DELETE")
    as_json = server.http().get(server.url + "/repository/ci/Infrastructure/nowhere", auth=("admin", "admin"),
                           headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and "nowhere" in as_json.json()["message"]


# -- malformed and hostile XML ------------------------------------------------------------------

@pytest.mark.parametrize("body,words", [
    ('<core.Directory id="Infrastructure/{n}">', ["not well-formed XML", "line 1"]),
    ('<core.Directory id="Infrastructure/{n}">\n  <tags>\n</core.Directory>', ["mismatched tag", "line 3"]),
    ('<core.Directory id="Infrastructure/{n}"/>trailing', ["not well-formed XML", "line 1"]),
    ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>\n<core.Directory id="Infrastructure/{n}"/>',
     ["DTD"]),
    ('<!DOCTYPE x SYSTEM "file:///etc/passwd"><core.Directory id="Infrastructure/{n}"/>', ["DTD"]),
    ('<overthere.LocalHost id="Infrastructure/{n}"><os>UNIX</os><address>a&#0;b</address></overthere.LocalHost>',
     ["not well-formed XML", "line 1"]),
    ('<overthere.LocalHost id="Infrastructure/{n}"><os>UNIX</os><address>&#xD800;</address></overthere.LocalHost>',
     ["not well-formed XML"]),
    ('<overthere.LocalHost id="Infrastructure/{n}">' + "<a>" * 5000 + "</a>" * 5000 + "</overthere.LocalHost>",
     ["nested too deeply"]),
    ('<overthere.LocalHost id="Infrastructure/{n}"><os>UNIX</os><os>UNIX</os></overthere.LocalHost>',
     ["'os' appears twice"]),
    ('<overthere.LocalHost id="Infrastructure/{n}"><os>UNIX</os><tags><value>a</value></tags>'
     '<nonsense>1</nonsense></overthere.LocalHost>', ["Unknown property 'nonsense'"]),
    ('<overthere.LocalHost id="Infrastructure/{n}"><os>WINDOWS95</os></overthere.LocalHost>', ["os", "UNIX"]),
    ('<overthere.SshHost id="Infrastructure/{n}"><os>UNIX</os><address>h</address><username>u</username>'
     '<port>twenty-two</port></overthere.SshHost>', ["port", "integer"]),
])
def test_bad_xml_bodies_get_400_with_one_sentence_and_write_nothing(server, xml, body, words):
    name = unique("bad")
    response = curl(server, "POST", f"/repository/ci/Infrastructure/{name}", body.replace("{n}", name),
                    "application/xml")
    error(response, 400, *words)
    assert not xml.exists(f"Infrastructure/{name}")


def test_an_entity_expansion_bomb_is_refused_at_once(server):
    bomb = '<?xml version="1.0"?><!DOCTYPE b [<!ENTITY a "' + "x" * 100 + '">' + "".join(
        f'<!ENTITY a{i} "{"&a;" * 10 if i == 0 else f"&a{i - 1};" * 10}">' for i in range(8)) + \
        ']><udm.Environment id="Environments/bomb"><members>&a7;</members></udm.Environment>'
    error(curl(server, "POST", "/repository/ci/Environments/bomb", bomb, "text/xml"), 400, "DTD")


def test_a_body_that_is_not_the_expected_shape_is_named(server):
    error(curl(server, "POST", "/repository/cis", '<core.Directory id="Infrastructure/x"/>', "application/xml"), 400,
          "<list>")
    error(curl(server, "POST", "/repository/cis/read", "<list><nothing/></list>", "application/xml"), 400)


# -- CIs: every property kind, passwords ---------------------------------------------------------

def test_every_property_kind_round_trips_in_xml_as_in_json(server, xml, api):
    host, peer = f"Infrastructure/{unique('h')}", f"Infrastructure/{unique('p')}"
    xml.create({"id": host, "type": "overthere.LocalHost", "os": "UNIX"})
    xml.create({"id": peer, "type": "overthere.LocalHost", "os": "UNIX"})
    ci_id = f"Infrastructure/{unique('all')}"
    sent = {"id": ci_id, "type": "acme.AllKinds", "text": "  spaced & <escaped> ü ", "count": 42, "enabled": True,
            "level": "high", "since": "2016-09-27T09:42:58.212+0200", "host": host, "peers": [host, peer],
            "chain": [peer, host, peer], "labels": ["b", "a"], "steps": ["one", "two", "one"],
            "env": {"HOME": "/root", "empty": ""}, "token": "s3cret-token", "secrets": {"db": "pw-1", "mq": "pw-2"}}
    created = xml.call("POST", f"/repository/ci/{ci_id}", xml.ci_xml(sent))
    assert "s3cret-token" not in created.text and "pw-1" not in created.text
    as_xml = xml.ci_of(ET.fromstring(created.content))
    as_json = api.get(f"/repository/ci/{ci_id}").json()
    expected = {k: v for k, v in as_json.items() if not k.startswith("$")}
    expected = {k: (str(v).lower() if isinstance(v, bool) else str(v) if isinstance(v, int) else v)
                for k, v in expected.items()}
    assert as_xml == expected
    assert as_json["text"] == sent["text"] and as_json["count"] == 42 and as_json["enabled"] is True
    assert as_json["since"] == "2016-09-27T07:42:58.212+0000"
    assert as_json["chain"] == [peer, host, peer] and as_json["steps"] == ["one", "two", "one"]
    assert as_json["token"] == "********" and as_json["secrets"] == {"db": "********", "mq": "********"}
    # The CI read as XML and sent back unchanged (******** included) changes nothing; a new value replaces.
    back = {k: v for k, v in as_xml.items() if v not in ("", None)}
    xml.update(back)
    assert api.get(f"/repository/ci/{ci_id}").json() == dict(as_json, **{
        "$token": api.get(f"/repository/ci/{ci_id}").json()["$token"],
        "$lastModifiedAt": api.get(f"/repository/ci/{ci_id}").json()["$lastModifiedAt"]})
    xml.update(dict(back, labels=[], count=7, env={}, host=peer))
    again = xml.read(ci_id)
    assert again["labels"] == [] and again["count"] == "7" and again["env"] == {} and again["host"] == peer


def test_the_xml_ci_element_has_the_documented_attributes(server, xml):
    ci_id = f"Infrastructure/{unique('dir')}"
    doc = ET.fromstring(xml.call("POST", f"/repository/ci/{ci_id}", f'<core.Directory id="{ci_id}"/>').content)
    assert doc.tag == "core.Directory"
    assert set(doc.attrib) == {"id", "token", "created-by", "created-at", "last-modified-by", "last-modified-at"}
    assert doc.attrib["created-by"] == "admin" and doc.attrib["created-at"].endswith("+0000")
    # The token attribute goes back as the CI's token: a stale one is a conflict, as in JSON.
    stale = f'<core.Directory id="{ci_id}" token="{doc.attrib["token"]}"/>'
    xml.call("PUT", f"/repository/ci/{ci_id}", stale)
    error(xml.call("PUT", f"/repository/ci/{ci_id}", stale, expect=(409,)), 409)


def test_passwords_leave_masked_in_xml_as_in_json(server, xml, api):
    ci_id = f"Infrastructure/{unique('ssh')}"
    body = (f'<overthere.SshHost id="{ci_id}"><os>UNIX</os><connectionType>SFTP</connectionType>'
            f'<address>1.1.1.1</address><port>22</port><username>sampleuser</username>'
            f'<password>secret02</password></overthere.SshHost>')
    for response in (xml.call("POST", f"/repository/ci/{ci_id}", body), xml.call("GET", f"/repository/ci/{ci_id}"),
                     xml.call("POST", "/repository/cis/read", f"<list><ci ref=\"{ci_id}\"/></list>")):
        assert "secret02" not in response.text
        assert response.text.count("<password>********</password>") == 1, response.text
    assert api.get(f"/repository/ci/{ci_id}").json()["password"] == "********"
    dictionary = f"Environments/{unique('dict')}"
    reply = xml.call("POST", f"/repository/ci/{dictionary}", f'<udm.Dictionary id="{dictionary}"><encryptedEntries>'
                     f'<entry key="db">hunter2</entry></encryptedEntries></udm.Dictionary>')
    assert "hunter2" not in reply.text and '<entry key="db">********</entry>' in reply.text


# -- the Ansible xldeploy module's calls ---------------------------------------------------------

def test_an_ansible_style_client_creates_reads_updates_and_deletes(server, xml):
    """state=present (absent: create; present but different: update; same: nothing), then state=absent."""
    host = {"id": f"Infrastructure/{unique('ansible.vm')}", "type": "overthere.SshHost",
            "os": "UNIX", "address": "10.0.2.15", "username": "scott", "password": "tiger", "tags": ["web"]}
    assert not xml.exists(host["id"])
    created = xml.create(host)
    assert created["address"] == "10.0.2.15" and created["tags"] == ["web"] and created["password"] == "********"
    assert xml.exists(host["id"])
    existing = xml.read(host["id"])
    wanted = dict(host, address="10.0.2.16")
    assert any(existing.get(k) != v for k, v in wanted.items() if k != "password")
    xml.update(wanted)
    assert xml.read(host["id"])["address"] == "10.0.2.16"
    env = {"id": f"Environments/{unique('tomcat-test')}", "type": "udm.Environment", "members": [host["id"]]}
    xml.create(env)
    assert xml.read(env["id"])["members"] == [host["id"]]
    xml.delete(env["id"])
    xml.delete(host["id"])
    assert not xml.exists(host["id"]) and not xml.exists(env["id"])


def test_an_xml_client_queries_and_works_with_batches(server, xml):
    folder = f"Infrastructure/{unique('batch')}"
    xml.create({"id": folder, "type": "core.Directory"})
    hosts = [{"id": f"{folder}/h{n}", "type": "overthere.LocalHost", "os": "UNIX"} for n in range(3)]
    made = ET.fromstring(xml.call("POST", "/repository/cis", xml.body(hosts)).content)
    assert made.tag == "list" and [e.attrib["id"] for e in made] == [h["id"] for h in hosts]
    assert xml.query(parent=folder) == [{"ref": h["id"], "type": "overthere.LocalHost"} for h in hosts]
    changed = ET.fromstring(xml.call("PUT", "/repository/cis", xml.body([dict(h, tags=["x"]) for h in hosts])).content)
    assert [e.find("tags/value").text for e in changed] == ["x"] * 3
    read = ET.fromstring(xml.call("POST", "/repository/cis/read",
                                  "<list>" + "".join(f'<ci ref="{h["id"]}"/>' for h in hosts) + "</list>").content)
    assert [e.attrib["id"] for e in read] == [h["id"] for h in hosts]
    xml.call("POST", "/repository/cis/delete", xml.body([h["id"] for h in hosts[:2]]))
    assert [xml.exists(h["id"]) for h in hosts] == [False, False, True]
    renamed = ET.fromstring(xml.call("POST", f"/repository/rename/{hosts[2]['id']}", params={"newName": "r"}).content)
    assert renamed.attrib["id"] == hosts[2]["id"]  # XL Deploy answers a rename under the id asked for
    assert xml.exists(f"{folder}/r")
    history = ET.fromstring(xml.call("GET", f"/repository/history/{folder}/r").content)
    assert history.tag == "list" and [v.find("action").text for v in history][:1] == ["CREATE"]


def test_metadata_in_xml(server, xml):
    kinds = xml.kinds("acme.AllKinds")
    assert kinds["peers"] == "SET_OF_CI" and kinds["env"] == "MAP_STRING_STRING" and kinds["since"] == "DATE"
    descriptor = xml.xml("GET", "/metadata/type/overthere.SshHost")
    assert descriptor.tag == "descriptor" and descriptor.attrib["type"] == "overthere.SshHost"
    os_ = [p for p in descriptor.iter("property-descriptor") if p.attrib["name"] == "os"][0]
    assert "UNIX" in [v.text for v in os_.find("enum-values")]
    assert "udm.BaseContainer" in [t.text for t in descriptor.find("superTypes")]
    types = xml.xml("GET", "/metadata/type")
    assert types.tag == "list" and "acme.AllKinds" in [d.attrib["type"] for d in types]
    assert "default" in [s.text for s in xml.xml("GET", "/metadata/orchestrators")]


# -- the documentation's sample calls -------------------------------------------------------------

def test_the_documented_sample_rest_calls(server, xml):
    """docs: "REST API examples" (create a directory, an SSH host, an environment; add a CI to it and remove
    it; delete a CI still referenced) and the support article on CRUD with curl, as curl sends them."""
    folder = f"Infrastructure/{unique('SampleDirectory')}"
    response = curl(server, "POST", f"/repository/ci/{folder}", f'<core.Directory id="{folder}">\n</core.Directory>\n',
                    "application/xml")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/xml")
    assert ET.fromstring(response.content).attrib["created-by"] == "admin"
    ssh = f"{folder}/SampleSSHHost"
    response = curl(server, "POST", f"/repository/ci/{ssh}", f"""<overthere.SshHost id="{ssh}">
<os>UNIX</os>
<connectionType>SFTP</connectionType>
<address>1.1.1.1</address>
<port>22</port>
<username>sampleuser</username>
<password>secret02</password>
</overthere.SshHost>""", "application/xml")
    assert response.status_code == 200 and "secret02" not in response.text
    assert ET.fromstring(response.content).find("port").text == "22"
    local = f"{folder}/my-new-ci"
    response = curl(server, "POST", f"/repository/ci/{local}",
                    f'<overthere.LocalHost id="{local}">\n<os>UNIX</os>\n</overthere.LocalHost>', "application/xml")
    assert ET.fromstring(response.content).find("os").text == "UNIX"
    env = f"Environments/{unique('SampleEnv')}"
    response = curl(server, "POST", f"/repository/ci/{env}", f'<udm.Environment id="{env}">\n<members>\n'
                    f'<ci ref="{ssh}"/>\n</members>\n</udm.Environment>', "application/xml")
    assert response.status_code == 200, response.text
    # Add a CI to the environment: read it, add a member, send it back.
    read = curl(server, "GET", f"/repository/ci/{env}")
    doc = ET.fromstring(read.content)
    ET.SubElement(doc.find("members"), "ci", ref=local)
    response = curl(server, "PUT", f"/repository/ci/{env}", ET.tostring(doc), "application/xml")
    assert [e.attrib["ref"] for e in ET.fromstring(response.content).find("members")] == [ssh, local]
    # Delete a CI that the environment still refers to: refused with the documented sentence.
    error(curl(server, "DELETE", f"/repository/ci/{local}"), 409,
          f"Repository entity {local} is still referenced by {env}")
    # Remove it from the environment, then the delete succeeds.
    doc = ET.fromstring(curl(server, "GET", f"/repository/ci/{env}").content)
    members = doc.find("members")
    members.remove([e for e in members if e.attrib["ref"] == local][0])
    assert curl(server, "PUT", f"/repository/ci/{env}", ET.tostring(doc), "application/xml").status_code == 200
    assert curl(server, "DELETE", f"/repository/ci/{local}").status_code == 204
    assert curl(server, "GET", f"/repository/exists/{local}").text == "<boolean>false</boolean>"


def test_an_artifact_uploaded_with_an_xml_ci_part(server, xml):
    """support article: curl -F configurationItem=@ci.xml -F filename=sqlScripts.zip -F fileData=@sqlScripts.zip"""
    app = f"Applications/{unique('forDatabase')}"
    xml.create({"id": app, "type": "udm.Application"})
    xml.create({"id": f"{app}/1.0", "type": "udm.DeploymentPackage"})
    ci_id = f"{app}/1.0/readme"
    part = f'<file.File id="{ci_id}"><targetPath>/tmp</targetPath></file.File>'
    response = server.http().post(server.url + f"/repository/ci/{ci_id}", auth=("admin", "admin"), headers=CURL, files=[
        ("configurationItem", ("create_ci_with-data.xml", part, "application/octet-stream")),
        ("filename", (None, "readme.txt")), ("fileData", ("readme.txt", b"hello", "application/octet-stream"))])
    assert response.status_code == 200, response.text
    doc = ET.fromstring(response.content)
    assert doc.tag == "file.File" and doc.find("checksum").text == hashlib.sha1(b"hello").hexdigest()
    assert curl(server, "GET", f"/repository/artifact/{ci_id}").content == b"hello"


# -- packages, deployments and tasks --------------------------------------------------------------

def _environment(xml) -> tuple[str, str]:
    host, env = f"Infrastructure/{unique('local')}", f"Environments/{unique('env')}"
    xml.create({"id": host, "type": "overthere.LocalHost", "os": "UNIX"})
    xml.create({"id": env, "type": "udm.Environment", "members": [host]})
    return host, env


def test_an_xml_only_client_imports_deploys_and_follows_the_task(server, xml):
    """The support article's complete deployment: upload the package, prepare, map, validate, create the task
    (its id as plain text), start it with that text, follow it to EXECUTED; then undeploy."""
    name = unique("PetClinic")
    uploaded = xml.xml("POST", f"/package/upload/{name}-1.0.dar", headers={"Content-Type": None},
                       files={"fileData": (f"{name}-1.0.dar", dar(name), "application/octet-stream")})
    assert uploaded.tag == "udm.DeploymentPackage" and uploaded.attrib["id"] == f"Applications/{name}/1.0"
    host, env = _environment(xml)
    prepared = xml.xml("GET", "/deployment/prepare/initial", params={"version": f"Applications/{name}/1.0",
                                                                    "environment": env})
    assert prepared.tag == "deployment" and prepared.attrib["type"] == "INITIAL"
    assert prepared.find("application/udm.DeployedApplication/version").attrib["ref"] == f"Applications/{name}/1.0"
    assert [dict(c.attrib) for c in prepared.find("containers")] == [{"ref": host, "type": "overthere.LocalHost"}]
    # The Deployment goes back as it came, text for text.
    mapped = xml.xml("POST", "/deployment/prepare/deployeds", ET.tostring(prepared))
    deployeds = mapped.find("deployeds")
    assert [(d.tag, d.find("container").attrib["ref"]) for d in deployeds] == [("cmd.DeployedCommand", host)]
    validated = xml.xml("POST", "/deployment/validate", ET.tostring(mapped))
    assert validated.tag == "deployment" and validated.find(".//validation-message") is None
    preview = xml.xml("POST", "/deployment/previewblock", ET.tostring(mapped))
    assert preview.tag == "task" and preview.find("block").tag == "block"
    created = xml.call("POST", "/deployment/", ET.tostring(mapped))
    assert created.headers["Content-Type"].startswith("text/plain")
    task_id = created.text
    assert len(task_id) == 36 and "<" not in task_id
    assert xml.call("POST", f"/task/{task_id}/start").status_code == 204
    task = xml.follow(task_id)
    assert task.tag == "task" and task.attrib["id"] == task_id and task.attrib["state"] == "EXECUTED"
    assert task.attrib["currentStep"] == task.attrib["totalSteps"] != "0"
    assert task.find("description").text and task.find("metadata/environment_id").text == env
    steps = xml.xml("GET", f"/task/{task_id}/step")
    assert steps.tag == "list" and {s.attrib["state"] for s in steps} == {"DONE"}
    v2 = xml.xml("GET", f"/tasks/v2/{task_id}")
    assert v2.find("block").attrib["state"] == "DONE"
    step_path = steps[0].attrib["path"]
    step = xml.xml("GET", f"/tasks/v2/{task_id}/step/{step_path}")
    assert step.tag == "step" and step.attrib["state"] == "DONE"
    assert xml.call("POST", f"/task/{task_id}/archive").status_code == 204
    assert "true" in xml.xml("GET", "/deployment/exists", params={"application": f"Applications/{name}",
                                                                   "environment": env}).text
    # Undeploy (the support article on undeploying): prepare, create, start, archive.
    undeploy = xml.xml("GET", "/deployment/prepare/undeploy", params={"deployedApplication": f"{env}/{name}"})
    assert undeploy.attrib["type"] == "UNDEPLOYMENT"
    task_id = xml.call("POST", "/deployment/", ET.tostring(undeploy)).text
    xml.call("POST", f"/task/{task_id}/start")
    assert xml.follow(task_id).attrib["state"] == "EXECUTED"
    xml.call("POST", f"/task/{task_id}/archive")
    assert not xml.exists(f"{env}/{name}")


def test_an_invalid_deployment_is_refused_with_its_validation_messages_in_xml(server, xml):
    name = unique("App")
    xml.create({"id": f"Applications/{name}", "type": "udm.Application"})
    xml.create({"id": f"Applications/{name}/1.0", "type": "udm.DeploymentPackage"})
    xml.create({"id": f"Applications/{name}/1.0/run", "type": "cmd.Command", "commandLine": "true"})
    host, env = _environment(xml)
    prepared = xml.xml("GET", "/deployment/prepare/initial", params={"version": f"Applications/{name}/1.0",
                                                                    "environment": env})
    mapped = xml.deployment_of(xml.xml("POST", "/deployment/prepare/deployeds", ET.tostring(prepared)))
    mapped["deployeds"][0]["commandLine"] = ""
    response = xml.call("POST", "/deployment/", xml.body(mapped), expect=(400,))
    root = ET.fromstring(response.content)
    assert root.tag == "error" and root.find("message").text
    messages = root.findall("validation-messages/validation-message")
    assert messages and messages[0].attrib["level"] == "ERROR" and messages[0].attrib["property"] == "commandLine"


def test_other_task_creating_calls_answer_the_bare_id(server, xml):
    host, _ = _environment(xml)
    control = xml.xml("GET", f"/control/prepare/checkConnection/{host}")
    assert control.tag == "control" and control.find("ci").attrib["ref"] == host
    task_id = xml.call("POST", "/control", ET.tostring(control)).text
    assert "<" not in task_id and xml.task(task_id).attrib["state"] == "PENDING"
    exported = xml.call("POST", f"/repository/export/{host}")
    assert exported.headers["Content-Type"].startswith("text/plain") and "<" not in exported.text
    task = xml.task(exported.text)
    assert task.find("metadata/exportFile").text.endswith(".zip")
    as_json = server.http().post(server.url + f"/repository/export/{host}", auth=("admin", "admin"),
                            headers={"Accept": "application/json"}).json()
    assert set(as_json) == {"string", "file", "path"}


def test_security_and_server_calls_in_xml(server, xml):
    user = unique("amy")
    created = xml.xml("POST", f"/security/user/{user}",
                      f"<user><username>{user}</username><password>secret01</password><admin>false</admin></user>")
    assert created.tag == "user" and created.find("username").text == user and created.find("admin").text == "false"
    assert "secret01" not in xml.call("GET", f"/security/user/{user}").text
    role = unique("deployers")
    xml.call("PUT", f"/security/role/{role}/{user}")
    xml.call("PUT", f"/security/permission/login/{role}")
    assert xml.xml("GET", f"/security/permission/login/{role}").text == "true"
    assert [s.text for s in xml.xml("GET", f"/security/role/roles/{user}")] == [role]
    granted = xml.xml("GET", f"/security/granted-permissions/{role}")
    assert "login" in [v.text for v in granted.find("global")]
    as_user = XmlClient(server, user, "secret01")
    assert as_user.xml("GET", "/security/check/login").text == "true"
    error(as_user.call("GET", "/repository/ci/Infrastructure", expect=(403,)), 403, user)
    assert xml.xml("GET", "/server/info").find("version").text
    assert xml.xml("GET", "/server/state").find("current-mode").text == "RUNNING"
    refused = as_user.call("POST", "/repository/ci/Infrastructure/theirs",
                           '<core.Directory id="Infrastructure/theirs"/>', expect=(403,))
    message = error(refused, 403, user)
    # The audit trail keeps the message of a refusal sent in XML, as of one sent in JSON.
    audit = xml.call("GET", "/security/audit", params={"user": user})
    assert int(audit.headers["X-Total-Count"]) == 1
    entries = ET.fromstring(audit.content)
    assert entries.tag == "list" and entries[0].tag == "event"
    assert entries[0].find("result").text == "REFUSED" and entries[0].find("message").text == message


def test_xml_bodies_share_the_json_size_limit(tmp_path):
    proc = InProcessServer(tmp_path / "home", conf={"http.max.json.size": "2048"}).start()
    try:
        big = '<udm.Dictionary id="Environments/big"><entries>' + \
              "".join(f'<entry key="k{n}">{"v" * 40}</entry>' for n in range(100)) + "</entries></udm.Dictionary>"
        error(curl(proc, "POST", "/repository/ci/Environments/big", big, "application/xml"), 413, "2048")
    finally:
        proc.stop()


def test_a_dar_is_still_a_zip_whatever_accept_says(server, xml):
    name = unique("Exported")
    xml.xml("POST", f"/package/upload/{name}.dar", headers={"Content-Type": None},
            files={"fileData": (f"{name}.dar", dar(name), "application/octet-stream")})
    response = xml.call("GET", f"/package/export/Applications/{name}/1.0")
    assert response.headers["Content-Type"] == "application/zip"
    assert "deployit-manifest.xml" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
