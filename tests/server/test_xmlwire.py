"""The XML writer and reader (server/api/xmlwire.py) and the choice of format (server/api/negotiate.py), as
pure functions: what is written reads back as the JSON shapes the routes and services use."""

import xml.etree.ElementTree as ET

import pytest

from server.api import xmlwire
from server.api.negotiate import choose
from server.errors import BadRequest
from server.types.registry import load_registry

TYPES = load_registry()


def round_trip(data, kind):
    return xmlwire.read(xmlwire.write(data, kind, TYPES), TYPES)


@pytest.mark.parametrize("accept,default,expected", [
    (None, "xml", "xml"), ("", "json", "json"), ("*/*", "xml", "xml"), ("*/*", "json", "json"),
    ("application/json", "xml", "json"), ("application/xml", "json", "xml"), ("text/xml", "json", "xml"),
    ("application/json;q=0.9, application/xml", "json", "xml"), ("application/xml;q=0, */*", "json", "json"),
    ("application/json; q=x", "xml", "xml"), ("image/png", "json", "json"), (",;,", "xml", "xml"),
])
def test_the_format_is_the_preferred_one_else_the_default(accept, default, expected):
    assert choose(accept, default) == expected


def test_cis_of_every_built_in_kind_read_back_as_written():
    cis = [
        {"id": "Infrastructure/h", "type": "overthere.SshHost", "$token": "t-1", "os": "UNIX", "port": 22,
         "allocateDefaultPty": True, "tags": ["a", "b"], "password": "********", "jumpstation": "Infrastructure/j",
         "address": "  spaced  "},
        {"id": "Environments/E", "type": "udm.Environment", "members": ["Infrastructure/h"],
         "dictionaries": ["Environments/d1", "Environments/d2"]},
        {"id": "Environments/d", "type": "udm.Dictionary", "entries": {"a b": "1", "x": ""},
         "restrictToContainers": []},
        {"id": "Environments/E/app", "type": "udm.DeployedApplication", "orchestrator": ["parallel-by-container"],
         "optimizePlan": False},
    ]
    for ci in cis:
        assert round_trip(ci, "ci") == ci
    assert round_trip(cis, "cis") == cis


def test_unset_values_are_left_out_and_meta_data_are_attributes():
    written = xmlwire.write({"id": "Infrastructure/h", "type": "overthere.LocalHost", "$createdBy": "amy",
                             "os": "UNIX", "temporaryDirectoryPath": None}, "ci", TYPES)
    root = ET.fromstring(written)
    assert root.attrib == {"id": "Infrastructure/h", "created-by": "amy"}
    assert [e.tag for e in root] == ["os"]


def test_a_deployment_reads_back_as_written():
    deployment = {
        "id": "deployment-1", "type": "INITIAL",
        "application": {"id": "Environments/E/App", "type": "udm.DeployedApplication",
                        "version": "Applications/App/1.0", "environment": "Environments/E",
                        "deployeds": ["Infrastructure/h/run"], "orchestrator": [], "optimizePlan": True},
        "deployeds": [{"id": "Infrastructure/h/run", "type": "cmd.DeployedCommand",
                       "deployable": "Applications/App/1.0/run", "container": "Infrastructure/h",
                       "commandLine": "echo {b64}abc"}],
        "deployables": [{"ref": "Applications/App/1.0/run", "type": "cmd.Command"}],
        "containers": [{"ref": "Infrastructure/h", "type": "overthere.LocalHost"}],
        "requiredDeployments": [],
    }
    assert round_trip(deployment, "deployment") == deployment
    with_messages = dict(deployment, deployeds=[dict(deployment["deployeds"][0], **{"validation-messages": [
        {"ci": "Infrastructure/h/run", "property": "commandLine", "message": "Empty", "level": "ERROR"}]})])
    root = ET.fromstring(xmlwire.write(with_messages, "deployment", TYPES))
    message = root.find("deployeds/cmd.DeployedCommand/validation-messages/validation-message")
    assert message.attrib == {"ci": "Infrastructure/h/run", "property": "commandLine", "level": "ERROR"}
    assert message.text == "Empty"
    assert xmlwire.read(ET.tostring(root), TYPES) == deployment  # messages are output only


def test_text_xml_cannot_carry_is_replaced_and_odd_keys_become_entries():
    written = xmlwire.write({"log": "\x1b[1mbold\x00", "Applications/App": ["read"], "xmlns": 1}, "report", TYPES)
    root = ET.fromstring(written)
    assert root.find("log").text == "\ufffd[1mbold\ufffd"
    assert [(e.tag, e.attrib) for e in root][1:] == [("entry", {"key": "Applications/App"}), ("entry", {"key": "xmlns"})]
    assert xmlwire.read(written, TYPES) == {"log": "\ufffd[1mbold\ufffd", "Applications/App": ["read"], "xmlns": "1"}


@pytest.mark.parametrize("data,kind,expected", [
    ({"boolean": True}, "boolean", b"<boolean>true</boolean>"),
    (["a", "b"], None, b"<list><string>a</string><string>b</string></list>"),
    ({"entries": {"k": "v"}}, None, b"<map><entries><k>v</k></entries></map>"),
    ({"k": "v", "a b": None}, "map", b'<map><entry key="k">v</entry><entry key="a b" /></map>'),
    ({"message": "Bad."}, "error", b"<error><message>Bad.</message></error>"),
])
def test_small_shapes(data, kind, expected):
    assert xmlwire.write(data, kind, TYPES) == expected


@pytest.mark.parametrize("body,message", [
    (b"<a><b></a>", "not well-formed XML: mismatched tag at line 1, column 8."),
    (b"", "not well-formed XML: no element found at line 1, column 0."),
    (b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "DTD or an entity declaration"),
    (b'<udm.Dictionary id="Environments/d"><entries><entry>v</entry></entries></udm.Dictionary>',
     "needs a key attribute"),
])
def test_bad_xml_is_one_sentence(body, message):
    with pytest.raises(BadRequest) as caught:
        xmlwire.read(body, TYPES)
    assert message in caught.value.message


@pytest.mark.parametrize("content_type,body,expected", [
    ("application/xml", b"{}", True), ("text/xml; charset=utf-8", b"<a/>", True), ("application/atom+xml", b"", True),
    ("application/json", b"<a/>", False), (None, b"  <a/>", True), ("application/x-www-form-urlencoded", b"<a/>", True),
    (None, b'{"a": 1}', False),
])
def test_xml_bodies_are_recognised(content_type, body, expected):
    assert xmlwire.is_xml(content_type, body) is expected
