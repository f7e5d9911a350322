"""Memory and connections stay bounded: JSON bodies have their own limit, enforced while reading; uploads
keep the big limit and stream to disk; connections must send their request header in time; archive and
folder artifacts are held to the package limits, however they arrive."""

from __future__ import annotations

import base64
import io
import json
import socket
import tarfile
import time
import zipfile

import pytest

from tests.conftest import Api
from tests.integration.helpers import create, db_state, exists, unique
from tests.integration.test_packages import make_dar, manifest, upload
from tests.support.server import ACCEPT_JSON, ServerProcess

JSON_LIMIT = 64 * 1024
HEADER_TIMEOUT = 1.0
AUTH = "Authorization: Basic " + base64.b64encode(b"admin:admin").decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    conf = {"http.max.json.size": JSON_LIMIT, "http.header.timeout": HEADER_TIMEOUT}
    proc = ServerProcess(tmp_path_factory.mktemp("limits") / "home", conf=conf).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def api(server):
    return Api(server)


@pytest.fixture(scope="module")
def pkg(api):
    app = create(api, f"Applications/{unique('app')}", "udm.Application")["id"]
    return create(api, f"{app}/1.0", "udm.DeploymentPackage")["id"]


def state(server):
    store = server.home / "repository" / "artifacts"
    return db_state(server), sorted(str(p.relative_to(store)) for p in store.rglob("*"))


def refused(response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    message = response.json()["message"]
    for word in words:
        assert word in message, message
    assert message.count(". ") == 0 and message.endswith("."), f"not one sentence: {message}"
    return message


def connect(server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a socket timeout fails the test)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """One response (head, body) with a Content-Length, read without waiting for the connection to close."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(65536)
    return head, body


# -- JSON bodies -----------------------------------------------------------------------------------

def test_a_chunked_json_body_over_the_limit_gets_413_while_it_is_still_being_sent(server):
    before = state(server)
    sock = connect(server)
    sock.sendall(f"POST /deployit/repository/cis HTTP/1.1\r\nHost: x\r\n{AUTH}\r\n"
                 "Content-Type: application/json\r\nAccept: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n".encode())
    piece = b"[" + b" " * (16 * 1024 - 1)
    for _ in range(JSON_LIMIT // len(piece) + 2):  # past the limit, and the body never ends
        sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        piece = b" " * len(piece)
    head, body = read_response(sock)  # the body has not ended: the server answered while reading it
    sock.close()
    assert head.startswith(b"HTTP/1.1 413"), head
    message = json.loads(body)["message"]
    assert f"{JSON_LIMIT} bytes" in message and "http.max.json.size" in message
    assert state(server) == before


def test_json_bodies_over_the_limit_are_refused_with_or_without_a_length(server, api):
    before = state(server)
    hosts = [{"id": f"Infrastructure/{unique('host')}", "type": "overthere.SshHost", "address": "10.0.0.1",
              "username": "deploy", "os": "UNIX"} for _ in range(JSON_LIMIT // 100)]
    body = json.dumps(hosts).encode()
    refused(api.post("/repository/cis", data=body), 413, "http.max.json.size")
    refused(api.post("/repository/cis", data=iter([body[i:i + 8192] for i in range(0, len(body), 8192)])), 413,
            "http.max.json.size")
    refused(api.post("/security/user/someone", data=body), 413, "http.max.json.size")
    assert state(server) == before
    fits = json.dumps(hosts[:100]).encode()
    assert api.post("/repository/cis", data=iter([fits[i:i + 8192] for i in range(0, len(fits), 8192)])
                    ).status_code == 200


def test_uploads_keep_the_big_limit_but_the_ci_part_has_the_json_limit(server, api, pkg):
    ci_id = f"{pkg}/{unique('big')}"
    content = bytes(range(256)) * (4 * JSON_LIMIT // 256)
    sent = server.http().post(f"{server.url}/repository/ci/{ci_id}", auth=("admin", "admin"), headers=ACCEPT_JSON,
                         files={
        "configurationItem": (None, json.dumps({"id": ci_id, "type": "file.File"}), "application/json"),
        "fileData": ("big.bin", content, "application/octet-stream")})
    assert sent.status_code == 200, sent.text
    assert server.http().get(f"{server.url}/repository/artifact/{ci_id}", auth=("admin", "admin")).content == content
    other = f"{pkg}/{unique('file')}"
    padded = json.dumps({"id": other, "type": "file.File", "targetPath": " " * JSON_LIMIT})
    refused(server.http().post(f"{server.url}/repository/ci/{other}", auth=("admin", "admin"), headers=ACCEPT_JSON,
                          files={
        "configurationItem": ("ci.json", padded, "application/json")}), 413, "http.max.json.size")
    assert not exists(api, other)


def test_the_default_json_limit_takes_a_batch_of_10000_ssh_hosts():
    from server.config import DEFAULT_CONF, parse_properties
    limit = int(parse_properties(DEFAULT_CONF)["http.max.json.size"])
    batch = [{"id": f"Infrastructure/datacenter-01/hosts/web-server-{i:05d}", "type": "overthere.SshHost",
              "address": f"web-server-{i:05d}.example.com", "username": "deployer", "password": "s3cret-passw0rd",
              "os": "UNIX", "connectionType": "SFTP", "port": 22, "sudoUsername": "root", "tags": ["web", "prod"]}
             for i in range(10_000)]
    assert 10 * len(json.dumps(batch)) < limit  # about 3 MB: ten times that still fits


# -- request headers in time ------------------------------------------------------------------------

def closed_within(sock: socket.socket, seconds: float) -> bool:
    began = time.monotonic()
    sock.settimeout(seconds + 5)
    try:
        read_until_closed(sock)
    except socket.timeout:
        return False
    finally:
        sock.close()
    return time.monotonic() - began < seconds + 2


def test_a_connection_that_sends_nothing_is_closed(server):
    assert closed_within(connect(server), HEADER_TIMEOUT)


def test_a_connection_that_sends_half_a_header_is_closed(server):
    sock = connect(server)
    sock.sendall(f"GET /deployit/server/info HTTP/1.1\r\nHost: x\r\n{AUTH}\r\n".encode())
    assert closed_within(sock, HEADER_TIMEOUT)


def test_half_a_header_after_a_first_answer_is_closed_too(server):
    sock = connect(server)
    sock.sendall(f"GET /deployit/server/info HTTP/1.1\r\nHost: x\r\n{AUTH}\r\n\r\n".encode())
    assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    sock.sendall(b"GET /deployit/server/info HTTP/1.1\r\nHost: x\r\n")
    assert closed_within(sock, HEADER_TIMEOUT)


def test_a_slow_body_after_a_complete_header_is_not_cut(server):
    body = json.dumps(["Applications"]).encode()
    sock = connect(server)
    sock.sendall(f"POST /deployit/repository/cis/read HTTP/1.1\r\nHost: x\r\n{AUTH}\r\nConnection: close\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    time.sleep(HEADER_TIMEOUT + 0.5)
    sock.sendall(body)
    answer = read_until_closed(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]


# -- archive limits for artifacts --------------------------------------------------------------------

ZEROS = b"\0" * (1024 * 1024)


def zip_bomb(megabytes: int = 300) -> bytes:
    """About 300 KB of zip holding one entry of 300 MB of zeros: it inflates about 1,000 times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("zeros.bin", "w") as entry:
            for _ in range(megabytes):
                entry.write(ZEROS)
    return out.getvalue()


def tar_bomb(megabytes: int = 20) -> bytes:
    """About 20 KB of tar.gz holding 20 MB of zeros."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        info = tarfile.TarInfo("zeros.bin")
        info.size = megabytes * len(ZEROS)
        archive.addfile(info, io.BytesIO(bytes(info.size)))
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb():
    data = zip_bomb()
    assert len(data) < 400 * 1024 and zipfile.ZipFile(io.BytesIO(data)).infolist()[0].file_size > 1000 * len(data)
    return data


def with_file(server, method, ci, filename, content):
    return server.http().request(method, f"{server.url}/repository/ci/{ci['id']}", auth=("admin", "admin"),
                            headers=ACCEPT_JSON, files={
        "configurationItem": (None, json.dumps(ci), "application/json"),
        "fileData": (filename, content, "application/octet-stream")})


@pytest.mark.parametrize("ci_type, filename", [("file.Archive", "site.zip"), ("file.Archive", "site.war"),
                                               ("file.Archive", "site.bin"), ("file.Folder", "conf")])
def test_a_zip_bomb_is_refused_as_an_archive_or_folder_artifact(server, api, pkg, bomb, ci_type, filename):
    before = state(server)
    ci = {"id": f"{pkg}/{unique('bomb')}", "type": ci_type}
    refused(with_file(server, "POST", ci, filename, bomb), 400, ci["id"], "'zeros.bin'", "zip bomb")
    assert state(server) == before


def test_a_tar_bomb_is_refused(server, pkg):
    before = state(server)
    ci = {"id": f"{pkg}/{unique('bomb')}", "type": "file.Archive"}
    refused(with_file(server, "POST", ci, "site.tar.gz", tar_bomb()), 400, ci["id"], "tar bomb")
    assert state(server) == before


def test_replacing_an_archive_by_a_bomb_keeps_the_old_file(server, pkg, bomb):
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", "<html/>" * 1000)
    ci = {"id": f"{pkg}/{unique('site')}", "type": "file.Archive"}
    created = with_file(server, "POST", ci, "site.zip", good.getvalue())
    assert created.status_code == 200, created.text
    before = state(server)
    refused(with_file(server, "PUT", created.json(), "site.zip", bomb), 400, "zip bomb")
    assert state(server) == before
    download = server.http().get(f"{server.url}/repository/artifact/{ci['id']}", auth=("admin", "admin"))
    assert download.content == good.getvalue()


def test_an_archive_artifact_that_is_not_a_valid_zip_is_refused(server, pkg):
    before = state(server)
    ci = {"id": f"{pkg}/{unique('site')}", "type": "file.Archive"}
    refused(with_file(server, "POST", ci, "site.zip", b"PK\x03\x04 not really"), 400, "not a valid zip archive")
    assert state(server) == before


def test_a_bomb_inside_an_imported_package_is_refused(server, bomb):
    before = state(server)
    app = unique("App")
    unscanned = '<file.Archive name="site" file="site.zip"><scanPlaceholders>false</scanPlaceholders></file.Archive>'
    dar = make_dar({"site.zip": bomb}, manifest(app, "1.0", unscanned))  # a placeholder scan would find it
    refused(upload(server, dar), 400, f"Applications/{app}/1.0/site", "zip bomb")
    assert state(server) == before
