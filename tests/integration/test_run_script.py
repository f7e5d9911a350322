"""scripts/run.sh: starts the server on the embedded default and opens the shell; quitting stops both."""

import os
import socket
import time
from pathlib import Path

import pexpect
import requests

from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_run_script_starts_server_and_shell_and_quit_stops_them(tmp_path):
    port = free_port()
    env = dict(os.environ, DEPLOYIT_SERVER_HOME=str(tmp_path / "home"), DEPLOYIT_PORT=str(port),
               HOME=str(tmp_path), TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", DEPLOYIT_SKIP_APT="1")
    child = pexpect.spawn(str(ROOT / "scripts" / "run.sh"), env=env, cwd=str(tmp_path), encoding="utf-8",
                          timeout=60, dimensions=(40, 160))
    try:
        child.expect("Welcome to the XL Deploy Jython CLI!")
        child.expect("deployit>")
        info = requests.get(f"http://127.0.0.1:{port}/deployit/server/info", auth=("admin", "admin"), timeout=5)
        assert info.status_code == 200
        assert (tmp_path / "home" / "repository" / "repository.db").exists()
        child.sendline("print(repository.exists('Infrastructure'))")
        child.expect("True")
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    for _ in range(100):
        if not port_open(port):
            break
        time.sleep(0.1)
    assert not port_open(port), "the server should stop when the shell ends"
