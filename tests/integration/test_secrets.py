"""Password properties: encrypted at rest, `********` in responses, kept when sent back (as `********` or as
the `{b64}` ciphertext), never logged in clear."""

import json
import sqlite3

import pytest

from tests.integration.helpers import create, db_file, unique
from tests.support.server import InProcessServer

CLEAR = "Sup3r-Secret-Pa55word"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server logging at DEBUG, so that anything that might log a secret does."""
    proc = InProcessServer(tmp_path_factory.mktemp("home") / "server", log_level="DEBUG").start()
    yield proc
    proc.stop()


def everything_written(server) -> bytes:
    """The database (with its WAL) and the logs, as bytes."""
    files = [db_file(server), db_file(server).with_name("repository.db-wal"), server.log_path]
    files += sorted((server.home / "log").glob("*"))
    return b"".join(f.read_bytes() for f in files if f.exists())


def stored(server, ci_id: str) -> dict:
    """The properties of a CI as the database holds them."""
    conn = sqlite3.connect(f"file:{db_file(server)}?mode=ro", uri=True)
    try:
        return json.loads(conn.execute("SELECT properties FROM cis WHERE id = ?", (ci_id,)).fetchone()[0])
    finally:
        conn.close()


def ssh_host(api, **props):
    ci_id = f"Infrastructure/{unique('ssh')}"
    body = dict(os="UNIX", address="db.example.com", username="deploy", password=CLEAR, **props)
    return create(api, ci_id, "overthere.SshHost", **body)


def test_password_is_encrypted_at_rest_and_masked_in_responses(server, api):
    created = ssh_host(api, suPassword=CLEAR + "-su")
    assert created["password"] == "********" and created["suPassword"] == "********"
    at_rest = stored(server, created["id"])
    assert at_rest["password"].startswith("{b64}") and at_rest["suPassword"].startswith("{b64}")
    assert at_rest["suPassword"] != at_rest["password"]
    read = api.get(f"/repository/ci/{created['id']}")
    assert CLEAR not in read.text and read.json()["password"] == "********"
    batch = api.post("/repository/cis/read", json=[created["id"]])
    assert CLEAR not in batch.text and "{b64}" not in batch.text
    written = everything_written(server)
    assert created["id"].encode() in written  # the files looked at do hold the CI
    assert CLEAR.encode() not in written


def test_sending_the_mask_or_the_ciphertext_back_keeps_the_password(server, api):
    created = ssh_host(api)
    before = stored(server, created["id"])["password"]
    response = api.put(f"/repository/ci/{created['id']}", json=dict(created, address="other.example.com"))
    assert response.status_code == 200, response.text
    assert response.json()["password"] == "********"
    assert stored(server, created["id"])["password"] == before
    # the same through the batch update
    response = api.put("/repository/cis", json=[dict(response.json(), port=2222)])
    assert response.status_code == 200, response.text
    assert stored(server, created["id"])["password"] == before
    # the {b64} form of older clients is still accepted
    response = api.put(f"/repository/ci/{created['id']}", json=dict(response.json()[0], password=before))
    assert response.status_code == 200, response.text
    assert stored(server, created["id"])["password"] == before
    assert CLEAR.encode() not in everything_written(server)


def test_the_mask_without_a_stored_value_is_refused(server, api):
    ci_id = f"Infrastructure/{unique('ssh')}"
    body = {"id": ci_id, "type": "overthere.SshHost", "os": "UNIX", "address": "x", "username": "u",
            "password": "********"}
    response = api.post(f"/repository/ci/{ci_id}", json=body)
    assert response.status_code == 400
    assert "Property 'password'" in response.json()["message"] and "********" in response.json()["message"]


def test_changing_the_password_stores_a_new_ciphertext(server, api):
    created = ssh_host(api)
    before = stored(server, created["id"])["password"]
    response = api.put(f"/repository/ci/{created['id']}", json=dict(created, password=CLEAR + "-new"))
    assert response.status_code == 200, response.text
    assert response.json()["password"] == "********"
    after = stored(server, created["id"])["password"]
    assert after.startswith("{b64}") and after != before
    assert (CLEAR + "-new").encode() not in everything_written(server)


def test_history_and_copies_keep_passwords_encrypted(server, api):
    created = ssh_host(api)
    api.put(f"/repository/ci/{created['id']}", json=dict(created, password=CLEAR + "-v2"))
    old = api.get(f"/repository/ci/{created['id']}", params={"version": 1})
    assert old.status_code == 200 and old.json()["password"] == "********"
    history = api.get(f"/repository/history/{created['id']}")
    assert CLEAR not in history.text
    copy = api.post(f"/repository/copy/{created['id']}", params={"newId": created["id"] + "-copy"})
    assert copy.status_code == 200 and copy.json()["password"] == "********"
    assert stored(server, created["id"] + "-copy")["password"].startswith("{b64}")
    assert CLEAR.encode() not in everything_written(server)


def test_encrypted_dictionary_entries(server, api):
    ci_id = f"Environments/{unique('dict')}"
    created = create(api, ci_id, "udm.Dictionary", entries={"user": "app"}, encryptedEntries={"db.password": CLEAR})
    assert created["entries"] == {"user": "app"}
    assert created["encryptedEntries"] == {"db.password": "********"}
    assert stored(server, ci_id)["encryptedEntries"]["db.password"].startswith("{b64}")
    enc = create(api, f"Environments/{unique('edict')}", "udm.EncryptedDictionary", entries={"token": CLEAR + "-t"})
    assert enc["entries"] == {"token": "********"}
    before = stored(server, ci_id)["encryptedEntries"]
    response = api.put(f"/repository/ci/{ci_id}", json=dict(created, encryptedEntries={"db.password": "********",
                                                                                       "new.key": CLEAR + "-n"}))
    assert response.status_code == 200, response.text
    assert response.json()["encryptedEntries"] == {"db.password": "********", "new.key": "********"}
    after = stored(server, ci_id)["encryptedEntries"]
    assert after["db.password"] == before["db.password"] and after["new.key"].startswith("{b64}")
    written = everything_written(server)
    assert CLEAR.encode() not in written and (CLEAR + "-t").encode() not in written
    assert (CLEAR + "-n").encode() not in written


def test_a_refused_request_does_not_log_the_password(server, api):
    ci_id = f"Infrastructure/{unique('ssh')}"
    body = {"id": ci_id, "type": "overthere.SshHost", "os": "UNIX", "address": "x", "username": "u",
            "password": CLEAR + "-refused", "port": "not-a-number"}
    response = api.post(f"/repository/ci/{ci_id}", json=body)
    assert response.status_code == 400 and CLEAR not in response.text
    assert (CLEAR + "-refused").encode() not in everything_written(server)
