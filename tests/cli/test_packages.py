"""deployit.importPackage and deployit.listImportablePackages through scripts run by the real CLI: by name
from the server's importablePackages folder, by local path (a .dar or an exploded folder), and by URL
from a local web server (with credentials in the URL or as arguments)."""

from __future__ import annotations

import base64
import http.server
import threading
from functools import partial

import pexpect
import pytest

from tests.cli.sample_packages import package_dar, package_folder, run_ok, unique

PROMPT = "deployit>"


def importable(server):
    folder = server.home / "importablePackages"
    folder.mkdir(exist_ok=True)
    return folder


def test_list_and_import_by_name(cli, api):
    dar_app, folder_app = unique("NamedDar"), unique("NamedFolder")
    package_dar(importable(cli.server) / f"{dar_app}-1.0.dar", dar_app)
    package_folder(importable(cli.server) / folder_app / "2.0", folder_app, "2.0")
    out = run_ok(cli, f"""
        names = deployit.listImportablePackages()
        print(names.size() >= 2, '{dar_app}-1.0.dar' in names, '{folder_app}/2.0' in names)
        p = deployit.importPackage('{dar_app}-1.0.dar')
        print(p.id, p.type, repr(p))
        q = deployit.importPackage('{folder_app}/2.0')
        print(q.id, q.application if q.hasProperty('application') else '')
        print(sorted(repository.search(None, q.id)))
        print(repository.read(q.id + '/readme').checksum != '')
    """)
    lines = out.splitlines()
    assert lines[0] == "True True True"
    assert lines[1] == (f"Applications/{dar_app}/1.0 udm.DeploymentPackage "
                        f"PyInstance: Applications/{dar_app}/1.0")
    assert lines[2].startswith(f"Applications/{folder_app}/2.0")
    assert lines[3] == str([f"Applications/{folder_app}/2.0/{n}" for n in ("announce", "config", "readme", "schema")])
    assert lines[4] == "True"
    readme = api.get(f"/repository/ci/Applications/{folder_app}/2.0/readme").json()
    assert len(readme["checksum"]) == 40


def test_import_local_files_and_folders(cli):
    apps = [unique("LocalAbs"), unique("LocalRel"), unique("LocalFolder")]
    absolute = package_dar(cli.home / f"{apps[0]}-1.0.dar", apps[0])
    (cli.cwd / "packages").mkdir()
    package_dar(cli.cwd / "packages" / f"{apps[1]}-1.0.dar", apps[1])
    package_folder(cli.cwd / "exploded" / apps[2] / "1.0", apps[2])
    out = run_ok(cli, f"""
        for source in [{str(absolute)!r}, 'packages/{apps[1]}-1.0.dar', 'exploded/{apps[2]}/1.0']:
            version = deployit.importPackage(source)
            print(version.id, len(repository.search('udm.Deployable', version.id)))
    """)
    assert out.splitlines() == [f"Applications/{app}/1.0 4" for app in apps]


def test_import_errors_carry_the_servers_message(cli):
    app = unique("Twice")
    package_dar(cli.cwd / f"{app}-1.0.dar", app)
    out = run_ok(cli, f"""
        print(deployit.importPackage('{app}-1.0.dar').id)
        for source in ['{app}-1.0.dar', 'no-such-package/1.0', '/no/such/file.dar', '']:
            try:
                deployit.importPackage(source)
                print('imported?')
            except DeployitException as e:
                print('%s: %s' % (e.status, e))
    """)
    lines = out.splitlines()
    assert lines[0] == f"Applications/{app}/1.0"
    assert lines[1].startswith("409: ") and f"Applications/{app}/1.0" in lines[1] and "exist" in lines[1]
    assert lines[2] == ("404: There is no package 'no-such-package/1.0' in the importable packages folder. "
                        f"There is no file {cli.cwd / 'no-such-package' / '1.0'} on this machine either.")
    assert lines[3] == "404: There is no package file /no/such/file.dar on this machine to upload."
    assert lines[4].startswith("400: Name the package to import")

    result = cli.script(f"deployit.importPackage('{app}-1.0.dar')\nprint('not reached')\n")
    assert result.returncode != 0 and "not reached" not in result.stdout
    assert "DeployitException: " in result.stderr and f"Applications/{app}/1.0" in result.stderr


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; paths under /private/ need basic auth as deployer:s3cret."""

    seen_auth: list = []

    def do_GET(self):
        if self.path.startswith("/private/"):
            expected = "Basic " + base64.b64encode(b"deployer:s3cret").decode()
            header = self.headers.get("Authorization")
            type(self).seen_auth.append(header)
            if header != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="dars"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.path = self.path[len("/private"):]
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def web(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = type("Handler", (_Handler,), {"seen_auth": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def test_import_from_url(cli, web):
    root, base, handler = web
    apps = [unique("Url"), unique("UrlAuth"), unique("UrlArgs"), unique("UrlDenied")]
    for app in apps:
        package_dar(root / f"{app}-1.0.dar", app)
    host = base[len("http://"):]
    out = run_ok(cli, f"""
        print(deployit.importPackage('{base}/{apps[0]}-1.0.dar').id)
        print(deployit.importPackage('http://deployer:s3cret@{host}/private/{apps[1]}-1.0.dar').id)
        print(deployit.importPackage('{base}/private/{apps[2]}-1.0.dar', 'deployer', 's3cret').id)
        try:
            deployit.importPackage('{base}/private/{apps[3]}-1.0.dar')
        except DeployitException as e:
            print(e)
        try:
            deployit.importPackage('{base}/missing-1.0.dar')
        except DeployitException as e:
            print(e)
    """)
    assert out.splitlines() == [
        f"Applications/{apps[0]}/1.0", f"Applications/{apps[1]}/1.0", f"Applications/{apps[2]}/1.0",
        f"Fetching {base}/private/{apps[3]}-1.0.dar failed: the server answered HTTP 401.",
        f"Fetching {base}/missing-1.0.dar failed: the server answered HTTP 404.",
    ]
    good = "Basic " + base64.b64encode(b"deployer:s3cret").decode()
    assert handler.seen_auth == [good, good, None]


def test_import_by_name_in_the_shell(cli, shell):
    app = unique("Prompt")
    package_dar(importable(cli.server) / f"{app}-1.0.dar", app)
    child = shell("-q")
    child.expect(PROMPT)
    child.sendline(f"pkg = deployit.importPackage('{app}-1.0.dar')")
    child.expect(PROMPT)
    child.sendline("pkg")
    child.expect(f"PyInstance: Applications/{app}/1.0")
    child.expect(PROMPT)
    child.sendline("deployit.help('importPackage')")
    child.expect(r"deployit.importPackage\(String packageIdOrPathOrUrl\) : ConfigurationItem")
    child.expect(r"an http\(s\) URL")
    child.expect(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_multipart_body_streams_with_its_length(tmp_path):
    """The upload body is read piece by piece and is exactly as long as it says (Content-Length)."""
    import os

    from deployit_cli.upload import CHUNK, MultipartFile
    data = os.urandom(CHUNK * 2 + 123)
    path = tmp_path / 'we"ird name.dar'
    path.write_bytes(data)
    with MultipartFile(str(path)) as body:
        pieces = list(body)
        whole = b"".join(pieces)
        assert len(whole) == len(body) and len(pieces) >= 3
        head, _, rest = whole.partition(b"\r\n\r\n")
        assert head == (f"--{body.boundary}\r\nContent-Disposition: form-data; name=\"fileData\"; "
                        f"filename=\"we\\\"ird name.dar\"\r\nContent-Type: application/octet-stream").encode()
        assert rest == data + f"\r\n--{body.boundary}--\r\n".encode()
        assert body.content_type == f"multipart/form-data; boundary={body.boundary}"
