"""Artifacts: a CI created with its file (multipart, as XL Deploy), SHA-1 checksum, download, replace."""

import hashlib
import json

import pytest

from tests.integration.helpers import create, db_state, exists, unique
from tests.support.server import ACCEPT_JSON

CONTENT = bytes(range(256)) * 64 + b"end of file\n"


@pytest.fixture
def pkg(api):
    app = create(api, f"Applications/{unique('app')}", "udm.Application")["id"]
    return create(api, f"{app}/1.0", "udm.DeploymentPackage")["id"]


def multipart(server, method, ci_id, ci, content=CONTENT, filename="app.bin", ci_part="configurationItem"):
    files = {}
    if ci is not None:
        files[ci_part] = (None, ci if isinstance(ci, str) else json.dumps(ci), "application/json")
    if content is not None:
        files["fileData"] = (filename, content, "application/octet-stream")
    return server.http().request(method, f"{server.url}/repository/ci/{ci_id}", files=files, auth=("admin", "admin"),
                            headers={"Accept": "application/json"})


def download(server, ci_id):
    return server.http().get(f"{server.url}/repository/artifact/{ci_id}", auth=("admin", "admin"), headers=ACCEPT_JSON)


def test_create_with_file_computes_sha1_and_downloads_the_same_bytes(server, api, pkg):
    ci_id = f"{pkg}/file"
    response = multipart(server, "POST", ci_id, {"id": ci_id, "type": "file.File", "targetPath": "/opt/app"})
    assert response.status_code == 200, response.text
    assert response.json()["checksum"] == hashlib.sha1(CONTENT).hexdigest()
    assert response.json()["targetPath"] == "/opt/app"
    got = download(server, ci_id)
    assert got.status_code == 200 and got.content == CONTENT
    assert 'filename="app.bin"' in got.headers["content-disposition"]
    assert api.get(f"/repository/ci/{pkg}").json()["deployables"] == [ci_id]


def test_a_given_checksum_is_kept(server, pkg):
    ci_id = f"{pkg}/file"
    response = multipart(server, "POST", ci_id, {"id": ci_id, "type": "file.File", "checksum": "v1-custom"})
    assert response.status_code == 200, response.text
    assert response.json()["checksum"] == "v1-custom"
    assert download(server, ci_id).content == CONTENT


def test_put_multipart_replaces_the_file(server, api, pkg):
    ci_id = f"{pkg}/file"
    created = multipart(server, "POST", ci_id, {"id": ci_id, "type": "file.File"}).json()
    new_content = b"version two\n" * 1000
    # the CI as read, old checksum included: the new content gets its own checksum
    response = multipart(server, "PUT", ci_id, created, content=new_content, filename="v2.txt")
    assert response.status_code == 200, response.text
    assert response.json()["checksum"] == hashlib.sha1(new_content).hexdigest()
    got = download(server, ci_id)
    assert got.content == new_content and 'filename="v2.txt"' in got.headers["content-disposition"]
    # a JSON update without a file keeps the file and its checksum
    response = api.put(f"/repository/ci/{ci_id}", json=dict(response.json(), targetPath="/srv"))
    assert response.status_code == 200, response.text
    assert response.json()["checksum"] == hashlib.sha1(new_content).hexdigest()
    assert download(server, ci_id).content == new_content


def test_copy_and_move_keep_the_file_and_delete_drops_it(server, api, pkg):
    ci_id = f"{pkg}/file"
    multipart(server, "POST", ci_id, {"id": ci_id, "type": "file.File"})
    copy = api.post(f"/repository/copy/{pkg}", params={"newId": pkg.rsplit("/", 1)[0] + "/1.1"})
    assert copy.status_code == 200, copy.text
    copied_file = copy.json()["deployables"][0]
    assert download(server, copied_file).content == CONTENT
    moved = api.post(f"/repository/rename/{ci_id}", params={"newName": "renamed"})
    assert moved.status_code == 200, moved.text
    assert download(server, f"{pkg}/renamed").content == CONTENT
    assert download(server, ci_id).status_code == 404
    assert api.delete(f"/repository/ci/{pkg}/renamed").status_code == 204
    response = download(server, f"{pkg}/renamed")
    assert response.status_code == 404 and f"{pkg}/renamed" in response.json()["message"]
    assert download(server, copied_file).content == CONTENT


def test_artifact_without_a_file(server, api, pkg):
    ci_id = create(api, f"{pkg}/nofile", "file.File")["id"]
    response = download(server, ci_id)
    assert response.status_code == 404 and "no artifact file" in response.json()["message"]


@pytest.mark.parametrize("case", ["not an artifact", "bad json", "no ci part", "deep json", "two files",
                                  "garbage", "no boundary"])
def test_bad_uploads_write_nothing(server, api, pkg, case):
    ci_id = f"{pkg}/{unique('file')}"
    before = db_state(server)
    if case == "not an artifact":
        ci_id = f"Applications/{unique('app')}"
        response = multipart(server, "POST", ci_id, {"id": ci_id, "type": "udm.Application"})
        words = ["not an artifact", ci_id]
    elif case == "bad json":
        response = multipart(server, "POST", ci_id, '{"id": "%s", "type": ' % ci_id)
        words = ["not valid JSON"]
    elif case == "deep json":
        response = multipart(server, "POST", ci_id, "{" + '"a":' + "[" * 100_000)
        words = ["not valid JSON"]
    elif case == "two files":
        response = server.http().post(f"{server.url}/repository/ci/{ci_id}", auth=("admin", "admin"),
                                 headers=ACCEPT_JSON, files=[
            ("configurationItem", (None, json.dumps({"id": ci_id, "type": "file.File"}), "application/json")),
            ("fileData", ("a.bin", b"a")), ("fileData", ("b.bin", b"b"))])
        words = ["files"]
    elif case in ("garbage", "no boundary"):
        content_type = "multipart/form-data" + ("; boundary=xyz" if case == "garbage" else "")
        response = server.http().post(f"{server.url}/repository/ci/{ci_id}", auth=("admin", "admin"),
                                 data=b"garbage", headers={"Content-Type": content_type, "Accept": "application/json"})
        words = ["multipart"]
    else:
        response = multipart(server, "POST", ci_id, None)
        words = ["configurationItem"]
    assert response.status_code == 400, response.text
    for word in words:
        assert word in response.json()["message"]
    assert db_state(server) == before
    assert not exists(api, ci_id)
