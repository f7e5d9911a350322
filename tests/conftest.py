"""Shared fixtures: a real server subprocess per module (`server`) and a REST session on it (`api`)."""

import pytest

from tests.support.server import ServerProcess


class Api:
    """A requests session bound to the server's REST base URL."""

    def __init__(self, server: ServerProcess, username="admin", password="admin"):
        self.server = server
        self.session = server.session(username, password)

    def __getattr__(self, method):
        if method not in ("get", "post", "put", "delete"):
            raise AttributeError(method)
        return lambda path, **kw: getattr(self.session, method)(self.server.url + path, **kw)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = ServerProcess(tmp_path_factory.mktemp("home") / "server").start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def api(server):
    return Api(server)
