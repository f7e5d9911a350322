"""Start the real deployit server as a subprocess on a free port with a temporary home."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

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
        text = path.read_text() if path.exists() else DEFAULT_CONF.format(bind="127.0.0.1", port=self.port)
        lines = [l for l in text.splitlines() if l.split("=", 1)[0].strip() not in self.conf]
        lines += [f"{k}={v}" for k, v in self.conf.items()]
        path.write_text("\n".join(lines) + "\n")

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

    def session(self, username: str = "admin", password: str = "admin") -> requests.Session:
        s = requests.Session()
        s.auth = (username, password)
        s.headers.update({"Content-Type": "application/json", **ACCEPT_JSON})
        return s
