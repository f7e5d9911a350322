"""Several servers, one repository: what one server changes holds on the others (issue 12). Two servers share a
real PostgreSQL database, artifacts stored in it (`artifacts.store = database`), and one export folder."""

import io
import json
import threading
import time
import zipfile

import pytest
import requests

from tests.conftest import Api
from tests.integration.helpers import create, path, unique
from tests.integration.tasks_helpers import create_all, run, wait_state
from tests.support.postgres import PostgresServer
from tests.support.server import ACCEPT_JSON, ServerProcess

SNAPSHOT = 1.2  # every server reloads what it caches of the shared state at least every second


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    pg = PostgresServer().start()
    shared = tmp_path_factory.mktemp("shared")  # a folder every server mounts
    conf = {"repository.database.url": pg.create_database("cluster"), "artifacts.store": "database",
            "export.path": str(shared / "export")}
    first = ServerProcess(tmp_path_factory.mktemp("a") / "home", conf=conf).start()
    second = ServerProcess(tmp_path_factory.mktemp("b") / "home", conf=conf)
    (second.home / "conf").mkdir(parents=True, exist_ok=True)
    (second.home / "conf" / "repository.key").write_bytes((first.home / "conf" / "repository.key").read_bytes())
    second.start()
    yield first, second
    second.stop()
    first.stop()
    pg.stop()


def as_user(server, name: str, password: str) -> requests.Session:
    session = requests.Session()
    session.auth = (name, password)
    return session


def status(server, name: str, password: str) -> int:
    return as_user(server, name, password).get(server.url + "/server/info").status_code


def test_a_changed_password_is_refused_on_every_server_within_a_second(servers):
    a, b = servers
    name = unique("user")
    assert a.session().post(f"{a.url}/security/user/{name}", json={"password": "old-pw", "admin": True}).ok
    time.sleep(SNAPSHOT)  # until b's snapshot knows the new admin
    assert [status(s, name, "old-pw") for s in servers] == [200, 200]  # each server caches the login
    assert as_user(a, name, "old-pw").put(f"{a.url}/security/user/{name}", json={"password": "new-pw"}).ok
    time.sleep(SNAPSHOT)
    assert [status(s, name, "old-pw") for s in servers] == [401, 401]
    assert [status(s, name, "new-pw") for s in servers] == [200, 200]


def test_a_deleted_user_is_refused_on_every_server_even_when_made_again(servers):
    a, b = servers
    name = unique("user")
    admin = a.session()
    assert admin.post(f"{a.url}/security/user/{name}", json={"password": "first-pw", "admin": True}).ok
    time.sleep(SNAPSHOT)
    assert status(b, name, "first-pw") == 200
    assert admin.delete(f"{a.url}/security/user/{name}").ok
    time.sleep(SNAPSHOT)
    assert status(b, name, "first-pw") == 401
    # A new admin of the same name: the old password is no good anywhere.
    assert admin.post(f"{a.url}/security/user/{name}", json={"password": "second-pw", "admin": True}).ok
    time.sleep(SNAPSHOT)
    assert [status(s, name, "first-pw") for s in servers] == [401, 401]
    assert status(b, name, "second-pw") == 200


def test_maintenance_mode_started_on_one_server_holds_on_every_server(servers):
    a, b = servers
    ci_id = f"Environments/{unique('maint')}"
    assert a.session().post(a.url + "/server/maintenance/start").status_code == 204
    try:
        time.sleep(SNAPSHOT)
        state = b.session().get(b.url + "/server/state").json()
        assert state["current-mode"] == "MAINTENANCE" and state["maintenanceBy"] == "admin"
        refused = b.session().post(f"{b.url}/repository/ci/{ci_id}", json={"id": ci_id, "type": "udm.Dictionary"})
        assert refused.status_code == 503
        assert refused.json()["message"].startswith("The server is in maintenance mode: POST /repository/ci/")
    finally:
        assert b.session().post(b.url + "/server/maintenance/stop").status_code == 204
    time.sleep(SNAPSHOT)
    created = a.session().post(f"{a.url}/repository/ci/{ci_id}", json={"id": ci_id, "type": "udm.Dictionary"})
    assert created.status_code == 200, created.text


def test_simultaneous_creates_of_one_id_are_a_conflict_never_a_500(servers):
    sessions = [(s, s.session()) for s in servers]
    for _ in range(20):
        ci_id = f"Environments/{unique('race')}"
        statuses, start = [], threading.Barrier(len(sessions))

        def create(server, session):
            start.wait()
            statuses.append(session.post(f"{server.url}/repository/ci/{path(ci_id)}",
                                         json={"id": ci_id, "type": "udm.Dictionary"}).status_code)

        threads = [threading.Thread(target=create, args=pair) for pair in sessions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses) == [200, 409], statuses


def test_an_artifact_uploaded_on_one_server_downloads_and_deploys_from_another(servers, tmp_path):
    a, b = servers
    api_a, api_b = Api(a), Api(b)
    content = bytes(range(256)) * 8192 + b"shared\n"  # 2 MiB and a bit: three chunks
    app = create(api_a, f"Applications/{unique('app')}", "udm.Application")["id"]
    version = create(api_a, f"{app}/1.0", "udm.DeploymentPackage")["id"]
    target = tmp_path / "deployed" / "app.bin"
    ci = {"id": f"{version}/app", "type": "file.File", "targetPath": str(target.parent)}
    uploaded = requests.post(f"{a.url}/repository/ci/{version}/app", auth=("admin", "admin"), headers=ACCEPT_JSON,
                             files={"configurationItem": (None, json.dumps(ci), "application/json"),
                                    "fileData": ("app.bin", content, "application/octet-stream")})
    assert uploaded.status_code == 200, uploaded.text
    downloaded = requests.get(f"{b.url}/repository/artifact/{version}/app", auth=("admin", "admin"))
    assert downloaded.status_code == 200 and downloaded.content == content
    dar = requests.get(f"{b.url}/package/export/{version}", auth=("admin", "admin"))
    assert dar.status_code == 200
    with zipfile.ZipFile(io.BytesIO(dar.content)) as archive:
        assert content in [archive.read(member) for member in archive.namelist()]
    # A deployment started on the other server deploys the file.
    host, env = f"Infrastructure/{unique('local')}", f"Environments/{unique('env')}"
    create_all(api_b, [{"id": host, "type": "overthere.LocalHost", "os": "UNIX"},
                       {"id": env, "type": "udm.Environment", "members": [host]}])
    prepared = api_b.get("/deployment/prepare/initial", params={"version": version, "environment": env}).json()
    deployment = api_b.post("/deployment/prepare/deployeds", json=prepared).json()
    assert [d["type"] for d in deployment["deployeds"]] == ["file.DeployedFile"], deployment
    task_id = api_b.post("/deployment", json=deployment).json()["string"]
    assert run(api_b, task_id)["state"] == "EXECUTED"
    assert target.read_bytes() == content
    # Both servers count the one stored file.
    for server in servers:
        state = server.session().get(server.url + "/server/state").json()
        assert state["artifactFiles"] >= 1 and state["artifactBytes"] >= len(content)


def test_an_archive_exported_on_one_server_imports_on_another(servers):
    """The export reads the artifact from the database, the import on the other server stores it there again."""
    a, b = servers
    api_a, api_b = Api(a), Api(b)
    app = create(api_a, f"Applications/{unique('exported')}", "udm.Application")["id"]
    version = create(api_a, f"{app}/1.0", "udm.DeploymentPackage")["id"]
    ci = {"id": f"{version}/app", "type": "file.File"}
    assert requests.post(f"{a.url}/repository/ci/{version}/app", auth=("admin", "admin"), headers=ACCEPT_JSON,
                         files={"configurationItem": (None, json.dumps(ci), "application/json"),
                                "fileData": ("app.bin", b"exported content", "application/octet-stream")}).ok
    exported = api_a.post(f"/repository/export/{app}", headers=ACCEPT_JSON)
    assert exported.status_code == 200, exported.text
    assert run(api_a, exported.json()["string"])["state"] == "EXECUTED"
    name = exported.json()["file"]
    downloaded = api_b.get(f"/repository/export-file/{name}")
    assert downloaded.status_code == 200 and downloaded.content.startswith(b"PK"), downloaded.text
    assert api_b.delete(f"/repository/ci/{app}").status_code == 204
    imported = api_b.post("/repository/import", params={"archive": name}, headers=ACCEPT_JSON)
    assert imported.status_code == 200, imported.text
    assert run(api_b, imported.json()["string"])["state"] == "EXECUTED"
    assert api_a.get(f"/repository/artifact/{version}/app").content == b"exported content"


def upload(server, ci_id: str, content: bytes) -> requests.Response:
    ci = {"id": ci_id, "type": "file.File"}
    return requests.post(f"{server.url}/repository/ci/{path(ci_id)}", auth=("admin", "admin"), headers=ACCEPT_JSON,
                         files={"configurationItem": (None, json.dumps(ci), "application/json"),
                                "fileData": ("same.bin", content, "application/octet-stream")})


def test_the_same_content_uploaded_on_two_servers_at_once_is_stored_once_and_collected_from_either(servers):
    a, b = servers
    api_a = Api(a)
    app = create(api_a, f"Applications/{unique('same')}", "udm.Application")["id"]
    version = create(api_a, f"{app}/1.0", "udm.DeploymentPackage")["id"]
    for round_ in range(5):
        content = f"same content {unique()}".encode() * 100_000  # two chunks
        statuses, start = [], threading.Barrier(2)

        def send(server, name):
            start.wait()
            statuses.append(upload(server, f"{version}/{name}", content).status_code)

        threads = [threading.Thread(target=send, args=(s, f"f{round_}{i}")) for i, s in enumerate(servers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200, 200], statuses
        assert requests.get(f"{b.url}/repository/artifact/{version}/f{round_}0", auth=("admin", "admin")).content \
            == content
    # Deleted on one server, collected by the other.
    before = a.session().get(a.url + "/server/state").json()["artifactFiles"]
    assert api_a.delete(f"/repository/ci/{version}").status_code == 204
    task = b.session().post(b.url + "/server/gc", headers=ACCEPT_JSON)
    assert task.status_code == 200, task.text
    assert wait_state(Api(b), task.json()["string"])["state"] in ("EXECUTED", "DONE")
    assert a.session().get(a.url + "/server/state").json()["artifactFiles"] <= before - 5
