"""The repository REST API: CI JSON, placement, references across move and rename, deletes, batches, queries."""

import re
import time

import pytest

from tests.integration.helpers import create, db_state, exists, path, unique

DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$")


def read(api, ci_id):
    response = api.get(f"/repository/ci/{path(ci_id)}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def app(api):
    return create(api, f"Applications/{unique('app')}", "udm.Application")["id"]


@pytest.fixture
def host(api):
    return create(api, f"Infrastructure/{unique('host')}", "overthere.LocalHost", os="UNIX")["id"]


# -- CI JSON -----------------------------------------------------------------------------------

def test_ci_json_has_meta_fields_and_every_property_with_defaults(api):
    ci_id = f"Infrastructure/{unique('ssh')}"
    created = create(api, ci_id, "overthere.SshHost", os="UNIX", address="h.example.com", username="deploy",
                     port="2222", tags=["web", "web", "eu"])
    assert created["id"] == ci_id and created["type"] == "overthere.SshHost"
    assert re.fullmatch(r"[0-9a-f-]{36}", created["$token"])
    assert created["$createdBy"] == created["$lastModifiedBy"] == "admin"
    assert DATE.match(created["$createdAt"]) and created["$createdAt"] == created["$lastModifiedAt"]
    assert created["port"] == 2222  # strings accepted on input, numbers on output
    assert created["tags"] == ["web", "eu"]  # a set keeps one of each
    assert created["connectionType"] == "SFTP" and created["sudoCommandPrefix"] == "sudo -u {0}"  # defaults
    assert created["allocateDefaultPty"] is False and created["jumpstation"] is None
    assert created["password"] is None
    descriptor = api.get("/metadata/type/overthere.SshHost").json()
    assert {p["name"] for p in descriptor["properties"]} <= set(created)
    assert read(api, ci_id) == created


def test_update_replaces_properties_and_keeps_created_meta(api):
    ci_id = f"Environments/{unique('dict')}"
    created = create(api, ci_id, "udm.Dictionary", entries={"a": "1", "b": "2"})
    response = api.put(f"/repository/ci/{ci_id}", json={"id": ci_id, "type": "udm.Dictionary",
                                                         "$token": created["$token"], "entries": {"c": 3}})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["entries"] == {"c": "3"}
    assert updated["$token"] != created["$token"]
    assert updated["$createdAt"] == created["$createdAt"] and updated["$lastModifiedAt"] >= created["$createdAt"]
    assert read(api, ci_id) == updated
    # goxldeploy sends the token back as `token`
    response = api.put(f"/repository/ci/{ci_id}", json={"id": ci_id, "type": "udm.Dictionary",
                                                         "token": updated["$token"], "entries": {"d": "4"}})
    assert response.status_code == 200, response.text
    assert read(api, ci_id)["entries"] == {"d": "4"}
    # without a token, an update is accepted (last writer wins)
    response = api.put(f"/repository/ci/{ci_id}", json={"id": ci_id, "type": "udm.Dictionary"})
    assert response.status_code == 200 and read(api, ci_id)["entries"] == {}


def test_scalar_wrappers(api, app):
    assert api.get(f"/repository/exists/{app}").json() == {"boolean": True}
    assert api.get(f"/repository/exists/{app}-nope").json() == {"boolean": False}
    assert api.get(f"/repository/Exists/{app}").json() == {"boolean": True}
    assert api.get("/repository/exists/Nowhere/x").json() == {"boolean": False}


def test_references_accept_ci_ref_objects_and_are_emitted_as_ids(api, host):
    env = f"Environments/{unique('env')}"
    created = create(api, env, "udm.Environment", members=[{"ci-ref": host}])
    assert created["members"] == [host]


# -- placement ---------------------------------------------------------------------------------

def test_placement_in_directories_and_under_parents(api):
    d = create(api, f"Applications/{unique('dir')}", "core.Directory")["id"]
    sub = create(api, f"{d}/sub", "core.Directory")["id"]
    app = create(api, f"{sub}/app", "udm.Application")["id"]
    pkg = create(api, f"{app}/1.0", "udm.DeploymentPackage")["id"]
    create(api, f"{pkg}/file", "file.File")
    assert read(api, pkg)["deployables"] == [f"{pkg}/file"]
    infra_dir = create(api, f"Infrastructure/{unique('dir')}", "core.Directory")["id"]
    host = create(api, f"{infra_dir}/host", "overthere.LocalHost", os="UNIX")["id"]
    create(api, f"{host}/inner", "overthere.LocalHost", os="UNIX")
    env_dir = create(api, f"Environments/{unique('dir')}", "core.Directory")["id"]
    create(api, f"{env_dir}/env", "udm.Environment", members=[host])
    create(api, f"{env_dir}/dict", "udm.Dictionary")
    client = create(api, f"{host}/mysql", "sql.MySqlClient")
    assert client["host"] == host  # the containing CI is the parent
    new_name = unique("dir")
    assert api.post(f"/repository/rename/{infra_dir}", params={"newName": new_name}).json()["id"] == infra_dir
    moved = f"Infrastructure/{new_name}"
    assert read(api, f"{moved}/host/mysql")["host"] == f"{moved}/host"
    other = create(api, f"Infrastructure/{unique('host')}", "overthere.LocalHost", os="UNIX")["id"]
    copied = api.post(f"/repository/copy/{moved}/host/mysql", params={"newId": f"{other}/mysql"})
    assert copied.status_code == 200 and copied.json()["host"] == other
    assert read(api, f"{moved}/host/mysql")["host"] == f"{moved}/host"


def test_application_under_infrastructure_is_refused(api):
    ci_id = f"Infrastructure/{unique('app')}"
    response = api.post(f"/repository/ci/{ci_id}", json={"id": ci_id, "type": "udm.Application"})
    assert response.status_code == 400
    assert ci_id in response.json()["message"] and "Applications" in response.json()["message"]
    assert not exists(api, ci_id)


# -- copy, move, rename ------------------------------------------------------------------------

def test_copy_copies_the_subtree(api, app):
    pkg = create(api, f"{app}/1.0", "udm.DeploymentPackage", orchestrator=["parallel-by-container"])["id"]
    create(api, f"{pkg}/f", "file.File", targetPath="/tmp")
    new = f"Applications/{unique('copy')}"
    response = api.post(f"/repository/copy/{app}", params={"newId": new})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == new and response.json()["type"] == "udm.Application"
    copied = read(api, f"{new}/1.0")
    assert copied["orchestrator"] == ["parallel-by-container"] and copied["deployables"] == [f"{new}/1.0/f"]
    assert read(api, f"{new}/1.0/f")["targetPath"] == "/tmp"
    assert exists(api, f"{pkg}/f")


def test_references_follow_move_and_rename(api, host):
    env = create(api, f"Environments/{unique('env')}", "udm.Environment", members=[host])["id"]
    dic = create(api, f"Environments/{unique('dict')}", "udm.Dictionary", restrictToContainers=[host])["id"]
    api.put(f"/repository/ci/{env}", json={"id": env, "type": "udm.Environment", "members": [host],
                                           "dictionaries": [dic]})
    infra_dir = create(api, f"Infrastructure/{unique('dir')}", "core.Directory")["id"]
    moved_host = f"{infra_dir}/{host.split('/')[-1]}"
    response = api.post(f"/repository/move/{host}", params={"newId": moved_host})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == moved_host
    assert not exists(api, host)
    assert read(api, env)["members"] == [moved_host]
    assert read(api, dic)["restrictToContainers"] == [moved_host]

    new_name = "renamed-" + unique()
    response = api.post(f"/repository/rename/{infra_dir}", params={"newName": new_name})
    assert response.status_code == 200, response.text
    # As XL Deploy: the answer is the CI under the id it was asked for.
    assert response.json()["id"] == infra_dir and response.json()["type"] == "core.Directory"
    renamed_dir = f"Infrastructure/{new_name}"
    final_host = f"{renamed_dir}/{host.split('/')[-1]}"
    assert exists(api, final_host) and not exists(api, moved_host)
    assert read(api, env)["members"] == [final_host]

    dic_name = unique("dict")
    assert api.post(f"/repository/rename/{dic}", params={"newName": dic_name}).ok
    new_dic = f"{dic.rsplit('/', 1)[0]}/{dic_name}"
    assert read(api, env)["dictionaries"] == [new_dic]
    # the references moved too: the host is still protected, now naming its new referrers
    response = api.delete(f"/repository/ci/{final_host}")
    assert response.status_code == 409
    assert "still referenced by" in response.json()["message"]
    # and the old names no longer hold anything back
    assert api.delete(f"/repository/ci/{env}").status_code == 204
    assert api.delete(f"/repository/ci/{new_dic}").status_code == 204
    assert api.delete(f"/repository/ci/{final_host}").status_code == 204


def test_move_of_a_package_keeps_its_deployables(api, app):
    pkg = create(api, f"{app}/1.0", "udm.DeploymentPackage")["id"]
    create(api, f"{pkg}/f", "file.File")
    other = create(api, f"Applications/{unique('app')}", "udm.Application")["id"]
    moved = api.post(f"/repository/move/{pkg}", params={"newId": f"{other}/1.0"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["deployables"] == [f"{other}/1.0/f"]
    assert read(api, f"{other}/1.0/f")["type"] == "file.File"
    assert not exists(api, pkg)


# -- delete ------------------------------------------------------------------------------------

def test_delete_deletes_children(api, app):
    pkg = create(api, f"{app}/1.0", "udm.DeploymentPackage")["id"]
    create(api, f"{pkg}/f", "file.File")
    assert api.delete(f"/repository/ci/{app}").status_code == 204
    for ci_id in (app, pkg, f"{pkg}/f"):
        assert not exists(api, ci_id)
    assert api.get(f"/repository/ci/{pkg}").status_code == 404


def test_delete_of_a_referenced_ci_names_the_referrer(api, server, host):
    env = create(api, f"Environments/{unique('env')}", "udm.Environment", members=[host])["id"]
    before = db_state(server)
    response = api.delete(f"/repository/ci/{host}")
    assert response.status_code == 409
    assert response.json()["message"] == f"Repository entity {host} is still referenced by {env}."
    assert db_state(server) == before
    # a parent whose child is referenced is refused as well
    parent = create(api, f"Infrastructure/{unique('dir')}", "core.Directory")["id"]
    child = create(api, f"{parent}/h", "overthere.LocalHost", os="UNIX")["id"]
    api.put(f"/repository/ci/{env}", json={"id": env, "type": "udm.Environment", "members": [host, child]})
    response = api.delete(f"/repository/ci/{parent}")
    assert response.status_code == 409 and f"{child} is still referenced by {env}" in response.json()["message"]
    assert exists(api, child)
    # references inside the deleted subtree do not hold it back
    env_dir = create(api, f"Environments/{unique('dir')}", "core.Directory")["id"]
    dic = create(api, f"{env_dir}/dict", "udm.Dictionary")["id"]
    create(api, f"{env_dir}/env", "udm.Environment", dictionaries=[dic])
    assert api.delete(f"/repository/ci/{env_dir}").status_code == 204
    assert not exists(api, dic)


def test_ids_that_differ_only_in_case_are_different_cis(api):
    """What is below a CI is what is below its id exactly: deleting, copying or exporting `dir-x` leaves
    `DIR-X` and its children alone."""
    name = unique("dir")
    lower, upper = f"Infrastructure/{name}", f"Infrastructure/{name.upper()}"
    for folder in (lower, upper):
        create(api, folder, "core.Directory")
        create(api, f"{folder}/h", "overthere.LocalHost", os="UNIX")
    assert [r["ref"] for r in api.get("/repository/query", params={"ancestor": lower}).json()] == [f"{lower}/h"]
    assert api.post(f"/repository/copy/{lower}", params={"newId": lower + "-copy"}).status_code == 200
    assert api.delete(f"/repository/ci/{lower}").status_code == 204
    assert exists(api, upper) and exists(api, f"{upper}/h") and exists(api, f"{lower}-copy/h")


# -- batches -----------------------------------------------------------------------------------

def test_batch_create_read_update_delete(api, host):
    app = f"Applications/{unique('app')}"
    batch = [{"id": app, "type": "udm.Application"}, {"id": f"{app}/1.0", "type": "udm.DeploymentPackage"},
             {"id": f"{app}/1.0/f", "type": "file.File"}]
    response = api.post("/repository/cis", json=batch)
    assert response.status_code == 200, response.text
    assert [c["id"] for c in response.json()] == [app, f"{app}/1.0", f"{app}/1.0/f"]
    read_back = api.post("/repository/cis/read", json=[f"{app}/1.0/f", app])
    assert read_back.status_code == 200 and [c["id"] for c in read_back.json()] == [f"{app}/1.0/f", app]
    updates = [dict(c, targetPath="/opt") if c["type"] == "file.File" else c for c in response.json()]
    response = api.put("/repository/cis", json=updates)
    assert response.status_code == 200, response.text
    assert read(api, f"{app}/1.0/f")["targetPath"] == "/opt"
    response = api.post("/repository/cis/delete", json=[f"{app}/1.0/f", app])
    assert response.status_code == 204
    assert not exists(api, app) and not exists(api, f"{app}/1.0")


def test_batch_create_may_refer_forward_within_the_batch(api):
    env, host, dic = f"Environments/{unique('env')}", f"Infrastructure/{unique('host')}", f"Environments/{unique('d')}"
    batch = [{"id": env, "type": "udm.Environment", "members": [host], "dictionaries": [dic]},
             {"id": host, "type": "overthere.LocalHost", "os": "UNIX"},
             {"id": dic, "type": "udm.Dictionary", "restrictToContainers": [host]}]
    response = api.post("/repository/cis", json=batch)
    assert response.status_code == 200, response.text
    assert read(api, env)["members"] == [host] and read(api, env)["dictionaries"] == [dic]
    assert api.delete(f"/repository/ci/{host}").status_code == 409  # the references were recorded


def test_batch_create_with_one_bad_ci_writes_nothing(api, server):
    app = f"Applications/{unique('app')}"
    batch = [{"id": app, "type": "udm.Application"}, {"id": f"{app}/1.0", "type": "udm.DeploymentPackage"},
             {"id": f"{app}/1.0/f", "type": "file.File", "bogus": 1}]
    before = db_state(server)
    response = api.post("/repository/cis", json=batch)
    assert response.status_code == 400 and "bogus" in response.json()["message"]
    assert db_state(server) == before
    assert not exists(api, app)


def test_batch_update_with_one_bad_ci_writes_nothing(api, server):
    a = create(api, f"Environments/{unique('dict')}", "udm.Dictionary", entries={"k": "a"})
    b = create(api, f"Environments/{unique('dict')}", "udm.Dictionary", entries={"k": "b"})
    before = db_state(server)
    response = api.put("/repository/cis", json=[dict(a, entries={"k": "changed"}), dict(b, entries=["bad"])])
    assert response.status_code == 400 and b["id"] in response.json()["message"]
    assert db_state(server) == before
    assert read(api, a["id"])["entries"] == {"k": "a"}


def test_batch_delete_and_read_with_one_bad_id_do_nothing(api, server, host):
    a = create(api, f"Applications/{unique('app')}", "udm.Application")["id"]
    env = create(api, f"Environments/{unique('env')}", "udm.Environment", members=[host])["id"]
    before = db_state(server)
    response = api.post("/repository/cis/delete", json=[a, f"{a}-missing"])
    assert response.status_code == 404 and f"{a}-missing" in response.json()["message"]
    response = api.post("/repository/cis/delete", json=[a, host])
    assert response.status_code == 409 and env in response.json()["message"]
    response = api.post("/repository/cis/read", json=[a, f"{a}-missing"])
    assert response.status_code == 404 and f"{a}-missing" in response.json()["message"]
    assert db_state(server) == before
    assert exists(api, a)
    # the referrer and the referenced CI deleted together is fine
    assert api.post("/repository/cis/delete", json=[host, env]).status_code == 204
    assert not exists(api, host) and not exists(api, env)


# -- queries -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def qtree(api):
    """Applications/<dir>/{alpha, beta, gamma-app}, each with packages 1.0, 2.0; and an infrastructure host."""
    top = create(api, f"Applications/{unique('qdir')}", "core.Directory")["id"]
    for name in ("alpha", "beta", "gamma-app"):
        create(api, f"{top}/{name}", "udm.Application")
        for version in ("1.0", "2.0"):
            create(api, f"{top}/{name}/{version}", "udm.DeploymentPackage")
    return top


def refs(api, endpoint="/repository/query", **params):
    response = api.get(endpoint, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_query_by_type_parent_ancestor_and_name(api, qtree):
    apps = refs(api, type="udm.Application", ancestor=qtree)
    assert apps == [{"ref": f"{qtree}/{n}", "type": "udm.Application"} for n in ("alpha", "beta", "gamma-app")]
    versions = refs(api, type="udm.Version", ancestor=qtree)  # supertypes find their subtypes
    assert len(versions) == 6 and {v["type"] for v in versions} == {"udm.DeploymentPackage"}
    assert [r["ref"] for r in refs(api, parent=f"{qtree}/beta")] == [f"{qtree}/beta/1.0", f"{qtree}/beta/2.0"]
    assert [r["ref"] for r in refs(api, parent=qtree, namePattern="%a%a%")] == [f"{qtree}/alpha",
                                                                              f"{qtree}/gamma-app"]
    assert [r["ref"] for r in refs(api, ancestor=qtree, namePattern="2.%", type="udm.DeploymentPackage")] == \
        [f"{qtree}/{n}/2.0" for n in ("alpha", "beta", "gamma-app")]
    assert refs(api, type="udm.Environment", ancestor=qtree) == []


def test_query_paging(api, qtree):
    everything = [r["ref"] for r in refs(api, ancestor=qtree)]
    assert len(everything) == 9 and everything == sorted(everything)
    pages = [[r["ref"] for r in refs(api, ancestor=qtree, page=p, resultsPerPage=4)] for p in range(3)]
    assert [len(p) for p in pages] == [4, 4, 1]
    assert sum(pages, []) == everything


def test_query_v3_id_pattern_and_modification_dates(api, qtree):
    found = refs(api, "/repository/v3/query", idPattern=f"{qtree}/%/1.0")
    assert [r["ref"] for r in found] == [f"{qtree}/{n}/1.0" for n in ("alpha", "beta", "gamma-app")]
    assert all(DATE.match(r["lastModified"]) for r in found)
    stamp = read(api, f"{qtree}/beta/1.0")["$lastModifiedAt"]
    time.sleep(0.01)  # server time stamps have milliseconds
    later = create(api, f"{qtree}/beta/3.0", "udm.DeploymentPackage")
    after = refs(api, "/repository/v3/query", ancestor=qtree, lastModifiedAfter=stamp)
    assert later["id"] in [r["ref"] for r in after] and f"{qtree}/alpha" not in [r["ref"] for r in after]
    before = refs(api, ancestor=qtree, lastModifiedBefore=later["$createdAt"])
    assert f"{qtree}/alpha" in [r["ref"] for r in before] and later["id"] not in [r["ref"] for r in before]
    # dates in other zones and forms are understood
    assert refs(api, ancestor=qtree, lastModifiedAfter="2000-01-01T00:00:00Z") != []
    assert refs(api, ancestor=qtree, lastModifiedBefore="2000-01-01T01:00:00.000+0100") == []
    assert api.delete(f"/repository/ci/{later['id']}").status_code == 204  # the other tests count the tree
