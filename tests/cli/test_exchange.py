"""Export and import through the shell: repository.exportCis/exportCisAndWait/importCis/importCisAndWait
(a round trip compared CI by CI and file by file) and repository.exportDar (a DAR that imports again)."""

from __future__ import annotations

import io
import json
import zipfile

import requests

from tests.cli.sample_packages import package_dar, unique

META = ("$token", "$createdAt", "$lastModifiedAt", "$createdBy", "$lastModifiedBy")


def _api(server):
    s = requests.Session()
    s.auth = ("admin", "admin")
    s.headers["Accept"] = "application/json"
    return lambda method, path, **kw: s.request(method, server.url + path, timeout=60, **kw)


def _subtree(api, root: str) -> dict:
    """Every CI under root (JSON without meta data) and every artifact file's bytes."""
    ids = [root] + [r["ref"] for r in api("GET", "/repository/query", params={"ancestor": root}).json()]
    cis, files = {}, {}
    for ci_id in ids:
        ci = api("GET", f"/repository/ci/{ci_id}").json()
        cis[ci_id] = {k: v for k, v in ci.items() if k not in META}
        download = api("GET", f"/repository/artifact/{ci_id}")
        if download.status_code == 200:
            files[ci_id] = download.content
    return {"cis": cis, "files": files}


def _with_package(cli, api, tmp_path) -> tuple[str, str]:
    folder = f"Applications/{unique('exp')}"
    app = unique("App")
    assert api("POST", f"/repository/ci/{folder}", json={"id": folder, "type": "core.Directory"}).ok
    dar = package_dar(tmp_path / f"{app}-1.0.dar", f"{folder.split('/', 1)[1]}/{app}")
    result = cli.script(f"deployit.importPackage({str(dar)!r})\n")
    assert result.returncode == 0, result.stderr
    return folder, f"{folder}/{app}/1.0"


def test_export_import_round_trip_ci_by_ci_and_file_by_file(cli, server, tmp_path):
    api = _api(server)
    folder, version = _with_package(cli, api, tmp_path)
    before = _subtree(api, folder)
    assert len(before["files"]) == 3 and len(before["cis"]) == 7  # dir, app, version, 4 deployables (3 files)
    created = api("GET", f"/repository/ci/{version}").json()["$createdAt"]

    result = cli.script("import sys\nprint('FILE=' + repository.exportCisAndWait(sys.argv[1]))\n", folder)
    assert result.returncode == 0, result.stderr
    name = result.stdout.split("FILE=")[1].split()[0]
    assert name.startswith(folder.rsplit("/", 1)[1] + "-") and name.endswith(".zip")
    assert (server.home / "export" / name).is_file()
    # the archive downloads too
    download = api("GET", f"/repository/export-file/{name}")
    assert download.status_code == 200 and zipfile.ZipFile(io.BytesIO(download.content)).testzip() is None

    assert api("DELETE", f"/repository/ci/{folder}").status_code == 204
    assert api("GET", f"/repository/exists/{version}").json() == {"boolean": False}

    result = cli.script("import sys\nrepository.importCisAndWait(sys.argv[1])\nprint('imported')\n", name)
    assert result.returncode == 0, result.stderr
    after = _subtree(api, folder)
    assert sorted(after["cis"]) == sorted(before["cis"])
    for ci_id, ci in before["cis"].items():
        assert after["cis"][ci_id] == ci, ci_id
    assert sorted(after["files"]) == sorted(before["files"])
    for ci_id, content in before["files"].items():
        assert after["files"][ci_id] == content, ci_id
    # The import is a version of the CIs it brought back, which keep their creation.
    assert api("GET", f"/repository/ci/{version}").json()["$createdAt"] == created
    assert [e["action"] for e in api("GET", f"/repository/history/{version}").json()] == \
        ["CREATE", "DELETE", "IMPORT"]

    # Importing again replaces the location: a CI added since is gone, nothing is doubled.
    extra = f"{folder}/Other"
    assert api("POST", f"/repository/ci/{extra}", json={"id": extra, "type": "udm.Application"}).ok
    result = cli.script("import sys\ntask = repository.importCis(sys.argv[1])\ndeployit.startTaskAndWait(task)\n"
                        "for e in repository.history(sys.argv[2]):\n    print('V', e.version, e.action)\n"
                        "print('CREATED', repository.readVersion(sys.argv[2], 3)._ci_attributes.createdAt == "
                        "repository.read(sys.argv[2])._ci_attributes.createdAt)\n", name, version)
    assert result.returncode == 0, result.stderr
    assert api("GET", f"/repository/exists/{extra}").json() == {"boolean": False}
    assert sorted(_subtree(api, folder)["cis"]) == sorted(before["cis"])
    # CIs that were there keep their history and creation; the import is their newest version.
    assert [line for line in result.stdout.splitlines() if line.startswith("V ")] == \
        ["V 1 CREATE", "V 2 DELETE", "V 3 IMPORT", "V 4 IMPORT"]
    assert "CREATED True" in result.stdout
    assert api("GET", f"/repository/ci/{version}").json()["$createdAt"] == created


def test_export_task_id_and_secrets_and_upload(cli, server, tmp_path):
    api = _api(server)
    folder = f"Infrastructure/{unique('hosts')}"
    host = f"{folder}/web"
    assert api("POST", "/repository/cis", json=[
        {"id": folder, "type": "core.Directory"},
        {"id": host, "type": "overthere.SshHost", "os": "UNIX", "address": "web", "username": "u",
         "password": "s3cret-value"}]).ok
    out = tmp_path / "archive.zip"
    result = cli.script(
        "import sys\ntask = repository.exportCis(sys.argv[1])\nprint('TASK=' + task)\n"
        "deployit.startTaskAndWait(task)\n", folder)
    assert result.returncode == 0, result.stderr
    task_id = result.stdout.split("TASK=")[1].split()[0]
    task = api("GET", f"/tasks/v2/{task_id}").json()
    name = task["metadata"]["exportFile"]
    archive_path = server.home / "export" / name
    raw = archive_path.read_bytes()
    assert b"s3cret-value" not in raw  # the secret travels encrypted
    out.write_bytes(raw)
    assert api("DELETE", f"/repository/ci/{folder}").status_code == 204
    # uploaded from the client's machine
    result = cli.script("import sys\nrepository.importCisAndWait(sys.argv[1])\n", str(out))
    assert result.returncode == 0, result.stderr
    assert api("GET", f"/repository/ci/{host}").json()["password"] == "********"
    assert api("GET", f"/repository/ci/{host}").json()["address"] == "web"

    # an archive whose secret was encrypted with another key is refused, nothing written
    manifest = json.loads(zipfile.ZipFile(out).read("export-manifest.json"))
    for entry in manifest["cis"]:
        if entry["id"] == host:
            entry["properties"]["password"] = "{b64}gAAAAABnotreallyencryptedwiththiskey=="
            entry["properties"]["address"] = "changed"
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("export-manifest.json", json.dumps(manifest))
    result = cli.script("import sys\nrepository.importCis(sys.argv[1])\n", str(foreign))
    assert result.returncode != 0
    assert "encrypted with another key" in result.stdout + result.stderr
    assert api("GET", f"/repository/ci/{host}").json()["address"] == "web"


def test_malformed_or_escaping_archives_are_refused(server, tmp_path):
    api = _api(server)
    uploads_before = set((server.home / "export").glob("uploaded-*"))
    cases = {
        "escape.zip": {"../evil": b"x", "export-manifest.json": b'{"format": "deployit-export", "cis": []}'},
        "nomanifest.zip": {"hello.txt": b"x"},
        "badjson.zip": {"export-manifest.json": b"{not json"},
        "outside.zip": {"export-manifest.json": json.dumps({"format": "deployit-export", "root": "Applications/a",
                                                            "cis": [{"id": "Environments/x",
                                                                     "type": "udm.Environment"}]}).encode()},
    }
    for name, entries in cases.items():
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for entry, data in entries.items():
                z.writestr(entry, data)
        answer = api("POST", "/repository/import", files={"archive": (name, buf.getvalue(), "application/zip")})
        assert answer.status_code == 400, (name, answer.text)
        assert "cannot be imported" in answer.json()["message"], answer.text
    answer = api("POST", "/repository/import", params={"archive": "../conf/repository.key"})
    assert answer.status_code == 400 and "export folder" in answer.json()["message"]
    answer = api("POST", "/repository/import", files={"archive": ("x.zip", b"not a zip", "application/zip")})
    assert answer.status_code == 400 and "not a zip" in answer.json()["message"]
    # refused uploads leave nothing behind
    assert set((server.home / "export").glob("uploaded-*")) == uploads_before


def test_export_dar_imports_again_to_the_same_package(cli, server, tmp_path):
    api = _api(server)
    folder, version = _with_package(cli, api, tmp_path)
    before = _subtree(api, version)
    out = tmp_path / "dars"
    result = cli.script("import sys\nrepository.exportDar(sys.argv[1], sys.argv[2])\n", str(out), version)
    assert result.returncode == 0, result.stderr
    app, ver = version.split("/")[-2:]
    dar = out / f"{app}-{ver}.dar"
    assert f"finished writing file to {dar}" in result.stdout
    assert "deployit-manifest.xml" in zipfile.ZipFile(dar).namelist()

    assert api("DELETE", f"/repository/ci/{version}").status_code == 204
    result = cli.script(f"deployit.importPackage({str(dar)!r})\n")
    assert result.returncode == 0, result.stderr
    after = _subtree(api, version)
    assert sorted(after["cis"]) == sorted(before["cis"])
    for ci_id, ci in before["cis"].items():
        assert after["cis"][ci_id] == ci, ci_id
    for ci_id, content in before["files"].items():
        assert after["files"][ci_id] == content, ci_id
