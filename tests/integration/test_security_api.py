"""Users, roles and permissions through REST, and what they allow: nested directories, query filtering,
deploying and importing, task ownership, the audit trail, and permissions following their directory."""

from __future__ import annotations

import json
import time


from tests.integration.helpers import unique
from tests.integration.security_helpers import assign, create_user, dar, grant, ok, revoke, seg, user
from tests.integration.tasks_helpers import wait_state


def newcomer(api, *roles: str) -> str:
    """A user in the given roles (each granted login)."""
    name = unique("u")
    create_user(api, name)
    for role in roles:
        assign(api, role, name)
        grant(api, "login", role)
    return name


def checks(server, name: str, permission: str, ci_id: str = "") -> bool:
    suffix = f"/{ci_id}" if ci_id else ""
    return ok(user(server, name).get(f"/security/check/{seg(permission)}{suffix}")).json()["boolean"]


def create(api, *cis):
    ok(api.post("/repository/cis", json=list(cis)))


# -- users ---------------------------------------------------------------------------------------
def test_users_are_created_read_changed_and_deleted(server, api):
    name = unique("u")
    created = ok(api.post(f"/security/user/{name}", json={"username": name, "password": "first-pw"})).json()
    assert created == {"username": name, "admin": False}
    read = ok(api.get(f"/security/user/{name}"))
    assert read.json() == {"username": name, "admin": False} and "first-pw" not in read.text
    assert name in ok(api.get("/security/user/")).json()
    # without login a user is refused with 403, not 401
    refused = user(server, name, "first-pw").get("/server/info")
    assert refused.status_code == 403 and refused.json()["message"] == f"User {name} does not have permission login."
    role = unique("r")
    assign(api, role, name)
    grant(api, "login", role)
    assert ok(user(server, name, "first-pw").get("/server/info"))
    # users change their own password; the old one stops working at once
    ok(user(server, name, "first-pw").put(f"/security/user/{name}", json={"password": "second-pw"}))
    assert user(server, name, "first-pw").get("/server/info").status_code == 401
    assert ok(user(server, name, "second-pw").get(f"/security/user/{name}")).json()["username"] == name
    assert user(server, name, "second-pw").get("/security/user/admin").status_code == 403
    assert ok(user(server, name, "second-pw").get("/security/role/roles")).json() == [role]
    ok(api.delete(f"/security/user/{name}"))
    assert api.get(f"/security/user/{name}").status_code == 404
    # a new user of the same name does not inherit the old one's roles
    create_user(api, name)
    assert ok(api.get(f"/security/role/roles/{name}")).json() == []
    assert api.post(f"/security/user/{name}", json={"password": "x"}).status_code == 409


def test_security_edit_cannot_make_anyone_admin(server, api):
    editors = unique("editors")
    editor = newcomer(api, editors)
    grant(api, "security#edit", editors)
    as_editor = user(server, editor)
    name = unique("u")
    refused = as_editor.post(f"/security/user/{name}", json={"password": "pw", "admin": True})
    assert refused.status_code == 403 and "admin" in refused.json()["message"]
    ok(as_editor.post(f"/security/user/{name}", json={"password": "pw"}))
    assert as_editor.put(f"/security/user/{name}", json={"admin": True}).status_code == 403
    assert as_editor.put(f"/security/permission/admin/{editors}").status_code == 403
    assert as_editor.put(f"/security/user/{editor}", json={"admin": True}).status_code == 403
    assert as_editor.delete("/security/user/admin").status_code == 403
    assert as_editor.delete(f"/security/user/{editor}").status_code == 400  # not oneself
    # admin can
    ok(api.put(f"/security/user/{name}", json={"admin": True}))
    assert ok(api.get(f"/security/user/{name}")).json()["admin"] is True
    # an admin user needs no role to do anything
    assert ok(user(server, name, "pw").get("/security/check/deploy%23initial/Environments")).json()["boolean"]


def test_roles_are_created_renamed_and_removed(server, api):
    role = unique("r")
    member = newcomer(api, role)
    ok(api.put(f"/security/role/{role}"))  # again: nothing changes
    assert role in ok(api.get("/security/role/")).json()
    grant(api, "report#view", role)
    renamed = unique("renamed")
    ok(api.post(f"/security/role/{role}", params={"newName": renamed}))
    assert ok(api.get(f"/security/role/roles/{member}")).json() == [renamed]
    assert ok(api.get(f"/security/granted-permissions/{renamed}")).json() == {
        "role": renamed, "global": ["login", "report#view"], "cis": {}}
    assert checks(server, member, "report#view")
    ok(api.delete(f"/security/role/{renamed}/{member}"))
    assert user(server, member).get("/server/info").status_code == 403
    ok(api.delete(f"/security/role/{renamed}"))
    assert renamed not in ok(api.get("/security/role/")).json()
    assert api.delete(f"/security/role/{renamed}").status_code == 404
    assert api.put(f"/security/permission/login/{renamed}").status_code == 404
    assert api.put(f"/security/permission/login/{unique('r')}").status_code == 404


def test_grants_are_checked_and_listed(server, api):
    role = unique("r")
    folder = f"Environments/{unique('dir')}"
    create(api, {"id": folder, "type": "core.Directory"}, {"id": f"{folder}/Env", "type": "udm.Environment"})
    assert api.put(f"/security/permission/read/{role}/{folder}").status_code == 404  # no such role yet
    assign(api, role)
    grant(api, "deploy#initial", role, folder)
    grant(api, "read", role, folder)
    grant(api, "deploy#remove", role, folder)  # the REST documentation's name of deploy#undeploy
    bad = api.put(f"/security/permission/import%23initial/{role}/{folder}")
    assert bad.status_code == 400 and "applies under Applications" in bad.json()["message"]
    bad = api.put(f"/security/permission/read/{role}/{folder}/Env")
    assert bad.status_code == 400 and "root or a core.Directory" in bad.json()["message"]
    assert api.put(f"/security/permission/login/{role}/{folder}").status_code == 400
    assert api.put(f"/security/permission/read/{role}/Environments/missing").status_code == 404
    def granted(perm, ci=""):
        return ok(api.get(f"/security/permission/{seg(perm)}/{role}/{ci}")).json()["boolean"]
    assert granted("deploy#initial", folder) and granted("deploy#initial", f"{folder}/Env")
    assert not granted("deploy#initial") and not granted("deploy#upgrade", folder)
    listed = ok(api.get(f"/security/granted-permissions/{role}")).json()
    assert listed == {"role": role, "global": [], "cis": {folder: ["deploy#initial", "deploy#undeploy", "read"]}}
    revoke(api, "deploy#initial", role, folder)
    assert not granted("deploy#initial", folder)
    metadata = ok(api.get("/metadata/permissions")).json()
    assert {"level": "CI", "permissionName": "import#initial", "root": "APPLICATION"}.items() <= next(
        p for p in metadata if p["permissionName"] == "import#initial" and p["level"] == "CI").items()


# -- nested directories --------------------------------------------------------------------------
def test_nested_directories_replace_inherited_permissions_and_need_read_above(server, api):
    team = unique("team")
    member = newcomer(api, team)
    top = f"Infrastructure/{unique('top')}"
    create(api, {"id": top, "type": "core.Directory"},
           {"id": f"{top}/open", "type": "core.Directory"},
           {"id": f"{top}/readonly", "type": "core.Directory"},
           {"id": f"{top}/noread", "type": "core.Directory"},
           {"id": f"{top}/noread/deeper", "type": "core.Directory"},
           {"id": f"{top}/h", "type": "overthere.LocalHost", "os": "UNIX"},
           {"id": f"{top}/open/h", "type": "overthere.LocalHost", "os": "UNIX"},
           {"id": f"{top}/readonly/h", "type": "overthere.LocalHost", "os": "UNIX"},
           {"id": f"{top}/noread/deeper/h", "type": "overthere.LocalHost", "os": "UNIX"})
    as_member = user(server, member)
    # nothing yet: the root has no settings for the team
    assert as_member.get(f"/repository/ci/{top}/h").status_code == 403
    grant(api, "read", team, top)
    grant(api, "repo#edit", team, top)
    # still nothing: Infrastructure itself must grant read, and the refusal says so
    refused = as_member.get(f"/repository/ci/{top}/h")
    assert refused.status_code == 403
    assert refused.json()["message"] == (f"User {member} does not have permission read on {top}/h: Infrastructure "
                                         f"grants {member} no read (read is needed on every node from the root down).")
    grant(api, "read", team, "Infrastructure")
    assert ok(as_member.get(f"/repository/ci/{top}/h"))
    assert ok(as_member.get(f"/repository/ci/{top}/open/h"))  # no settings: inherits top's
    grant(api, "read", team, f"{top}/readonly")  # own settings: only read
    assert ok(as_member.get(f"/repository/ci/{top}/readonly/h"))
    new_host = {"type": "overthere.LocalHost", "os": "UNIX"}
    ok(as_member.post(f"/repository/ci/{top}/open/new", json=dict(new_host, id=f"{top}/open/new")))
    refused = as_member.post(f"/repository/ci/{top}/readonly/new", json=dict(new_host, id=f"{top}/readonly/new"))
    assert refused.status_code == 403
    assert refused.json()["message"] == f"User {member} does not have permission repo#edit on {top}/readonly/new."
    grant(api, "repo#edit", team, f"{top}/noread/deeper")
    grant(api, "read", team, f"{top}/noread/deeper")
    grant(api, "repo#edit", team, f"{top}/noread")  # settings without read cut off everything below
    assert as_member.get(f"/repository/ci/{top}/noread/deeper/h").status_code == 403
    assert not checks(server, member, "repo#edit", f"{top}/noread/deeper/h")
    grant(api, "read", team, f"{top}/noread")
    assert checks(server, member, "repo#edit", f"{top}/noread/deeper/h")
    # the member's own view of it
    mine = ok(as_member.get("/security/granted-permissions")).json()
    assert mine["username"] == member and mine["roles"] == [team] and mine["global"] == ["login"]
    assert mine["cis"][f"{top}/readonly"] == ["read"]


def test_queries_return_only_what_the_caller_may_read(server, api):
    team = unique("team")
    member = newcomer(api, team)
    seen, hidden = f"Infrastructure/{unique('seen')}", f"Infrastructure/{unique('hidden')}"
    create(api, {"id": seen, "type": "core.Directory"}, {"id": hidden, "type": "core.Directory"},
           *[{"id": f"{folder}/h{n}", "type": "overthere.LocalHost", "os": "UNIX"}
             for folder in (seen, hidden) for n in range(3)])
    grant(api, "read", team, "Infrastructure")  # `seen` inherits it
    assign(api, "nobody-" + team)
    grant(api, "read", "nobody-" + team, hidden)  # hidden: settings without the team
    as_member = user(server, member)
    refs = ok(as_member.get("/repository/query", params={"type": "overthere.LocalHost",
                                                         "ancestor": "Infrastructure"})).json()
    ids = [r["ref"] for r in refs]
    assert [i for i in ids if i.startswith(seen)] == [f"{seen}/h0", f"{seen}/h1", f"{seen}/h2"]
    assert not [i for i in ids if i.startswith(hidden)]
    everything = [r["ref"] for r in ok(api.get("/repository/query", params={"ancestor": "Infrastructure"})).json()]
    assert f"{hidden}/h0" in everything
    page = ok(as_member.get("/repository/v3/query", params={"parent": seen, "page": 1, "resultsPerPage": 2})).json()
    assert [r["ref"] for r in page] == [f"{seen}/h2"]
    assert ok(as_member.get("/repository/query", params={"parent": hidden})).json() == []
    assert as_member.post("/repository/cis/read", json=[f"{seen}/h0", f"{hidden}/h0"]).status_code == 403
    assert as_member.get(f"/repository/exists/{hidden}/h0").status_code == 403
    assert as_member.get(f"/repository/exists/{hidden}/nothing-here").status_code == 403  # no existence leak


# -- deploying and importing ---------------------------------------------------------------------
def scenario(api, folder: str):
    """An application (version 1.0, 2.0) and an environment with two local hosts (only h1 a member)."""
    name = unique("app")
    app, env = f"Applications/{name}", f"{folder}/{unique('env')}"
    h1, h2 = f"Infrastructure/{unique('h1')}", f"Infrastructure/{unique('h2')}"
    create(api, {"id": app, "type": "udm.Application"},
           *[c for v in ("1.0", "2.0") for c in ({"id": f"{app}/{v}", "type": "udm.DeploymentPackage"},
                                                 {"id": f"{app}/{v}/run", "type": "cmd.Command",
                                                  "commandLine": "true"})],
           {"id": h1, "type": "overthere.LocalHost", "os": "UNIX"},
           {"id": h2, "type": "overthere.LocalHost", "os": "UNIX"},
           {"id": env, "type": "udm.Environment", "members": [h1]})
    return {"app": app, "env": env, "h1": h1, "h2": h2, "deployed": f"{env}/{name}"}


def test_deploying_needs_the_deploy_permission_and_read_on_the_containers(server, api):
    team = unique("team")
    member = newcomer(api, team)
    folder = f"Environments/{unique('dir')}"
    create(api, {"id": folder, "type": "core.Directory"})
    s = scenario(api, folder)
    as_member = user(server, member)
    for perm, ci in (("read", "Applications"), ("read", "Environments"), ("read", folder)):
        grant(api, perm, team, ci)
    prepared = ok(as_member.get("/deployment/prepare/initial",
                                params={"version": f"{s['app']}/1.0", "environment": s["env"]})).json()
    mapped = ok(as_member.post("/deployment/prepare/deployeds", json=prepared)).json()
    refused = as_member.post("/deployment", json=mapped)
    assert refused.status_code == 403
    assert refused.json()["message"] == f"User {member} does not have permission deploy#initial on {s['env']}."
    grant(api, "deploy#initial", team, folder)
    refused = as_member.post("/deployment", json=mapped)  # the host is not readable
    assert refused.json()["message"] == f"User {member} does not have permission read on {s['h1']}."
    grant(api, "read", team, "Infrastructure")
    task_id = ok(as_member.post("/deployment", json=mapped)).json()["string"]
    ok(as_member.post(f"/tasks/v2/{task_id}/start"))
    assert wait_state(as_member, task_id)["state"] == "EXECUTED"
    ok(as_member.post(f"/tasks/v2/{task_id}/archive"))
    # the upgrade needs deploy#upgrade; onto a new target also deploy#initial
    revoke(api, "deploy#initial", team, folder)
    upgrade = ok(as_member.get("/deployment/prepare/update",
                               params={"version": f"{s['app']}/2.0", "deployedApplication": s["deployed"]})).json()
    upgrade = ok(as_member.post("/deployment/prepare/deployeds", json=upgrade)).json()
    assert as_member.post("/deployment", json=upgrade).json()["message"].endswith(
        f"permission deploy#upgrade on {s['env']}.")
    grant(api, "deploy#upgrade", team, folder)
    ok(as_member.post("/deployment", json=upgrade))
    env = ok(api.get(f"/repository/ci/{s['env']}")).json()
    ok(api.put(f"/repository/ci/{s['env']}", json=dict(env, members=[s["h1"], s["h2"]])))
    wider = ok(as_member.post("/deployment/prepare/deployeds", json=ok(as_member.get(
        "/deployment/prepare/update", params={"version": f"{s['app']}/2.0",
                                              "deployedApplication": s["deployed"]})).json())).json()
    assert {d["container"] for d in wider["deployeds"]} == {s["h1"], s["h2"]}
    refused = as_member.post("/deployment", json=wider)
    assert refused.status_code == 403 and f"deploy#initial on {s['env']}" in refused.json()["message"]
    assert s["h2"] in refused.json()["message"]
    # undeploying needs deploy#undeploy
    undeploy = ok(as_member.get("/deployment/prepare/undeploy", params={"deployedApplication": s["deployed"]})).json()
    assert as_member.post("/deployment", json=undeploy).status_code == 403
    grant(api, "deploy#undeploy", team, folder)
    ok(as_member.post("/deployment", json=undeploy))


def test_importing_needs_import_initial_then_import_upgrade_and_deleting_import_remove(server, api):
    team = unique("team")
    member = newcomer(api, team)
    as_member = user(server, member)
    name = unique("Imp")

    def upload(version):
        return as_member.post(f"/package/upload/{name}-{version}.dar",
                              files={"fileData": (f"{name}-{version}.dar", dar(name, version))},
                              headers={"Content-Type": None})
    refused = upload("1.0")
    assert refused.status_code == 403 and "import#initial or import#upgrade" in refused.json()["message"]
    grant(api, "read", team, "Applications")
    grant(api, "import#upgrade", team, "Applications")
    refused = upload("1.0")
    assert refused.json()["message"] == \
        f"User {member} does not have permission import#initial on Applications/{name}."
    grant(api, "import#initial", team, "Applications")
    ok(upload("1.0"))
    revoke(api, "import#initial", team, "Applications")
    ok(upload("2.0"))  # a further version: import#upgrade
    refused = as_member.delete(f"/repository/ci/Applications/{name}/1.0")
    assert refused.json()["message"] == f"User {member} does not have permission import#remove on " \
                                        f"Applications/{name}/1.0."
    grant(api, "import#remove", team, "Applications")
    ok(as_member.delete(f"/repository/ci/Applications/{name}/1.0"))


# -- tasks -----------------------------------------------------------------------------------------
def test_only_the_owner_or_permitted_users_act_on_a_task(server, api):
    team = unique("team")
    owner, other = newcomer(api, team), newcomer(api, team)
    folder = f"Environments/{unique('dir')}"
    create(api, {"id": folder, "type": "core.Directory"})
    s = scenario(api, folder)
    for perm, ci in (("read", "Applications"), ("read", "Environments"), ("read", "Infrastructure"),
                     ("deploy#initial", "Environments")):
        grant(api, perm, team, ci)
    as_owner, as_other = user(server, owner), user(server, other)
    prepared = ok(as_owner.get("/deployment/prepare/initial",
                               params={"version": f"{s['app']}/1.0", "environment": s["env"]})).json()
    mapped = ok(as_owner.post("/deployment/prepare/deployeds", json=prepared)).json()
    task_id = ok(as_owner.post("/deployment", json=mapped)).json()["string"]
    assert ok(as_other.get(f"/tasks/v2/{task_id}")).json()["owner"] == owner  # readers of the environment see it
    refused = as_other.post(f"/tasks/v2/{task_id}/start")
    assert refused.status_code == 403 and f"belongs to {owner}" in refused.json()["message"]
    assert task_id not in [t["id"] for t in ok(as_other.get("/tasks/v2/current")).json()]
    assert task_id in [t["id"] for t in ok(as_owner.get("/tasks/v2/current")).json()]
    assert as_other.get("/tasks/v2/current/all").status_code == 403
    # skipping needs task#skip_step even for the owner
    refused = as_owner.post(f"/tasks/v2/{task_id}/skip", json=["0_1_1_1"])
    assert refused.json()["message"] == f"User {owner} does not have permission task#skip_step on {s['env']}."
    grant(api, "task#skip_step", team, "Environments")
    ok(as_owner.post(f"/tasks/v2/{task_id}/skip", json=["0_1_1_1"]))
    ok(as_owner.post(f"/tasks/v2/{task_id}/unskip", json=["0_1_1_1"]))
    # assigning needs task#assign; taking over task#takeover
    assert as_owner.post(f"/tasks/v2/{task_id}/assign/{other}").status_code == 403
    assert as_other.post(f"/tasks/v2/{task_id}/takeover/{owner}").status_code == 403
    grant(api, "task#takeover", team, "Environments")
    assert ok(as_other.post(f"/tasks/v2/{task_id}/takeover/{owner}")).json()["owner"] == other
    assert as_owner.post(f"/tasks/v2/{task_id}/start").status_code == 403
    grant(api, "task#assign", team)
    assert ok(as_other.post(f"/tasks/v2/{task_id}/assign/{owner}")).json()["owner"] == owner
    assert as_other.post(f"/tasks/v2/{task_id}/assign/{other}").status_code == 403  # no longer its task
    ok(as_owner.post(f"/tasks/v2/{task_id}/start"))
    assert wait_state(as_owner, task_id)["state"] == "EXECUTED"
    ok(as_owner.post(f"/tasks/v2/{task_id}/archive"))
    # reports need report#view and list only visible tasks
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert as_owner.get("/tasks/v2/query", params={"begindate": today}).status_code == 403
    grant(api, "report#view", team)
    listed = ok(as_owner.get("/tasks/v2/query", params={"begindate": today}))
    assert task_id in [t["id"] for t in listed.json()]
    outsider_role = unique("outsiders")
    outsider = newcomer(api, outsider_role)
    grant(api, "report#view", outsider_role)
    hidden = ok(user(server, outsider).get("/tasks/v2/export", params={"begindate": today}))
    assert task_id not in [t["id"] for t in hidden.json()]
    assert int(hidden.headers["X-Total-Count"]) == len(hidden.json())
    assert user(server, outsider).get(f"/tasks/v2/{task_id}").status_code == 403


# -- audit -------------------------------------------------------------------------------------------
def test_the_audit_trail_records_changes_and_refusals_without_secrets(server, api):
    team = unique("team")
    member = newcomer(api, team)
    as_member = user(server, member)
    host = f"Infrastructure/{unique('audited')}"
    secret = "Audit-S3cret-value"
    ok(api.post(f"/repository/ci/{host}", json={"id": host, "type": "overthere.SshHost", "os": "UNIX",
                                                  "address": "a", "username": "u", "password": secret}))
    assert as_member.delete(f"/repository/ci/{host}").status_code == 403
    assert server.http().delete(server.url + f"/repository/ci/{host}", auth=(member, "wrong")).status_code == 401
    ok(api.post(f"/repository/rename/{host}", params={"newName": "renamed-" + host.rsplit('/', 1)[1]}))
    ok(as_member.get("/server/info"))  # reading is not audited
    batch = [f"{host}-b1", f"{host}-b2"]
    ok(api.post("/repository/cis", json=[{"id": i, "type": "overthere.LocalHost", "os": "UNIX"} for i in batch]))
    entries = ok(api.get("/security/audit", params={"since": time.strftime("%Y-%m-%d", time.gmtime()),
                                                    "resultsPerPage": 1000})).json()
    [batch_entry] = [e for e in entries if e["action"] == "POST /repository/cis" and host in (e["target"] or "")]
    assert batch_entry["target"] == " ".join(batch) and batch_entry["user"] == "admin"
    mine = [e for e in entries if host in (e["target"] or "") and e is not batch_entry]
    assert [(e["user"], e["action"], e["status"], e["result"]) for e in mine] == [
        ("admin", "POST /repository/ci/{id}", 200, "OK"),
        (member, "DELETE /repository/ci/{id}", 403, "REFUSED"),
        (member, "DELETE /repository/ci/{id}", 401, "REFUSED"),
        ("admin", "POST /repository/rename/{id}", 200, "OK")]
    assert mine[1]["message"] == f"User {member} does not have permission repo#edit on {host}."
    assert mine[0]["address"] == "127.0.0.1" and mine[0]["time"] and mine[0]["path"].endswith(host)
    assert "newName=renamed-" in mine[3]["target"]
    by_member = ok(api.get("/security/audit", params={"user": member})).json()
    assert len(by_member) == 2 and all(e["user"] == member for e in by_member)
    paged = ok(api.get("/security/audit", params={"page": 2, "resultsPerPage": 1}))
    assert len(paged.json()) == 1 and int(paged.headers["X-Total-Count"]) >= len(entries)
    assert ok(api.get("/security/audit", params={"until": "2000-01-01"})).json() == []
    assert as_member.get("/security/audit").status_code == 403
    text = api.get("/security/audit", params={"resultsPerPage": 1000}).text
    assert secret not in text
    log_lines = (server.home / "log" / "audit.log").read_text().splitlines()
    assert secret not in "\n".join(log_lines)
    logged = [json.loads(line) for line in log_lines]
    assert any(e["user"] == member and e["status"] == 403 and host in (e["target"] or "") for e in logged)
    assert {"time", "user", "action", "target", "address", "status", "result"} <= set(logged[-1])


# -- permissions follow their directory ------------------------------------------------------------
def test_permissions_move_with_their_directory_and_go_with_it(server, api):
    team = unique("team")
    member = newcomer(api, team)
    folder = f"Infrastructure/{unique('dir')}"
    create(api, {"id": folder, "type": "core.Directory"}, {"id": f"{folder}/sub", "type": "core.Directory"},
           {"id": f"{folder}/sub/h", "type": "overthere.LocalHost", "os": "UNIX"})
    grant(api, "read", team, "Infrastructure")
    assign(api, "others-" + team)
    grant(api, "read", "others-" + team, folder)  # the folder: hidden from the team
    grant(api, "read", team, f"{folder}/sub")
    assert not checks(server, member, "read", f"{folder}/sub/h")  # the folder does not grant read
    grant(api, "read", team, folder)
    assert checks(server, member, "read", f"{folder}/sub/h")
    ok(api.post(f"/repository/rename/{folder}", params={"newName": folder.rsplit('/', 1)[1] + "-renamed"}))
    moved = folder + "-renamed"
    assert ok(api.get(f"/security/granted-permissions/{team}")).json()["cis"] == {
        "Infrastructure": ["read"], moved: ["read"], f"{moved}/sub": ["read"]}
    assert checks(server, member, "read", f"{moved}/sub/h")
    ok(api.delete(f"/repository/ci/{moved}"))
    assert ok(api.get(f"/security/granted-permissions/{team}")).json()["cis"] == {"Infrastructure": ["read"]}
    # a new directory of the same name starts without the old settings
    create(api, {"id": moved, "type": "core.Directory"})
    assert ok(api.get(f"/security/permission/read/others-{team}/{moved}")).json() == {"boolean": False}


def test_copy_move_rename_and_delete_need_the_permission_on_everything_below(server, api):
    team = unique("team")
    member = newcomer(api, team)
    folder = f"Infrastructure/{unique('dir')}"
    hidden = f"{folder}/hidden"
    create(api, {"id": folder, "type": "core.Directory"}, {"id": hidden, "type": "core.Directory"},
           {"id": f"{hidden}/h", "type": "overthere.LocalHost", "os": "UNIX"})
    grant(api, "read", team, "Infrastructure")
    grant(api, "repo#edit", team, "Infrastructure")
    assign(api, "keepers-" + team)
    grant(api, "read", "keepers-" + team, hidden)  # settings without the team: hidden from it
    as_member = user(server, member)
    expected = f"User {member} does not have permission %s on {hidden}."
    for response, permission in (
            (as_member.post(f"/repository/copy/{folder}", params={"newId": folder + "-copy"}), "read"),
            (as_member.post(f"/repository/move/{folder}", params={"newId": folder + "-moved"}), "repo#edit"),
            (as_member.post(f"/repository/rename/{folder}", params={"newName": "renamed"}), "repo#edit"),
            (as_member.delete(f"/repository/ci/{folder}"), "repo#edit"),
            (as_member.post("/repository/cis/delete", json=[folder]), "repo#edit")):
        assert response.status_code == 403 and response.json()["message"] == expected % permission
    assert ok(api.get(f"/repository/exists/{hidden}/h")).json()["boolean"]
    grant(api, "read", team, hidden)
    grant(api, "repo#edit", team, hidden)
    ok(as_member.post(f"/repository/copy/{folder}", params={"newId": folder + "-copy"}))
    ok(as_member.delete(f"/repository/ci/{folder}"))


def test_permission_names_travel_url_encoded_and_login_is_needed_for_everything(server, api):
    assert ok(api.get("/security/check/repo%23edit/Infrastructure")).json() == {"boolean": True}
    assert api.get("/security/check/no-such-permission").status_code == 400
    name = unique("u")
    create_user(api, name)
    for path in ("/server/info", "/repository/query", "/security/role/roles", "/metadata/type"):
        response = user(server, name).get(path)
        assert response.status_code == 403
        assert response.json()["message"] == f"User {name} does not have permission login."
