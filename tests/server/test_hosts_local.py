"""LocalHost specifics beyond the shared contract (tests/server/test_hosts_contract.py)."""

import os
import tempfile
import threading
import time

import pytest

from server.engine.hosts import CommandAborted, connect

LOCAL = {"id": "Infrastructure/localhost", "type": "overthere.LocalHost"}


def test_the_type_name_is_enough_to_connect():
    with connect(LOCAL) as conn:
        assert conn.protocol == "local"
        assert conn.temp_base == tempfile.gettempdir()
        assert conn.os == ("WINDOWS" if os.name == "nt" else "UNIX")


def test_an_unknown_program_exits_127_like_the_shell():
    with connect(LOCAL) as conn:
        for command in (["no-such-program-xyz", "arg"], "no-such-program-xyz arg"):
            result = conn.run(command)
            assert result.exit_code == 127
            assert any("no-such-program-xyz" in line for line in result.stderr)


def test_env_adds_to_the_inherited_environment():
    with connect(LOCAL) as conn:
        result = conn.run(["sh", "-c", 'echo "$EXTRA"; command -v sh >/dev/null && echo path-kept'],
                          env={"EXTRA": "yes"})
        assert result.stdout == ["yes", "path-kept"]


def test_stdin_is_closed():
    with connect(LOCAL) as conn:
        start = time.monotonic()
        assert conn.run("cat; echo after").stdout == ["after"]
        assert time.monotonic() - start < 2


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace():
    with connect(LOCAL) as conn:
        cancel = threading.Event()
        threading.Timer(0.3, cancel.set).start()
        start = time.monotonic()
        with pytest.raises(CommandAborted):
            conn.execute(["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"], cancel=cancel)
        assert 2 <= time.monotonic() - start < 5


def test_invalid_utf8_output_is_replaced_not_fatal():
    with connect(LOCAL) as conn:
        assert conn.run(["printf", "ok\\377\\n"]).stdout == ["ok\ufffd"]


def test_a_relative_cwd_and_a_file_path_cwd():
    with connect(LOCAL) as conn:
        folder = conn.temp_dir()
        conn.write_text(conn.path_join(folder, "f"), "x")
        result = conn.run("pwd", cwd=conn.path_join(folder, "f"))
        assert result.exit_code == 2 and "no such folder" in result.stderr[0]


@pytest.mark.parametrize("setting, kept", [(None, False), (True, False), (False, True), ("false", True)])
def test_tmp_delete_on_disconnect_false_keeps_the_temporary_folders(tmp_path, setting, kept):
    """overthere's hidden tmpDeleteOnDisconnect: false leaves a connection's temporary folders for inspection."""
    host = dict(LOCAL, temporaryDirectoryPath=str(tmp_path))
    if setting is not None:
        host["tmpDeleteOnDisconnect"] = setting
    with connect(host) as conn:
        folder = conn.temp_dir()
        conn.write_text(conn.path_join(folder, "left.txt"), "x")
    assert os.path.isdir(folder) is kept
