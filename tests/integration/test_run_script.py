"""scripts/run.sh: starts the server on the embedded default and opens the shell; quitting stops both.
Its options (--port, --home, --server), a port already taken, and the home kept out of git."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import requests

from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]
RUN = str(ROOT / "scripts" / "run.sh")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_closed(port: int) -> bool:
    for _ in range(100):
        if not port_open(port):
            return True
        time.sleep(0.1)
    return False


def run_env(tmp_path: Path, **extra) -> dict:
    env = dict(os.environ, HOME=str(tmp_path), TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", DEPLOYIT_SKIP_APT="1")
    for name in ("DEPLOYIT_SERVER_HOME", "DEPLOYIT_PORT"):
        env.pop(name, None)
    env.update(extra)
    return env


def test_run_script_starts_server_and_shell_and_quit_stops_them(tmp_path):
    port = free_port()
    env = run_env(tmp_path, DEPLOYIT_SERVER_HOME=str(tmp_path / "home"), DEPLOYIT_PORT=str(port))
    child = pexpect.spawn(RUN, env=env, cwd=str(tmp_path), encoding="utf-8", timeout=60, dimensions=(40, 160))
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
    assert wait_closed(port), "the server should stop when the shell ends"


def test_port_and_home_options_and_a_script_relative_to_the_current_folder(tmp_path):
    port = free_port()
    (tmp_path / "hello.py").write_text("print('hello from %s' % repository.exists('Environments'))\n")
    result = subprocess.run([RUN, "--port", str(port), "--home", "myhome", "-q", "-f", "hello.py"],
                            cwd=tmp_path, env=run_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "hello from True\n"
    assert (tmp_path / "myhome" / "conf" / "deployit.conf").exists()  # the home relative to where run.sh was called
    assert wait_closed(port)


def test_a_port_in_use_stops_run_with_one_sentence_and_no_shell(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([RUN, "--port", str(port), "--home", str(tmp_path / "home"), "-q"],
                                cwd=tmp_path, env=run_env(tmp_path), capture_output=True, text=True, timeout=120,
                                stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"run: port {port} is already in use (by a server started earlier?); stop it, or choose "
                             f"another port with scripts/run.sh --port {port + 1}.\n")
    assert not (tmp_path / "home").exists()


def test_the_server_itself_refuses_a_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "server.main", "--home", str(tmp_path / "home"),
                                 "--port", str(port)], cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert (f"Cannot start: port {port} on 127.0.0.1 is already in use; stop what listens there, or choose another "
            f"port with --port (or http.port in conf/deployit.conf).") in result.stderr
    assert "Traceback" not in result.stderr


def test_server_only_mode_runs_in_the_background(tmp_path):
    """`scripts/run.sh --server &` as the short tour does: no shell wants the terminal, the server answers."""
    port = free_port()
    proc = subprocess.Popen([RUN, "--server", "--port", str(port), "--home", str(tmp_path / "home")], cwd=tmp_path,
                            env=run_env(tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(300):
            if port_open(port):
                break
            time.sleep(0.1)
        info = requests.get(f"http://127.0.0.1:{port}/deployit/server/info", auth=("admin", "admin"), timeout=5)
        assert info.status_code == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    assert wait_closed(port)


def test_the_default_home_is_ignored_by_git():
    result = subprocess.run(["git", "check-ignore", "-q", "deployit-home/repository/repository.db"], cwd=ROOT)
    assert result.returncode == 0, "deployit-home/ should be in .gitignore"
