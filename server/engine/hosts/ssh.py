"""`overthere.SshHost` over paramiko: log-in and error mapping, command execution with sudo/su, file access.

File access (see `sshfiles`) goes through SFTP for the SFTP connection types, and through commands on exec
channels (`cat`, `mkdir`, `tar`...) for SCP and for SUDO/INTERACTIVE_SUDO/SU, where every file operation has to
happen as the other user.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import select
import shlex
import socket
import subprocess
import time
from dataclasses import dataclass
from typing import BinaryIO, Callable

import paramiko
from paramiko.common import cMSG_CHANNEL_REQUEST
from paramiko.message import Message

from server.engine.hosts.base import (KILL_GRACE_SECONDS, TAG_VARIABLE, Connection, LineSplitter, OutputHandler,
                                      host_label, int_prop, prop)
from server.engine.hosts.errors import (CommandAborted, CommandTimedOut, HostConnectionError, HostError,
                                        HostNotSupported)
from server.engine.hosts.keys import load_private_key

SFTP_TYPES = {"SFTP", "SFTP_CYGWIN", "SFTP_WINSSHD"}
ELEVATED_TYPES = {"SUDO", "INTERACTIVE_SUDO", "SU"}
CONNECTION_TYPES = SFTP_TYPES | ELEVATED_TYPES | {"SCP"}
DEFAULT_TIMEOUT_MILLIS = 1200000
KEEPALIVE_SECONDS = 30
MAX_JUMPS = 5
OUTPUT_QUIET_SECONDS = 0.5  # after the exit status, output that stays quiet this long is taken as complete
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
PID_MARK = b"__deployit_pid__="
# The terminal every pseudo-terminal gets unless `allocatePty` names one: wide, so that programs that cut their
# output to the terminal's width (ps, ls) do not do so in step logs.
DEFAULT_PTY = ("dumb", 4096, 24, 0, 0)
PTY_SPEC = re.compile(r"([^:]+):(\d+):(\d+):(\d+):(\d+)\Z")
# Sends SIGNAL to process PID and all its descendants, found from one `ps` snapshot; POSIX ps and awk only.
KILL_TREE = ("all=$(ps -eo pid=,ppid=); "
             "tree() { echo \"$1\"; "
             "for c in $(echo \"$all\" | awk -v p=\"$1\" '$2==p {print $1}'); do tree \"$c\"; done; }; "
             "kill -SIGNAL $(tree PID) 2>/dev/null; exit 0")


@dataclass(frozen=True)
class Elevation:
    """How commands become another user's: `prefix` (with the user filled in), and for the interactive kinds a
    pseudo-terminal, the password to type and the prompt that asks for it."""

    kind: str  # "sudo" or "su"
    user: str
    prefix: str
    pty: bool
    password: str | None
    prompt: re.Pattern | None

    def wrap(self, script: str) -> str:
        # `su - user -c` takes one shell string; sudo-style prefixes take a program and its arguments.
        if self.prefix.rstrip().endswith(" -c"):
            return f"{self.prefix} {shlex.quote(script)}"
        return f"{self.prefix} /bin/sh -c {shlex.quote(script)}"


def elevation_of(host: dict) -> Elevation | None:
    kind = str(prop(host, "connectionType", "SFTP")).upper()
    label = host_label(host)
    if kind in ("SUDO", "INTERACTIVE_SUDO"):
        user = prop(host, "sudoUsername")
        if not user:
            raise HostError(f"Host {label} uses connection type {kind} but has no sudoUsername.")
        interactive = kind == "INTERACTIVE_SUDO"
        prefix = str(prop(host, "sudoCommandPrefix", "sudo -u {0}")).replace("{0}", str(user))
        if not interactive:
            return Elevation("sudo", str(user), prefix, pty=False, password=None, prompt=None)
        return Elevation("sudo", str(user), prefix, pty=True, password=prop(host, "password"),
                         prompt=re.compile(str(prop(host, "sudoPasswordPromptRegex", r".*[Pp]assword.*:"))))
    if kind == "SU":
        user = prop(host, "suUsername")
        if not user:
            raise HostError(f"Host {label} uses connection type SU but has no suUsername.")
        return Elevation("su", str(user), str(prop(host, "suCommandPrefix", "su - {0} -c")).replace("{0}", str(user)),
                         pty=True, password=prop(host, "suPassword"),
                         prompt=re.compile(str(prop(host, "suPasswordPromptRegex", r".*[Pp]assword.*:"))))
    return None


def pty_of(host: dict) -> tuple | None:
    """The pseudo-terminal every command gets (term, columns, rows, width and height in pixels): overthere's
    `allocatePty` (TERM:COLS:ROWS:WIDTH:HEIGHT), else the default one with `allocateDefaultPty`, else none."""
    spec = prop(host, "allocatePty")
    if spec:
        match = PTY_SPEC.match(str(spec).strip())
        if not match:
            raise HostError(f"Host {host_label(host)} has allocatePty {str(spec)!r}, which is not "
                            f"TERM:COLS:ROWS:WIDTH:HEIGHT (e.g. vt220:80:24:0:0).")
        return (match.group(1), *(int(match.group(n)) for n in range(2, 6)))
    return DEFAULT_PTY if str(prop(host, "allocateDefaultPty", "false")).lower() == "true" else None


# --------------------------------------------------------------------------------------------- logging in

def _where(host: dict) -> str:
    return f"host {host_label(host)} ({prop(host, 'address')}:{prop(host, 'port', 22)})"


def _tcp_socket(host: dict, timeout: float):
    address, port = str(prop(host, "address")), int_prop(host, "port", 22)
    where = _where(host)
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
        # Without it each small SSH request waits out delayed ACKs: ~40 ms per command instead of ~5.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    except socket.gaierror:
        raise HostConnectionError(f"Cannot resolve the address {address!r} of host {host_label(host)}.") from None
    except ConnectionRefusedError:
        raise HostConnectionError(f"Connection to {where} was refused: no SSH server is listening on port {port}.") \
            from None
    except (socket.timeout, TimeoutError):
        raise HostConnectionError(f"Timed out after {timeout:g} s connecting to {where}.") from None
    except OSError as error:
        if error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN):
            raise HostConnectionError(f"Cannot reach {where}: {error.strerror}.") from None
        raise HostConnectionError(f"Cannot connect to {where}: {error.strerror or error}.") from None


def _tunnel(host: dict, via: paramiko.Transport, timeout: float, jump_label: str):
    address, port = str(prop(host, "address")), int_prop(host, "port", 22)
    try:
        return via.open_channel("direct-tcpip", (address, port), ("127.0.0.1", 0), timeout=timeout)
    except paramiko.ChannelException as error:
        raise HostConnectionError(f"Jumpstation {jump_label} cannot connect to {_where(host)}: "
                                  f"{error.text or 'connection failed'}.") from None
    except (paramiko.SSHException, OSError, EOFError) as error:
        raise HostConnectionError(f"Jumpstation {jump_label} cannot open a tunnel to {_where(host)}: {error}.") \
            from None


def open_clients(host: dict, depth: int = 0) -> list[paramiko.SSHClient]:
    """Log in to `host`, through its jumpstation chain when it has one; returns the clients, the host's last."""
    label = host_label(host)
    for name in ("address", "username"):
        if not prop(host, name):
            raise HostConnectionError(f"Host {label} has no {name}.")
    timeout = int_prop(host, "connectionTimeoutMillis", DEFAULT_TIMEOUT_MILLIS) / 1000
    pkey = load_private_key(host)
    password = prop(host, "password")
    if pkey is None and password is None:
        raise HostConnectionError(f"Host {label} has neither a password nor a privateKeyFile to log in with.")
    clients: list[paramiko.SSHClient] = []
    jump = host.get("jumpstation")
    try:
        if jump:
            if not isinstance(jump, dict):
                raise HostError(f"The jumpstation {jump} of host {label} must be given with its properties.")
            if depth >= MAX_JUMPS:
                raise HostConnectionError(f"Host {label} is behind more than {MAX_JUMPS} jumpstations (a cycle?).")
            clients = open_clients(jump, depth + 1)
            sock = _tunnel(host, clients[-1].get_transport(), timeout, host_label(jump))
        else:
            sock = _tcp_socket(host, timeout)
        client = paramiko.SSHClient()
        # Host keys are not verified, as XL Deploy's overthere does not verify them by default.
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        try:
            client.connect(str(prop(host, "address")), int_prop(host, "port", 22), str(prop(host, "username")),
                           password=password, pkey=pkey, sock=sock, timeout=timeout, banner_timeout=timeout,
                           auth_timeout=timeout, channel_timeout=timeout, look_for_keys=False, allow_agent=False)
        except Exception:
            client.close()
            sock.close()
            raise
        client.get_transport().set_keepalive(KEEPALIVE_SECONDS)
        clients.append(client)
        return clients
    except paramiko.BadAuthenticationType as error:
        _close_all(clients)
        raise HostConnectionError(f"Authentication failed for user {prop(host, 'username')!r} on {_where(host)}: the "
                                  f"server accepts only {', '.join(error.allowed_types) or 'no methods'}.") from None
    except paramiko.AuthenticationException as error:
        _close_all(clients)
        if "timeout" in str(error).lower():
            raise HostConnectionError(f"Timed out after {timeout:g} s logging in to {_where(host)}.") from None
        used = " and ".join(part for part in (
            "password" if password is not None else "",
            f"private key {prop(host, 'privateKeyFile')}" if pkey is not None else "") if part)
        raise HostConnectionError(f"Authentication failed for user {prop(host, 'username')!r} on {_where(host)} "
                                  f"with the {used}.") from None
    except (paramiko.SSHException, EOFError) as error:
        _close_all(clients)
        text = str(error)
        if "banner" in text.lower() or "no existing session" in text.lower() or isinstance(error, EOFError):
            raise HostConnectionError(f"{_where(host)[0].upper()}{_where(host)[1:]} did not answer as an SSH server "
                                      f"within {timeout:g} s.") from None
        raise HostConnectionError(f"SSH connection to {_where(host)} failed: {text}.") from None
    except (socket.timeout, TimeoutError):
        _close_all(clients)
        raise HostConnectionError(f"Timed out after {timeout:g} s connecting to {_where(host)}.") from None
    except HostError:
        _close_all(clients)
        raise
    except OSError as error:
        _close_all(clients)
        raise HostConnectionError(f"Cannot connect to {_where(host)}: {error.strerror or error}.") from None


def _close_all(clients: list[paramiko.SSHClient]) -> None:
    for client in reversed(clients):
        try:
            client.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass


# --------------------------------------------------------------------------------------------- the connection

class _PromptAnswerer:
    """On a pseudo-terminal, holds back the partial stdout line; when it matches the password prompt, types the
    password once and swallows the prompt (and the blank line the terminal echoes after it). Should a terminal
    echo the password anyway, it is masked in the output."""

    def __init__(self, downstream: Callable[[bytes, bool], None], elevation: Elevation, channel, where: str):
        self.downstream = downstream
        self.elevation = elevation
        self.channel = channel
        self.where = where
        self.partial = b""
        self.answered = False
        self.swallow_blank = False

    def feed(self, data: bytes) -> None:
        self.partial += data
        while b"\n" in self.partial:
            line, self.partial = self.partial.split(b"\n", 1)
            if self.answered and self.elevation.password:
                line = line.replace(self.elevation.password.encode(), b"********")
            if self.swallow_blank and not line.strip():
                self.swallow_blank = False
                continue
            self.swallow_blank = False
            self.downstream(line + b"\n", False)
        text = self.partial.decode("utf-8", "replace").strip()
        if text and self.elevation.prompt.match(text):
            what = self.elevation.kind
            if self.answered:
                raise HostError(f"{what} on {self.where} did not accept the password (it asked again).")
            if self.elevation.password is None:
                raise HostError(f"{what} on {self.where} asks for a password, but the host has no "
                                f"{'suPassword' if what == 'su' else 'password'}.")
            self.channel.sendall((self.elevation.password + "\n").encode())
            self.answered = True
            self.swallow_blank = True
            self.partial = b""

    def flush(self) -> None:
        if self.partial:
            self.downstream(self.partial, False)
            self.partial = b""


class _PidCatcher:
    """Takes the `__deployit_pid__=N [G]` line the command prints first (see `command_line(report_pid=True)`) out
    of its stream, so an abort can kill that process tree; everything else passes through untouched. G, printed
    for a tagged command, is its process group."""

    def __init__(self, downstream: Callable[[bytes, bool], None], on_stderr: bool):
        self.downstream = downstream
        self.on_stderr = on_stderr
        self.pid: int | None = None
        self.group: int | None = None
        self.pending = b""
        self.done = False
        self.lines_seen = 0

    def feed(self, data: bytes, is_stderr: bool) -> None:
        if self.done or is_stderr != self.on_stderr:
            self.downstream(data, is_stderr)
            return
        self.pending += data
        while not self.done and b"\n" in self.pending:
            line, self.pending = self.pending.split(b"\n", 1)
            if line.rstrip(b"\r").startswith(PID_MARK):
                numbers = line.rstrip(b"\r")[len(PID_MARK):].split()
                try:
                    self.pid = int(numbers[0])
                    self.group = int(numbers[1]) if len(numbers) > 1 else None
                except (ValueError, IndexError):
                    pass
                self.done = True
            else:
                self.downstream(line + b"\n", is_stderr)
                self.lines_seen += 1
                self.done = self.lines_seen > 50  # lines a sudo lecture or su may print first
        if self.done and self.pending:
            rest, self.pending = self.pending, b""
            self.downstream(rest, is_stderr)

    def flush(self) -> None:
        if self.pending:
            self.downstream(self.pending, self.on_stderr)
            self.pending = b""


class SshConnection(Connection):
    protocol = "ssh"

    def __init__(self, host: dict, cancel=None, processes=None):
        super().__init__(host, cancel, processes)
        self.connection_type = str(prop(host, "connectionType", "SFTP")).upper()
        if self.connection_type not in CONNECTION_TYPES:
            raise HostNotSupported(f"Host {self.host_id} has connection type {self.connection_type}, which is not one "
                                   f"of {', '.join(sorted(CONNECTION_TYPES))}.")
        self.elevation = elevation_of(host)
        if self.windows and (self.elevation or self.connection_type == "SCP"):
            raise HostNotSupported(f"Host {self.host_id} runs Windows, where only the SFTP connection types work.")
        self.where = _where(host)
        self.timeout = int_prop(host, "connectionTimeoutMillis", DEFAULT_TIMEOUT_MILLIS) / 1000
        self.pty = pty_of(host)
        self._clients = open_clients(host)
        self.transport = self._clients[-1].get_transport()
        self._login_files = None
        self._files = None
        self._transfer_dir = None

    # ----------------------------------------------------------------------------------------- command lines

    def command_line(self, command: str | list[str], cwd: str | None = None, env: dict | None = None,
                     elevate: bool = True, report_pid: bool = False, tag: str | None = None) -> str:
        """The exact line sent to the SSH server for `command` (public so tests and previews can show it).
        With `report_pid` the shell first prints its process id (on stderr) so that an abort can kill the
        command's process tree with a second command, whatever sudo, su or sshd do with signals. A `tag` (of a
        recorded command) goes into the command's environment, and its process group is printed with the pid."""
        if self.windows:
            return self._windows_line(command, cwd, env)
        script = command if isinstance(command, str) else " ".join(shlex.quote(str(arg)) for arg in command)
        prelude = []
        if tag is not None:
            prelude = [f"printf '{PID_MARK.decode()}%s %s\\n' $$ \"$(ps -o pgid= -p $$ 2>/dev/null)\" >&2",
                       f"export {TAG_VARIABLE}={tag}"]
        elif report_pid:
            prelude = [f"printf '{PID_MARK.decode()}%s\\n' $$ >&2"]
        for name, value in (env or {}).items():
            if not ENV_NAME.match(str(name)):
                raise HostError(f"{name!r} is not a valid environment variable name for a command on host "
                                f"{self.host_id}.")
            prelude.append(f"export {name}={shlex.quote(str(value))}")
        if cwd:
            prelude.append(f"cd {shlex.quote(cwd)} || exit 2")
        if prelude:
            script = "; ".join(prelude) + "\n" + script
        if elevate and self.elevation is not None:
            return self.elevation.wrap(script)
        # Plain commands go to the login shell as they are, as overthere sends them; a prelude needs a POSIX shell.
        return f"/bin/sh -c {shlex.quote(script)}" if prelude else script

    @staticmethod
    def _windows_line(command, cwd, env) -> str:
        line = command if isinstance(command, str) else subprocess.list2cmdline([str(arg) for arg in command])
        prelude = "".join(f'set "{name}={value}" && ' for name, value in (env or {}).items())
        if cwd:
            prelude += f'cd /d "{cwd}" && '
        return prelude + line

    # ----------------------------------------------------------------------------------------- running

    def execute(self, command, output: OutputHandler | None = None, cwd=None, env=None, timeout=None,
                cancel=None) -> int:
        cancel = self.cancel if cancel is None else cancel
        tag = secrets.token_hex(8) if self.processes is not None and not self.windows else None
        stoppable = (timeout is not None or cancel is not None or tag is not None) and not self.windows
        line = self.command_line(command, cwd, env, report_pid=stoppable, tag=tag)
        streams = {False: LineSplitter(output, False), True: LineSplitter(output, True)}
        pty = bool(self.elevation and self.elevation.pty) or self.pty is not None
        recorded = []

        def record(pid: int, group: int | None) -> None:
            self.processes.started(self, group or pid, tag)
            recorded.append(tag)

        try:
            return self.run_channel(line, lambda data, is_stderr: streams[is_stderr].feed(data), timeout=timeout,
                                    cancel=cancel, pty=pty, elevated=self.elevation is not None,
                                    report_pid=stoppable, on_pid=record if tag is not None else None)
        finally:
            streams[False].flush()
            streams[True].flush()
            if recorded:
                self.processes.ended(tag)

    def capture(self, script: str, elevated: bool, stdin: BinaryIO | None = None) -> tuple[int, bytes, bytes]:
        """Run a POSIX shell snippet (as the sudo/su user when `elevated`) and collect its output as bytes."""
        chunks: dict[bool, list[bytes]] = {False: [], True: []}
        elevated = elevated and self.elevation is not None
        line = self.elevation.wrap(script) if elevated else f"/bin/sh -c {shlex.quote(script)}"
        pty = elevated and self.elevation.pty
        code = self.run_channel(line, lambda data, is_stderr: chunks[is_stderr].append(data), stdin=stdin, pty=pty,
                                elevated=elevated, cancel=self.cancel)
        return code, b"".join(chunks[False]), b"".join(chunks[True])

    def _open_session(self):
        try:
            return self.transport.open_session(timeout=self.timeout)
        except (paramiko.SSHException, EOFError, OSError) as error:
            raise HostError(f"Cannot open an SSH session on {self.where}: {error or 'the connection was closed'}.") \
                from None

    def run_channel(self, line: str, on_data: Callable[[bytes, bool], None], timeout: float | None = None,
                    cancel=None, stdin: BinaryIO | None = None, pty: bool = False, elevated: bool = False,
                    report_pid: bool = False, on_pid: Callable[[int, int | None], None] | None = None) -> int:
        """Run `line` on a new channel, passing output bytes to `on_data` as they arrive; returns the exit code
        (-1 when the command was killed by a signal). `report_pid`: the line prints its pid first (see
        `command_line`), which is taken out of the output and used to kill the command on abort or timeout;
        `on_pid(pid, process group)` is called with it while the command still runs."""
        if self.closed:
            raise HostError(f"The connection to {self.where} is closed.")
        if cancel is not None and cancel.is_set():
            raise CommandAborted(f"The command on host {self.host_id} was aborted before it started.")
        channel = self._open_session()
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            if pty:
                term, columns, rows, width, height = self.pty or DEFAULT_PTY
                channel.get_pty(term=term, width=columns, height=rows, width_pixels=width, height_pixels=height)
            channel.exec_command(line)
            sink = on_data
            catcher = answerer = None
            if report_pid:
                catcher = _PidCatcher(on_data, on_stderr=not pty)
                sink = catcher.feed
            if pty and elevated and self.elevation and self.elevation.prompt is not None:
                answerer = _PromptAnswerer(sink, self.elevation, channel, self.where)
                downstream = sink

                def sink(data: bytes, is_stderr: bool) -> None:
                    answerer.feed(data) if not is_stderr else downstream(data, True)

            def stop() -> None:
                self._check_stop(channel, timeout, deadline, cancel, pty, elevated, catcher, sink)

            def announce() -> None:
                nonlocal on_pid
                if on_pid is not None and catcher is not None and catcher.pid is not None:
                    report, on_pid = on_pid, None
                    try:
                        report(catcher.pid, catcher.group)
                    except BaseException:
                        self._interrupt(channel, pty, catcher.pid, elevated)  # unrecorded, it must not run on
                        raise

            if stdin is not None:
                while True:
                    stop()
                    block = stdin.read(256 * 1024)
                    if not block:
                        break
                    channel.sendall(block)
                    self._drain(channel, sink)
                    announce()
            if not pty:
                channel.shutdown_write()
            quiet_since = None
            while True:
                stop()
                select.select([channel], [], [], 0.05)
                got = self._drain(channel, sink)
                if channel.closed or (channel.exit_status_ready() and channel.eof_received):
                    self._drain(channel, sink)
                    break
                if channel.exit_status_ready():
                    # sshd may send the exit status before the rest of the output: read on until EOF, or
                    # until the output stays quiet (a background child may hold it open long after).
                    quiet_since = None if got else (quiet_since or time.monotonic())
                    if quiet_since is not None and time.monotonic() - quiet_since > OUTPUT_QUIET_SECONDS:
                        break
                announce()
            if answerer is not None:
                answerer.flush()
            if catcher is not None:
                catcher.flush()
            return channel.recv_exit_status() if channel.exit_status_ready() else -1
        except (paramiko.SSHException, EOFError, OSError) as error:
            raise HostError(f"The SSH connection to {self.where} failed while running a command: {error}.") from None
        finally:
            channel.close()

    @staticmethod
    def _drain(channel, sink) -> bool:
        """Pass on the output that has arrived; whether there was any."""
        got = False
        while channel.recv_ready():
            sink(channel.recv(65536), False)
            got = True
        while channel.recv_stderr_ready():
            sink(channel.recv_stderr(65536), True)
            got = True
        return got

    def _check_stop(self, channel, timeout, deadline, cancel, pty, elevated, catcher, sink) -> None:
        if cancel is not None and cancel.is_set():
            self._interrupt(channel, pty, self._await_pid(channel, catcher, sink), elevated)
            raise CommandAborted(f"The command on host {self.host_id} was aborted and has been killed.")
        if deadline is not None and time.monotonic() > deadline:
            self._interrupt(channel, pty, self._await_pid(channel, catcher, sink), elevated)
            raise CommandTimedOut(f"The command on host {self.host_id} did not finish within {timeout:g} s and has "
                                  "been killed.")

    def _await_pid(self, channel, catcher: _PidCatcher | None, sink, seconds: float = 3.0) -> int | None:
        """The pid the command reports first; when stopped right after it started, wait (a little) for it."""
        if catcher is None:
            return None
        stop_at = time.monotonic() + seconds
        try:
            while catcher.pid is None and time.monotonic() < stop_at and not (channel.exit_status_ready()
                                                                              or channel.closed):
                select.select([channel], [], [], 0.05)
                self._drain(channel, sink)
        except Exception:  # noqa: BLE001 - e.g. a rejected password: kill with what we have
            pass
        return catcher.pid

    def _interrupt(self, channel, pty: bool, pid: int | None, elevated: bool) -> None:
        """Kill the remote command, SIGTERM first and SIGKILL after a grace, then close the channel.

        With the pid the command reported, a second command run as the same user kills its whole process tree:
        that works whatever sudo, su and sshd do with signals. Without it, an RFC 4254 "signal" request (OpenSSH
        7.9+ honours it for non-root logins) and Ctrl-C on a terminal are what is left. In-band requests are
        only sent while the channel is open: OpenSSH drops the connection on a request for a freed channel."""
        finished = lambda: channel.exit_status_ready() or channel.closed  # noqa: E731
        for signal_name in ("TERM", "KILL"):
            if finished():
                break
            if pid is not None:
                self._kill_tree(pid, signal_name, elevated)
            else:
                try:
                    message = Message()
                    message.add_byte(cMSG_CHANNEL_REQUEST)
                    message.add_int(channel.remote_chanid)
                    message.add_string("signal")
                    message.add_boolean(False)
                    message.add_string(signal_name)
                    channel.transport._send_user_message(message)  # paramiko has no public call for this request
                    if pty and signal_name == "TERM":
                        channel.sendall(b"\x03")
                except Exception:  # noqa: BLE001 - the channel may already be gone
                    pass
            stop_at = time.monotonic() + KILL_GRACE_SECONDS
            while time.monotonic() < stop_at and not finished():
                time.sleep(0.05)
        channel.close()

    def _kill_tree(self, pid: int, signal_name: str, elevated: bool) -> None:
        script = KILL_TREE.replace("SIGNAL", signal_name).replace("PID", str(int(pid)))
        line = self.elevation.wrap(script) if elevated and self.elevation else f"/bin/sh -c {shlex.quote(script)}"
        pty = bool(elevated and self.elevation and self.elevation.pty)
        try:
            self.run_channel(line, lambda data, is_stderr: None, timeout=10, pty=pty, elevated=elevated)
        except Exception:  # noqa: BLE001 - the other measures still apply
            pass

    # ----------------------------------------------------------------------------------------- files

    def login_files(self):
        """File access as the login user: SFTP, or exec channels for SCP and when SFTP is not available."""
        if self._login_files is None:
            from server.engine.hosts.sshfiles import SftpFiles, ShellFiles
            if self.connection_type == "SCP":
                self._login_files = ShellFiles(self, elevated=False)
            else:
                try:
                    sftp = self._clients[-1].open_sftp()
                except (paramiko.SSHException, EOFError, OSError) as error:
                    if self.windows:
                        raise HostError(f"Cannot open SFTP on {self.where}: {error}.") from None
                    self._login_files = ShellFiles(self, elevated=False)
                else:
                    self._login_files = SftpFiles(self, sftp, self.connection_type)
        return self._login_files

    def files(self):
        if self._files is None:
            if self.elevation is None:
                self._files = self.login_files()
            else:
                from server.engine.hosts.sshfiles import ShellFiles
                # Without a terminal, bytes pass straight through sudo's stdin/stdout. With one (the password
                # prompt needs it) they go through a transfer folder of the login user instead.
                self._files = ShellFiles(self, elevated=True, staged=self.elevation.pty)
        return self._files

    def transfer_dir(self) -> str:
        """The login user's folder for handing files to and from the sudo/su user: mode 1733, so that user can
        create files in it and read the (0644) files put there, but nobody else can list it."""
        if self._transfer_dir is None:
            files = self.login_files()
            files.mkdirs(self.temp_base)
            for _ in range(20):
                path = self.path_join(self.temp_base, f"deployit-transfer-{secrets.token_hex(6)}")
                if files.mkdir_new(path):
                    files.chmod(path, 0o1733)
                    self._transfer_dir = path
                    break
            else:
                raise HostError(f"Cannot create a transfer folder under {self.temp_base} on {self.where}.")
        return self._transfer_dir

    def _on_files(self, operation: str, *args):
        """Call a file operation, turning a dropped connection (raw paramiko/socket errors) into a HostError."""
        if self.closed:
            raise HostError(f"The connection to {self.where} is closed.")
        try:
            return getattr(self.files(), operation)(*args)
        except (HostError, CommandAborted):
            raise
        except (paramiko.SSHException, EOFError, OSError) as error:
            raise HostError(f"The SSH connection to {self.where} failed during a file operation: "
                            f"{error or type(error).__name__}.") from None

    def _put(self, source, remote_path, mode):
        self._on_files("put", source, remote_path, mode)

    def read_bytes(self, remote_path):
        return self._on_files("get", remote_path)

    def exists(self, remote_path):
        return self._on_files("exists", remote_path)

    def is_dir(self, remote_path):
        return self._on_files("is_dir", remote_path)

    def mkdirs(self, remote_path):
        self._on_files("mkdirs", remote_path)

    def _mkdir_new(self, remote_path):
        return self._on_files("mkdir_new", remote_path)

    def delete(self, remote_path, recursive=False):
        return self._on_files("delete", remote_path, recursive)

    def list_dir(self, remote_path):
        return self._on_files("list_dir", remote_path)

    def chmod(self, remote_path, mode):
        self._on_files("chmod", remote_path, mode)

    def upload_tree(self, local_dir, remote_dir):
        if not hasattr(self.files(), "put_tree"):
            return super().upload_tree(local_dir, remote_dir)
        if not os.path.isdir(local_dir):
            raise HostError(f"Cannot upload {local_dir} to host {self.host_id}: it is not a folder.")
        self._on_files("put_tree", local_dir, remote_dir)

    # ----------------------------------------------------------------------------------------- closing

    def _clean_up(self) -> None:
        if self._transfer_dir is not None and self._login_files is not None:
            try:
                self._login_files.delete(self._transfer_dir, recursive=True)
            except Exception:  # noqa: BLE001 - cleanup is best effort
                pass

    def _disconnect(self) -> None:
        try:
            if self._login_files is not None:
                self._login_files.close()
        finally:
            _close_all(self._clients)
