"""SSH specifics beyond the shared contract: servers without SFTP, the exact command lines for sudo/su,
password prompts, jumpstations, pseudo-terminals and Windows path handling."""

import os
import pwd
import shutil

import pytest

from server.engine.hosts import HostConnectionError, HostError, connect
from server.engine.hosts.sshfiles import SftpFiles
from tests.support.sshd import (OTHER_PASSWORD, OTHER_USER, TEST_PASSWORD, TEST_USER, SshServer, make_shared_dir,
                                require_root)

SUDO = "/usr/bin/sudo"


@pytest.fixture(scope="module")
def sshd():
    require_root()
    with SshServer() as server:
        yield server


@pytest.fixture(scope="module")
def sshd_without_sftp():
    require_root()
    with SshServer(sftp=False) as server:
        yield server


@pytest.fixture(scope="module")
def shared():
    path = make_shared_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def roundtrip(conn, folder, tmp_path):
    """Write, read, upload a tree and list it: the file operations a deployment needs."""
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "sub" / "a.txt").write_text("a")
    conn.write_bytes(conn.path_join(folder, "blob"), b"\x00\x01\xff" * 1000)
    assert conn.read_bytes(conn.path_join(folder, "blob")) == b"\x00\x01\xff" * 1000
    conn.upload_tree(str(tmp_path / "tree"), conn.path_join(folder, "tree"))
    assert conn.list_dir(conn.path_join(folder, "tree", "sub")) == ["a.txt"]
    assert conn.read_text(conn.path_join(folder, "tree", "sub", "a.txt")) == "a"


@pytest.mark.parametrize("connection_type", ["SFTP", "SCP"])
def test_a_server_without_sftp_still_moves_files(sshd_without_sftp, shared, tmp_path, connection_type):
    host = sshd_without_sftp.host(password=TEST_PASSWORD, connectionType=connection_type,
                                  temporaryDirectoryPath=shared)
    with connect(host) as conn:
        roundtrip(conn, conn.temp_dir(), tmp_path)


def test_su_without_sftp_hands_files_over_through_commands(sshd_without_sftp, shared, tmp_path):
    host = sshd_without_sftp.host(privateKeyFile=str(sshd_without_sftp.client_key), connectionType="SU",
                                  suUsername=OTHER_USER, suPassword=OTHER_PASSWORD, temporaryDirectoryPath=shared)
    with connect(host) as conn:
        folder = conn.temp_dir()
        roundtrip(conn, folder, tmp_path)
        assert pwd.getpwuid(os.stat(os.path.join(folder, "blob")).st_uid).pw_name == OTHER_USER
        transfer = [name for name in os.listdir(shared) if name.startswith("deployit-transfer-")]
        assert len(transfer) == 1
        assert os.stat(os.path.join(shared, transfer[0])).st_mode & 0o7777 == 0o1733
    assert not os.path.exists(folder)
    assert [name for name in os.listdir(shared) if name.startswith("deployit-transfer-")] == []


def test_sftp_is_used_when_the_server_offers_it(sshd, shared, tmp_path):
    with connect(sshd.host(password=TEST_PASSWORD, temporaryDirectoryPath=shared)) as conn:
        roundtrip(conn, conn.temp_dir(), tmp_path)
        assert isinstance(conn.files(), SftpFiles)


def test_key_with_passphrase_and_key_plus_password(sshd):
    from tests.support.sshd import KEY_PASSPHRASE
    with connect(sshd.host(privateKeyFile=str(sshd.encrypted_key), passphrase=KEY_PASSPHRASE)) as conn:
        assert conn.run("id -un").stdout == [TEST_USER]
    with connect(sshd.host(privateKeyFile=str(sshd.client_key), password="wrong-but-unused")) as conn:
        assert conn.run("id -un").stdout == [TEST_USER]


# --------------------------------------------------------------------------------------------- command lines

def test_plain_commands_go_to_the_login_shell_as_they_are(sshd):
    with connect(sshd.host(password=TEST_PASSWORD)) as conn:
        assert conn.command_line("ls -l | wc -l") == "ls -l | wc -l"
        assert conn.command_line(["echo", "a b", "$X"]) == "echo 'a b' '$X'"
        assert conn.command_line("make", cwd="/opt/my app", env={"A": "1 2"}) == (
            "/bin/sh -c 'export A='\"'\"'1 2'\"'\"'; cd '\"'\"'/opt/my app'\"'\"' || exit 2\nmake'")
        with pytest.raises(HostError, match="'BAD NAME' is not a valid environment variable name"):
            conn.command_line("true", env={"BAD NAME": "x"})


def test_sudo_command_line(sshd):
    with connect(sshd.host(password=TEST_PASSWORD, connectionType="SUDO", sudoUsername="app")) as conn:
        assert conn.command_line("echo $HOME > out") == "sudo -u app /bin/sh -c 'echo $HOME > out'"
        assert conn.command_line(["id", "-un"], cwd="/srv") == "sudo -u app /bin/sh -c 'cd /srv || exit 2\nid -un'"
    with connect(sshd.host(password=TEST_PASSWORD, connectionType="SUDO", sudoUsername="app",
                           sudoCommandPrefix="sudo -n -H -u {0}")) as conn:
        assert conn.command_line("true") == "sudo -n -H -u app /bin/sh -c true"


def test_su_command_line(sshd):
    with connect(sshd.host(password=TEST_PASSWORD, connectionType="SU", suUsername="app", suPassword="x")) as conn:
        assert conn.command_line("echo 'hi'") == "su - app -c 'echo '\"'\"'hi'\"'\"''"


def test_sudo_username_is_ignored_without_a_sudo_connection_type(sshd):
    with connect(sshd.host(password=TEST_PASSWORD, sudoUsername=OTHER_USER)) as conn:
        assert conn.run("id -un").stdout == [TEST_USER]


@pytest.mark.skipif(not os.path.exists(SUDO), reason="sudo is not installed (runuser stands in for it in the "
                                                     "contract tests)")
def test_real_sudo_as_another_user(sshd, shared, tmp_path):
    rule = "/etc/sudoers.d/deployit-test"
    with open(rule, "w") as handle:
        handle.write(f"{TEST_USER} ALL=({OTHER_USER}) NOPASSWD: ALL\n")
    os.chmod(rule, 0o440)
    try:
        host = sshd.host(password=TEST_PASSWORD, connectionType="SUDO", sudoUsername=OTHER_USER,
                         temporaryDirectoryPath=shared)
        with connect(host) as conn:
            assert conn.run("id -un").stdout == [OTHER_USER]
            folder = conn.temp_dir()
            roundtrip(conn, folder, tmp_path)
            assert pwd.getpwuid(os.stat(os.path.join(folder, "blob")).st_uid).pw_name == OTHER_USER
    finally:
        os.remove(rule)


# --------------------------------------------------------------------------------------------- passwords

def test_interactive_sudo_with_a_wrong_password(sshd):
    fake = sshd.fake_interactive_sudo("the-right-one")
    host = sshd.host(username="root", privateKeyFile=str(sshd.client_key), password="a-wrong-one",
                     connectionType="INTERACTIVE_SUDO", sudoUsername=OTHER_USER, sudoCommandPrefix=f"{fake} {{0}}")
    with connect(host) as conn:
        with pytest.raises(HostError, match=r"sudo on host Infrastructure/test-ssh \(127.0.0.1:\d+\) did not accept "
                                            r"the password \(it asked again\)\."):
            conn.execute("id -un")


def test_interactive_sudo_without_a_password(sshd):
    fake = sshd.fake_interactive_sudo("the-right-one")
    host = sshd.host(username="root", privateKeyFile=str(sshd.client_key), connectionType="INTERACTIVE_SUDO",
                     sudoUsername=OTHER_USER, sudoCommandPrefix=f"{fake} {{0}}")
    with connect(host) as conn:
        with pytest.raises(HostError, match="asks for a password, but the host has no password"):
            conn.execute("id -un")


def test_the_password_never_shows_in_the_output(sshd):
    lines = []
    host = sshd.host(privateKeyFile=str(sshd.client_key), connectionType="SU", suUsername=OTHER_USER,
                     suPassword=OTHER_PASSWORD)
    with connect(host) as conn:
        conn.execute("echo before; id -un", lambda line, is_stderr: lines.append(line))
    assert lines == ["before", OTHER_USER]


def test_su_with_a_wrong_password_fails_commands_and_file_operations(sshd):
    host = sshd.host(privateKeyFile=str(sshd.client_key), connectionType="SU", suUsername=OTHER_USER,
                     suPassword="wrong-password")
    with connect(host) as conn:
        result = conn.run("id -un")
        assert result.exit_code != 0
        assert any("Authentication failure" in line for line in result.stdout + result.stderr)
        with pytest.raises(HostError, match="Cannot inspect /tmp on host Infrastructure/test-ssh: .*Authentication "
                                            "failure"):
            conn.exists("/tmp")


# --------------------------------------------------------------------------------------------- the rest

def test_through_a_jumpstation(sshd):
    jump = {"id": "Infrastructure/jump", "type": "overthere.SshJumpstation", "address": "127.0.0.1",
            "port": sshd.port, "username": "root", "privateKeyFile": str(sshd.client_key)}
    with connect(sshd.host(password=TEST_PASSWORD, jumpstation=jump)) as conn:
        assert conn.run("id -un").stdout == [TEST_USER]
        assert conn.read_text("/etc/hostname") == open("/etc/hostname").read()


def test_a_jumpstation_that_cannot_reach_the_host(sshd):
    from tests.support.server import free_port
    jump = {"id": "Infrastructure/jump", "type": "overthere.SshJumpstation", "address": "127.0.0.1",
            "port": sshd.port, "username": "root", "privateKeyFile": str(sshd.client_key)}
    port = free_port()
    with pytest.raises(HostConnectionError, match=rf"Jumpstation Infrastructure/jump cannot connect to host "
                                                  rf"Infrastructure/test-ssh \(127.0.0.1:{port}\)"):
        connect(sshd.host(password=TEST_PASSWORD, port=port, jumpstation=jump))


def test_a_jumpstation_given_only_by_id_is_refused(sshd):
    with pytest.raises(HostError, match="jumpstation Infrastructure/jump of host .* must be given with its "
                                        "properties"):
        connect(sshd.host(password=TEST_PASSWORD, jumpstation="Infrastructure/jump"))


def test_allocate_default_pty_merges_stderr(sshd):
    with connect(sshd.host(password=TEST_PASSWORD, allocateDefaultPty=True)) as conn:
        result = conn.run("tty >/dev/null && echo terminal; echo oops >&2")
        assert result.stdout == ["terminal", "oops"] and result.stderr == []


@pytest.mark.parametrize("settings, term, size", [
    ({"allocatePty": "vt220:132:40:0:0"}, "vt220", "40 132"),
    ({"allocatePty": "xterm:100:30:0:0", "allocateDefaultPty": True}, "xterm", "30 100"),  # allocatePty wins
    ({"allocateDefaultPty": True}, "dumb", "24 4096"),
])
def test_allocate_pty_asks_for_that_terminal(sshd, settings, term, size):
    with connect(sshd.host(password=TEST_PASSWORD, **settings)) as conn:
        result = conn.run('echo "$TERM"; stty size; echo oops >&2')
        assert result.stdout == [term, size, "oops"] and result.stderr == []


def test_a_bad_allocate_pty_is_one_sentence(sshd):
    with pytest.raises(HostError, match=r"^Host Infrastructure/test-ssh has allocatePty 'vt220:wide', which is not "
                                        r"TERM:COLS:ROWS:WIDTH:HEIGHT \(e.g. vt220:80:24:0:0\)\.$"):
        with connect(sshd.host(password=TEST_PASSWORD, allocatePty="vt220:wide")) as conn:
            conn.run("true")


def test_a_closed_connection_refuses_work(sshd):
    conn = connect(sshd.host(password=TEST_PASSWORD))
    conn.close()
    conn.close()  # twice is fine
    with pytest.raises(HostError, match="The connection to host Infrastructure/test-ssh .* is closed."):
        conn.execute("true")


def test_the_server_stopping_mid_command_is_a_host_error(tmp_path):
    require_root()
    server = SshServer().start()
    try:
        conn = connect(server.host(password=TEST_PASSWORD))
        for pid in server.connection_pids():  # end the connection abruptly, as a crashed or rebooted host does
            os.kill(pid, 9)
        with pytest.raises(HostError):
            conn.execute("sleep 1")
        conn.close()
    finally:
        server.stop()


def test_windows_paths():
    class FakeConn:
        host_id = "Infrastructure/win"
    cygwin = SftpFiles(FakeConn(), sftp=None, connection_type="SFTP_CYGWIN")
    winsshd = SftpFiles(FakeConn(), sftp=None, connection_type="SFTP_WINSSHD")
    plain = SftpFiles(FakeConn(), sftp=None, connection_type="SFTP")
    assert cygwin._path("C:\\Program Files\\app\\a.txt") == "/cygdrive/c/Program Files/app/a.txt"
    assert winsshd._path("D:\\data") == "/D/data"
    assert plain._path("C:\\data") == "C:\\data"
    assert cygwin._path("/already/unix") == "/already/unix"


def test_path_join_follows_the_host_os(sshd):
    with connect(sshd.host(password=TEST_PASSWORD)) as conn:
        assert conn.path_join("/opt", "app", "a.txt") == "/opt/app/a.txt"
    from server.engine.hosts.local import LocalConnection
    windows = LocalConnection({"id": "Infrastructure/w", "type": "overthere.LocalHost", "os": "WINDOWS"})
    assert windows.path_join("C:\\apps", "site", "index.html") == "C:\\apps\\site\\index.html"
    assert windows.temp_base  # the server's own temp folder: a LocalHost is this machine


def test_output_sent_after_the_exit_status_is_not_lost(sshd):
    """sshd may send the exit status before the rest of the output (seen under load with a lot of output):
    here the output certainly comes after it, from a child that goes on writing once the shell has exited."""
    with connect(sshd.host(password=TEST_PASSWORD)) as conn:
        result = conn.run("(sleep 0.3; seq 1 20000) & exit 0")
    assert result.exit_code == 0
    assert result.stdout == [str(n) for n in range(1, 20001)]
