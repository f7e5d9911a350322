"""Package import through REST against the real server: by name (exploded folder and .dar), upload, fetch
from a local HTTP server, the samples, every manifest value syntax, checksums, placeholder scanning
rules, application directories, and composite packages."""

from __future__ import annotations

import base64
import hashlib
import http.server
import importlib.util
import io
import shutil
import threading
import zipfile
from functools import partial
from pathlib import Path

import pytest

from server.packages import folders
from tests.integration.helpers import create, db_state, path, unique
from tests.support.server import ACCEPT_JSON, InProcessServer

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "dar"

PLUGIN = """<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">
  <type type="test.Release" extends="udm.DeploymentPackage">
    <property name="releaseDate" kind="date" required="false"/>
    <property name="tickets" kind="list_of_string" required="false"/>
  </type>
  <type type="test.Website" extends="udm.BaseDeployable">
    <property name="port" required="false"/>
    <property name="enabled" kind="boolean" required="false"/>
    <property name="main" kind="ci" referenced-type="udm.Deployable" required="false"/>
    <property name="uses" kind="list_of_ci" referenced-type="udm.Deployable" required="false"/>
    <property name="aliases" kind="set_of_string" required="false"/>
    <property name="settings" kind="map_string_string" required="false"/>
    <property name="secret" password="true" required="false"/>
    <property name="bindings" kind="set_of_ci" referenced-type="test.Binding" as-containment="true" required="false"/>
  </type>
  <type type="test.Binding" extends="udm.BaseEmbeddedDeployable">
    <property name="port" required="false"/>
  </type>
</synthetic>"""


# -- helpers (also used by test_packages_hostile) ---------------------------------------------------

def manifest(app: str, version: str = "1.0", deployables: str = "", extra: str = "",
             root: str = "udm.DeploymentPackage") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} version="{version}" application="{app}">{extra}'
            f"<deployables>{deployables}</deployables></{root}>")


def make_dar(files: dict, manifest_text: str | None = None) -> bytes:
    """A zip with the manifest (when given) at the root and the files (path -> str or bytes; a path ending in
    '/' is a folder entry)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if manifest_text is not None:
            archive.writestr("deployit-manifest.xml", manifest_text)
        for name, data in files.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return out.getvalue()


def upload(server, data: bytes, name: str = "package.dar", part: str = "fileData"):
    return server.http().post(f"{server.url}/package/upload/{name}", files={part: (name, data, "application/octet-stream")},
                         auth=("admin", "admin"), headers={"Accept": "application/json"})


def read(api, ci_id: str) -> dict:
    response = api.get(f"/repository/ci/{path(ci_id)}")
    assert response.status_code == 200, response.text
    return response.json()


def artifact(server, ci_id: str) -> bytes:
    response = server.http().get(f"{server.url}/repository/artifact/{path(ci_id)}", auth=("admin", "admin"))
    assert response.status_code == 200, response.text
    return response.content


def build_samples(target: Path) -> list[Path]:
    spec = importlib.util.spec_from_file_location("sample_dar_build", SAMPLES / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(target)


def sha1(data) -> str:
    return hashlib.sha1(data.encode() if isinstance(data, str) else data).hexdigest()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("packages") / "home"
    (home / "plugins").mkdir(parents=True)
    (home / "plugins" / "test-synthetic.xml").write_text(PLUGIN)
    proc = InProcessServer(home).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def importable(server) -> Path:
    return server.home / "importablePackages"


# -- the samples ------------------------------------------------------------------------------------

def test_samples_list_and_import_by_name(server, api, importable, tmp_path):
    built = {p.name: p for p in build_samples(tmp_path)}
    assert sorted(built) == ["OldSample-1.0.dar", "Sample-1.0.dar", "Sample-2.0.dar"]
    shutil.copytree(SAMPLES / "Sample" / "1.0", importable / "Sample" / "1.0")  # exploded
    for name in ("Sample-2.0.dar", "OldSample-1.0.dar"):
        shutil.copy(built[name], importable / name)
    (importable / "notes.txt").write_text("not a package")
    listed = api.get("/package/import")
    assert listed.status_code == 200, listed.text
    assert sorted(listed.json()) == ["OldSample-1.0.dar", "Sample-2.0.dar", "Sample/1.0"]

    response = api.post("/package/import/Sample/1.0")
    assert response.status_code == 200, response.text
    v1 = response.json()
    assert v1["id"] == "Applications/Sample/1.0" and v1["type"] == "udm.DeploymentPackage"
    assert sorted(v1["deployables"]) == [f"Applications/Sample/1.0/{n}" for n in ("announce", "config", "readme",
                                                                                  "schema")]
    assert read(api, "Applications/Sample")["type"] == "udm.Application"
    src = SAMPLES / "Sample" / "1.0"
    readme = read(api, "Applications/Sample/1.0/readme")
    assert readme["checksum"] == sha1((src / "docs" / "README.txt").read_bytes())
    assert readme["tags"] == ["web"] and readme["targetPath"] == "{{APP_HOME}}/docs" and readme["placeholders"] == []
    assert artifact(server, readme["id"]) == (src / "docs" / "README.txt").read_bytes()
    config = read(api, "Applications/Sample/1.0/config")
    assert config["checksum"] == folders.checksum_of_directory(src / "config")
    assert sorted(config["placeholders"]) == ["APP_HOST", "APP_PORT", "DB_URL", "DB_USER", "GREETING"]
    unpacked = tmp_path / "config"
    assert sorted(folders.extract(io.BytesIO(artifact(server, config["id"])), unpacked)) == [
        "application.properties", "database.properties"]
    assert (unpacked / "database.properties").read_bytes() == (src / "config" / "database.properties").read_bytes()
    announce = read(api, "Applications/Sample/1.0/announce")
    assert announce["commandLine"] == "echo Sample 1.0 installed" and announce["order"] == 90
    schema = read(api, "Applications/Sample/1.0/schema")
    assert schema["tags"] == ["db"] and schema["placeholders"] == []
    assert schema["checksum"] == folders.checksum_of_directory(src / "sql")

    response = api.post("/package/import/Sample-2.0.dar")
    assert response.status_code == 200, response.text
    v2 = {d.rsplit("/", 1)[-1]: read(api, d) for d in response.json()["deployables"]}
    assert v2["readme"]["checksum"] != readme["checksum"]
    assert v2["config"]["checksum"] == config["checksum"] and v2["schema"]["checksum"] == schema["checksum"]
    assert v2["announce"]["commandLine"] == "echo Sample 2.0 installed"

    response = api.post("/package/import/OldSample-1.0.dar")
    assert response.status_code == 200, response.text
    hello = read(api, "Applications/OldSample/1.0/hello")
    assert hello["checksum"] == sha1((SAMPLES / "OldSample" / "1.0" / "hello.txt").read_bytes())
    assert hello["tags"] == ["web"] and hello["targetPath"] == "/tmp/oldsample"
    assert read(api, "Applications/OldSample/1.0/conf")["placeholders"] == ["GREETING"]
    assert read(api, "Applications/OldSample/1.0/greet")["dependencies"] == ["Applications/OldSample/1.0/hello"]


# -- upload and fetch -------------------------------------------------------------------------------

def simple_dar(app: str, version: str = "1.0") -> bytes:
    return make_dar({"a.txt": "a={{A}}\n"}, manifest(app, version, '<file.File name="a" file="a.txt"/>'))


def test_upload_takes_any_single_file_part_or_a_raw_body(server, api):
    app = unique("up")
    response = upload(server, simple_dar(app), part="fileData")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == f"Applications/{app}/1.0"
    response = upload(server, simple_dar(app, "2.0"), name="other.dar", part="whatever")
    assert response.status_code == 200, response.text
    raw = server.http().post(f"{server.url}/package/upload/raw.dar", data=simple_dar(app, "3.0"), auth=("admin", "admin"),
                        headers={"Content-Type": "application/octet-stream"})
    assert raw.status_code == 200, raw.text
    assert read(api, f"Applications/{app}/3.0/a")["placeholders"] == ["A"]
    two = server.http().post(f"{server.url}/package/upload/x.dar", auth=("admin", "admin"),
                        files={"a": ("a.dar", simple_dar(app, "4.0")), "b": ("b.dar", simple_dar(app, "5.0"))},
                        headers=ACCEPT_JSON)
    assert two.status_code == 400 and "exactly one file part" in two.json()["message"]


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; paths under /secure/ need basic auth user:secret."""

    def do_GET(self):
        if self.path.startswith("/secure/"):
            expected = "Basic " + base64.b64encode(b"user:secret").decode()
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="test"')
                self.end_headers()
                return
            self.path = self.path[len("/secure"):]
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_and_fetch2_from_a_local_http_server(server, api, web):
    folder, base = web
    app = unique("fetched")
    (folder / "one.dar").write_bytes(simple_dar(app, "1.0"))
    (folder / "two.dar").write_bytes(simple_dar(app, "2.0"))
    (folder / "three.dar").write_bytes(simple_dar(app, "3.0"))
    response = api.post("/package/fetch", data=f"{base}/one.dar", headers={"Content-Type": "text/plain"})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == f"Applications/{app}/1.0"
    response = api.post("/package/fetch", json=f"{base}/two.dar")  # as a JSON string
    assert response.status_code == 200, response.text
    denied = api.post("/package/fetch2", json={"url": f"{base}/secure/three.dar"})
    assert denied.status_code == 400 and "HTTP 401" in denied.json()["message"]
    response = api.post("/package/fetch2", json={"url": f"{base}/secure/three.dar", "user": "user",
                                                 "password": "secret"})
    assert response.status_code == 200, response.text
    assert read(api, f"Applications/{app}/3.0/a")["checksum"] == sha1("a={{A}}\n")


def test_fetch2_through_the_official_sdk(server_process, process_api, web):
    import xldeploy
    server, api = server_process, process_api  # the SDK talks HTTP to a real port
    folder, base = web
    app = unique("sdk")
    (folder / "sdk.dar").write_bytes(simple_dar(app))
    client = xldeploy.Client(xldeploy.Config(host="127.0.0.1", port=server.port, context_path="deployit",
                                             username="admin", password="admin"))
    client.package.fetch2(f"{base}/secure/sdk.dar", "user", "secret")
    assert read(api, f"Applications/{app}/1.0")["type"] == "udm.DeploymentPackage"


# -- manifest value syntaxes ------------------------------------------------------------------------

def test_every_value_kind_lands_in_the_repository(server, api):
    app = unique("kinds")
    body = """
      <file.File name="war" file="app/app.war"><tags><value>FE</value><value>+</value></tags></file.File>
      <test.Website name="site">
        <port>{{PORT}}</port>
        <enabled>true</enabled>
        <main ref="war"/>
        <uses><ci ref="war"/></uses>
        <aliases><value>www</value></aliases>
        <settings><entry key="url">http://{{HOST}}/</entry></settings>
        <secret>s3cr3t</secret>
        <bindings>
          <test.Binding name="http"><port>80</port></test.Binding>
          <test.Binding name="https"><port>{{HTTPS_PORT}}</port></test.Binding>
        </bindings>
      </test.Website>"""
    extra = """<orchestrator><value>parallel-by-container</value></orchestrator>
      <applicationDependencies><entry key="Backend">[1.0.0,2.0.0)</entry><entry key="Db">3.1</entry></applicationDependencies>
      <releaseDate>2013-04-02T16:22:00.000Z</releaseDate>
      <tickets><value>JIRA-1</value></tickets>"""
    dar = make_dar({"app/app.war": b"PK fake war"}, manifest(app, "1.0", body, extra, root="test.Release"))
    response = upload(server, dar)
    assert response.status_code == 200, response.text
    pkg = response.json()
    assert pkg["type"] == "test.Release" and pkg["orchestrator"] == ["parallel-by-container"]
    assert pkg["applicationDependencies"] == {"Backend": "[1.0.0,2.0.0)", "Db": "3.1"}
    assert pkg["releaseDate"].startswith("2013-04-02T16:22:00.000") and pkg["tickets"] == ["JIRA-1"]
    base = f"Applications/{app}/1.0"
    assert sorted(pkg["deployables"]) == [f"{base}/site", f"{base}/war"]
    assert sorted(read(api, f"{base}/war")["tags"]) == ["+", "FE"]
    site = read(api, f"{base}/site")
    assert site["port"] == "{{PORT}}" and site["enabled"] is True and site["main"] == f"{base}/war"
    assert site["uses"] == [f"{base}/war"] and site["aliases"] == ["www"]
    assert site["settings"] == {"url": "http://{{HOST}}/"} and site["secret"] != "s3cr3t"
    assert sorted(site["bindings"]) == [f"{base}/site/http", f"{base}/site/https"]
    assert read(api, f"{base}/site/https")["port"] == "{{HTTPS_PORT}}"


def test_application_in_directories(server, api):
    folder = unique("dir")
    app = unique("app")
    dar = make_dar({}, manifest(f"{folder}/team/{app}", "1.0"))
    missing = upload(server, dar)
    assert missing.status_code == 400 and f"directory Applications/{folder}/team does not exist" in \
        missing.json()["message"]
    create(api, f"Applications/{folder}", "core.Directory")
    create(api, f"Applications/{folder}/team", "core.Directory")
    response = upload(server, dar)
    assert response.status_code == 200, response.text
    assert read(api, f"Applications/{folder}/team/{app}")["type"] == "udm.Application"
    assert upload(server, make_dar({}, manifest(f"{folder}/team/{app}", "2.0"))).status_code == 200
    elsewhere = upload(server, make_dar({}, manifest(app, "3.0")))  # same name, at the top
    assert elsewhere.status_code == 409
    assert f"already exists as Applications/{folder}/team/{app}" in elsewhere.json()["message"]


# -- checksums and placeholders ---------------------------------------------------------------------

def test_checksums_of_files_and_folders_and_given_checksums(server, api, tmp_path):
    app = unique("sums")
    files = {"bin/tool.bin": bytes(range(256)) * 10, "web/index.html": "<p>{{TITLE}}</p>", "web/img/": b"",
             "web/css/site.css": "body {}"}
    body = """<file.File name="tool" file="bin/tool.bin"/>
              <file.Folder name="web" file="web"/>
              <file.Folder name="web2" file="web/"/>
              <file.File name="given" file="bin/tool.bin"><checksum>my-own-1</checksum></file.File>"""
    response = upload(server, make_dar(files, manifest(app, "1.0", body)))
    assert response.status_code == 200, response.text
    base = f"Applications/{app}/1.0"
    assert read(api, f"{base}/tool")["checksum"] == sha1(files["bin/tool.bin"])
    assert read(api, f"{base}/given")["checksum"] == "my-own-1"
    web = tmp_path / "web"
    (web / "img").mkdir(parents=True)
    (web / "css").mkdir()
    (web / "index.html").write_text(files["web/index.html"])
    (web / "css" / "site.css").write_text(files["web/css/site.css"])
    expected = folders.checksum_of_directory(web)
    assert read(api, f"{base}/web")["checksum"] == read(api, f"{base}/web2")["checksum"] == expected
    assert read(api, f"{base}/web")["placeholders"] == ["TITLE"]
    # the same folder content in another package, zipped differently, has the same checksum
    again = make_dar({"site/index.html": files["web/index.html"], "site/css/site.css": "body {}", "site/img/": b""},
                     manifest(app, "2.0", '<file.Folder name="web" file="site"/>'))
    assert upload(server, again).status_code == 200
    assert read(api, f"Applications/{app}/2.0/web")["checksum"] == expected
    # a folder artifact may also be given as a zip of its content
    inner = make_dar({"index.html": files["web/index.html"], "css/site.css": "body {}", "img/": b""})
    zipped = make_dar({"web.zip": inner}, manifest(app, "3.0", '<file.Folder name="web" file="web.zip"/>'))
    assert upload(server, zipped).status_code == 200
    assert read(api, f"Applications/{app}/3.0/web")["checksum"] == expected


def test_placeholder_scanning_rules(server, api):
    app = unique("scan")
    nested = make_dar({"inner.properties": "i={{NESTED}}"})
    files = {
        "conf/a.properties": "a={{A}}\nb={{ B }}\n",
        "conf/zh/b.properties": "z={{ZH}}\n".encode("utf-16-be"),
        "conf/latin.txt": "caf\xe9={{LATIN}}\n".encode("latin-1"),  # not UTF-8: skipped
        "conf/secret.properties": "s={{EXCLUDED}}\n",
        "conf/data.bin": "{{BINARY}}",
        "conf/lib.zip": nested,  # archives inside folders: only when scanPlaceholders is true for archives
        "tpl/x.tpl": "{{TPL}}", "tpl/y.properties": "{{NOT_TPL}}",
        "hash/h.properties": "##HASH## {{CURLY}}",
        "file.txt": "{{FILE}}",
        "app.zip": make_dar({"WEB-INF/web.properties": "w={{IN_ARCHIVE}}", "lib/x.jar": nested}),
    }
    body = """
      <file.Folder name="conf" file="conf">
        <excludeFileNamesRegex>secret\\..*</excludeFileNamesRegex>
        <fileEncodings><entry key="zh/.*">UTF-16BE</entry></fileEncodings>
      </file.Folder>
      <file.Folder name="tpl" file="tpl"><textFileNamesRegex>.+\\.tpl</textFileNamesRegex></file.Folder>
      <file.Folder name="hash" file="hash"><delimiters>## ##</delimiters></file.Folder>
      <file.Folder name="off" file="conf"><scanPlaceholders>false</scanPlaceholders></file.Folder>
      <file.File name="pre" file="file.txt">
        <preScannedPlaceholders>true</preScannedPlaceholders>
        <placeholders><value>GIVEN</value></placeholders>
      </file.File>
      <file.File name="file" file="file.txt"><placeholders><value>REPLACED_BY_SCAN</value></placeholders></file.File>
      <file.Archive name="archive" file="app.zip"/>
      <file.Archive name="unscanned" file="app.zip"><scanPlaceholders>false</scanPlaceholders></file.Archive>"""
    response = upload(server, make_dar(files, manifest(app, "1.0", body)))
    assert response.status_code == 200, response.text
    found = {name: sorted(read(api, f"Applications/{app}/1.0/{name}")["placeholders"])
             for name in ("conf", "tpl", "hash", "off", "pre", "file", "archive", "unscanned")}
    assert found == {"conf": ["A", "B", "ZH"], "tpl": ["TPL"], "hash": ["HASH"], "off": [], "pre": ["GIVEN"],
                     "file": ["FILE"], "archive": ["IN_ARCHIVE"], "unscanned": []}


# -- composite packages -----------------------------------------------------------------------------

def test_composite_packages_are_made_from_versions_in_the_repository(server, api):
    one, two = unique("part"), unique("part")
    for app in (one, two):
        assert upload(server, simple_dar(app)).status_code == 200
    suite = create(api, f"Applications/{unique('suite')}", "udm.Application")["id"]
    members = [f"Applications/{one}/1.0", f"Applications/{two}/1.0"]
    composite = create(api, f"{suite}/1.0", "udm.CompositePackage", packages=members)
    assert composite["packages"] == members
    nested = create(api, f"{suite}/2.0", "udm.CompositePackage", packages=[composite["id"], members[0]])
    assert nested["packages"] == [f"{suite}/1.0", members[0]]

    before = db_state(server)
    for packages, message in [([f"Applications/{one}"], "must refer to a udm.Version"),
                              ([f"Applications/{one}/1.0/a"], "must refer to a udm.Version"),
                              (["Applications/nothing/1.0"], "does not exist")]:
        response = api.post(f"/repository/ci/{suite}/9.0", json={"type": "udm.CompositePackage", "packages": packages})
        assert response.status_code == 400 and message in response.json()["message"], response.text
    cycle = api.put(f"/repository/ci/{suite}/1.0", json={"type": "udm.CompositePackage",
                                                         "packages": [members[0], f"{suite}/2.0"]})
    assert cycle.status_code == 400 and "cannot contain itself" in cycle.json()["message"]
    itself = api.post("/repository/cis", json=[{"id": f"{suite}/8.0", "type": "udm.CompositePackage",
                                                 "packages": [f"{suite}/8.0"]}])
    assert itself.status_code == 400 and "cannot contain itself" in itself.json()["message"]
    assert db_state(server) == before
    imported = upload(server, make_dar({}, manifest(unique("c"), "1.0", root="udm.CompositePackage")))
    assert imported.status_code == 400
    assert "udm.CompositePackage cannot be imported" in imported.json()["message"]
    assert db_state(server) == before
