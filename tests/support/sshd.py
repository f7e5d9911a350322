"""A throw-away OpenSSH server on loopback for the host and deployment tests.

`SshServer().start()` runs `/usr/sbin/sshd -D -f <temp config>` on a free 127.0.0.1 port with a host key,
a client key pair (plain and passphrase-protected) and an authorized_keys file generated in a temporary
folder. Password and public-key logins work for the test users below (created with `useradd -m` and given
their password with `chpasswd`), and for root with the keys. The tests run as root; a non-root run fails
with a clear message because sshd needs root to switch users.

    with SshServer() as sshd:           # or sshd = SshServer().start(); ...; sshd.stop()
        host = sshd.host(username=TEST_USER, password=TEST_PASSWORD)   # an overthere.SshHost dict

`SshServer(sftp=False)` leaves out the SFTP subsystem, so only exec channels work (the SCP connection type).
`stop()` ends the per-connection sshd processes and the server itself, and removes the folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.server import free_port

SSHD = "/usr/sbin/sshd"
TEST_USER = "deployit-test"
TEST_PASSWORD = "deployit-test-Pw1"
OTHER_USER = "deployit-test2"
OTHER_PASSWORD = "deployit-test2-Pw1"
KEY_PASSPHRASE = "key-passphrase-1"
SFTP_SERVER_CANDIDATES = ("/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server",
                          "/usr/libexec/sftp-server")


def require_root() -> None:
    if os.geteuid() != 0:
        raise RuntimeError("The SSH tests start a real sshd and create test users, which needs root; run them as root "
                           "(as the project's test machines do).")
    if not os.path.exists(SSHD):
        raise RuntimeError(f"{SSHD} is not installed; scripts/setup.sh installs the openssh-server package.")


def ensure_user(name: str, password: str) -> None:
    """Create `name` with a home folder and /bin/sh when missing, and (re)set its password."""
    require_root()
    # Other test processes may do the same at the same moment: tolerate their useradd, retry on a locked shadow.
    problem = ""
    for attempt in range(20):
        try:
            pwd.getpwnam(name)
        except KeyError:
            added = subprocess.run(["useradd", "-m", "-s", "/bin/sh", name], capture_output=True, text=True)
            problem = added.stderr.strip()
        else:
            done = subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, capture_output=True)
            if done.returncode == 0:
                return
            problem = done.stderr.strip()
        time.sleep(0.05 * (attempt + 1))
    raise RuntimeError(f"Cannot create the test user {name} or set its password: {problem}")


def make_shared_dir() -> str:
    """A new world-writable (sticky, like /tmp) folder under /tmp that every test user can work in; remove it
    with shutil.rmtree when done."""
    path = tempfile.mkdtemp(prefix="deployit-shared-", dir="/tmp")
    os.chmod(path, 0o1777)
    return path


def _keygen(path: Path, kind: str, passphrase: str = "") -> Path:
    size = ["-b", "2048"] if kind == "rsa" else []
    subprocess.run(["ssh-keygen", "-q", "-t", kind, *size, "-N", passphrase, "-C", "deployit-test", "-f", str(path)],
                   check=True, capture_output=True)
    return path


class SshServer:
    """A running sshd; `port`, `dir`, `client_key` (no passphrase) and `encrypted_key` (KEY_PASSPHRASE)."""

    def __init__(self, sftp: bool = True):
        self.sftp = sftp
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="deployit-sshd-", dir="/tmp"))
        self.proc: subprocess.Popen | None = None
        self.client_key = self.dir / "client_ed25519"
        self.encrypted_key = self.dir / "client_rsa_encrypted"
        self.log_path = self.dir / "sshd.log"

    def start(self) -> "SshServer":
        require_root()
        ensure_user(TEST_USER, TEST_PASSWORD)
        ensure_user(OTHER_USER, OTHER_PASSWORD)
        # sshd refuses to start without its privilege-separation folder.
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        os.chmod(self.dir, 0o755)  # key files are read by this process only, but sshd children chdir around
        host_key = _keygen(self.dir / "host_ed25519", "ed25519")
        _keygen(self.client_key, "ed25519")
        _keygen(self.encrypted_key, "rsa", KEY_PASSPHRASE)
        authorized = self.dir / "authorized_keys"
        authorized.write_text("".join(Path(f"{key}.pub").read_text() for key in (self.client_key, self.encrypted_key)))
        os.chmod(authorized, 0o644)
        lines = [
            f"Port {self.port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {host_key}",
            f"PidFile {self.dir / 'sshd.pid'}",
            f"AuthorizedKeysFile {authorized}",
            "PubkeyAuthentication yes",
            "PasswordAuthentication yes",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin yes",
            "PermitEmptyPasswords no",
            "UsePAM no",
            "StrictModes no",
            "AllowTcpForwarding yes",
            "PrintMotd no",
            "MaxStartups 100",
            "MaxSessions 100",
            f"LogLevel {os.environ.get('DEPLOYIT_SSHD_LOGLEVEL', 'ERROR')}",
        ]
        if self.sftp:
            server = next((p for p in SFTP_SERVER_CANDIDATES if os.path.exists(p)), "internal-sftp")
            lines.append(f"Subsystem sftp {server}")
        config = self.dir / "sshd_config"
        config.write_text("\n".join(lines) + "\n")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=log,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited at start-up: {self.log_path.read_text(errors='replace').strip()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sshd did not answer on 127.0.0.1:{self.port} within {timeout:.0f} s")

    def fake_interactive_sudo(self, password: str) -> str:
        """A stand-in for `sudo -u USER` that asks for `password` on the terminal like sudo (up to three times),
        then runs the command with runuser; for INTERACTIVE_SUDO tests as root where sudo is not installed.
        Use it as `sudoCommandPrefix`: f"{path} {{0}}"."""
        path = self.dir / "fake-sudo"
        path.write_text(f"""#!/bin/sh
user="$1"; shift
for attempt in 1 2 3; do
  stty -echo 2>/dev/null
  printf '[sudo] password for %s: ' "$(id -un)"
  read -r answer; stty echo 2>/dev/null; echo
  if [ "$answer" = '{password}' ]; then exec runuser -u "$user" -- "$@"; fi
  echo 'Sorry, try again.'
done
echo 'sudo: 3 incorrect password attempts' >&2
exit 1
""")
        path.chmod(0o755)
        return str(path)

    def host(self, username: str = TEST_USER, **props) -> dict:
        """An `overthere.SshHost` CI (as the engine sees it: a dict of effective properties) for this server."""
        host = {"id": "Infrastructure/test-ssh", "type": "overthere.SshHost", "protocol": "ssh", "os": "UNIX",
                "address": "127.0.0.1", "port": self.port, "username": username, "connectionType": "SFTP",
                "connectionTimeoutMillis": 10000}
        host.update(props)
        return host

    def connection_pids(self) -> list[int]:
        """The per-connection sshd processes of this server (its children; each runs in its own session)."""
        if self.proc is None:
            return []
        children = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    children.append(int(entry))
        return children

    def stop(self) -> None:
        for pid in self.connection_pids():  # connections left open would otherwise outlive the server
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "SshServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class SilentPort:
    """A loopback port where TCP connections succeed but nothing ever answers (not an SSH server, or a hung one)."""

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        return self.sock.getsockname()[1]

    def __exit__(self, *exc) -> None:
        self.sock.close()


class BlackholePort:
    """A loopback port whose accept queue is full, so the kernel ignores new connection attempts: connecting
    times out as it does for an unreachable, firewalled host (without sending anything off this machine)."""

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        port = self.sock.getsockname()[1]
        self.fillers = []
        for _ in range(4):  # the first one or two fill the queue; the rest time out
            filler = socket.socket()
            filler.settimeout(0.2)
            try:
                filler.connect(("127.0.0.1", port))
            except OSError:
                filler.close()
                break
            self.fillers.append(filler)
        return port

    def __exit__(self, *exc) -> None:
        for filler in self.fillers:
            filler.close()
        self.sock.close()
