"""The real deployit server with a temporary home: as a subprocess on a free port (`ServerProcess`), or
in this process behind an ASGI client (`InProcessServer`: the same app and services, no port, no
start-up of a Python process; what most REST tests use)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import requests.adapters
import requests.structures
import requests.utils

ACCEPT_JSON = {"Accept": "application/json"}  # what the shell and xldeploy-py send (the server's default is XML)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A running `deployit-server`; `url` is the REST base (…/deployit)."""

    def __init__(self, home: Path, port: int | None = None, conf: dict | None = None, env: dict | None = None,
                 log_level: str = "WARNING"):
        self.log_level = log_level
        self.home = Path(home)
        self.port = port or free_port()
        self.conf = conf or {}
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log_path = self.home.parent / f"{self.home.name}-stderr.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        root = str(self.conf.get("http.context.root", "/")).strip("/")
        return self.base + (f"/{root}" if root else "") + "/deployit"

    def write_conf(self) -> None:
        """Pre-create conf/deployit.conf so settings apply from the first start."""
        if not self.conf:
            return
        from server.config import DEFAULT_CONF
        conf_dir = self.home / "conf"
        conf_dir.mkdir(parents=True, exist_ok=True)
        path = conf_dir / "deployit.conf"
        text = path.read_text() if path.exists() else DEFAULT_CONF.format(bind="127.0.0.1", port=self.conf_port())
        lines = [l for l in text.splitlines() if l.split("=", 1)[0].strip() not in self.conf]
        lines += [f"{k}={v}" for k, v in self.conf.items()]
        path.write_text("\n".join(lines) + "\n")

    def conf_port(self) -> int:
        return self.port

    def start(self, timeout: float = 30.0) -> "ServerProcess":
        self.home.mkdir(parents=True, exist_ok=True)
        self.write_conf()
        env = dict(os.environ, **self.env)
        self._stderr = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.main", "--home", str(self.home), "--port", str(self.port),
             "--log-level", self.log_level],
            stdout=self._stderr, stderr=self._stderr, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_path.read_text()}")
            try:
                requests.get(self.url + "/server/info", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log_path.read_text()}")

    def stop(self, sig=signal.SIGTERM, timeout: float = 15.0) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_stderr", None):
            self._stderr.close()
        return self.proc.returncode if self.proc else None

    def kill(self) -> None:
        """kill -9, as a crash."""
        self.stop(signal.SIGKILL)

    def http(self) -> requests.Session:
        """A session with no credentials and no headers of its own, as `requests.get(...)` sends."""
        return requests.Session()

    def session(self, username: str = "admin", password: str = "admin") -> requests.Session:
        s = requests.Session()
        s.auth = (username, password)
        s.headers.update({"Content-Type": "application/json", **ACCEPT_JSON})
        return s


class InProcessServer(ServerProcess):
    """The real application and services (`build_services` + `create_app`, as `deployit-server` builds
    them) run in the test process; requests reach it through Starlette's ASGI test client (httpx) behind
    a `requests` adapter, so tests written against a `requests.Session` run unchanged. The task engine
    starts and stops with the app's lifespan, as under uvicorn. What needs a real process or socket
    (signals, kill -9, recovery, start-up messages, header timeouts, other clients such as the shell or
    xldeploy-py) uses `ServerProcess`."""

    base = "http://deployit.test"

    def __init__(self, home: Path, conf: dict | None = None, env: dict | None = None, log_level: str = "WARNING"):
        self.log_level = log_level
        self.home = Path(home)
        self.conf = conf or {}
        self.env = env or {}
        self.log_path = self.home.parent / f"{self.home.name}-stderr.log"
        self.client = None
        self.services = None
        self._handlers: list = []

    @property
    def port(self) -> int:
        raise AttributeError("an in-process server listens on no port: use the server_process fixture (ServerProcess)")

    def conf_port(self) -> int:
        return 4516  # what deployit.conf says; nothing listens there

    def start(self, timeout: float = 30.0) -> "InProcessServer":
        from unittest import mock

        from starlette.testclient import TestClient

        from server.api.app import create_app
        from server.config import init_home, load_config
        from server.services import build_services

        self.home.mkdir(parents=True, exist_ok=True)
        self.write_conf()
        with mock.patch.dict(os.environ, self.env):
            init_home(self.home, "127.0.0.1", self.conf_port())
            config = load_config(self.home)
            self._log_to(config.log_dir)
            self.services = build_services(config)
        # raise_server_exceptions=False: an unexpected error is a 500 reply, as a client of uvicorn sees it.
        # The client address a local client has (the audit trail records it).
        self.client = TestClient(create_app(self.services), base_url=self.base, raise_server_exceptions=False,
                                 client=("127.0.0.1", 50000))
        self.client.__enter__()  # the lifespan: the task engine starts (recovery, queued and scheduled tasks)
        return self

    def _log_to(self, log_dir: Path) -> None:
        """The server's log lines go where `deployit-server` writes them: its stderr file and log/deployit.log."""
        import logging
        fmt = logging.Formatter("%(asctime)s %(levelname)-5s [%(name)s] %(message)s")
        for path, level in ((self.log_path, self.log_level), (log_dir / "deployit.log", "INFO")):
            handler = logging.FileHandler(path, encoding="utf-8")
            handler.setFormatter(fmt)
            handler.setLevel(level)
            logging.getLogger().addHandler(handler)
            self._handlers.append(handler)
        root = logging.getLogger()
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)

    def stop(self, sig=signal.SIGTERM, timeout: float = 15.0) -> int | None:
        import logging
        if self.client is not None:
            self.client.__exit__(None, None, None)  # the lifespan's end: the engine stops gracefully
            self.client = None
            self.services.db.dispose()
        for handler in self._handlers:
            logging.getLogger().removeHandler(handler)
            handler.close()
        self._handlers = []
        return 0

    def kill(self) -> None:
        raise RuntimeError("an in-process server cannot be killed; use ServerProcess")

    def session(self, username: str = "admin", password: str = "admin") -> requests.Session:
        s = super().session(username, password)
        s.mount(self.base, ASGIAdapter(self))
        return s

    def http(self) -> requests.Session:
        """A session with no credentials and no headers of its own, as `requests.get(...)` sends."""
        s = requests.Session()
        s.mount(self.base, ASGIAdapter(self))
        return s


class ASGIAdapter(requests.adapters.BaseAdapter):
    """A `requests` transport that hands each request to an in-process server's ASGI client."""

    def __init__(self, server: InProcessServer):
        super().__init__()
        self.server = server

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        body = request.body
        if body is not None and not isinstance(body, (bytes, str)):
            body = b"".join(c.encode() if isinstance(c, str) else c for c in body)  # a generator or file
        if self.server.client is None:
            raise requests.ConnectionError(f"the in-process server at {self.server.base} is stopped")
        reply = self.server.client.request(request.method, request.url, content=body,
                                           headers=dict(request.headers), follow_redirects=False)
        response = requests.Response()
        response.status_code = reply.status_code
        response.reason = reply.reason_phrase
        response.headers = requests.structures.CaseInsensitiveDict(reply.headers)
        response._content = reply.content
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass


def start_nodes(tmp_path_factory, confs: list[dict], servers: list, **kw) -> list:
    """Servers node1, node2... with these confs (their shared database's URL included), started in turn and
    appended to `servers` (so the caller stops those that started if a later one fails). Servers sharing a
    database share the key that encrypts its passwords: each is given the first one's conf/repository.key."""
    for number, conf in enumerate(confs, 1):
        server = ServerProcess(tmp_path_factory.mktemp(f"node{number}") / "home",
                               conf={"server.node.id": f"node{number}", **conf}, **kw)
        if servers:
            key = server.home / "conf" / "repository.key"
            key.parent.mkdir(parents=True, exist_ok=True)
            key.write_bytes((servers[0].home / "conf" / "repository.key").read_bytes())
        servers.append(server.start())
    return servers
