"""Version history: GET /repository/history/{id} lists versions; GET /repository/ci/{id}?version=N reads one."""

from tests.conftest import Api
from tests.integration.helpers import create, history, path, unique
from tests.integration.tasks_helpers import run


def actions(api, ci_id):
    return [e["action"] for e in history(api, ci_id)]


def test_create_and_updates_are_versions(api):
    ci_id = f"Environments/{unique('dict')}"
    created = create(api, ci_id, "udm.Dictionary", entries={"k": "1"})
    second = api.put(f"/repository/ci/{ci_id}", json=dict(created, entries={"k": "2"})).json()
    api.put(f"/repository/ci/{ci_id}", json=dict(second, entries={"k": "3"}))
    entries = history(api, ci_id)
    assert [e["action"] for e in entries] == ["CREATE", "UPDATE", "UPDATE"]
    assert [e["version"] for e in entries] == [1, 2, 3]
    assert all(e["changedBy"] == "admin" and e["changedAt"] for e in entries)
    assert entries[0]["changedAt"] == created["$createdAt"]
    assert entries[1]["token"] == second["$token"]
    for version, value in ((1, "1"), (2, "2"), (3, "3")):
        old = api.get(f"/repository/ci/{ci_id}", params={"version": version})
        assert old.status_code == 200, old.text
        assert old.json()["id"] == ci_id and old.json()["type"] == "udm.Dictionary"
        assert old.json()["entries"] == {"k": value}
    assert api.get(f"/repository/ci/{ci_id}").json()["entries"] == {"k": "3"}
    for bad in (0, 4):
        response = api.get(f"/repository/ci/{ci_id}", params={"version": bad})
        assert response.status_code == 404 and ci_id in response.json()["message"]


def test_old_version_keeps_the_created_meta(api):
    ci_id = f"Applications/{unique('app')}"
    created = create(api, ci_id, "udm.Application")
    api.put(f"/repository/ci/{ci_id}", json=created)
    old = api.get(f"/repository/ci/{ci_id}", params={"version": 2}).json()
    assert old["$createdBy"] == "admin" and old["$createdAt"] == created["$createdAt"]


def test_move_and_rename_are_versions_and_history_follows_the_ci(api):
    app = create(api, f"Applications/{unique('app')}", "udm.Application")["id"]
    folder = create(api, f"Applications/{unique('dir')}", "core.Directory")["id"]
    moved = api.post(f"/repository/move/{app}", params={"newId": f"{folder}/app"}).json()["id"]
    # XL Deploy answers a rename with the CI under the id it was asked for.
    assert api.post(f"/repository/rename/{moved}", params={"newName": "app2"}).json()["id"] == moved
    renamed = f"{folder}/app2"
    entries = history(api, renamed)
    assert [e["action"] for e in entries] == ["CREATE", "MOVE", "RENAME"]
    assert [e["id"] for e in entries] == [app, moved, renamed]
    assert entries[2]["previousId"] == moved
    old = api.get(f"/repository/ci/{renamed}", params={"version": 1}).json()
    assert old["id"] == app


def test_a_move_updates_the_referrers_history(api):
    host = create(api, f"Infrastructure/{unique('host')}", "overthere.LocalHost", os="UNIX")["id"]
    env = create(api, f"Environments/{unique('env')}", "udm.Environment", members=[host])["id"]
    api.post(f"/repository/rename/{host}", params={"newName": unique("h")})
    assert actions(api, env) == ["CREATE", "UPDATE"]
    assert api.get(f"/repository/ci/{env}", params={"version": 1}).json()["members"] == [host]


def test_deleted_cis_keep_their_history(api):
    app = create(api, f"Applications/{unique('app')}", "udm.Application")["id"]
    pkg = create(api, f"{app}/1.0", "udm.DeploymentPackage", orchestrator=["parallel-by-container"])["id"]
    assert api.delete(f"/repository/ci/{path(app)}").status_code == 204
    assert actions(api, app) == ["CREATE", "DELETE"]
    assert actions(api, pkg) == ["CREATE", "DELETE"]
    last = history(api, pkg)[-1]
    assert last["changedBy"] == "admin" and last["type"] == "udm.DeploymentPackage"
    old = api.get(f"/repository/ci/{pkg}", params={"version": 1})
    assert old.status_code == 200 and old.json()["orchestrator"] == ["parallel-by-container"]
    assert api.get(f"/repository/ci/{pkg}").status_code == 404


def test_copies_start_their_own_history(api):
    app = create(api, f"Applications/{unique('app')}", "udm.Application")["id"]
    copy = api.post(f"/repository/copy/{app}", params={"newId": app + "-copy"}).json()["id"]
    entries = history(api, copy)
    assert [e["action"] for e in entries] == ["CREATE"] and entries[0]["previousId"] == app


def test_no_history(api):
    ci_id = f"Applications/{unique('never')}"
    response = api.get(f"/repository/history/{ci_id}")
    assert response.status_code == 404 and ci_id in response.json()["message"]


def test_history_lists_every_lifetime_of_an_id(api):
    ci_id = f"Environments/{unique('again')}"
    first = create(api, ci_id, "udm.Dictionary", entries={"k": "1"})
    api.put(f"/repository/ci/{ci_id}", json=dict(first, entries={"k": "2"}))
    assert api.delete(f"/repository/ci/{ci_id}").status_code == 204
    second = create(api, ci_id, "udm.Dictionary", entries={"k": "3"})
    api.put(f"/repository/ci/{ci_id}", json=dict(second, entries={"k": "4"}))
    entries = history(api, ci_id)
    assert [e["action"] for e in entries] == ["CREATE", "UPDATE", "DELETE", "CREATE", "UPDATE"]
    assert [e["version"] for e in entries] == [1, 2, 3, 4, 5]
    assert [e["revision"] for e in entries] == sorted(e["revision"] for e in entries)
    assert all(e["id"] == ci_id for e in entries)
    for version, value, created in ((1, "1", first), (2, "2", first), (3, "2", first), (4, "3", second),
                                    (5, "4", second)):
        old = api.get(f"/repository/ci/{ci_id}", params={"version": version})
        assert old.status_code == 200, old.text
        assert old.json()["entries"] == {"k": value}
        assert old.json()["$createdAt"] == created["$createdAt"]
    missing = api.get(f"/repository/ci/{ci_id}", params={"version": 6})
    assert missing.status_code == 404 and "versions 1 to 5" in missing.json()["message"]


def test_a_ci_moved_away_leaves_and_its_successor_follows(api):
    folder = create(api, f"Applications/{unique('dir')}", "core.Directory")["id"]
    ci_id = create(api, f"Applications/{unique('app')}", "udm.Application")["id"]
    moved = api.post(f"/repository/move/{ci_id}", params={"newId": f"{folder}/app"}).json()["id"]
    create(api, ci_id, "udm.Application")
    entries = history(api, ci_id)
    assert [(e["action"], e["id"]) for e in entries] == [("CREATE", ci_id), ("MOVE", moved), ("CREATE", ci_id)]
    assert entries[1]["previousId"] == ci_id
    assert [e["action"] for e in history(api, moved)] == ["CREATE", "MOVE"]
    assert api.get(f"/repository/ci/{ci_id}", params={"version": 2}).json()["id"] == moved
    assert api.get(f"/repository/ci/{ci_id}", params={"version": 3}).json()["id"] == ci_id
    # a CI that comes back: its first stay is listed once
    assert api.delete(f"/repository/ci/{ci_id}").status_code == 204
    api.post(f"/repository/move/{moved}", params={"newId": ci_id})
    assert [(e["action"], e["id"]) for e in history(api, ci_id)] == [
        ("CREATE", ci_id), ("MOVE", moved), ("CREATE", ci_id), ("DELETE", ci_id), ("MOVE", ci_id)]


def test_an_import_keeps_earlier_versions_and_creation_and_is_a_version(api, server):
    api.post("/security/user/historian", json={"username": "historian", "password": "pw", "admin": True})
    other = Api(server, "historian", "pw")
    folder = create(other, f"Environments/{unique('imp')}", "core.Directory")
    kept = create(other, f"{folder['id']}/kept", "udm.Dictionary", entries={"k": "1"})
    kept = other.put(f"/repository/ci/{kept['id']}", json=dict(kept, entries={"k": "2"})).json()
    gone = create(other, f"{folder['id']}/gone", "udm.Dictionary", entries={"g": "1"})
    exported = api.post(f"/repository/export/{folder['id']}").json()
    assert run(api, exported["string"])["state"] == "EXECUTED"
    api.put(f"/repository/ci/{kept['id']}", json=dict(kept, entries={"k": "3"}))
    assert api.delete(f"/repository/ci/{gone['id']}").status_code == 204
    added = create(api, f"{folder['id']}/added", "udm.Dictionary")["id"]

    imported = api.post("/repository/import", params={"archive": exported["file"]}).json()
    assert run(api, imported["string"])["state"] == "EXECUTED"

    now = api.get(f"/repository/ci/{kept['id']}").json()
    assert now["entries"] == {"k": "2"}
    assert (now["$createdBy"], now["$createdAt"]) == ("historian", kept["$createdAt"])
    assert now["$lastModifiedBy"] == "admin"
    entries = history(api, kept["id"])
    assert [e["action"] for e in entries] == ["CREATE", "UPDATE", "UPDATE", "IMPORT"]
    assert entries[-1]["changedBy"] == "admin" and entries[-1]["token"] == now["$token"]
    third = api.get(f"/repository/ci/{kept['id']}", params={"version": 3}).json()
    assert third["entries"] == {"k": "3"} and third["$createdAt"] == kept["$createdAt"]
    fourth = api.get(f"/repository/ci/{kept['id']}", params={"version": 4}).json()
    assert fourth["entries"] == {"k": "2"} and fourth["$createdBy"] == "historian"

    back = api.get(f"/repository/ci/{gone['id']}").json()
    assert (back["$createdBy"], back["$createdAt"]) == ("historian", gone["$createdAt"])
    assert [e["action"] for e in history(api, gone["id"])] == ["CREATE", "DELETE", "IMPORT"]
    assert api.get(f"/repository/ci/{gone['id']}", params={"version": 3}).json()["$createdAt"] == gone["$createdAt"]
    assert [e["action"] for e in history(api, folder["id"])] == ["CREATE", "IMPORT"]
    assert api.get(f"/repository/ci/{folder['id']}").json()["$createdAt"] == folder["$createdAt"]
    assert [e["action"] for e in history(api, added)] == ["CREATE", "DELETE"]


def test_a_batch_s_cis_start_their_history_in_the_batch_s_order(api):
    folder = create(api, f"Infrastructure/{unique('batch')}", "core.Directory")["id"]
    names = ["zulu", "alpha", "mike"]  # not in the order of their ids: revisions follow the batch
    created = api.post("/repository/cis", json=[
        {"id": f"{folder}/{name}", "type": "overthere.SshHost", "address": f"{name}.example.com", "username": "u",
         "os": "UNIX", "tags": [name]} for name in names]).json()
    revisions = []
    for ci in created:
        [entry] = history(api, ci["id"])
        assert (entry["action"], entry["id"], entry["previousId"], entry["type"]) == \
            ("CREATE", ci["id"], None, "overthere.SshHost")
        assert (entry["token"], entry["changedBy"], entry["changedAt"]) == (ci["$token"], "admin", ci["$createdAt"])
        assert api.get(f"/repository/ci/{ci['id']}", params={"version": 1}).json() == ci
        revisions.append(entry["revision"])
    assert revisions == sorted(revisions) and len(set(revisions)) == 3
