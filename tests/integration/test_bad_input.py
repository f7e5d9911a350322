"""Bad requests get a 4xx with a JSON message naming what is wrong, and leave the repository untouched."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import Api
from tests.integration.helpers import create, db_state, exists, history, path, unique
from tests.support.server import ACCEPT_JSON, InProcessServer


@pytest.fixture(scope="module")
def tree(api):
    """An application with a package, a host and an environment holding the host."""
    app = create(api, f"Applications/{unique('app')}", "udm.Application")["id"]
    pkg = create(api, f"{app}/1.0", "udm.DeploymentPackage")["id"]
    host = create(api, f"Infrastructure/{unique('host')}", "overthere.LocalHost", os="UNIX")["id"]
    env = create(api, f"Environments/{unique('env')}", "udm.Environment", members=[host])["id"]
    return {"app": app, "pkg": pkg, "host": host, "env": env}


def refused(server, send, status, *words):
    """Send a request; it must get `status` with a JSON message holding every word, and change nothing."""
    before = db_state(server)
    response = send()
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    message = response.json()["message"]
    for word in words:
        assert word in message, message
    assert db_state(server) == before
    return message


def post_ci(api, ci_id, body):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return lambda: api.post(f"/repository/ci/{path(ci_id)}", data=data)


# -- the body ----------------------------------------------------------------------------------

def test_malformed_json(server, api):
    ci_id = f"Applications/{unique('app')}"
    refused(server, post_ci(api, ci_id, '{"id": "%s", "type": "udm.Application",' % ci_id), 400, "not valid JSON")
    refused(server, lambda: api.post("/repository/cis", data="[{]"), 400, "not valid JSON")
    refused(server, lambda: api.post("/repository/cis/delete", data="not json"), 400, "not valid JSON")
    refused(server, lambda: api.post("/repository/cis", data=b"\xff\xfe[\x00"), 400, "not valid JSON")
    refused(server, lambda: api.post("/repository/cis", data="[" * 100_000), 400, "not valid JSON", "deeply")
    assert not exists(api, ci_id)


def test_body_not_an_object_or_list(server, api, tree):
    ci_id = f"Applications/{unique('app')}"
    refused(server, post_ci(api, ci_id, ["udm.Application"]), 400, "JSON object")
    refused(server, post_ci(api, ci_id, ""), 400, "no body")
    refused(server, lambda: api.post("/repository/cis", json={"id": ci_id, "type": "udm.Application"}), 400,
            "JSON list")
    refused(server, lambda: api.put("/repository/cis", json={"id": tree["app"]}), 400, "JSON list")
    refused(server, lambda: api.post("/repository/cis/delete", json=tree["app"]), 400, "JSON list")
    refused(server, lambda: api.post("/repository/cis", json=["Applications/x"]), 400, "JSON object")
    refused(server, lambda: api.put(f"/repository/ci/{tree['app']}", json="udm.Application"), 400, "JSON object")
    assert not exists(api, ci_id) and exists(api, tree["app"])


def test_body_id_must_match_path(server, api):
    ci_id, other = f"Applications/{unique('app')}", f"Applications/{unique('app')}"
    refused(server, post_ci(api, ci_id, {"id": other, "type": "udm.Application"}), 400, ci_id, other)
    assert not exists(api, ci_id) and not exists(api, other)


# -- types and properties ----------------------------------------------------------------------

def test_unknown_type(server, api):
    ci_id = f"Applications/{unique('app')}"
    refused(server, post_ci(api, ci_id, {"id": ci_id, "type": "udm.NoSuchThing"}), 400, "udm.NoSuchThing", ci_id)
    refused(server, post_ci(api, ci_id, {"id": ci_id}), 400, ci_id, "type")
    refused(server, post_ci(api, ci_id, {"id": ci_id, "type": ["udm.Application"]}), 400, ci_id)
    assert not exists(api, ci_id)


def test_virtual_type(server, api):
    ci_id = f"Infrastructure/{unique('host')}"
    refused(server, post_ci(api, ci_id, {"id": ci_id, "type": "overthere.Host", "os": "UNIX"}), 400,
            "overthere.Host", "virtual", ci_id)
    assert not exists(api, ci_id)


def test_unknown_property(server, api):
    ci_id = f"Applications/{unique('app')}"
    refused(server, post_ci(api, ci_id, {"id": ci_id, "type": "udm.Application", "colour": "red"}), 400,
            "colour", ci_id)
    assert not exists(api, ci_id)


@pytest.mark.parametrize("prop,value,words", [
    ("port", "twenty-two", ["port", "integer"]),
    ("port", True, ["port", "integer"]),
    ("port", [22], ["port", "integer"]),
    ("os", "AMIGA", ["os", "UNIX", "AMIGA"]),
    ("connectionType", 3, ["connectionType"]),
    ("tags", {"a": "b"}, ["tags", "list"]),
    ("address", {"host": "x"}, ["address", "string"]),
])
def test_wrong_kinds_on_a_host(server, api, prop, value, words):
    ci_id = f"Infrastructure/{unique('ssh')}"
    body = {"id": ci_id, "type": "overthere.SshHost", "os": "UNIX", "connectionType": "SFTP",
            "address": "h.example.com", "username": "u", prop: value}
    refused(server, post_ci(api, ci_id, body), 400, ci_id, *words)
    assert not exists(api, ci_id)


def test_wrong_kinds_on_package_and_dictionary(server, api, tree):
    pkg = f"{tree['app']}/{unique('v')}"
    refused(server, post_ci(api, pkg, {"id": pkg, "type": "udm.DeploymentPackage", "undeployDependencies": "maybe"}),
            400, pkg, "undeployDependencies", "maybe")
    refused(server, post_ci(api, pkg, {"id": pkg, "type": "udm.DeploymentPackage", "orchestrator": [["a"]]}),
            400, pkg, "orchestrator")
    dic = f"Environments/{unique('dict')}"
    refused(server, post_ci(api, dic, {"id": dic, "type": "udm.Dictionary", "entries": ["a", "b"]}), 400,
            dic, "entries", "map")
    refused(server, post_ci(api, dic, {"id": dic, "type": "udm.Dictionary", "entries": {"a": {"b": "c"}}}), 400,
            dic, "entries", "'a'")
    refused(server, post_ci(api, dic, {"id": dic, "type": "udm.Dictionary", "restrictToContainers": "x"}), 400,
            dic, "restrictToContainers")
    assert not exists(api, pkg) and not exists(api, dic)


def test_missing_required_property(server, api):
    ci_id = f"Infrastructure/{unique('ssh')}"
    body = {"id": ci_id, "type": "overthere.SshHost", "os": "UNIX", "username": "u"}
    refused(server, post_ci(api, ci_id, body), 400, ci_id, "address", "required")
    assert not exists(api, ci_id)


def test_update_with_wrong_kind_or_cleared_required_value_writes_nothing(server, api):
    ci_id = f"Infrastructure/{unique('ssh')}"
    created = create(api, ci_id, "overthere.SshHost", os="UNIX", address="a.example.com", username="u", port=2222)
    body = dict(created, port="many")
    refused(server, lambda: api.put(f"/repository/ci/{ci_id}", json=body), 400, ci_id, "port")
    body = dict(created, address="")
    refused(server, lambda: api.put(f"/repository/ci/{ci_id}", json=body), 400, ci_id, "address")
    body = dict(created, type="overthere.LocalHost")
    refused(server, lambda: api.put(f"/repository/ci/{ci_id}", json=body), 400, ci_id, "overthere.LocalHost")
    current = api.get(f"/repository/ci/{ci_id}").json()
    assert current["port"] == 2222 and current["address"] == "a.example.com"
    assert current["$token"] == created["$token"]


# -- ids and places ----------------------------------------------------------------------------

def test_missing_parent(server, api):
    ci_id = f"Applications/{unique('nodir')}/app"
    refused(server, post_ci(api, ci_id, {"id": ci_id, "type": "udm.Application"}), 400, ci_id, "parent")
    assert not exists(api, ci_id)


@pytest.mark.parametrize("name,word", [("a*b", "illegal"), ("50%", "illegal"), ("a:b", "illegal"),
                                       ("a[1]", "illegal"), ("a|b", "illegal"), ('say"hi"', "illegal"),
                                       ("back\\slash", "illegal"), ("padded ", "spaces")])
def test_illegal_names(server, api, name, word):
    ci_id = f"Applications/{unique('app')}{name}"
    refused(server, post_ci(api, ci_id, {"id": ci_id, "type": "udm.Application"}), 400, word, name)
    refused(server, lambda: api.post("/repository/cis", json=[{"id": ci_id, "type": "udm.Application"}]), 400,
            name)
    assert not exists(api, ci_id)


def test_empty_segments_and_ids_outside_the_roots(server, api, tree):
    for ci_id, word in [(f"Applications//{unique('app')}", "empty name"), (f"Apps/{unique('app')}", "roots"),
                        (f"{unique('app')}", "roots")]:
        refused(server, lambda: api.post("/repository/cis", json=[{"id": ci_id, "type": "udm.Application"}]), 400,
                word)
    refused(server, lambda: api.post("/repository/cis", json=[{"type": "udm.Application"}]), 400, "id")
    refused(server, lambda: api.post("/repository/cis", json=[{"id": "Applications", "type": "udm.Application"}]),
            409, "Applications")
    refused(server, lambda: api.get("/repository/ci/Nowhere/x"), 400, "Nowhere/x")
    refused(server, lambda: api.delete("/repository/ci/Applications"), 400, "Applications", "root")


@pytest.mark.parametrize("ci_id,ci_type,props,words", [
    ("Infrastructure/{u}", "udm.Application", {}, ["Applications"]),
    ("Applications/{u}", "overthere.LocalHost", {"os": "UNIX"}, ["Infrastructure"]),
    ("Applications/{u}", "udm.Environment", {}, ["Environments"]),
    ("Infrastructure/{u}", "udm.Dictionary", {}, ["Environments"]),
    ("Applications/{u}", "udm.DeploymentPackage", {}, ["application"]),
    ("{app}/{u}", "udm.Application", {}, ["directory"]),
    ("{app}/{u}", "file.File", {}, ["deployment package"]),
    ("{host}/{u}", "udm.Environment", {}, ["Environments"]),
    ("Infrastructure/{u}", "sql.MySqlClient", {}, ["overthere.Host"]),
    ("{app}/{u}", "core.Directory", {}, ["directory"]),
])
def test_placement_rules(server, api, tree, ci_id, ci_type, props, words):
    ci_id = ci_id.format(u=unique("ci"), **tree)
    refused(server, post_ci(api, ci_id, {"id": ci_id, "type": ci_type, **props}), 400, ci_id, ci_type, *words)
    assert not exists(api, ci_id)


def test_reference_to_a_missing_ci_or_one_of_the_wrong_type(server, api, tree):
    env = f"Environments/{unique('env')}"
    refused(server, post_ci(api, env, {"id": env, "type": "udm.Environment", "members": ["Infrastructure/nope"]}),
            400, env, "members", "Infrastructure/nope", "does not exist")
    refused(server, post_ci(api, env, {"id": env, "type": "udm.Environment", "members": [tree["app"]]}),
            400, env, "members", tree["app"], "udm.Container")
    refused(server, post_ci(api, env, {"id": env, "type": "udm.Environment", "dictionaries": [tree["env"]]}),
            400, env, "dictionaries", tree["env"], "udm.Dictionary")
    assert not exists(api, env)


# -- conflicts ---------------------------------------------------------------------------------

def test_stale_token_on_update(server, api):
    ci_id = f"Environments/{unique('dict')}"
    first = create(api, ci_id, "udm.Dictionary", entries={"k": "v1"})
    second = api.put(f"/repository/ci/{ci_id}", json=dict(first, entries={"k": "v2"}))
    assert second.status_code == 200, second.text
    stale = dict(first, entries={"k": "v3"})
    refused(server, lambda: api.put(f"/repository/ci/{ci_id}", json=stale), 409, ci_id, "$token")
    refused(server, lambda: api.put("/repository/cis", json=[stale]), 409, ci_id)
    goxldeploy_style = {k: v for k, v in stale.items() if not k.startswith("$")}
    refused(server, lambda: api.put(f"/repository/ci/{ci_id}", json=dict(goxldeploy_style, token=first["$token"])),
            409, ci_id)
    current = api.get(f"/repository/ci/{ci_id}").json()
    assert current["entries"] == {"k": "v2"} and current["$token"] == second.json()["$token"]


def test_concurrent_updates_with_one_token_let_exactly_one_through(server, api):
    ci_id = f"Environments/{unique('dict')}"
    created = create(api, ci_id, "udm.Dictionary")
    sessions = [server.session() for _ in range(8)]

    def put(n):
        return sessions[n].put(f"{server.url}/repository/ci/{ci_id}", json=dict(created, entries={"writer": str(n)}))
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(r.status_code for r in pool.map(put, range(8)))
    assert statuses == [200] + [409] * 7
    assert [e["action"] for e in history(api, ci_id)] == ["CREATE", "UPDATE"]


def test_duplicate_create(server, api, tree):
    refused(server, post_ci(api, tree["app"], {"id": tree["app"], "type": "udm.Application"}), 409, tree["app"],
            "already exists")
    refused(server, lambda: api.post("/repository/cis", json=[{"id": tree["app"], "type": "udm.Application"}]), 409,
            tree["app"])


def test_duplicate_inside_one_batch_writes_nothing(server, api):
    ci_id = f"Applications/{unique('app')}"
    batch = [{"id": ci_id, "type": "udm.Application"}, {"id": ci_id, "type": "udm.Application"}]
    refused(server, lambda: api.post("/repository/cis", json=batch), 409, ci_id)
    assert not exists(api, ci_id)


def test_deleting_a_referenced_ci(server, api, tree):
    refused(server, lambda: api.delete(f"/repository/ci/{tree['host']}"), 409, tree["host"],
            f"is still referenced by {tree['env']}")
    refused(server, lambda: api.post("/repository/cis/delete", json=[tree["host"]]), 409, tree["env"])
    assert exists(api, tree["host"])


def test_move_across_roots_and_into_itself(server, api, tree):
    refused(server, lambda: api.post(f"/repository/move/{tree['app']}", params={"newId": f"Environments/{unique()}"}),
            400, tree["app"], "root")
    refused(server, lambda: api.post(f"/repository/move/{tree['app']}", params={"newId": tree["app"] + "/inner"}),
            400, tree["app"], "inside")
    refused(server, lambda: api.post(f"/repository/copy/{tree['app']}", params={"newId": f"Infrastructure/{unique()}"}),
            400, tree["app"], "root")
    refused(server, lambda: api.post(f"/repository/move/{tree['app']}"), 400, "newId")
    refused(server, lambda: api.post("/repository/move/Applications/nope", params={"newId": "Applications/x"}), 404,
            "Applications/nope")
    assert exists(api, tree["pkg"])


def test_rename_onto_an_existing_ci_or_with_a_bad_name(server, api, tree):
    other = create(api, f"Applications/{unique('app')}", "udm.Application")["id"]
    new_name = other.split("/")[-1]
    refused(server, lambda: api.post(f"/repository/rename/{tree['app']}", params={"newName": new_name}), 409,
            other, "already exists")
    refused(server, lambda: api.post(f"/repository/rename/{tree['app']}", params={"newName": "a/b"}), 400, "a/b")
    refused(server, lambda: api.post(f"/repository/rename/{tree['app']}", params={"newName": "a*b"}), 400, "a*b")
    refused(server, lambda: api.post(f"/repository/copy/{tree['app']}", params={"newId": other}), 409, other)
    assert exists(api, tree["app"]) and exists(api, other)


def test_missing_ci(server, api):
    ci_id = f"Applications/{unique('gone')}"
    refused(server, lambda: api.get(f"/repository/ci/{ci_id}"), 404, ci_id)
    refused(server, lambda: api.put(f"/repository/ci/{ci_id}", json={"id": ci_id, "type": "udm.Application"}), 404,
            ci_id)
    refused(server, lambda: api.delete(f"/repository/ci/{ci_id}"), 404, ci_id)
    refused(server, lambda: api.post("/repository/cis/read", json=[ci_id]), 404, ci_id)
    refused(server, lambda: api.post("/repository/cis/delete", json=[ci_id]), 404, ci_id)
    refused(server, lambda: api.get(f"/repository/ci/{ci_id}", params={"version": "x"}), 400, "version")


# -- HTTP --------------------------------------------------------------------------------------

@pytest.mark.parametrize("auth", [None, ("admin", "wrong"), ("nobody", "admin"), ("", "")])
def test_no_or_wrong_credentials(server, tree, auth):
    ci_id = f"Applications/{unique('app')}"
    s = server.http()
    s.headers["Accept"] = "application/json"
    refused(server, lambda: s.post(f"{server.url}/repository/ci/{ci_id}", auth=auth,
                                   json={"id": ci_id, "type": "udm.Application"}), 401, "credentials")
    refused(server, lambda: s.delete(f"{server.url}/repository/ci/{tree['app']}", auth=auth), 401, "credentials")
    refused(server, lambda: s.get(f"{server.url}/repository/ci/{tree['app']}", auth=auth), 401, "credentials")
    refused(server, lambda: s.get(f"{server.url}/nowhere", auth=auth), 401, "credentials")
    response = s.get(f"{server.url}/repository/ci/{tree['app']}",
                     headers={"Authorization": "Basic !!!notbase64"})
    assert response.status_code == 401 and "credentials" in response.json()["message"]


def test_unknown_endpoint_and_method(server, api):
    refused(server, lambda: api.get("/repository/nothing-here"), 404, "/repository/nothing-here")
    refused(server, lambda: api.get("/no/such/service"), 404, "/no/such/service")
    refused(server, lambda: server.http().get(server.base + "/other", auth=("admin", "admin"), headers=ACCEPT_JSON), 404)
    refused(server, lambda: api.delete("/repository/query"), 405, "DELETE")


def test_bad_query_parameters(server, api):
    refused(server, lambda: api.get("/repository/query", params={"type": "udm.Nope"}), 400, "udm.Nope")
    refused(server, lambda: api.get("/repository/query", params={"page": "one"}), 400, "page")
    refused(server, lambda: api.get("/repository/query", params={"lastModifiedBefore": "yesterday"}), 400,
            "lastModifiedBefore", "yesterday")
    refused(server, lambda: api.get("/metadata/type/udm.Nope"), 404, "udm.Nope")


def test_server_still_answers(server, api):
    assert api.get("/server/info").status_code == 200


# -- body size ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    proc = InProcessServer(tmp_path_factory.mktemp("small") / "server", conf={"http.max.request.size": 2048}).start()
    yield proc
    proc.stop()


def test_oversized_body(small_server):
    api = Api(small_server)
    ci_id = f"Environments/{unique('dict')}"
    big = {"id": ci_id, "type": "udm.Dictionary", "entries": {f"k{i}": "v" * 50 for i in range(100)}}
    refused(small_server, lambda: api.post(f"/repository/ci/{ci_id}", json=big), 413, "2048")
    refused(small_server, lambda: api.post("/repository/cis", json=[big]), 413, "2048")

    def chunked():  # no Content-Length: the limit applies while reading
        yield json.dumps(big).encode()
    refused(small_server, lambda: api.post(f"/repository/ci/{ci_id}", data=chunked()), 413, "2048")
    upload = small_server.http().post(f"{small_server.url}/repository/ci/{ci_id}", auth=("admin", "admin"),
                           headers=ACCEPT_JSON, files={
        "configurationItem": (None, json.dumps({"id": ci_id, "type": "file.File"}), "application/json"),
        "fileData": ("big.bin", b"x" * 10_000, "application/octet-stream")})
    assert upload.status_code == 413 and "2048" in upload.json()["message"]
    assert not exists(api, ci_id)
    small = {"id": ci_id, "type": "udm.Dictionary", "entries": {"k": "v"}}
    assert api.post(f"/repository/ci/{ci_id}", json=small).status_code == 200
    assert api.get("/server/info").status_code == 200
