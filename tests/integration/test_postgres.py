"""Shared mode: the same repository code on a real PostgreSQL server, with two servers sharing it."""

import pytest

from tests.support.postgres import PostgresServer
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def postgres_url():
    pg = PostgresServer().start()
    yield pg.create_database("deployit")
    pg.stop()


@pytest.fixture(scope="module")
def pg_servers(tmp_path_factory, postgres_url):
    first = ServerProcess(tmp_path_factory.mktemp("pg1") / "home", conf={"repository.database.url": postgres_url}).start()
    second = ServerProcess(tmp_path_factory.mktemp("pg2") / "home", conf={"repository.database.url": postgres_url})
    # Both servers must decrypt the same passwords: shared mode shares the key too.
    (second.home / "conf").mkdir(parents=True)
    (second.home / "conf" / "repository.key").write_bytes((first.home / "conf" / "repository.key").read_bytes())
    second.start()
    yield first, second
    second.stop()
    first.stop()


def test_repository_on_postgresql(pg_servers):
    first, second = pg_servers
    a, b = first.session(), second.session()
    assert not (first.home / "repository" / "repository.db").exists()
    r = a.post(first.url + "/repository/cis", json=[
        {"id": "Infrastructure/pg-dir", "type": "core.Directory"},
        {"id": "Infrastructure/pg-dir/host", "type": "overthere.SshHost", "address": "10.0.0.1", "username": "u",
         "password": "pw"},
        {"id": "Environments/pg-env", "type": "udm.Environment", "members": ["Infrastructure/pg-dir/host"]}])
    assert r.status_code == 200, r.text
    # The second server sees what the first wrote, passwords included.
    host = b.get(second.url + "/repository/ci/Infrastructure/pg-dir/host").json()
    assert host["address"] == "10.0.0.1" and host["password"] == "********"
    query = b.get(second.url + "/repository/query", params={"type": "udm.Container", "ancestor": "Infrastructure"})
    assert {"ref": "Infrastructure/pg-dir/host", "type": "overthere.SshHost"} in query.json()
    # Optimistic locking across servers.
    host["address"] = "10.0.0.2"
    assert b.put(second.url + "/repository/ci/Infrastructure/pg-dir/host", json=host).status_code == 200
    host["address"] = "10.0.0.3"
    stale = a.put(first.url + "/repository/ci/Infrastructure/pg-dir/host", json=host)
    assert stale.status_code == 409
    assert a.get(first.url + "/repository/ci/Infrastructure/pg-dir/host").json()["address"] == "10.0.0.2"
    # Referential integrity, rename carrying references, history.
    refused = a.delete(first.url + "/repository/ci/Infrastructure/pg-dir")
    assert refused.status_code == 409 and "Environments/pg-env" in refused.json()["message"]
    assert a.post(first.url + "/repository/rename/Infrastructure/pg-dir", params={"newName": "pg-dir2"}).ok
    env = b.get(second.url + "/repository/ci/Environments/pg-env").json()
    assert env["members"] == ["Infrastructure/pg-dir2/host"]
    actions = [v["action"] for v in a.get(first.url + "/repository/history/Infrastructure/pg-dir2/host").json()]
    assert actions == ["CREATE", "UPDATE", "RENAME"]


def test_requests_with_odd_text_are_audited_on_postgresql(pg_servers):
    """PostgreSQL refuses NUL and longer values than a column holds, SQLite does not: the audit trail escapes
    and cuts them, so that refused requests (and the entries written with them) are still recorded."""
    import base64

    import requests
    first, _ = pg_servers
    a = first.session()
    nul_user = base64.b64encode(b"\x00" * 300 + b":x").decode()
    refused = requests.post(first.url + "/repository/cis", headers={"Authorization": f"Basic {nul_user}"})
    assert refused.status_code == 401
    assert a.post(first.url + "/repository/ci/Applications/a%00b", json={}).status_code == 400
    assert a.post(first.url + "/no/such/" + "x" * 400).status_code == 404
    entries = a.get(first.url + "/security/audit", params={"resultsPerPage": 1000}).json()
    assert any(e["status"] == 401 and e["user"].startswith("\\x00") and len(e["user"]) == 255 for e in entries)
    assert any(e["status"] == 400 and e["path"].endswith("a\\x00b") for e in entries)
    assert any(e["status"] == 404 and len(e["action"]) == 255 for e in entries)
