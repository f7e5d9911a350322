"""Fixtures for the shell's tests: one real server for the whole package, and ways to run the real CLI
against it — as a batch script (`cli`) or through a pseudo-terminal as a person would (`shell`)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.server import ServerProcess

CLI = str(Path(sys.executable).parent / "deployit-cli")
REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "samples" / "cli"


@pytest.fixture(scope="package")
def server(tmp_path_factory):
    proc = ServerProcess(tmp_path_factory.mktemp("cli-server") / "server").start()
    yield proc
    proc.stop()


def cli_env(home: Path, **extra) -> dict:
    # COLUMNS and LINES (pytest-xdist's workers have them) would override the pseudo-terminal's size.
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYIT_CLI") and k not in ("COLUMNS", "LINES")}
    env.update(HOME=str(home), PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", PYTHONIOENCODING="utf-8")
    env.update({k: str(v) for k, v in extra.items()})
    return env


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


class Cli:
    """Runs `deployit-cli` against the test server in a temporary HOME and working directory."""

    def __init__(self, server, home: Path, cwd: Path):
        self.server = server
        self.home = home
        self.cwd = cwd

    def connection_args(self, username="admin", password="admin") -> list[str]:
        args = ["-host", "127.0.0.1", "-port", str(self.server.port)]
        if username is not None:
            args += ["-username", username]
        if password is not None:
            args += ["-password", password]
        return args

    def run(self, *args: str, input: str | None = None, env: dict | None = None, login=True,
            timeout: float = 60) -> Result:
        argv = [CLI] + (self.connection_args() if login else []) + list(args)
        proc = subprocess.run(argv, input=input, capture_output=True, text=True, cwd=self.cwd,
                              env=cli_env(self.home, **(env or {})), timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def script(self, source: str, *args: str, name: str = "script.py", **kw) -> Result:
        path = self.cwd / name
        path.write_text(source)
        return self.run("-q", "-f", str(path), *args, **kw)


@pytest.fixture
def cli(server, tmp_path) -> Cli:
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    return Cli(server, home, work)


def spawn_shell(server, home: Path, cwd: Path, args: list[str] | None = None, login=True):
    import pexpect
    argv = ["-host", "127.0.0.1", "-port", str(server.port)]
    if login:
        argv += ["-username", "admin", "-password", "admin"]
    child = pexpect.spawn(CLI, argv + list(args or []), env=cli_env(home), cwd=str(cwd), encoding="utf-8",
                          timeout=15, dimensions=(40, 160))
    return child


@pytest.fixture
def shell(cli):
    """A started interactive shell (pexpect child), closed after the test."""
    children = []

    def start(*args: str, login=True):
        child = spawn_shell(cli.server, cli.home, cli.cwd, list(args), login=login)
        children.append(child)
        return child

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)


@pytest.fixture(autouse=True)
def _private_translation_cache(tmp_path, monkeypatch):
    """In-process tests translate Python 2 too: keep their cache out of the real home folder."""
    monkeypatch.setenv("DEPLOYIT_CLI_CACHE", str(tmp_path / "translation-cache"))
