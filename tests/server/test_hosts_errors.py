"""Every way opening a host connection can fail gives one clear sentence naming the host and its address.
Only loopback is used: a refused port, a port that never answers, a port whose accept queue is full."""

import subprocess
import time

import pytest

from server.engine.hosts import HostConnectionError, HostError, HostNotSupported, connect, protocol_of
from tests.support.server import free_port
from tests.support.sshd import (KEY_PASSPHRASE, TEST_PASSWORD, TEST_USER, BlackholePort, SilentPort, SshServer,
                                require_root)

HOST_ID = "Infrastructure/test-ssh"


@pytest.fixture(scope="module")
def sshd():
    require_root()
    with SshServer() as server:
        yield server


def failure(host) -> str:
    with pytest.raises(HostConnectionError) as caught:
        connect(host)
    message = str(caught.value)
    assert HOST_ID in message
    assert message.endswith(".") and "\n" not in message
    return message


def test_refused_connection():
    port = free_port()
    host = {"id": HOST_ID, "type": "overthere.SshHost", "address": "127.0.0.1", "port": port, "username": "u",
            "password": "p"}
    message = failure(host)
    assert message == (f"Connection to host {HOST_ID} (127.0.0.1:{port}) was refused: no SSH server is listening on "
                       f"port {port}.")


def test_connect_timeout_on_an_unanswered_address():
    with BlackholePort() as port:
        host = {"id": HOST_ID, "type": "overthere.SshHost", "address": "127.0.0.1", "port": port, "username": "u",
                "password": "p", "connectionTimeoutMillis": 500}
        start = time.monotonic()
        message = failure(host)
    assert time.monotonic() - start < 3
    assert message == f"Timed out after 0.5 s connecting to host {HOST_ID} (127.0.0.1:{port})."


def test_a_port_that_accepts_but_never_speaks_ssh():
    with SilentPort() as port:
        host = {"id": HOST_ID, "type": "overthere.SshHost", "address": "127.0.0.1", "port": str(port),
                "username": "u", "password": "p", "connectionTimeoutMillis": "500"}
        start = time.monotonic()
        message = failure(host)
    assert time.monotonic() - start < 3
    assert message == f"Host {HOST_ID} (127.0.0.1:{port}) did not answer as an SSH server within 0.5 s."


def test_wrong_password(sshd):
    message = failure(sshd.host(password="not-the-password"))
    assert message == (f"Authentication failed for user '{TEST_USER}' on host {HOST_ID} (127.0.0.1:{sshd.port}) "
                       "with the password.")


def test_unknown_user(sshd):
    message = failure(sshd.host(username="no-such-user-here", password="x"))
    assert "Authentication failed for user 'no-such-user-here'" in message


def test_key_that_is_not_authorized(sshd, tmp_path):
    key = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    message = failure(sshd.host(privateKeyFile=str(key)))
    assert message == (f"Authentication failed for user '{TEST_USER}' on host {HOST_ID} (127.0.0.1:{sshd.port}) "
                       f"with the private key {key}.")


def test_missing_key_file(sshd, tmp_path):
    missing = tmp_path / "missing_key"
    message = failure(sshd.host(privateKeyFile=str(missing)))
    assert message == (f"The private key file {missing} of host {HOST_ID} cannot be read: No such file or "
                       "directory.")


def test_key_file_that_is_a_folder(sshd, tmp_path):
    message = failure(sshd.host(privateKeyFile=str(tmp_path)))
    assert message.startswith(f"The private key file {tmp_path} of host {HOST_ID} cannot be read")


def test_key_file_without_a_private_key(sshd, tmp_path):
    garbage = tmp_path / "garbage"
    garbage.write_text("this is not a key\n")
    assert failure(sshd.host(privateKeyFile=str(garbage))) == (
        f"The private key file {garbage} of host {HOST_ID} does not contain a private key.")
    # The public half, a classic mistake:
    public = f"{sshd.client_key}.pub"
    assert failure(sshd.host(privateKeyFile=public)) == (
        f"The private key file {public} of host {HOST_ID} does not contain a private key.")


def test_corrupt_private_key(sshd, tmp_path):
    corrupt = tmp_path / "corrupt"
    corrupt.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n")
    assert failure(sshd.host(privateKeyFile=str(corrupt))) == (
        f"The private key file {corrupt} of host {HOST_ID} is not a private key this server can read (OpenSSH or "
        "PEM; Ed25519, ECDSA or RSA).")


def test_encrypted_key_without_passphrase(sshd):
    assert failure(sshd.host(privateKeyFile=str(sshd.encrypted_key))) == (
        f"The private key file {sshd.encrypted_key} of host {HOST_ID} is encrypted, but the host has no passphrase.")


def test_wrong_passphrase(sshd, tmp_path):
    assert failure(sshd.host(privateKeyFile=str(sshd.encrypted_key), passphrase="wrong-passphrase")) == (
        f"The passphrase of host {HOST_ID} does not decrypt its private key file {sshd.encrypted_key}.")
    pem = tmp_path / "pem_rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "right-pass", "-f", str(pem)],
                   check=True)
    assert failure(sshd.host(privateKeyFile=str(pem), passphrase="wrong-pass")) == (
        f"The passphrase of host {HOST_ID} does not decrypt its private key file {pem}.")


def test_no_credentials_at_all(sshd):
    assert failure(sshd.host()) == f"Host {HOST_ID} has neither a password nor a privateKeyFile to log in with."


def test_missing_address():
    with pytest.raises(HostConnectionError, match=f"Host {HOST_ID} has no address."):
        connect({"id": HOST_ID, "type": "overthere.SshHost", "username": "u", "password": "p"})


def test_the_good_credentials_do_work(sshd):
    """The counterpart of the failures above, so that they fail for the reason they claim."""
    for props in ({"password": TEST_PASSWORD}, {"privateKeyFile": str(sshd.client_key)},
                  {"privateKeyFile": str(sshd.encrypted_key), "passphrase": KEY_PASSPHRASE}):
        with connect(sshd.host(**props)) as conn:
            assert conn.run("echo ok").stdout == ["ok"]


@pytest.mark.parametrize("ci_type, protocol", [("overthere.CifsHost", "cifs"), ("overthere.SmbHost", "smb")])
def test_cifs_and_smb_hosts_are_not_supported_here(ci_type, protocol):
    with pytest.raises(HostNotSupported, match=f"^Host Infrastructure/win is a {ci_type} \\(Windows over CIFS/SMB and "
                                               "WinRM\\), which this server does not support; reach Windows hosts"):
        connect({"id": "Infrastructure/win", "type": ci_type, "protocol": protocol, "address": "x"})


def test_unknown_protocol():
    with pytest.raises(HostNotSupported, match="Host Infrastructure/odd of type acme.Host has no known connection "
                                               r"protocol \(telnet\)"):
        connect({"id": "Infrastructure/odd", "type": "acme.Host", "protocol": "telnet"})


def test_protocol_from_the_type_name_when_the_property_is_absent():
    assert protocol_of({"type": "overthere.LocalHost"}) == "local"
    assert protocol_of({"type": "overthere.SshHost"}) == "ssh"
    assert protocol_of({"type": "acme.UnixSshHost"}) == "ssh"
    assert protocol_of({"type": "overthere.CifsHost"}) == "cifs"
    assert protocol_of({"type": "overthere.SshHost", "protocol": "local"}) == "local"


def test_bad_connection_settings(sshd):
    with pytest.raises(HostNotSupported, match="connection type TELNET, which is not one of"):
        connect(sshd.host(password=TEST_PASSWORD, connectionType="TELNET"))
    with pytest.raises(HostError, match=f"Host {HOST_ID} uses connection type SUDO but has no sudoUsername."):
        connect(sshd.host(password=TEST_PASSWORD, connectionType="SUDO"))
    with pytest.raises(HostError, match=f"Host {HOST_ID} uses connection type SU but has no suUsername."):
        connect(sshd.host(password=TEST_PASSWORD, connectionType="SU"))
    with pytest.raises(HostError, match="port of host .* must be a whole number"):
        connect(sshd.host(password=TEST_PASSWORD, port="twenty-two"))
