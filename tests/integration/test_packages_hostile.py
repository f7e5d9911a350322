"""Hostile and broken packages are refused with a 4xx, one clear sentence, and nothing written.

The server here has small limits (conf/deployit.conf) so that bombs and oversized archives stay small."""

from __future__ import annotations

import http.server
import io
import os
import socket
import threading
import time
import zipfile

import pytest

from tests.integration.helpers import db_state, unique
from tests.integration.test_packages import make_dar, manifest, upload
from tests.support.server import InProcessServer

LIMITS = {"package.max.archive.size": str(256 * 1024), "package.max.uncompressed.size": str(4 * 1024 * 1024),
          "package.max.entries": "200", "package.max.compression.ratio": "100", "package.fetch.timeout": "2"}
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = InProcessServer(tmp_path_factory.mktemp("hostile") / "home", conf=LIMITS).start()
    yield proc
    proc.stop()


def state(server, api):
    store = server.home / "repository" / "artifacts"
    return (db_state(server), api.get("/repository/query", params={"ancestor": "Applications"}).json(),
            sorted(str(p.relative_to(store)) for p in store.rglob("*")))


@pytest.fixture
def unchanged(server, api):
    """The repository (every table), the list of applications and the artifact store are the same after."""
    before = state(server, api)
    yield
    assert state(server, api) == before


def refused(response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    message = response.json()["message"]
    for word in words:
        assert word in message, message
    assert message.count(". ") == 0 and message.endswith("."), f"not one sentence: {message}"
    return message


def raw_zip(entries) -> bytes:
    """A zip from (ZipInfo or name, data) pairs, written as given (no normalisation)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return out.getvalue()


GOOD = manifest("Evil", "1.0", '<file.File name="a" file="a.txt"/>')


def symlink_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("entries, words", [
    ([("deployit-manifest.xml", GOOD), ("a.txt", "x"), ("../escape.txt", "x")], ["'../escape.txt'", "outside"]),
    ([("deployit-manifest.xml", GOOD), ("a.txt", "x"), ("/etc/cron.d/x", "x")], ["'/etc/cron.d/x'", "outside"]),
    ([("deployit-manifest.xml", GOOD), ("a.txt", "x"), ("conf/../../x", "x")], ["outside"]),
    ([("deployit-manifest.xml", GOOD), ("a.txt", "x"), ("..\\..\\windows.ini", "x")], ["outside"]),
    ([("deployit-manifest.xml", GOOD), ("a.txt", "x"), ("C:/boot.ini", "x")], ["outside"]),
    ([("deployit-manifest.xml", GOOD), (symlink_entry("a.txt"), "/etc/passwd")], ["'a.txt'", "symbolic link"]),
    ([("deployit-manifest.xml", GOOD), ("a.txt", "x"), ("a.txt", "y")], ["'a.txt' twice"]),
    ([("deployit-manifest.xml", GOOD), ("a.txt", b"\0" * (2 * MIB))], ["'a.txt'", "zip bomb"]),
])
def test_hostile_entries(server, unchanged, entries, words):
    refused(upload(server, raw_zip(entries), name="evil.dar"), 400, "evil.dar", *words)


def test_too_much_content_too_many_entries_and_too_large_an_archive(server, unchanged):
    many_small = make_dar({f"f{i}.bin": b"\0" * MIB for i in range(5)}, GOOD)  # each below the ratio threshold
    refused(upload(server, many_small), 413, "larger than the limit of 4194304 bytes")
    refused(upload(server, make_dar({f"f{i}": "x" for i in range(201)}, GOOD)), 413, "more than 200 entries")
    big = make_dar({"a.txt": os.urandom(300 * 1024)}, GOOD)
    refused(upload(server, big), 413, "larger than the limit of 262144 bytes")


def test_malformed_archives(server, unchanged):
    refused(upload(server, b"this is not a zip at all"), 400, "not a valid zip archive")
    good = make_dar({"a.txt": "x" * 5000}, GOOD)
    refused(upload(server, good[: len(good) // 2]), 400, "not a valid zip archive")
    # flip bytes inside the compressed data of a.txt: the CRC check fails while reading
    start = good.index(b"a.txt") + len("a.txt")
    corrupt = good[:start + 10] + bytes(b ^ 0xFF for b in good[start + 10:start + 20]) + good[start + 20:]
    message = refused(upload(server, corrupt), 400)
    assert "zip" in message or "cannot be read" in message


@pytest.mark.parametrize("files, text, status, words", [
    ({"a.txt": "x"}, None, 400, ["has no deployit-manifest.xml"]),
    ({"pkg/deployit-manifest.xml": GOOD}, None, 400, ["inside 'pkg/'"]),
    ({}, "<udm.DeploymentPackage version='1.0' application='Evil'>", 400, ["not well-formed XML"]),
    ({}, """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;">
         <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;">]><udm.DeploymentPackage version="1.0" application="&lol2;"/>""",
     400, ["DTD or entities"]),
    ({}, """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
         <udm.DeploymentPackage version="1.0" application="&xxe;"/>""", 400, ["DTD or entities"]),
    ({}, manifest("Evil", root="acme.Nothing"), 400, ["'acme.Nothing' is not a known type"]),
    ({}, manifest("Evil", root="udm.Application"), 400, ["not a deployment package type"]),
    ({}, manifest("Evil", root="udm.CompositePackage"), 400, ["cannot be imported"]),
    ({}, manifest("Evil", deployables='<acme.Thing name="t"/>'), 400, ["unknown type 'acme.Thing'"]),
    ({}, manifest("Evil", deployables='<overthere.SshHost name="h"/>'), 400, ["not a deployable"]),
    ({}, manifest("Evil", deployables='<udm.Environment name="e"/>'), 400, ["not a deployable"]),
    ({"a.txt": "x"}, manifest("Evil", deployables='<file.File name="a" file="a.txt"><color>red</color></file.File>'),
     400, ["unknown property 'color'", "Applications/Evil/1.0/a"]),
    ({}, manifest("Evil", extra="<color>red</color>"), 400, ["unknown property 'color'"]),
    ({}, manifest("Evil", deployables='<file.File name="a" file="missing.txt"/>'), 400,
     ["'missing.txt'", "not in the package"]),
    ({}, manifest("Evil", deployables='<file.File name="a"/>'), 400, ["has no file attribute"]),
    ({"x": "x"}, manifest("Evil", deployables='<file.File name="a" file="../../etc/passwd"/>'), 400, ["outside"]),
    ({"dir/x": "x"}, manifest("Evil", deployables='<file.File name="a" file="dir"/>'), 400, ["is a folder"]),
    ({}, manifest("Evil", deployables='<cmd.Command name="c"><commandLine>x</commandLine><order>soon</order>'
                                      '</cmd.Command>'), 400, ["'order'", "integer"]),
    ({}, manifest("Evil", deployables='<cmd.Command name="c"/>'), 400, ["'commandLine'", "required"]),
    ({"a.txt": "x"}, manifest("Evil", deployables='<file.File name="a" file="a.txt"/><file.File name="a" '
                                                  'file="a.txt"/>'), 400, ["twice"]),
    ({"a.txt": "x"}, manifest("Evil", deployables='<file.File name="a" file="a.txt"><fileEncodings>'
                                                  '<entry key=".*">KLINGON-8</entry></fileEncodings></file.File>'),
     400, ["unknown character set"]),
    ({}, manifest("Evil", deployables='<cmd.Command name="c"><commandLine>x</commandLine>'
                                      '<dependencies><ci ref="nothing"/></dependencies></cmd.Command>'),
     400, ["Applications/Evil/1.0/nothing", "does not exist"]),
])
def test_broken_or_hostile_manifests(server, unchanged, files, text, status, words):
    refused(upload(server, make_dar(files, text)), status, *words)


def test_nothing_half_written_when_the_last_deployable_fails(server, api, unchanged):
    deployables = "".join(f'<file.File name="f{i}" file="f{i}.txt"/>' for i in range(5))
    deployables += '<cmd.Command name="z"><commandLine>x</commandLine><order>x</order></cmd.Command>'
    files = {f"f{i}.txt": f"content {i}" for i in range(5)}
    refused(upload(server, make_dar(files, manifest(unique("half"), "1.0", deployables))), 400, "'order'")


def test_existing_version_is_a_conflict(server, api):
    app = unique("again")
    dar = make_dar({"a.txt": "x"}, manifest(app, "1.0", '<file.File name="a" file="a.txt"/>'))
    assert upload(server, dar).status_code == 200
    before = db_state(server)
    refused(upload(server, dar), 409, f"Package Applications/{app}/1.0 already exists")
    assert db_state(server) == before


def test_import_by_name_stays_inside_the_folder(server, api, unchanged, tmp_path):
    folder = server.home / "importablePackages"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "deployit-manifest.xml").write_text(manifest(unique("out")))
    os.symlink(outside, folder / "link")
    linked = folder / "linked-inside"
    linked.mkdir()
    (linked / "deployit-manifest.xml").write_text(manifest(unique("lnk"), deployables='<file.File name="a" file="a"/>'))
    os.symlink("/etc/passwd", linked / "a")
    s, url = server.session(), server.url
    for name in ("..%2F..%2Fetc", "%2Fetc%2Fpasswd", "link", "a%5C..%5C..%5Cx"):
        response = s.post(f"{url}/package/import/{name}")
        refused(response, 400, "must be a path inside the importable packages folder")
    refused(s.post(f"{url}/package/import/linked-inside"), 400, "'a' is a symbolic link")
    refused(s.post(f"{url}/package/import/no-such.dar"), 404, "no package 'no-such.dar'")
    assert "link" not in s.get(f"{url}/package/import").json()


class _Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/huge.dar":  # announces nothing, sends more than the limit
            self.send_response(200)
            self.end_headers()
            for _ in range(400):
                self.wfile.write(b"\0" * 1024)
        elif self.path == "/slow.dar":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"\0" * 10)
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_fetch_refusals(server, api, unchanged, web):
    def fetch(url, **extra):
        return api.post("/package/fetch2", json={"url": url, **extra})
    refused(fetch("file:///etc/passwd"), 400, "Only http and https")
    refused(fetch("ftp://example.com/x.dar"), 400, "Only http and https")
    refused(fetch(f"{web}/missing.dar"), 400, "HTTP 404")
    refused(fetch(f"{web}/huge.dar"), 413, "larger than the limit")
    started = time.monotonic()
    refused(fetch(f"{web}/slow.dar"), 400, "took longer than 2 seconds")
    assert time.monotonic() - started < 10
    refused(fetch(f"http://127.0.0.1:{closed_port()}/x.dar"), 400, "no answer")
    refused(api.post("/package/fetch2", json={"user": "x"}), 400, "'url'")
    message = refused(fetch(f"http://bob:hunter2@127.0.0.1:{closed_port()}/x.dar"), 400)
    assert "hunter2" not in message
