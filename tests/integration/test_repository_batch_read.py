"""Reading many CIs at once (POST /repository/cis/read, GET /repository/ci/read): the answer is, CI for CI
and byte for byte, what reading each alone answers, in JSON and in XML; and the repository looks up a
batch in a few statements, not one (or two) per CI."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import event

from server.jsontext import dumps
from tests.integration.helpers import path, unique

XML = {"Accept": "application/xml"}


def _created(api, items: list[dict]) -> None:
    response = api.post("/repository/cis", json=items)
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def repository(api) -> list[str]:
    """Some 160 CIs of several types with random values: hosts (a password, a set of tags), dictionaries
    (plain and encrypted maps, references), packages with 0 to 4 commands below them (a containment
    collection; references between the commands), environments (a set and a list of references)."""
    rnd = random.Random(20261206)
    top = unique("batch")
    infra, apps, envs = f"Infrastructure/{top}", f"Applications/{top}", f"Environments/{top}"
    _created(api, [{"id": infra, "type": "core.Directory"}, {"id": apps, "type": "core.Directory"},
                   {"id": envs, "type": "core.Directory"}])
    hosts = []
    for i in range(40):
        host = {"id": f"{infra}/host-{i}", "type": "overthere.SshHost", "os": rnd.choice(["UNIX", "WINDOWS"]),
                "address": f"10.1.0.{i}", "username": rnd.choice(["deploy", "root"])}
        if rnd.random() < 0.5:
            host["password"] = f"secret-{i}"
        if rnd.random() < 0.6:
            host["tags"] = rnd.sample(["web", "db", "eu", "us", "blue"], rnd.randint(1, 3))
        if rnd.random() < 0.5:
            host["port"] = rnd.randint(1, 65535)
        hosts.append(host)
    _created(api, hosts)
    packages, commands = [], []
    for a in range(4):
        app = f"{apps}/app-{a}"
        _created(api, [{"id": app, "type": "udm.Application"}])
        for v in range(6):
            package = f"{app}/{v}.0"
            packages.append({"id": package, "type": "udm.DeploymentPackage",
                             "orchestrator": rnd.sample(["sequential-by-container", "parallel-by-deployed"],
                                                        rnd.randint(0, 2)),
                             "applicationDependencies": {f"app-{d}": "1.0" for d in range(rnd.randint(0, 2))}})
            names = [f"cmd-{c}" for c in range(rnd.randint(0, 4))]
            for c, name in enumerate(names):
                command = {"id": f"{package}/{name}", "type": "cmd.Command", "commandLine": f"echo {name}"}
                if c and rnd.random() < 0.5:
                    command["dependencies"] = [f"{package}/{names[0]}"]
                if rnd.random() < 0.3:
                    command["order"] = rnd.randint(1, 99)
                commands.append(command)
    _created(api, packages)
    _created(api, commands)
    dictionaries, environments = [], []
    for d in range(8):
        kind = rnd.choice(["udm.Dictionary", "udm.EncryptedDictionary"])
        entry = {"id": f"{envs}/dict-{d}", "type": kind,
                 "entries": {f"k{k}": rnd.choice(["v", "", "x y"]) for k in range(rnd.randint(0, 4))},
                 "restrictToContainers": [h["id"] for h in rnd.sample(hosts, rnd.randint(0, 3))]}
        if kind == "udm.Dictionary" and rnd.random() < 0.7:
            entry["encryptedEntries"] = {f"s{k}": f"hidden-{k}" for k in range(rnd.randint(1, 3))}
        dictionaries.append(entry)
    _created(api, dictionaries)
    for e in range(8):
        environments.append({"id": f"{envs}/env-{e}", "type": "udm.Environment",
                             "members": [h["id"] for h in rnd.sample(hosts, rnd.randint(0, 5))],
                             "dictionaries": [x["id"] for x in rnd.sample(dictionaries, rnd.randint(0, 3))]})
    _created(api, environments)
    ids = [infra, apps, envs, "Infrastructure", "Applications"] + [f"{apps}/app-{a}" for a in range(4)]
    ids += [ci["id"] for ci in hosts + packages + commands + dictionaries + environments]
    rnd.shuffle(ids)
    return ids + ids[:7]  # a few read twice


def test_batch_json_is_each_ci_read_alone(api, repository):
    one_by_one = [api.get(f"/repository/ci/{path(ci_id)}") for ci_id in repository]
    assert all(r.status_code == 200 for r in one_by_one)
    for batch in (api.post("/repository/cis/read", json=repository),
                  api.get("/repository/ci/read", json=repository)):
        assert batch.status_code == 200, batch.text
        assert batch.content == b"[" + b",".join(r.content for r in one_by_one) + b"]"
    shown = batch.json()
    assert any(ci.get("password") == "********" for ci in shown)
    assert any("********" in ci.get("encryptedEntries", {}).values() for ci in shown)
    assert any(ci["type"] == "udm.DeploymentPackage" and ci["deployables"] for ci in shown)


def test_batch_xml_is_each_ci_read_alone(api, repository):
    batch = api.post("/repository/cis/read", json=repository, headers=XML)
    assert batch.status_code == 200, batch.text
    listed = [ET.tostring(ci) for ci in ET.fromstring(batch.content)]
    alone = [ET.tostring(ET.fromstring(api.get(f"/repository/ci/{path(ci_id)}", headers=XML).content))
             for ci_id in repository]
    assert listed == alone


def test_batch_read_takes_a_few_statements(server, api, repository):
    """One statement per batch for the CIs and one for the children of the containers among them, where
    there were one per CI and one more per package."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = server.services.db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        batch = api.post("/repository/cis/read", json=repository)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert batch.status_code == 200, batch.text
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 3, reads


def test_batch_with_a_missing_ci_names_it(api, repository):
    missing = f"{repository[0]}-missing"
    response = api.post("/repository/cis/read", json=[repository[1], missing, repository[2]])
    assert response.status_code == 404
    assert missing in response.text
    assert dumps(response.json()) == response.content
