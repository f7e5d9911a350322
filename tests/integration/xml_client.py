"""A small XML-only client of the REST API, written from XL Deploy's documented XML, independent of the
server's code: the request shapes of the Ansible `xldeploy` module (property kinds read from the
`property-descriptor` elements of `GET /metadata/type/{type}`, CIs built and read by kind, `exists` read as
the text of `<boolean>`, create with POST, update with PUT, delete with DELETE), plus the Deployment and task
calls an XML-only CI plugin makes. Every request says `Content-Type` and `Accept: application/xml`.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET


XML = {"Content-Type": "application/xml", "Accept": "application/xml"}
SCALAR_LISTS = ("SET_OF_STRING", "LIST_OF_STRING")
CI_LISTS = ("SET_OF_CI", "LIST_OF_CI")


class XmlClient:
    def __init__(self, server, username: str = "admin", password: str = "admin"):
        self.url = server.url
        self.session = server.http()
        self.session.auth = (username, password)
        self.session.headers.update(XML)
        self._kinds: dict[str, dict[str, str]] = {}

    # -- HTTP ------------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: str | bytes | None = None, expect=(200, 204), **kw):
        response = self.session.request(method, self.url + path, data=body, timeout=30, **kw)
        assert response.status_code in expect, f"{method} {path}: {response.status_code} {response.text}"
        return response

    def xml(self, method: str, path: str, body: str | bytes | None = None, **kw) -> ET.Element:
        response = self.call(method, path, body, **kw)
        assert response.headers["Content-Type"].startswith("application/xml"), response.headers["Content-Type"]
        return ET.fromstring(response.content)

    # -- type descriptors, as the Ansible module reads them ---------------------------------------
    def kinds(self, type_name: str) -> dict[str, str]:
        if type_name not in self._kinds:
            doc = self.xml("GET", f"/metadata/type/{type_name}")
            self._kinds[type_name] = {pd.attrib["name"]: pd.attrib["kind"] for pd in doc.iter("property-descriptor")}
        return self._kinds[type_name]

    # -- CIs ---------------------------------------------------------------------------------------
    def ci_element(self, ci: dict) -> ET.Element:
        kinds = self.kinds(ci["type"])
        root = ET.Element(ci["type"], id=ci["id"])
        for key, value in ci.items():
            if key in ("id", "type"):
                continue
            if key not in kinds:
                raise KeyError(f"'{key}' is not a property of '{ci['type']}'")
            node = ET.SubElement(root, key)
            kind = kinds[key]
            if kind in SCALAR_LISTS:
                for item in value:
                    ET.SubElement(node, "value").text = item
            elif kind in CI_LISTS:
                for item in value:
                    if isinstance(item, dict):
                        node.append(self.ci_element(item))
                    else:
                        ET.SubElement(node, "ci", ref=item)
            elif kind == "MAP_STRING_STRING":
                for k, v in value.items():
                    ET.SubElement(node, "entry", key=k).text = v
            elif kind == "CI":
                node.set("ref", value)
            else:
                node.text = str(value).lower() if isinstance(value, bool) else str(value)
        return root

    def ci_xml(self, ci: dict) -> bytes:
        return ET.tostring(self.ci_element(ci))

    def ci_of(self, doc: ET.Element) -> dict:
        kinds = self.kinds(doc.tag)
        ci = {"id": doc.attrib["id"], "type": doc.tag}
        for node in doc:
            kind = kinds.get(node.tag)
            if kind in SCALAR_LISTS:
                ci[node.tag] = [e.text or "" for e in node]
            elif kind in CI_LISTS:
                ci[node.tag] = [e.attrib["ref"] if "ref" in e.attrib else self.ci_of(e) for e in node]
            elif kind == "MAP_STRING_STRING":
                ci[node.tag] = {e.attrib["key"]: e.text or "" for e in node}
            elif kind == "CI":
                ci[node.tag] = node.attrib["ref"]
            elif kind is None and node.tag == "validation-messages":
                ci[node.tag] = [dict(m.attrib, message=m.text) for m in node]
            else:
                ci[node.tag] = node.text or ""
        return ci

    def exists(self, ci_id: str) -> bool:
        return "true" in self.xml("GET", f"/repository/exists/{ci_id}").text

    def read(self, ci_id: str) -> dict:
        return self.ci_of(self.xml("GET", f"/repository/ci/{ci_id}"))

    def create(self, ci: dict) -> dict:
        return self.ci_of(self.xml("POST", f"/repository/ci/{ci['id']}", self.ci_xml(ci)))

    def update(self, ci: dict) -> dict:
        return self.ci_of(self.xml("PUT", f"/repository/ci/{ci['id']}", self.ci_xml(ci)))

    def delete(self, ci_id: str) -> None:
        self.call("DELETE", f"/repository/ci/{ci_id}")

    def query(self, **params) -> list[dict]:
        return [dict(e.attrib) for e in self.xml("GET", "/repository/query", params=params)]

    # -- bodies of any route, from the JSON a test would send ---------------------------------------
    def body(self, value) -> bytes:
        """XML for a JSON body: CIs by kind, a Deployment, lists, or an object of fields."""
        return ET.tostring(self._element(value, "list" if isinstance(value, list) else "object"))

    def _element(self, value, tag: str) -> ET.Element:
        if isinstance(value, dict) and isinstance(value.get("type"), str) and "id" in value and "." in value["type"]:
            return self.ci_element(value)
        if isinstance(value, dict) and "application" in value and "deployeds" in value:
            return self.deployment_element(value)
        node = ET.Element(tag)
        if isinstance(value, list):
            for item in value:
                node.append(self._element(item, "integer" if isinstance(item, int) else "string"))
        elif isinstance(value, dict):
            for key, item in value.items():
                if item is not None:
                    node.append(self._element(item, key))
        else:
            node.text = str(value).lower() if isinstance(value, bool) else str(value)
        return node

    # -- deployments and tasks ---------------------------------------------------------------------
    def deployment_element(self, deployment: dict) -> ET.Element:
        root = ET.Element("deployment", id=deployment["id"], type=deployment["type"])
        app = {k: v for k, v in _settable(deployment["application"]).items() if not k.startswith("$")}
        ET.SubElement(root, "application").append(self.ci_element(app))
        deployeds = ET.SubElement(root, "deployeds")
        for deployed in deployment["deployeds"]:
            deployeds.append(self.ci_element(_settable(deployed)))
        for key in ("deployables", "containers"):
            node = ET.SubElement(root, key)
            for ref in deployment[key]:
                ET.SubElement(node, "ci", ref=ref.get("ref") or ref["id"], type=ref["type"])
        ET.SubElement(root, "requiredDeployments")
        return root

    def deployment_of(self, doc: ET.Element) -> dict:
        assert doc.tag == "deployment", doc.tag
        return {"id": doc.attrib["id"], "type": doc.attrib["type"],
                "application": self.ci_of(doc.find("application")[0]),
                "deployeds": [self.ci_of(e) for e in doc.find("deployeds")],
                "deployables": [dict(e.attrib) for e in doc.find("deployables")],
                "containers": [dict(e.attrib) for e in doc.find("containers")]}

    def task(self, task_id: str) -> ET.Element:
        return self.xml("GET", f"/task/{task_id}")

    def follow(self, task_id: str, timeout: float = 30.0) -> ET.Element:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            task = self.task(task_id)
            if task.attrib["state"] in ("EXECUTED", "FAILED", "STOPPED", "ABORTED", "DONE", "CANCELLED"):
                return task
            time.sleep(0.05)
        raise AssertionError(f"task {task_id} still {task.attrib['state']} after {timeout}s")


def _settable(ci: dict) -> dict:
    """A CI as read, ready to be sent back: no output-only fields, no empty values."""
    return {k: v for k, v in ci.items() if k != "validation-messages" and v not in ("", None)}
