"""Shared fixtures: a real server per module (`server`, in this process behind an ASGI client) and a REST
session on it (`api`)."""

import pytest

from tests.support.server import InProcessServer, ServerProcess


class Api:
    """A requests session bound to the server's REST base URL."""

    def __init__(self, server: ServerProcess | InProcessServer, username="admin", password="admin"):
        self.server = server
        self.session = server.session(username, password)

    def __getattr__(self, method):
        if method not in ("get", "post", "put", "delete"):
            raise AttributeError(method)
        return lambda path, **kw: getattr(self.session, method)(self.server.url + path, **kw)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = InProcessServer(tmp_path_factory.mktemp("home") / "server").start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def api(server):
    return Api(server)


@pytest.fixture(scope="module")
def server_process(tmp_path_factory):
    """A server in a process of its own on a real port, for what needs a socket: the xldeploy-py SDK,
    raw HTTP, clients that go away mid-request."""
    proc = ServerProcess(tmp_path_factory.mktemp("home") / "server").start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def process_api(server_process):
    return Api(server_process)
