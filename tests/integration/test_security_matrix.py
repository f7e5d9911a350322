"""Every REST route, found by enumerating the application's routes, called three times: without credentials
(401), as a user who lacks the permission it needs (403) and as one who has it (success).

A route without a case here fails `test_route` for it: a new endpoint must say what it needs.
The users: `nologin` (no role at all), `viewer` (login only), `power` (login, report#view, task#assign,
task#takeover, task#skip_step, task#preview_step, security#edit, and on the roots read, repo#edit,
controltask#execute, import#*, deploy#*, task#skip_step, task#takeover; not admin) and `admin`.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import pytest
import requests

from server.api.app import api_routes
from tests.integration.helpers import unique
from tests.integration.security_helpers import PASSWORD, assign, create_user, dar, grant, ok, people, seg
from tests.integration.tasks_helpers import wait_state
from tests.integration.xml_client import XmlClient

STEP = "0_1_1_1"
BLOCK = "0_1_1"


@dataclass
class Call:
    path: str
    params: dict | None = None
    json: object = None
    data: bytes | None = None
    files: dict | None = None
    headers: dict | None = None
    ok: tuple = (200, 204)
    allowed: str = "power"
    denied: str = "viewer"
    base: str | None = None  # another server's REST base (POST /server/shutdown stops the one it calls)


class World:
    """The server with its users, and fixtures made on demand as admin."""

    def __init__(self, server, web_url: str):
        self.server = server
        self.web_url = web_url
        self.sessions = {name: self._session(name) for name in ("anonymous", "nologin", "viewer", "power", "admin")}
        self.xml = XmlClient(server)
        self._cache: dict = {}

    def _session(self, name: str) -> requests.Session:
        s = self.server.http()
        s.headers["Accept"] = "application/json"
        if name != "anonymous":
            s.auth = (name, "admin" if name == "admin" else PASSWORD)
        return s

    def request(self, who: str, method: str, call: Call) -> requests.Response:
        return self.sessions[who].request(method, (call.base or self.server.url) + call.path, params=call.params, json=call.json,
                                          data=call.data, files=call.files, headers=call.headers, timeout=30)

    def do(self, who: str, method: str, path: str, expect=(200, 204), **kw) -> requests.Response:
        return ok(self.sessions[who].request(method, self.server.url + path, timeout=30, **kw), *expect)

    def cached(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # -- repository fixtures -------------------------------------------------------------------
    def create(self, *cis: dict) -> None:
        self.do("admin", "POST", "/repository/cis", json=list(cis))

    def host(self) -> str:
        host = f"Infrastructure/{unique('host')}"
        self.create({"id": host, "type": "overthere.LocalHost", "os": "UNIX"})
        return host

    def directory(self, root: str = "Environments") -> str:
        folder = f"{root}/{unique('dir')}"
        self.create({"id": folder, "type": "core.Directory"})
        return folder

    def artifact(self) -> str:
        def make():
            app = f"Applications/{unique('files')}"
            self.create({"id": app, "type": "udm.Application"}, {"id": f"{app}/1.0", "type": "udm.DeploymentPackage"})
            ci_id = f"{app}/1.0/readme"
            response = self.sessions["admin"].post(
                self.server.url + f"/repository/ci/{ci_id}", timeout=30,
                files={"configurationItem": (None, f'{{"id": "{ci_id}", "type": "file.File", "targetPath": "/tmp"}}',
                                             "application/json"),
                       "file": ("readme.txt", b"hello", "text/plain")})
            ok(response)
            return ci_id
        return self.cached("artifact", make)

    # -- deployments ---------------------------------------------------------------------------
    def scenario(self) -> dict:
        """A fresh application with version 1.0 (one cmd.Command) and an environment with a local host."""
        name = unique("app")
        app, host, env = f"Applications/{name}", f"Infrastructure/{unique('local')}", f"Environments/{unique('env')}"
        self.create({"id": app, "type": "udm.Application"},
                    {"id": f"{app}/1.0", "type": "udm.DeploymentPackage"},
                    {"id": f"{app}/1.0/run", "type": "cmd.Command", "commandLine": "true"},
                    {"id": f"{app}/2.0", "type": "udm.DeploymentPackage"},
                    {"id": f"{app}/2.0/run", "type": "cmd.Command", "commandLine": "true"},
                    {"id": host, "type": "overthere.LocalHost", "os": "UNIX"},
                    {"id": env, "type": "udm.Environment", "members": [host]})
        return {"app": app, "version": f"{app}/1.0", "v2": f"{app}/2.0", "host": host, "env": env,
                "deployed": f"{env}/{name}"}

    def undeployed(self) -> dict:
        """A shared scenario that is never deployed (its tasks stay PENDING)."""
        return self.cached("undeployed", self.scenario)

    def deployment(self, scen: dict) -> dict:
        prepared = self.do("admin", "GET", "/deployment/prepare/initial",
                           params={"version": scen["version"], "environment": scen["env"]}).json()
        return self.do("admin", "POST", "/deployment/prepare/deployeds", json=prepared).json()

    def mapped(self) -> dict:
        return self.cached("mapped", lambda: self.deployment(self.undeployed()))

    def task(self, owner: str = "power", scen: dict | None = None) -> str:
        """A PENDING deployment task created by `owner`."""
        body = self.deployment(scen or self.undeployed())
        return self.do(owner, "POST", "/deployment", json=body).json()["string"]

    def executed_task(self, owner: str = "power") -> str:
        task_id = self.task(owner, self.scenario())
        self.do(owner, "POST", f"/tasks/v2/{task_id}/start")
        assert wait_state(_Admin(self), task_id)["state"] == "EXECUTED"
        return task_id

    def deployed(self) -> dict:
        """A shared scenario deployed at version 1.0 (by admin)."""
        def make():
            scen = self.scenario()
            task_id = self.task("admin", scen)
            self.do("admin", "POST", f"/tasks/v2/{task_id}/start")
            assert wait_state(_Admin(self), task_id)["state"] == "EXECUTED"
            self.do("admin", "POST", f"/tasks/v2/{task_id}/archive")
            return scen
        return self.cached("deployed", make)

    # -- packages ------------------------------------------------------------------------------
    def importable(self) -> str:
        name = f"{unique('Imported')}-1.0.dar"
        folder = self.server.home / "importablePackages"
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(dar(name[:-len("-1.0.dar")]))
        return name

    def served(self) -> str:
        name = f"{unique('Fetched')}-1.0.dar"
        (self.server.home.parent / "web").mkdir(exist_ok=True)
        (self.server.home.parent / "web" / name).write_bytes(dar(name[:-len("-1.0.dar")]))
        return f"{self.web_url}/{name}"


class _Admin:
    """The `api` shape tasks_helpers.wait_state expects, as admin."""

    def __init__(self, world: World):
        self.world = world

    def get(self, path, **kw):
        return self.world.sessions["admin"].get(self.world.server.url + path, **kw)


def _future() -> str:
    return (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the cases: (method, route path) -> World -> Call --------------------------------------------
CASES = {}


def case(method: str, *paths: str):
    def register(func):
        for p in paths:
            CASES[(method, p)] = func
        return func
    return register


# repository
@case("GET", "/repository/ci/{id:path}")
def _read(w):
    return Call(f"/repository/ci/{w.host()}")


@case("POST", "/repository/ci/{id:path}")
def _create(w):
    ci_id = f"Infrastructure/{unique('new')}"
    return Call(f"/repository/ci/{ci_id}", json={"id": ci_id, "type": "overthere.LocalHost", "os": "UNIX"})


@case("PUT", "/repository/ci/{id:path}")
def _update(w):
    host = w.host()
    return Call(f"/repository/ci/{host}", json={"id": host, "type": "overthere.LocalHost", "os": "UNIX",
                                               "tags": ["x"]})


@case("DELETE", "/repository/ci/{id:path}")
def _delete(w):
    return Call(f"/repository/ci/{w.host()}")


@case("POST", "/repository/cis")
def _create_many(w):
    return Call("/repository/cis", json=[{"id": f"Infrastructure/{unique('new')}", "type": "overthere.LocalHost",
                                          "os": "UNIX"}])


@case("PUT", "/repository/cis")
def _update_many(w):
    return Call("/repository/cis", json=[{"id": w.host(), "type": "overthere.LocalHost", "os": "UNIX",
                                          "tags": ["y"]}])


@case("POST", "/repository/cis/read")
def _read_many(w):
    return Call("/repository/cis/read", json=[w.host()])


@case("POST", "/repository/cis/delete")
def _delete_many(w):
    return Call("/repository/cis/delete", json=[w.host()])


@case("GET", "/repository/exists/{id:path}", "/repository/Exists/{id:path}")
def _exists(w):
    return Call("", params={"id": w.host()})


@case("POST", "/repository/copy/{id:path}")
def _copy(w):
    return Call(f"/repository/copy/{w.host()}", params={"newId": f"Infrastructure/{unique('copy')}"})


@case("POST", "/repository/move/{id:path}")
def _move(w):
    return Call(f"/repository/move/{w.host()}", params={"newId": f"Infrastructure/{unique('moved')}"})


@case("POST", "/repository/rename/{id:path}")
def _rename(w):
    return Call(f"/repository/rename/{w.host()}", params={"newName": unique("renamed")})


@case("POST", "/repository/secrets/matches")
def _secrets_match(w):
    host = f"Infrastructure/{unique('ssh')}"
    w.create({"id": host, "type": "overthere.SshHost", "os": "UNIX", "address": "a", "username": "u",
              "password": "pw"})
    return Call("/repository/secrets/matches", json=[{"id": host, "property": "password", "value": "pw"}])


@case("GET", "/repository/query", "/repository/v2/query", "/repository/v3/query")
def _query(w):
    return Call("", params={"type": "overthere.LocalHost"}, allowed="viewer", denied="nologin")


@case("GET", "/repository/history/{id:path}")
def _history(w):
    return Call(f"/repository/history/{w.host()}")


@case("GET", "/repository/artifact/{id:path}")
def _artifact(w):
    return Call(f"/repository/artifact/{w.artifact()}")


# export and import (server/api/exchange.py)
def _exported(w) -> str:
    """The name of an archive in the server's export folder: a host exported by admin."""
    def make():
        answer = w.do("admin", "POST", f"/repository/export/{w.host()}").json()
        w.do("admin", "POST", f"/tasks/v2/{answer['string']}/start")
        assert wait_state(_Admin(w), answer["string"])["state"] == "EXECUTED"
        return answer["file"]
    return w.cached("exported", make)


@case("POST", "/repository/export")
def _export_all(w):
    return Call("/repository/export", allowed="admin", denied="power")


@case("POST", "/repository/export/{root:path}")
def _export(w):
    return Call(f"/repository/export/{w.host()}")


@case("GET", "/repository/export-file/{name:path}")
def _export_download(w):
    return Call(f"/repository/export-file/{_exported(w)}")


@case("POST", "/repository/import")
def _import_cis(w):
    return Call("/repository/import", params={"archive": _exported(w)})


@case("GET", "/package/export/{id:path}")
def _export_dar(w):
    return Call(f"/package/export/{w.artifact().rsplit('/', 1)[0]}")


# metadata, server
@case("GET", "/metadata/type", "/metadata/orchestrators", "/metadata/permissions", "/server/info", "/package/import")
def _login_only(w):
    return None  # the path is the route's own (see _call)


@case("GET", "/metadata/type/{type}")
def _type(w):
    return Call("/metadata/type/udm.Environment", allowed="viewer", denied="nologin")


# packages
@case("POST", "/package/import/{file:path}")
def _import(w):
    return Call(f"/package/import/{w.importable()}")


@case("POST", "/package/upload/{file:path}")
def _upload(w):
    name = unique("Uploaded")
    return Call(f"/package/upload/{name}-1.0.dar", files={"fileData": (f"{name}-1.0.dar", dar(name))})


@case("POST", "/package/fetch")
def _fetch(w):
    return Call("/package/fetch", data=w.served().encode(), headers={"Content-Type": "text/plain"})


@case("POST", "/package/fetch2")
def _fetch2(w):
    return Call("/package/fetch2", json={"url": w.served()})


# deployments
@case("GET", "/deployment/prepare/initial")
def _prepare_initial(w):
    scen = w.undeployed()
    return Call("/deployment/prepare/initial", params={"version": scen["version"], "environment": scen["env"]})


@case("GET", "/deployment/prepare/update")
def _prepare_update(w):
    scen = w.deployed()
    return Call("/deployment/prepare/update", params={"version": scen["v2"], "deployedApplication": scen["deployed"]})


@case("GET", "/deployment/prepare/undeploy")
def _prepare_undeploy(w):
    return Call("/deployment/prepare/undeploy", params={"deployedApplication": w.deployed()["deployed"]})


@case("POST", "/deployment/prepare/deployeds", "/deployment/generate/all", "/deployment/validate",
      "/deployment/previewblock", "/deployment/preview-changes")
def _with_deployment(w):
    return Call("", json=w.mapped())


@case("POST", "/deployment/generate/selected")
def _generate_selected(w):
    return Call("/deployment/generate/selected", json=w.mapped(), params={"deployables": w.undeployed()["version"]
                                                                          + "/run"})


@case("POST", "/deployment/generate/selected/deployables")
def _generate_selected_new(w):
    return Call("/deployment/generate/selected/deployables",
                json={"deployables": [w.undeployed()["version"] + "/run"], "deployment": w.mapped()})


@case("POST", "/deployment/generate/single")
def _generate_single(w):
    scen = w.undeployed()
    return Call("/deployment/generate/single", json=w.mapped(),
                params={"deployable": scen["version"] + "/run", "container": scen["host"]})


@case("POST", "/deployment/previewblock/{block}/{step}")
def _preview_step(w):
    return Call(f"/deployment/previewblock/{BLOCK}/1", json=w.mapped())


@case("POST", "/deployment", "/deployment/")
def _deploy(w):
    return Call("", json=w.mapped())


@case("POST", "/deployment/rollback/{task}")
def _rollback(w):
    return Call(f"/deployment/rollback/{w.executed_task()}")


@case("GET", "/deployment/exists")
def _deployment_exists(w):
    scen = w.deployed()
    return Call("/deployment/exists", params={"application": scen["app"], "environment": scen["env"]})


@case("GET", "/deployment/dictionary")
def _dictionary(w):
    return Call("/deployment/dictionary", params={"environment": w.undeployed()["env"]})


# tasks (v2 and the older API)
@case("GET", "/tasks/v2/current", "/task/current")
def _current(w):
    return Call("", allowed="viewer", denied="nologin")


@case("GET", "/tasks/v2/current/all", "/task/current/all")
def _current_all(w):
    return Call("", allowed="admin", denied="power")


@case("GET", "/tasks/v2/query", "/tasks/v2/export", "/task/query", "/task/export")
def _reports(w):
    return Call("")


@case("GET", "/tasks/v2/{id}", "/tasks/v2/{id}/summary", "/task/{id}", "/task/{id}/step")
def _see_task(w):
    return Call("", params={"id": w.task()})


@case("GET", "/tasks/v2/{id}/block/{block}", "/tasks/v2/{id}/block/{block}/step")
def _see_block(w):
    return Call("", params={"id": w.task(), "block": BLOCK})


@case("GET", "/tasks/v2/{id}/step/{path}", "/tasks/v2/{id}/step-log/{path}")
def _see_step(w):
    return Call("", params={"id": w.task(), "path": STEP})


@case("GET", "/task/{id}/step/{nr}")
def _see_step_number(w):
    return Call("", params={"id": w.task(), "nr": "1"})


@case("DELETE", "/tasks/v2/{id}", "/task/{id}")
@case("POST", "/tasks/v2/{id}/cancel", "/task/{id}/cancel")
def _act(w):
    return Call("", params={"id": w.task()})


@case("POST", "/tasks/v2/{id}/start", "/task/{id}/start")
def _start(w):
    return Call("", params={"id": w.task(scen=w.scenario())})  # it runs: a scenario of its own


@case("POST", "/tasks/v2/{id}/stop", "/task/{id}/stop", "/tasks/v2/{id}/abort", "/task/{id}/abort")
def _stop(w):
    return Call("", params={"id": w.task()}, ok=(204, 409))  # a PENDING task: the state refuses it, not security


@case("POST", "/tasks/v2/{id}/archive", "/task/{id}/archive")
def _archive(w):
    return Call("", params={"id": w.executed_task()})


@case("POST", "/tasks/v2/{id}/schedule", "/task/{id}/schedule")
def _schedule(w):
    return Call("", params={"id": w.task(), "time": _future()})


@case("POST", "/tasks/v2/{id}/assign/{owner}", "/task/{id}/assign/{owner}")
def _assign(w):
    return Call("", params={"id": w.task(), "owner": "viewer"})


@case("POST", "/tasks/v2/{id}/takeover/{owner}", "/task/{id}/takeover/{owner}")
def _takeover(w):
    return Call("", params={"id": w.task("admin"), "owner": "admin"})


@case("POST", "/tasks/v2/{id}/skip")
def _skip(w):
    return Call("", params={"id": w.task()}, json=[STEP])


@case("POST", "/tasks/v2/{id}/unskip")
def _unskip(w):
    task_id = w.task()
    w.do("admin", "POST", f"/tasks/v2/{task_id}/skip", json=[STEP])
    return Call("", params={"id": task_id}, json=[STEP])


@case("POST", "/task/{id}/skip")
def _legacy_skip(w):
    return Call("", params={"id": w.task()}, json=[1])


@case("POST", "/task/{id}/unskip")
def _legacy_unskip(w):
    task_id = w.task()
    w.do("admin", "POST", f"/task/{task_id}/skip", json=[1])
    return Call("", params={"id": task_id}, json=[1])


@case("POST", "/tasks/v2/{id}/add-pause/{path}")
def _add_pause(w):
    return Call("", params={"id": w.task(), "path": STEP})


# release overview and reports
@case("GET", "/release/pipeline/{id:path}")
def _pipeline(w):
    app, pipeline = f"Applications/{unique('app')}", f"Configuration/{unique('pipeline')}"
    w.create({"id": pipeline, "type": "release.DeploymentPipeline", "pipeline": []},
             {"id": app, "type": "udm.Application", "pipeline": pipeline})
    return Call(f"/release/pipeline/{app}")


@case("GET", "/internal/reports/tasks", "/internal/reports/environments")
def _release_reports(w):
    return Call("")


@case("POST", "/internal/reports/tasks")
def _release_reports_filtered(w):
    return Call("", params={"filterType": "environment"}, json=[{"id": "Environments", "type": "internal.Root"}])


# control tasks
@case("GET", "/control/prepare/{name}/{ci:path}")
def _control_prepare(w):
    return Call(f"/control/prepare/checkConnection/{w.host()}")


@case("POST", "/control", "/control/")
def _control(w):
    return Call("", json={"controlName": "checkConnection", "ci": w.host()})


@case("POST", "/control/start/{rest:path}")
def _control_start(w):
    return Call(f"/control/start/{w.host()}/checkConnection")


# security
@case("GET", "/security/user/", "/security/user", "/security/role/", "/security/role")
def _security_lists(w):
    return Call("")


@case("POST", "/security/user/{username}")
def _create_user(w):
    name = unique("user")
    return Call(f"/security/user/{name}", json={"username": name, "password": PASSWORD})


@case("GET", "/security/user/{username}")
def _read_user(w):
    return Call("/security/user/nologin")


@case("PUT", "/security/user/{username}")
def _modify_user(w):
    name = unique("user")
    create_user(_Api(w), name)
    return Call(f"/security/user/{name}", json={"username": name, "password": PASSWORD + "2"})


@case("DELETE", "/security/user/{username}")
def _delete_user(w):
    name = unique("user")
    create_user(_Api(w), name)
    return Call(f"/security/user/{name}")


@case("GET", "/security/role/roles")
def _my_roles(w):
    return Call("", allowed="viewer", denied="nologin")


@case("GET", "/security/role/roles/{username}")
def _roles_of(w):
    return Call("/security/role/roles/nologin")


@case("PUT", "/security/role/{role}")
def _create_role(w):
    return Call(f"/security/role/{unique('role')}")


@case("POST", "/security/role/{role}")
def _rename_role(w):
    role = unique("role")
    assign(_Api(w), role)
    return Call(f"/security/role/{role}", params={"newName": unique("renamed")})


@case("DELETE", "/security/role/{role}")
def _delete_role(w):
    role = unique("role")
    assign(_Api(w), role)
    return Call(f"/security/role/{role}")


@case("PUT", "/security/role/{role}/{principal}")
def _assign_role(w):
    return Call(f"/security/role/{unique('role')}/viewer")


@case("DELETE", "/security/role/{role}/{principal}")
def _unassign_role(w):
    role = unique("role")
    assign(_Api(w), role, "viewer")
    return Call(f"/security/role/{role}/viewer")


@case("GET", "/security/permission/{permission}/{role}", "/security/permission/{permission}/{role}/{id:path}")
@case("PUT", "/security/permission/{permission}/{role}", "/security/permission/{permission}/{role}/{id:path}")
def _permission(w):
    role = unique("role")
    assign(_Api(w), role)
    return Call("", params={"permission": seg("read"), "role": role, "id": w.directory()})


@case("DELETE", "/security/permission/{permission}/{role}", "/security/permission/{permission}/{role}/{id:path}")
def _revoke(w):
    role = unique("role")
    folder = w.directory()
    assign(_Api(w), role)
    grant(_Api(w), "read", role)
    grant(_Api(w), "read", role, folder)
    return Call("", params={"permission": seg("read"), "role": role, "id": folder})


@case("GET", "/security/granted-permissions")
def _my_permissions(w):
    return Call("", allowed="viewer", denied="nologin")


@case("GET", "/security/granted-permissions/{role}")
def _role_permissions(w):
    return Call("/security/granted-permissions/viewers")


@case("GET", "/security/check/{permission}", "/security/check/{permission}/{id:path}")
def _check(w):
    return Call("", params={"permission": seg("read"), "id": "Environments"}, allowed="viewer", denied="nologin")


@case("GET", "/security/audit")
def _audit(w):
    return Call("/security/audit", allowed="admin", denied="power")


# server administration (server/api/server_admin.py); maintenance start and stop are adjacent routes, so the
# server is out of maintenance mode again before any other case runs
@case("GET", "/server/state")
def _server_state(w):
    return Call("/server/state", allowed="viewer", denied="nologin")


@case("POST", "/server/maintenance/start", "/server/maintenance/stop", "/server/gc")
def _server_admin(w):
    return Call("", allowed="admin", denied="power")


@case("POST", "/server/shutdown")
def _server_shutdown(w):
    """Called on a server of its own: the admin's call stops it."""
    import atexit
    import tempfile
    from pathlib import Path
    from tests.conftest import Api
    from tests.support.server import ServerProcess
    other = ServerProcess(Path(tempfile.mkdtemp(prefix="shutdown-")) / "server").start()
    atexit.register(other.stop)
    people(Api(other))
    return Call("/server/shutdown", base=other.url, allowed="admin", denied="power")


class _Api:
    """The shape security_helpers expect, as admin."""

    def __init__(self, world: World):
        self.world = world

    def __getattr__(self, method):
        return lambda path, **kw: self.world.sessions["admin"].request(method.upper(), self.world.server.url + path,
                                                                       timeout=30, **kw)


def _call(w: World, method: str, template: str) -> Call:
    """The case's call with the route's own path filled in from `params` named like its placeholders."""
    call = CASES[(method, template)](w) or Call("", allowed="viewer", denied="nologin")
    if call.path:
        return call
    params = dict(call.params or {})
    path = template
    for name in ("id:path", "ci:path", "rest:path", "file:path", "id", "block", "step", "path", "nr", "owner",
                 "username", "role", "principal", "permission", "type", "name", "task"):
        placeholder = "{" + name + "}"
        key = name.split(":")[0]
        if placeholder in path:
            path = path.replace(placeholder, str(params.pop(key)))
    call.path = path
    call.params = {k: v for k, v in params.items() if k != "id"} or None
    return call


# -- fixtures and the test -----------------------------------------------------------------------
class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def world(server, api):
    folder = server.home.parent / "web"
    folder.mkdir(exist_ok=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    people(api)
    yield World(server, f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.shutdown()


def _route_keys() -> list[tuple[str, str]]:
    keys = []
    for route in api_routes():
        for method in sorted(route.methods - {"HEAD"}):
            keys.append((method, route.path))
    return keys


@pytest.mark.parametrize("method,template", _route_keys(), ids=lambda v: v)
def test_route(world, method, template):
    assert (method, template) in CASES, f"No security case for {method} {template}: add one to this test, and make " \
                                        f"the route check the permission it needs (server/api/guard.py)."
    call = _call(world, method, template)
    anonymous = world.request("anonymous", method, call)
    assert anonymous.status_code == 401, f"anonymous {method} {call.path}: {anonymous.status_code} {anonymous.text}"
    denied = world.request(call.denied, method, call)
    assert denied.status_code == 403, f"{call.denied} {method} {call.path}: {denied.status_code} {denied.text}"
    message = denied.json()["message"]
    assert call.denied in message and ("permission" in message or "may not" in message), message
    allowed = world.request(call.allowed, method, call)
    assert allowed.status_code in call.ok, f"{call.allowed} {method} {call.path}: {allowed.status_code} {allowed.text}"


def _in_xml(w: World, call: Call) -> Call:
    """The call as an XML-only client makes it: asking for XML, its JSON body (or the CI part of an upload)
    sent as XL Deploy's XML (tests/integration/xml_client.py)."""
    headers = dict(call.headers or {}, Accept="application/xml")
    data, files = call.data, call.files
    if call.json is not None:
        data, headers["Content-Type"] = w.xml.body(call.json), "application/xml"
    if files and "configurationItem" in files:
        name, part, _ = files["configurationItem"]
        files = dict(files, configurationItem=(name, w.xml.ci_xml(json.loads(part)), "application/xml"))
    return replace(call, json=None, data=data, files=files, headers=headers)


def _xml_error(response, status: int, who: str, method: str, call: Call) -> str:
    assert response.status_code == status, f"{who} {method} {call.path}: {response.status_code} {response.text}"
    assert response.headers["Content-Type"].startswith("application/xml"), response.headers["Content-Type"]
    root = ET.fromstring(response.content)
    assert root.tag == "error", response.text
    return root.find("message").text


@pytest.mark.parametrize("method,template", _route_keys(), ids=lambda v: v)
def test_route_in_xml(world, method, template):
    """The same three calls by an XML-only client: refusals are XML errors, answers XML (or, for task ids
    and step logs, plain text; for downloads, the file)."""
    call = _in_xml(world, _call(world, method, template))
    _xml_error(world.request("anonymous", method, call), 401, "anonymous", method, call)
    message = _xml_error(world.request(call.denied, method, call), 403, call.denied, method, call)
    assert call.denied in message and ("permission" in message or "may not" in message), message
    allowed = world.request(call.allowed, method, call)
    assert allowed.status_code in call.ok, f"{call.allowed} {method} {call.path}: {allowed.status_code} {allowed.text}"
    if allowed.status_code == 200:
        media = allowed.headers["Content-Type"].split(";")[0]
        assert media in ("application/xml", "text/plain", "application/octet-stream", "application/zip"), media
        if media == "application/xml":
            ET.fromstring(allowed.content)
        elif media == "text/plain" and "step-log" not in template:
            assert "<" not in allowed.text and len(allowed.text) == 36, allowed.text  # a task id


def test_every_case_is_a_route():
    """No stale cases: each one names a route that exists."""
    assert set(CASES) <= set(_route_keys())


# -- every form of CI reference: the permission check and the action read the same id -------------
FORMS = {
    "id string": lambda ci_id: ci_id,
    "id": lambda ci_id: {"id": ci_id},
    "ref": lambda ci_id: {"ref": ci_id},
    "ci-ref": lambda ci_id: {"ci-ref": ci_id},
    "ci": lambda ci_id: {"ci": ci_id},
}
LISTS = [("POST", "/repository/cis/delete"), ("POST", "/repository/cis/read"), ("GET", "/repository/ci/read")]


def _exists(w: World, ci_id: str) -> bool:
    return w.do("admin", "GET", f"/repository/exists/{ci_id}").json()["boolean"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("method,path", LISTS)
def test_lists_of_cis_are_checked_in_every_reference_form(world, method, path, form):
    host = world.host()
    call = Call(path, json=[FORMS[form](host)])
    denied = world.request("viewer", method, call)
    assert denied.status_code == 403 and host in denied.json()["message"], denied.text
    assert _exists(world, host)
    allowed = world.request("power", method, call)
    assert allowed.status_code in (200, 204), allowed.text
    if path.endswith("delete"):
        assert not _exists(world, host)
    else:
        assert [ci["id"] for ci in allowed.json()] == [host]


@pytest.mark.parametrize("form", FORMS)
def test_single_references_are_checked_in_every_form(world, form):
    control = Call("/control", json={"controlName": "checkConnection", "ci": FORMS[form](world.host())})
    body = dict(world.mapped())
    body["application"] = dict(body["application"], version=FORMS[form](world.undeployed()["version"]),
                               environment=FORMS[form](world.undeployed()["env"]))
    deployment = Call("/deployment", json=body)
    for call in (control, deployment):
        denied = world.request("viewer", "POST", call)
        assert denied.status_code == 403, denied.text
        allowed = world.request("power", "POST", call)
        assert allowed.status_code == 200, allowed.text


@pytest.fixture(scope="module")
def editor(world):
    """`editor` may read Infrastructure and edit the folder `mine`; `hidden` (below Infrastructure, with
    settings of its own) and Environments it may not read. Each holds a host."""
    admin = _Api(world)
    create_user(admin, "editor")
    assign(admin, "editors", "editor")
    assign(admin, "keepers", "admin")
    grant(admin, "login", "editors")
    grant(admin, "read", "editors", "Infrastructure")
    mine, hidden = world.directory("Infrastructure"), world.directory("Infrastructure")
    for permission in ("read", "repo#edit"):
        grant(admin, permission, "editors", mine)
    grant(admin, "read", "keepers", hidden)
    world.sessions["editor"] = world.server.http()
    world.sessions["editor"].auth = ("editor", PASSWORD)
    world.sessions["editor"].headers["Accept"] = "application/json"
    return {"mine": mine, "hidden": hidden}


def _host_in(w: World, folder: str) -> str:
    host = f"{folder}/{unique('h')}"
    w.create({"id": host, "type": "overthere.LocalHost", "os": "UNIX"})
    return host


@pytest.mark.parametrize("key", ["ref", "ci-ref", "ci"])
def test_a_reference_naming_two_cis_is_refused(world, editor, key):
    mine, secret = _host_in(world, editor["mine"]), _host_in(world, editor["hidden"])
    for path in ("/repository/cis/delete", "/repository/cis/read"):
        response = world.request("editor", "POST", Call(path, json=[{"id": mine, key: secret}]))
        assert response.status_code == 400, response.text
        assert _exists(world, secret) and _exists(world, mine)


def test_a_refused_delete_does_not_name_cis_the_caller_cannot_read(world, editor):
    host = _host_in(world, editor["mine"])
    env = f"Environments/{unique('env')}"
    world.create({"id": env, "type": "udm.Environment", "members": [host]})
    for method, call in (("DELETE", Call(f"/repository/ci/{host}")),
                         ("POST", Call("/repository/cis/delete", json=[host])),
                         ("DELETE", Call(f"/repository/ci/{editor['mine']}"))):
        response = world.request("editor", method, call)
        assert response.status_code == 409, response.text
        message = response.json()["message"]
        assert env not in message and "cannot read" in message, message
        assert host in message
    as_admin = world.request("admin", "DELETE", Call(f"/repository/ci/{host}"))
    assert as_admin.status_code == 409 and env in as_admin.json()["message"]
    assert _exists(world, host)
    world.do("admin", "DELETE", f"/repository/ci/{env}")


def _export(w: World, root: str) -> str:
    answer = w.do("admin", "POST", f"/repository/export/{root}").json()
    w.do("admin", "POST", f"/tasks/v2/{answer['string']}/start")
    assert wait_state(_Admin(w), answer["string"])["state"] == "EXECUTED"
    return answer["file"]


def test_importing_needs_repo_edit_on_everything_it_replaces(world, editor):
    archive = _export(world, editor["mine"])
    folder = f"{editor['mine']}/{unique('kept')}"  # a folder in `mine` that only keepers may read
    world.create({"id": folder, "type": "core.Directory"})
    grant(_Api(world), "read", "keepers", folder)
    _host_in(world, folder)
    refused = world.request("editor", "POST", Call("/repository/import", params={"archive": archive}))
    assert refused.status_code == 403 and folder in refused.json()["message"], refused.text
    world.do("admin", "DELETE", f"/repository/ci/{folder}")
    allowed = world.request("editor", "POST", Call("/repository/import", params={"archive": archive}))
    assert allowed.status_code == 200, allowed.text
