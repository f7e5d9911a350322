"""Connections to the hosts steps run on: `overthere.LocalHost` (subprocesses) and `overthere.SshHost` (paramiko).

Opening
    `connect(host, cancel=None) -> Connection`, where `host` is the CI as a dict: `{"id", "type", ...}` with its
    effective properties (defaults filled in, passwords in clear; a `jumpstation` given as such a dict too). The
    hidden `protocol` property picks the implementation (`local`, `ssh`; `cifs` raises HostNotSupported), falling
    back on the type name. `cancel` (a threading.Event, e.g. the task's abort signal) is the default `cancel` of
    every `execute` and is also checked between blocks of file transfers. Use the connection as a context
    manager (or call `close()`): closing removes the temporary folders it made and disconnects.
    Attributes: `host` (the dict), `host_id`, `protocol` (`local`/`ssh`), `os` (`UNIX`, `WINDOWS`, `ZOS`),
    `windows`, `sep`, `temp_base`. `check_connection(host, output)` is the hosts' checkConnection control task.

Commands
    `execute(command, output=None, cwd=None, env=None, timeout=None, cancel=None) -> int`
    - `command`: a string is a shell command line (`/bin/sh -c` locally; over SSH it goes to the login shell as
      is, or to `/bin/sh -c` when `cwd`/`env`/sudo/su decorate it); a list is a program and its arguments (run
      without a shell locally, quoted word by word over SSH).
    - `output(line, is_stderr)` is called in the caller's thread for each line as it arrives (line ends
      stripped, UTF-8 with replacement). Lines of the two streams are interleaved in arrival order.
    - stdin is at end of file (except on a pseudo-terminal: SU, INTERACTIVE_SUDO, `allocatePty`, where
      it stays open, so a command that reads it waits for its timeout).
    - `env` adds to the command's inherited environment; `cwd` is the folder to run in (a missing one makes the
      command fail with exit code 2 and a message on stderr, like `cd`).
    - Returns the exit code; negative when killed by a signal (-N locally, -1 over SSH).
    - `cancel` (a `threading.Event`, checked at least ten times a second): when set, the command is killed and
      `CommandAborted` is raised. `timeout` (seconds): the command is killed and `CommandTimedOut` is raised.
      Killing means SIGTERM to the command's process group locally. Over SSH the command line first prints
      the shell's pid (taken out of the output again) and a second command, run as the same user, sends
      SIGTERM to that process tree; that works for root logins and through sudo/su, which an RFC 4254
      "signal" request (the fallback) does not. SIGKILL follows two seconds later, then the channel closes.
    - A command that exits while a background child keeps its output open is done at once over SSH (sshd
      reports the exit) and one second after its exit locally.
    `run(...)` is `execute` returning a `CommandResult(exit_code, stdout, stderr)` with the collected lines.
    Recorded commands (a connection opened with `processes`, as every step's is): each command gets a random tag
    in its environment (`DEPLOYIT_STEP_PROCESS`, inherited by its children) and `processes.started(conn,
    process_group, tag)` is called once it runs (locally at once: the command leads its own process group; over
    SSH when the shell has printed its pid and group), `processes.ended(tag)` when it has finished.
    `end_process_group(group, tag)` ends what is left of such a command after the server that ran it died:
    SIGTERM to the group, SIGKILL two seconds later, run as the same user (sudo/su included); only when a
    process of the group carries the tag where /proc shows it (so a reused group number is left alone).

Files (paths are the host's own; `path_join` joins them with the separator of the host's `os`)
    `upload(local_path, remote_path, mode=None)` one file (folder must exist; mode 0755 when the local file is
    executable, else 0644, unless given), `upload_tree(local_dir, remote_dir)` a folder's contents (remote
    folder created, merged with what is there), `write_bytes/write_text(path, data, mode=None)`,
    `read_bytes/read_text(path)` (RemotePathNotFound when missing), `exists`, `is_dir`, `mkdirs` (with parents,
    fine when present), `delete(path, recursive=False)` (returns False when nothing was there, so re-running a
    step is harmless), `list_dir(path)` (sorted names), `chmod(path, mode)`.
    `temp_dir()`: a new private folder (`deployit-<random>`) under the host's `temporaryDirectoryPath`
    (default: the server's temp folder locally, `/tmp` over SSH, `C:\\windows\\temp` for Windows hosts),
    removed with its contents at `close()` (kept when the host's hidden `tmpDeleteOnDisconnect` is false).

SSH specifics
    - Log-in: `address`, `port`, `username`, then the `privateKeyFile` (OpenSSH or PEM; Ed25519, ECDSA, RSA;
      decrypted with `passphrase`) and/or the `password`. No SSH agent, no ~/.ssh keys of the server's user.
      `connectionTimeoutMillis` bounds the TCP connect, the banner and the authentication (opening is not
      interrupted by `cancel`; the type's default is overthere's 20 minutes).
    - Host keys are accepted without checking (paramiko's AutoAddPolicy, in memory only), as XL Deploy's
      overthere does by default.
    - `jumpstation`: the connection is tunnelled (direct-tcpip) through the jumpstation's own SSH connection.
    - Connection types: SFTP (and SFTP_CYGWIN / SFTP_WINSSHD, which translate `C:\\dir` paths for those
      servers) move files over SFTP, falling back to commands when the server has no SFTP subsystem; SCP moves
      them through commands on exec channels (`cat > file`, `cat file`, `tar -x` for folders).
    - SUDO / INTERACTIVE_SUDO (needs `sudoUsername`) and SU (needs `suUsername`): every command *and every file
      operation* runs as that user: the command line becomes `sudo -u <user> /bin/sh -c '<command>'` (the
      hidden `sudoCommandPrefix`, `{0}` = the user) or `su - <user> -c '<command>'` (`suCommandPrefix`).
      With SUDO (no password expected, no terminal), file bytes are piped through sudo (`cat`, `tar`).
      INTERACTIVE_SUDO and SU run on a pseudo-terminal, watch the output for the password prompt
      (`sudoPasswordPromptRegex` / `suPasswordPromptRegex`) and type `password` / `suPassword` once (a second
      prompt fails the command: wrong password). Because a terminal would mangle bytes, files reach the other
      user through a transfer folder of the login user under the temp base, mode 1733 (the other user can
      create files in it and read the 0644 files put there; nobody else can list it): written there over SFTP
      (or `cat` when the server has none) and copied into place with `cp` as the other user, and read back the other way. The folder goes at close.
      A `sudoUsername` with connection type SFTP or SCP is ignored, as in overthere.
    - `allocatePty` (TERM:COLS:ROWS:WIDTH:HEIGHT, e.g. vt220:80:24:0:0) runs every command on that pseudo-terminal,
      `allocateDefaultPty` on a dumb one 4096 columns wide (stderr then arrives merged into stdout). Without
      either, only INTERACTIVE_SUDO and SU commands get one (allocatePty's when set).
    - `command_line(command, cwd, env)` shows the exact line that would be sent.

Errors (all in `errors`): HostConnectionError (refused, unreachable, timed out, authentication failed,
unreadable or invalid key file, encrypted key without passphrase, wrong passphrase: one sentence naming the host
id and address), HostNotSupported, RemotePathNotFound, HostError (other file or command failures, with the
host's own error text), CommandTimedOut (a HostError) and CommandAborted (deliberately not a HostError).

Connections are not thread-safe: each step opens its own.
"""

from __future__ import annotations

from server.engine.hosts.base import CommandResult, Connection, OutputHandler, prop
from server.engine.hosts.errors import (CommandAborted, CommandTimedOut, HostConnectionError, HostError,
                                        HostNotSupported, RemotePathNotFound)

__all__ = ["connect", "protocol_of", "check_connection", "Connection", "CommandResult", "OutputHandler",
           "HostError", "HostConnectionError", "HostNotSupported", "RemotePathNotFound", "CommandTimedOut",
           "CommandAborted"]

_PROTOCOL_BY_TYPE = {
    "overthere.LocalHost": "local",
    "overthere.SshHost": "ssh",
    "overthere.AixSshHost": "ssh",
    "overthere.SshJumpstation": "ssh",
    "overthere.CifsHost": "cifs",
    "overthere.SmbHost": "cifs",
}


def protocol_of(host: dict) -> str:
    """`local`, `ssh`, `cifs`...: the host's `protocol` property, else what its type name says."""
    protocol = prop(host, "protocol")
    if protocol:
        protocol = str(protocol).lower()
        return "ssh" if protocol == "ssh-jumpstation" else protocol
    type_name = str(host.get("type") or "")
    if type_name in _PROTOCOL_BY_TYPE:
        return _PROTOCOL_BY_TYPE[type_name]
    for suffix, protocol in (("LocalHost", "local"), ("SshHost", "ssh"), ("CifsHost", "cifs"), ("SmbHost", "cifs")):
        if type_name.endswith(suffix):
            return protocol
    return ""


def connect(host: dict, cancel=None, processes=None) -> Connection:
    """Open a connection to the host CI given as a dict of its effective properties. `cancel` (a
    threading.Event, typically the task's abort signal) becomes the default for every `execute` and also stops
    file transfers between blocks. `processes` is told about every command `execute` runs (see the docstring)."""
    protocol = protocol_of(host)
    label = host.get("id") or "(unnamed host)"
    if protocol == "local":
        from server.engine.hosts.local import LocalConnection
        return LocalConnection(host, cancel, processes)
    if protocol == "ssh":
        from server.engine.hosts.ssh import SshConnection
        return SshConnection(host, cancel, processes)
    if protocol in ("cifs", "smb"):
        raise HostNotSupported(f"Host {label} is a {host.get('type') or 'CIFS host'} (Windows over CIFS/SMB and WinRM), which this server "
                               "does not support; reach Windows hosts with an overthere.SshHost instead.")
    raise HostNotSupported(f"Host {label} of type {host.get('type') or '?'} has no known connection protocol "
                           f"({protocol or 'none'}); expected local or ssh.")


def check_connection(host: dict, output: OutputHandler | None = None) -> None:
    """The `checkConnection` control task: connect, write and read back a temporary file, run a trivial command.
    Raises a HostError naming what failed; reports progress through `output`."""
    say = output or (lambda line, is_stderr: None)
    with connect(host) as conn:
        say(f"Connected to {conn.host_id} ({conn.protocol}).", False)
        folder = conn.temp_dir()
        probe = conn.path_join(folder, "deployit-check.txt")
        conn.write_text(probe, "deployit connection check\n")
        if conn.read_text(probe) != "deployit connection check\n":
            raise HostError(f"A file written to {probe} on host {conn.host_id} read back differently.")
        say(f"Wrote and read back {probe}.", False)
        code = conn.execute("echo deployit connection check", say)
        if code != 0:
            raise HostError(f"A trivial command on host {conn.host_id} exited with code {code}.")
        say("Ran a command.", False)
