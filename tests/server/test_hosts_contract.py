"""The Connection contract, run against every kind of host connection: the local machine, and over a real sshd
on loopback with SFTP/password, SCP/key, SUDO, INTERACTIVE_SUDO and SU. The targets are this machine, so the
effects (files, owners, processes) are checked through the local file system and /proc."""

import os
import pwd
import random
import shutil
import threading
import time
from pathlib import Path

import pytest

from server.engine.hosts import (CommandAborted, CommandTimedOut, HostError, RemotePathNotFound, check_connection,
                                 connect)
from tests.support.sshd import (OTHER_PASSWORD, OTHER_USER, TEST_PASSWORD, TEST_USER, SshServer, make_shared_dir,
                                require_root)

FAKE_SUDO_PASSWORD = "fake-sudo-Pw1"
FLAVOURS = ["local", "sftp-password", "scp-key", "sudo", "interactive-sudo", "su"]


@pytest.fixture(scope="module")
def sshd():
    require_root()
    with SshServer() as server:
        yield server


@pytest.fixture(scope="module")
def shared():
    path = make_shared_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


class Flavour:
    def __init__(self, name, host, user, merged_streams=False):
        self.name, self.host, self.user, self.merged_streams = name, host, user, merged_streams


@pytest.fixture(scope="module", params=FLAVOURS)
def flavour(request, sshd, shared):
    name = request.param
    base = {"temporaryDirectoryPath": shared}
    key = str(sshd.client_key)
    if name == "local":
        return Flavour(name, {"id": "Infrastructure/local", "type": "overthere.LocalHost", "os": "UNIX", **base},
                       pwd.getpwuid(os.geteuid()).pw_name)
    if name == "sftp-password":
        return Flavour(name, sshd.host(password=TEST_PASSWORD, **base), TEST_USER)
    if name == "scp-key":
        return Flavour(name, sshd.host(privateKeyFile=key, connectionType="SCP", **base), TEST_USER)
    if name == "sudo":  # runuser stands in for sudo (not installed here); the connection logs in as root
        return Flavour(name, sshd.host(username="root", privateKeyFile=key, connectionType="SUDO",
                                       sudoUsername=OTHER_USER, sudoCommandPrefix="runuser -u {0} --", **base),
                       OTHER_USER)
    if name == "interactive-sudo":
        fake = sshd.fake_interactive_sudo(FAKE_SUDO_PASSWORD)
        return Flavour(name, sshd.host(username="root", privateKeyFile=key, password=FAKE_SUDO_PASSWORD,
                                       connectionType="INTERACTIVE_SUDO", sudoUsername=OTHER_USER,
                                       sudoCommandPrefix=f"{fake} {{0}}", **base), OTHER_USER, merged_streams=True)
    if name == "su":
        return Flavour(name, sshd.host(privateKeyFile=key, connectionType="SU", suUsername=OTHER_USER,
                                       suPassword=OTHER_PASSWORD, **base), OTHER_USER, merged_streams=True)
    raise AssertionError(name)


@pytest.fixture
def conn(flavour):
    with connect(flavour.host) as connection:
        yield connection


@pytest.fixture
def work(conn):
    """A fresh folder on the host for one test (removed with the connection)."""
    return conn.temp_dir()


def collect():
    lines = []
    return lines, lambda line, is_stderr: lines.append(("err" if is_stderr else "out", line))


def owner(path):
    return pwd.getpwuid(os.lstat(path).st_uid).pw_name


def processes_matching(text):
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in args:
                found.append(int(pid))
    return found


def wait_gone(text, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not processes_matching(text):
            return True
        time.sleep(0.05)
    return False


def unique_sleep():
    return f"sleep 3{random.randint(10000, 99999)}"


# --------------------------------------------------------------------------------------------- commands

def test_output_lines_stream_in_order_with_the_exit_code(conn, flavour):
    lines, output = collect()
    code = conn.execute("echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three; exit 3", output)
    assert code == 3
    stream = "out" if flavour.merged_streams else "err"
    assert lines == [("out", "one"), (stream, "two"), ("out", "three")]


def test_lines_arrive_while_the_command_runs(conn):
    arrivals = []
    start = time.monotonic()
    conn.execute("echo first; sleep 0.8; echo second",
                 lambda line, is_stderr: arrivals.append(time.monotonic() - start))
    assert len(arrivals) == 2
    assert arrivals[0] < 0.7 < arrivals[1]


def test_commands_run_as_the_expected_user(conn, flavour):
    result = conn.run("id -un")
    assert (result.exit_code, result.stdout) == (0, [flavour.user])


def test_a_list_command_passes_each_argument_verbatim(conn):
    result = conn.run(["printf", "%s|", "a b", "$HOME", "it's", "*", "ünïcode"])
    assert result.exit_code == 0
    assert result.stdout == ["a b|$HOME|it's|*|ünïcode|"]


def test_env_and_cwd(conn, work):
    result = conn.run('echo "$GREETING"; echo "$OTHER"; pwd', cwd=work,
                      env={"GREETING": "hello 'world'", "OTHER": "$x"})
    assert result.stdout == ["hello 'world'", "$x", work]


def test_a_missing_cwd_fails_the_command(conn, work, flavour):
    lines, output = collect()
    code = conn.execute("echo never", output, cwd=conn.path_join(work, "missing"))
    assert code != 0
    assert ("out", "never") not in lines
    assert lines and "missing" in lines[-1][1]


@pytest.mark.parametrize("delay", [0.5, 0.01], ids=["running", "just-started"])
def test_cancel_kills_a_long_command_quickly(conn, flavour, delay):
    sleeper = unique_sleep()
    cancel = threading.Event()
    lines, output = collect()
    threading.Timer(delay, cancel.set).start()
    start = time.monotonic()
    with pytest.raises(CommandAborted, match="aborted"):
        conn.execute(f"echo started; {sleeper}; echo finished", output, cancel=cancel)
    assert time.monotonic() - start < 4
    assert ("out", "finished") not in lines
    if delay > 0.1:
        assert ("out", "started") in lines
    assert wait_gone(sleeper), f"{sleeper} still runs after the abort ({flavour.name})"
    assert conn.run("echo still usable").stdout == ["still usable"]


def test_timeout_kills_the_command_and_its_children(conn):
    sleeper = unique_sleep()
    start = time.monotonic()
    with pytest.raises(CommandTimedOut, match="did not finish within 0.5 s"):
        conn.execute(f"{sleeper} & {sleeper}; echo finished", timeout=0.5)
    assert time.monotonic() - start < 4
    assert wait_gone(sleeper)


def test_a_quick_command_with_a_timeout_is_unaffected(conn):
    lines, output = collect()
    assert conn.execute("echo fine", output, timeout=30, cancel=threading.Event()) == 0
    assert lines == [("out", "fine")]


def test_lots_of_output_arrives_complete(conn):
    result = conn.run("seq 1 200000; echo tail >&2")
    assert result.exit_code == 0
    numbers = [line for line in result.stdout if line != "tail"]  # stderr is merged on a terminal (su)
    assert numbers == [str(n) for n in range(1, 200001)]
    assert "tail" in result.stdout + result.stderr


def test_a_background_child_holding_the_output_does_not_hang_the_command(conn):
    start = time.monotonic()
    result = conn.run("sleep 4 & echo done")
    assert (result.exit_code, result.stdout) == (0, ["done"])
    assert time.monotonic() - start < 3.5


def test_stdin_is_at_end_of_file_without_a_terminal_and_open_on_one(conn, flavour):
    start = time.monotonic()
    if flavour.merged_streams:
        # On a terminal (su, interactive sudo) stdin stays open, as documented: a reader runs until its timeout.
        with pytest.raises(CommandTimedOut):
            conn.run("cat; echo after", timeout=1)
        assert time.monotonic() - start < 5
        return
    assert conn.run("cat; echo after", timeout=10).stdout == ["after"]
    assert time.monotonic() - start < 2


def test_output_handler_is_optional(conn):
    assert conn.execute("echo ignored; exit 4") == 4


# --------------------------------------------------------------------------------------------- files

def test_write_read_and_modes(conn, work, flavour):
    text_path = conn.path_join(work, "note.txt")
    conn.write_text(text_path, "héllo\nwörld\n")
    assert conn.read_text(text_path) == "héllo\nwörld\n"
    binary = bytes(range(256)) * 300
    binary_path = conn.path_join(work, "blob.bin")
    conn.write_bytes(binary_path, binary, mode=0o600)
    assert conn.read_bytes(binary_path) == binary
    assert Path(binary_path).read_bytes() == binary
    assert os.stat(binary_path).st_mode & 0o777 == 0o600
    assert owner(binary_path) == flavour.user
    conn.write_text(text_path, "replaced")
    assert Path(text_path).read_text() == "replaced"
    conn.chmod(text_path, 0o640)
    assert os.stat(text_path).st_mode & 0o777 == 0o640


def test_upload_sets_the_mode_from_the_local_file(conn, work, tmp_path):
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\necho ran\n")
    script.chmod(0o700)
    data = tmp_path / "data.txt"
    data.write_text("data")
    data.chmod(0o600)
    conn.upload(str(script), conn.path_join(work, "run.sh"))
    conn.upload(str(data), conn.path_join(work, "data.txt"))
    conn.upload(str(data), conn.path_join(work, "data-600.txt"), mode=0o600)
    assert os.stat(os.path.join(work, "run.sh")).st_mode & 0o777 == 0o755
    assert os.stat(os.path.join(work, "data.txt")).st_mode & 0o777 == 0o644
    assert os.stat(os.path.join(work, "data-600.txt")).st_mode & 0o777 == 0o600
    assert conn.run(conn.path_join(work, "run.sh")).stdout == ["ran"]


def test_upload_tree_creates_and_merges(conn, work, tmp_path, flavour):
    source = tmp_path / "site"
    (source / "css" / "deep").mkdir(parents=True)
    (source / "empty").mkdir()
    (source / "index.html").write_text("<h1>hi</h1>")
    (source / "css" / "deep" / "a.css").write_bytes(b"\x00\xffbody{}")
    (source / "bin.sh").write_text("#!/bin/sh\n")
    (source / "bin.sh").chmod(0o755)
    target = conn.path_join(work, "www", "site")
    conn.mkdirs(target)
    conn.write_text(conn.path_join(target, "kept.txt"), "kept")
    conn.upload_tree(str(source), target)
    assert sorted(conn.list_dir(target)) == ["bin.sh", "css", "empty", "index.html", "kept.txt"]
    assert Path(target, "css", "deep", "a.css").read_bytes() == b"\x00\xffbody{}"
    assert Path(target, "index.html").read_text() == "<h1>hi</h1>"
    assert Path(target, "empty").is_dir()
    assert os.stat(Path(target, "bin.sh")).st_mode & 0o777 == 0o755
    assert owner(Path(target, "css", "deep", "a.css")) == flavour.user


def test_folders_listing_and_deleting(conn, work):
    nested = conn.path_join(work, "a", "b", "c")
    conn.mkdirs(nested)
    conn.mkdirs(nested)  # already there: fine
    assert conn.is_dir(nested) and conn.exists(nested)
    conn.write_text(conn.path_join(work, "a", "file one.txt"), "1")
    conn.write_text(conn.path_join(work, "a", ".hidden"), "h")
    assert conn.list_dir(conn.path_join(work, "a")) == [".hidden", "b", "file one.txt"]
    assert not conn.is_dir(conn.path_join(work, "a", "file one.txt"))
    os.symlink("/nonexistent/target", os.path.join(work, "a", "dangling"))
    assert conn.exists(conn.path_join(work, "a", "dangling"))
    with pytest.raises(HostError, match="Cannot delete"):
        conn.delete(conn.path_join(work, "a"))  # not empty, not recursive
    assert conn.delete(conn.path_join(work, "a", "dangling"))
    assert conn.delete(nested)
    assert conn.delete(conn.path_join(work, "a"), recursive=True)
    assert not conn.exists(conn.path_join(work, "a"))
    assert conn.delete(conn.path_join(work, "a"), recursive=True) is False


def test_missing_paths(conn, work):
    missing = conn.path_join(work, "nope.txt")
    assert not conn.exists(missing) and not conn.is_dir(missing)
    with pytest.raises(RemotePathNotFound, match="nope.txt"):
        conn.read_bytes(missing)
    with pytest.raises(RemotePathNotFound):
        conn.list_dir(missing)
    with pytest.raises(HostError, match="Cannot write"):
        conn.write_text(conn.path_join(work, "no-such-folder", "x.txt"), "x")


def test_temp_dirs_are_private_and_removed_at_close(flavour, shared):
    with connect(flavour.host) as connection:
        first, second = connection.temp_dir(), connection.temp_dir()
        assert first != second
        assert os.path.dirname(first) == shared
        assert os.stat(first).st_mode & 0o777 == 0o700
        connection.write_text(connection.path_join(first, "x"), "x")
        connection.mkdirs(connection.path_join(second, "deep", "er"))
    assert not os.path.exists(first) and not os.path.exists(second)
    leftovers = [name for name in os.listdir(shared) if name.startswith("deployit-transfer-")]
    assert leftovers == []


def test_the_connection_cancel_event_stops_commands_and_transfers(flavour):
    cancel = threading.Event()
    with connect(flavour.host, cancel=cancel) as connection:
        folder = connection.temp_dir()
        assert connection.execute("true") == 0
        cancel.set()
        with pytest.raises(CommandAborted):
            connection.execute(unique_sleep())
        with pytest.raises(CommandAborted):
            connection.write_bytes(connection.path_join(folder, "big"), b"x" * (3 * 1024 * 1024))
    assert not os.path.exists(folder)  # the clean-up at close still ran


class Recorder:
    """The `processes` of a connection: what it reports about the commands it runs."""

    def __init__(self):
        self.running, self.finished = {}, []

    def started(self, conn, process_group, tag):
        self.running[tag] = process_group

    def ended(self, tag):
        self.finished.append(tag)


def test_a_recorded_command_is_ended_by_its_group_and_tag_only(flavour, conn):
    """What recovery does after a crash (server/engine/leftovers.py): another connection ends the command (and its
    children) a step's connection recorded, but never a process group that does not carry the command's tag."""
    recorder, sleeper, codes = Recorder(), unique_sleep(), []
    recorder_conn = connect(flavour.host, processes=recorder)
    runner = threading.Thread(target=lambda: codes.append(recorder_conn.execute(f"{sleeper} & {sleeper}; echo no")))
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while not (recorder.running and processes_matching(f"{sleeper} & ")) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # both sleeps started
        (tag, group), = recorder.running.items()
        before = set(processes_matching(sleeper))
        assert conn.end_process_group(group, "0" * 16) is False  # a reused group number is not ours
        assert set(processes_matching(sleeper)) == before and runner.is_alive()
        assert conn.end_process_group(group, tag) is True
        runner.join(10)
        assert not runner.is_alive() and codes and codes[0] != 0
        assert wait_gone(sleeper), f"{sleeper} still runs ({flavour.name})"
        assert recorder.finished == [tag]
        assert conn.end_process_group(group, tag) is False  # nothing left
    finally:
        recorder_conn.close()


def test_check_connection(flavour):
    lines, output = collect()
    check_connection(flavour.host, output)
    assert ("out", "deployit connection check") in lines
    assert lines[-1] == ("out", "Ran a command.")
