"""Text the server cannot keep (lone surrogates, NUL, control characters in names), numbers too large for
the database, file names a file system refuses, malformed multipart and clients that leave early: each is
a 4xx with one sentence naming what is wrong, nothing is written, and the log shows no error."""

import base64
import json
import socket
import sqlite3
import time

import pytest

from tests.integration.helpers import create, db_file, db_state, exists, path, unique
from tests.support.server import ACCEPT_JSON

SURROGATE = '"\\ud800"'  # as a client sends it: a JSON escape of a lone surrogate


def refused(server, send, status, *words):
    """Send a request; it must get `status` with a one-sentence JSON message holding every word, and
    change nothing in the repository."""
    before = db_state(server)
    response = send()
    assert response.status_code == status, response.text
    message = response.json()["message"]
    assert message.endswith(".") and ". " not in message.replace("...", ""), message
    for word in words:
        assert word in message, message
    assert db_state(server) == before
    return message


def no_errors_logged(server):
    text = server.log_path.read_text(errors="replace")
    assert " ERROR [" not in text and "Exception in ASGI application" not in text, text[-3000:]


# -- lone surrogates and NUL in JSON bodies ----------------------------------------------------

def test_lone_surrogate_in_a_ci_property_is_refused_and_the_ci_stays_readable(server, api):
    dic = create(api, f"Environments/{unique('dict')}", "udm.Dictionary", entries={"k": "v"})
    new = f"Environments/{unique('dict')}"
    body = '{"id": "%s", "type": "udm.Dictionary", "entries": {"k": %s}}' % (new, SURROGATE)
    refused(server, lambda: api.post(f"/repository/ci/{new}", data=body), 400, "'entries.k'", "surrogate")
    refused(server, lambda: api.post("/repository/cis", data=f"[{body}]"), 400, "'[0].entries.k'")
    changed = json.dumps(dict(dic, entries={"k": "\ud800"}))  # json.dumps escapes it as \ud800
    refused(server, lambda: api.put(f"/repository/ci/{dic['id']}", data=changed), 400, "'entries.k'")
    refused(server, lambda: api.put("/repository/cis", data=f"[{changed}]"), 400, "'[0].entries.k'")
    key = '{"id": "%s", "type": "udm.Dictionary", "entries": {"\\udc00": "v"}}' % new
    refused(server, lambda: api.post(f"/repository/ci/{new}", data=key), 400, "entries.\\udc00", "surrogate")
    raw = b'{"id": "%s", "type": "udm.Dictionary", "entries": {"k": "\xed\xa0\x80"}}' % new.encode()
    refused(server, lambda: api.post(f"/repository/ci/{new}", data=raw), 400, "'entries.k'")
    upload = lambda: server.http().post(f"{server.url}/repository/ci/{new}", auth=("admin", "admin"),  # noqa: E731
                                   headers=ACCEPT_JSON, files={
        "configurationItem": (None, body, "application/json")})
    refused(server, upload, 400, "'entries.k'", "CI part")
    assert not exists(api, new)
    assert api.get(f"/repository/ci/{dic['id']}").json()["entries"] == {"k": "v"}


def test_a_lone_surrogate_stored_by_an_earlier_release_is_answered_not_a_500(server, api):
    """Releases before the text checks stored lone surrogates (as JSON escapes): such a CI still reads, in
    JSON as the same escape and in XML, which cannot hold one, as U+FFFD; and it can be changed."""
    dic = create(api, f"Environments/{unique('dict')}", "udm.Dictionary", entries={"k": "v"})
    with sqlite3.connect(db_file(server)) as db:
        db.execute("update cis set properties = ? where id = ?", (json.dumps({"entries": {"k": "a\ud800b"}}), dic["id"]))
    answer = api.get(f"/repository/ci/{dic['id']}")
    assert answer.status_code == 200 and b'"a\\ud800b"' in answer.content and answer.json()["entries"] == {"k": "a\ud800b"}
    listed = api.post("/repository/cis/read", json=[dic["id"]])
    assert listed.status_code == 200 and listed.json()[0]["entries"] == {"k": "a\ud800b"}
    as_xml = api.get(f"/repository/ci/{dic['id']}", headers={"Accept": "application/xml"})
    assert as_xml.status_code == 200 and '<entry key="k">a\ufffdb</entry>' in as_xml.content.decode("utf-8")
    changed = api.put(f"/repository/ci/{dic['id']}", json=dict(answer.json(), entries={"k": "fixed"}))
    assert changed.status_code == 200 and api.get(f"/repository/ci/{dic['id']}").json()["entries"] == {"k": "fixed"}
    no_errors_logged(server)


def test_nul_in_a_ci_property_is_refused(server, api):
    new = f"Environments/{unique('dict')}"
    body = {"id": new, "type": "udm.Dictionary", "entries": {"k": "a\x00b"}}
    refused(server, lambda: api.post(f"/repository/ci/{new}", json=body), 400, "'entries.k'", "NUL")
    assert not exists(api, new)


@pytest.mark.parametrize("method,route,body,words", [
    ("POST", "/security/user/{u}", '{"password": %s}' % SURROGATE, ["'password'"]),
    ("PUT", "/security/user/admin", '{"password": %s}' % SURROGATE, ["'password'"]),
    ("POST", "/security/role/{u}", '{"name": %s}' % SURROGATE, ["'name'"]),
    ("POST", "/package/fetch", SURROGATE, ["request body", "surrogate"]),
    ("POST", "/package/fetch2", '{"url": %s}' % SURROGATE, ["'url'"]),
    ("POST", "/control", '{"controlName": %s, "ci": "Infrastructure/x"}' % SURROGATE, ["'controlName'"]),
    ("POST", "/deployment/prepare/deployeds", '{"application": {"id": %s}}' % SURROGATE, ["'application.id'"]),
    ("POST", "/repository/cis/read", '["Applications/a", %s]' % SURROGATE, ["'[1]'"]),
    ("POST", "/repository/cis/delete", '["Applications/a", %s]' % SURROGATE, ["'[1]'"]),
    ("POST", "/deployment", '{"application": {"id": "Applications/a"}, "deployeds": [{"x": %s}]}' % SURROGATE,
     ["'deployeds[0].x'"]),
])
def test_lone_surrogates_are_refused_on_every_json_route(server, api, method, route, body, words):
    user = unique("user")
    refused(server, lambda: api.session.request(method, server.url + route.format(u=user), data=body), 400,
            "not valid text", *words)
    assert api.get(f"/security/user/{user}").status_code == 404
    assert server.http().get(f"{server.url}/server/info", auth=("admin", "admin"), headers=ACCEPT_JSON).status_code == 200


# -- control characters in ids, names and passwords --------------------------------------------

def test_control_characters_in_role_names_are_refused(server, api):
    roles = api.get("/security/role/").json()
    refused(server, lambda: api.put("/security/role/%00%00"), 400, "NUL")
    refused(server, lambda: api.put("/security/role/a%01b"), 400, "U+0001")
    role = create_role(api)
    refused(server, lambda: api.post(f"/security/role/{role}", json={"name": "a\x07b"}), 400, "role name", "U+0007")
    refused(server, lambda: api.put(f"/security/role/{role}/bob%0A"), 400, "U+000A")
    refused(server, lambda: api.put("/security/role/" + "r" * 300), 400, "role name", "255")
    assert sorted(api.get("/security/role/").json()) == sorted(roles + [role])


def create_role(api):
    role = unique("role")
    assert api.put(f"/security/role/{role}").status_code == 204
    return role


def test_control_characters_in_user_names_and_passwords_are_refused(server, api):
    user = unique("user")
    refused(server, lambda: api.post(f"/security/user/{user}%00", json={"password": "x"}), 400, "NUL")
    refused(server, lambda: api.post(f"/security/user/{user}", json={"password": "secret\x01"}), 400,
            f"password of user {user}", "U+0001")
    refused(server, lambda: api.post(f"/security/user/{user}", json={"password": "secret\x00"}), 400, "NUL")
    refused(server, lambda: api.post("/security/user/" + "u" * 300, json={"password": "x"}), 400, "255")
    assert api.get(f"/security/user/{user}").status_code == 404
    assert api.post(f"/security/user/{user}", json={"password": "secret"}).status_code == 200
    refused(server, lambda: api.put(f"/security/user/{user}", json={"password": "new\x1b"}), 400, "U+001B")
    # The password is unchanged: the user authenticates (and lacks the login permission).
    assert server.http().get(f"{server.url}/server/info", auth=(user, "secret")).status_code == 403


def test_control_characters_in_ci_ids_are_refused(server, api):
    name = f"{unique('app')}\x01"
    refused(server, lambda: api.post("/repository/cis", json=[{"id": f"Applications/{name}",
                                                               "type": "udm.Application"}]), 400, "U+0001")
    refused(server, lambda: api.post(f"/repository/ci/Applications/{path(name)}",
                                     json={"type": "udm.Application"}), 400, "U+0001")
    refused(server, lambda: api.get("/repository/ci/Applications/a%00"), 400, "NUL")


@pytest.mark.parametrize("credentials", [b"admin:admin\x00", b"admin\x00:admin", b"admin:admin\x00junk"])
def test_basic_auth_with_control_characters_does_not_log_in(server, credentials):
    header = {"Authorization": "Basic " + base64.b64encode(credentials).decode()}
    response = server.http().get(f"{server.url}/server/info", headers=header)
    assert response.status_code == 401, response.text


# -- numbers, file names, multipart ------------------------------------------------------------

HUGE = "1" + "0" * 30


@pytest.mark.parametrize("route,param", [
    (f"/repository/query?resultsPerPage={HUGE}", "resultsPerPage"),
    (f"/repository/query?page={HUGE}&resultsPerPage=10", "page"),
    (f"/repository/query?page=-{HUGE}&resultsPerPage=10", "page"),
    (f"/repository/v3/query?page={HUGE}&resultsPerPage=10", "page"),
    (f"/security/audit?page={HUGE}", "page"),
    (f"/tasks/v2/query?page={HUGE}", "page"),
    (f"/task/export?page={HUGE}&resultsPerPage=1", "page"),
    (f"/task/query?resultsPerPage={HUGE}", "resultsPerPage"),
    (f"/repository/ci/Environments?version={HUGE}", "version"),
])
def test_huge_paging_numbers_are_refused(server, api, route, param):
    refused(server, lambda: api.get(route), 400, f"'{param}'", "2147483647")


def test_huge_step_numbers_are_refused(server, api):
    task = api.post("/repository/export").json()["string"]
    digits = "9" * 5000
    refused(server, lambda: api.get(f"/task/{task}/step/{digits}"), 400, "Step number")
    refused(server, lambda: api.post(f"/task/{task}/skip", json=[digits]), 400, "Step number")
    refused(server, lambda: api.get(f"/tasks/v2/{task}/step/0_1_{digits}"), 400, "Step path")
    refused(server, lambda: api.post(f"/tasks/v2/{task}/assign/{'u' * 300}"), 400, "255")
    assert api.delete(f"/tasks/v2/{task}").status_code == 204


@pytest.mark.parametrize("method,route,words", [
    ("POST", "/repository/export?exportDir=%00", ["'exportDir'", "NUL"]),
    ("GET", "/repository/export-file/%00", ["path", "NUL"]),
    ("POST", "/repository/import?archive=%00", ["'archive'", "NUL"]),
    ("POST", "/package/import/" + "a" * 300, ["package name", "255"]),
    ("GET", "/repository/export-file/" + "a" * 5000, ["archive name"]),
    ("POST", "/repository/import?archive=" + "a" * 300, ["archive name", "255"]),
    ("POST", "/repository/export?exportDir=" + "a" * 300, ["export folder", "255"]),
])
def test_bad_file_names_are_refused(server, api, method, route, words):
    refused(server, lambda: api.session.request(method, server.url + route), 400, *words)


def test_an_uploaded_archive_with_a_long_name_is_checked_not_an_error(server):
    send = lambda: server.http().post(f"{server.url}/repository/import", auth=("admin", "admin"),  # noqa: E731
                                 headers=ACCEPT_JSON, files={
        "file": ("a" * 300 + ".zip", b"not a zip", "application/zip")})
    refused(server, send, 400, ".zip")
    assert not [p for p in (server.home / "export").glob("uploaded-*")]


@pytest.mark.parametrize("url", ["http://u:p@example.invalid:99999/x.dar", "http://[::1/x.dar"])
def test_fetch_of_a_url_that_does_not_parse_is_refused(server, api, url):
    refused(server, lambda: api.post("/package/fetch2", json={"url": url}), 400, "URL", "not valid")


def multipart(server, route, boundary, body):
    return lambda: server.http().post(server.url + route, auth=("admin", "admin"), data=body,
                                 headers={**ACCEPT_JSON, "Content-Type": f"multipart/form-data; boundary={boundary}"})


@pytest.mark.parametrize("route", ["/package/upload/x.dar", "/repository/import",
                                   "/repository/ci/Applications/x"])
def test_malformed_multipart_is_refused(server, route):
    long = "b" * 300
    part = f'--{long}\r\nContent-Disposition: form-data; name="fileData"; filename="x.dar"\r\n\r\nPK\r\n--{long}--\r\n'
    refused(server, multipart(server, route, long, part), 400, "multipart", "oundary")
    refused(server, multipart(server, route, "xyz", "--xyz\r\n\r\nno headers\r\n--xyz--\r\n"), 400)
    refused(server, multipart(server, route, "xyz", "--xyz\r\nno blank line--xyz--"), 400, "multipart")
    refused(server, multipart(server, route, "xyz", "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n"
                                                    "\r\nunterminated"), 400)


def test_an_artifact_file_name_with_a_control_character_is_refused(server, api):
    pkg = create(api, f"Applications/{unique('app')}", "udm.Application")["id"] + "/1.0"
    create(api, pkg, "udm.DeploymentPackage")
    ci_id = f"{pkg}/file"
    send = lambda: server.http().post(f"{server.url}/repository/ci/{ci_id}", auth=("admin", "admin"),  # noqa: E731
                                 headers=ACCEPT_JSON, files={
        "configurationItem": (None, json.dumps({"id": ci_id, "type": "file.File"}), "application/json"),
        "fileData": ("a\x01b.txt", b"hello", "application/octet-stream")})
    refused(server, send, 400, ci_id, "U+0001")


# -- clients that leave --------------------------------------------------------------------------

@pytest.mark.parametrize("route,content_type", [
    ("/repository/cis", "application/json"),
    ("/package/upload/x.dar", "multipart/form-data; boundary=xyz"),
    ("/package/upload/x.dar", "application/octet-stream"),
    ("/repository/ci/Applications/x", "multipart/form-data; boundary=xyz"),
])
def test_a_client_that_leaves_mid_request_is_no_error(server_process, process_api, route, content_type):
    server, api = server_process, process_api  # a socket that is closed half-way needs a real port
    auth = base64.b64encode(b"admin:admin").decode()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(f"POST /deployit{route} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n"
                     f"Content-Type: {content_type}\r\nContent-Length: 100000\r\n\r\n"
                     '--xyz\r\nContent-Disposition: form-data; name="fileData"; filename="x.dar"\r\n\r\n[{'.encode())
        time.sleep(0.2)
    time.sleep(0.3)
    assert api.get("/server/info").status_code == 200
    no_errors_logged(server)


def test_no_errors_logged(server, api):
    assert api.get("/server/info").status_code == 200
    no_errors_logged(server)
