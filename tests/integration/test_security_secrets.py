"""Secrets end to end: a deployment on the local host whose commands print a password property and a value
from an encrypted dictionary; afterwards no clear value is anywhere: not in the database files (WAL
included), the logs (DEBUG), the audit trail, the task and its step logs, API responses or exports."""

from __future__ import annotations

import time

import pytest

from tests.conftest import Api
from tests.integration.helpers import unique
from tests.integration.security_helpers import ok
from tests.integration.tasks_helpers import wait_state
from tests.support.server import InProcessServer

FROM_DICTIONARY = "Dict-Pa55-7f3a91"      # a value of a udm.EncryptedDictionary
FROM_ENTRIES = "Enc-Entry-Pa55-b2c4d8"    # a value of a udm.Dictionary's encryptedEntries
FROM_PROPERTY = "Prop-Pa55-e5a6c3"        # a password property set on the deployable
CLEAR = (FROM_DICTIONARY, FROM_ENTRIES, FROM_PROPERTY)

TYPES = """<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">
  <type-modification type="cmd.Command">
    <property name="secretArg" password="true" required="false"/>
  </type-modification>
  <type-modification type="cmd.DeployedCommand">
    <property name="secretArg" password="true" required="false"/>
  </type-modification>
</synthetic>"""

# A rule as a release team would write it: the password goes into a command line by concatenation.
RULES = """<?xml version="1.0"?>
<rules xmlns="http://www.xebialabs.com/xl-deploy/xl-rules">
  <rule name="acme.echoSecret" scope="deployed">
    <conditions>
      <type>cmd.DeployedCommand</type>
      <operation>CREATE</operation>
      <expression>bool(deployed.secretArg)</expression>
    </conditions>
    <steps>
      <command>
        <description expression="true">"Use the secret of %s" % deployed.name</description>
        <order>70</order>
        <command-line expression="true">"echo secret=" + deployed.secretArg</command-line>
      </command>
    </steps>
  </rule>
</rules>
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("secrets") / "home"
    (home / "plugins").mkdir(parents=True)
    (home / "plugins" / "secret-synthetic.xml").write_text(TYPES)
    (home / "plugins" / "secret-rules.xml").write_text(RULES)
    proc = InProcessServer(home, log_level="DEBUG").start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def api(server):
    return Api(server)


@pytest.fixture(scope="module")
def deployed(server, api, tmp_path_factory):
    """Deploy: `fromDict` prints a placeholder from the encrypted dictionary, `fromEntries` one of
    encryptedEntries, `fromProperty` a password property; `config` is a file with a secret placeholder."""
    target = tmp_path_factory.mktemp("target")
    name = unique("app")
    app, host, env = f"Applications/{name}", f"Infrastructure/{unique('local')}", f"Environments/{unique('env')}"
    enc, dic = f"Environments/{unique('enc')}", f"Environments/{unique('dict')}"
    version = f"{app}/1.0"
    ok(api.post("/repository/cis", json=[
        {"id": host, "type": "overthere.LocalHost", "os": "UNIX"},
        {"id": enc, "type": "udm.EncryptedDictionary", "entries": {"DB_PASSWORD": FROM_DICTIONARY}},
        {"id": dic, "type": "udm.Dictionary", "entries": {"TARGET": str(target)},
         "encryptedEntries": {"API_KEY": FROM_ENTRIES}},
        {"id": env, "type": "udm.Environment", "members": [host], "dictionaries": [enc, dic]},
        {"id": app, "type": "udm.Application"},
        {"id": version, "type": "udm.DeploymentPackage"},
        {"id": f"{version}/fromDict", "type": "cmd.Command", "commandLine": "echo dict",
         "secretArg": "{{DB_PASSWORD}}"},
        {"id": f"{version}/fromEntries", "type": "cmd.Command", "commandLine": "echo entries",
         "secretArg": "{{API_KEY}}"},
        {"id": f"{version}/fromProperty", "type": "cmd.Command", "commandLine": "echo property",
         "secretArg": FROM_PROPERTY},
    ]))
    response = api.session.post(server.url + f"/repository/ci/{version}/config", files={
        "configurationItem": (None, '{"id": "%s/config", "type": "file.File", "targetPath": "{{TARGET}}", '
                                    '"placeholders": ["API_KEY"]}' % version, "application/json"),
        "file": ("app.conf", b"key={{API_KEY}}\n", "text/plain")}, headers={"Content-Type": None})
    ok(response)
    prepared = ok(api.get("/deployment/prepare/initial", params={"version": version, "environment": env}))
    mapped = ok(api.post("/deployment/prepare/deployeds", json=prepared.json()))
    preview = ok(api.post("/deployment/previewblock", json=mapped.json()))
    changes = ok(api.post("/deployment/preview-changes", json=mapped.json()))
    task_id = ok(api.post("/deployment", json=mapped.json())).json()["string"]
    ok(api.post(f"/tasks/v2/{task_id}/start"))
    done = wait_state(api, task_id)
    assert done["state"] == "EXECUTED", done
    assert (target / "app.conf").read_text() == f"key={FROM_ENTRIES}\n"  # the target does get the value
    return {"task": task_id, "done": done, "host": host, "env": env, "enc": enc, "dict": dic, "version": version,
            "responses": [prepared.text, mapped.text, preview.text, changes.text], "name": name}


def test_steps_used_the_secrets_and_their_logs_mask_them(api, deployed):
    logs = {}
    for block in deployed["done"]["block"]["blocks"]:
        for sub in block.get("blocks") or [block]:
            for step in sub.get("steps") or []:
                logs[step["description"]] = step["log"]
    echoed = [log for description, log in logs.items() if description.startswith("Use the secret of")]
    assert len(echoed) == 3 and all("secret=********" in log for log in echoed), logs
    for log in logs.values():
        assert not any(value in log for value in CLEAR), log


def test_no_clear_value_in_the_database_files_or_the_logs(server, api, deployed):
    ok(api.post(f"/tasks/v2/{deployed['task']}/archive"))
    time.sleep(0.3)  # let the audit writer and the log handlers write
    files = sorted((server.home / "repository").glob("repository.db*")) + sorted((server.home / "log").glob("*"))
    files.append(server.log_path)
    assert any(f.name.endswith("-wal") for f in files) and any(f.name == "audit.log" for f in files)
    for path in files:
        content = path.read_bytes()
        for value in CLEAR:
            assert value.encode() not in content, f"{value} found in {path}"
    # what was searched does hold the deployment (the search looked at the right files)
    everything = b"".join(f.read_bytes() for f in files)
    assert deployed["name"].encode() in everything


def test_no_clear_value_in_responses_exports_or_the_audit_trail(server, api, deployed):
    today = time.strftime("%Y-%m-%d", time.gmtime())
    texts = list(deployed["responses"])
    texts.append(ok(api.get(f"/tasks/v2/{deployed['task']}")).text)
    texts.append(ok(api.get("/tasks/v2/export", params={"begindate": today})).text)
    texts.append(ok(api.get(f"/task/{deployed['task']}")).text)
    texts.append(ok(api.get("/security/audit", params={"resultsPerPage": 1000})).text)
    for ci_id in (deployed["enc"], deployed["dict"], f"{deployed['version']}/fromProperty",
                  f"{deployed['host']}/fromDict", f"{deployed['host']}/fromProperty", f"{deployed['host']}/config"):
        texts.append(ok(api.get(f"/repository/ci/{ci_id}")).text)
        texts.append(ok(api.get(f"/repository/ci/{ci_id}", params={"version": 1})).text)
    texts.append(ok(api.get("/deployment/dictionary", params={"environment": deployed["env"]})).text)
    joined = "\n".join(texts)
    assert deployed["task"] in joined
    for value in CLEAR:
        assert value not in joined, value
    # password properties and encrypted values read as ********
    assert ok(api.get(f"/repository/ci/{deployed['host']}/fromProperty")).json()["secretArg"] == "********"
    assert ok(api.get(f"/repository/ci/{deployed['host']}/config")).json()["placeholders"]["API_KEY"] == "********"
    assert ok(api.get(f"/repository/ci/{deployed['enc']}")).json()["entries"] == {"DB_PASSWORD": "********"}
    task = ok(api.get(f"/tasks/v2/{deployed['task']}")).text
    assert "{b64}" not in task and "********" in task
