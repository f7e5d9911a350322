"""The `Connection` contract shared by local and SSH hosts, and the helpers both implementations use."""

from __future__ import annotations

import io
import ntpath
import os
import posixpath
import re
import secrets
import stat
import tarfile
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterable

from server.engine.hosts.errors import CommandAborted, HostError

OutputHandler = Callable[[str, bool], None]
"""Receives each output line (without its line end) and whether it came from stderr."""

DEFAULT_TEMP_DIRS = {"UNIX": "/tmp", "ZOS": "/tmp", "WINDOWS": "C:\\windows\\temp"}
KILL_GRACE_SECONDS = 2.0
"""How long an aborted or timed-out command gets between SIGTERM and SIGKILL (or the channel being closed)."""
DRAIN_GRACE_SECONDS = 1.0
"""After a command exits, how long we keep reading output that a background child may hold open."""
TAG_VARIABLE = "DEPLOYIT_STEP_PROCESS"
"""Environment variable carrying a recorded command's random tag: its processes, children included, inherit it."""
# Ends process group GROUP when one of its processes carries the tag (checked where /proc shows environments, so a
# reused group number is left alone): SIGTERM, then SIGKILL after two seconds. Exit code 3: nothing of it was left;
# 4: no ps to tell.
# POSIX sh, ps and awk; `kill -SIG -N` signals group N in dash, bash and ksh alike.
END_GROUP = ("command -v ps >/dev/null || { echo 'there is no ps command to find the processes with' >&2; exit 4; }; "
             "g=@GROUP@; tag=" + TAG_VARIABLE + "=@TAG@; "
             "members() { ps -eo pid=,pgid= | awk -v g=\"$g\" '$2==g {print $1}'; }; "
             "ours() { [ -r /proc/self/environ ] || return 0; for p in $(members); do "
             "tr '\\000' '\\n' < /proc/$p/environ 2>/dev/null | grep -qx \"$tag\" && return 0; done; return 1; }; "
             "[ -n \"$(members)\" ] && ours || exit 3; "
             "kill -TERM -\"$g\" 2>/dev/null; n=0; "
             "while [ -n \"$(members)\" ] && [ $n -lt 20 ]; do sleep 0.1 2>/dev/null || sleep 1; n=$((n+1)); done; "
             "kill -KILL -\"$g\" 2>/dev/null; exit 0")


def prop(host: dict, name: str, default=None):
    """A host property, with `default` for a missing, None or empty value."""
    value = host.get(name)
    return default if value is None or value == "" else value


def int_prop(host: dict, name: str, default: int) -> int:
    value = prop(host, name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise HostError(f"Property {name} of host {host_label(host)} must be a whole number, not {value!r}.") from None


def host_label(host: dict) -> str:
    return str(host.get("id") or "(unnamed host)")


class LineSplitter:
    """Turns a byte stream into text lines for an OutputHandler; decodes UTF-8 per whole line, so split
    multi-byte characters survive, and drops the line end (`\\n`, `\\r\\n`)."""

    def __init__(self, handler: OutputHandler | None, is_stderr: bool):
        self.handler = handler
        self.is_stderr = is_stderr
        self.pending = b""

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self.pending += data
        *lines, self.pending = self.pending.split(b"\n")
        for line in lines:
            self._emit(line)

    def flush(self) -> None:
        if self.pending:
            line, self.pending = self.pending, b""
            self._emit(line)

    def _emit(self, line: bytes) -> None:
        if self.handler is not None:
            self.handler(line.rstrip(b"\r").decode("utf-8", "replace"), self.is_stderr)


@dataclass
class CommandResult:
    """The outcome of `Connection.run`: exit code and the output lines of each stream."""

    exit_code: int
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "\n".join(self.stdout)

    @property
    def errors(self) -> str:
        return "\n".join(self.stderr)


def upload_mode(local_path: str) -> int:
    """Mode given to an uploaded file when the caller names none: 0755 when the local file is executable by its
    owner, else 0644 (never the local file's own mode, which may be private to the server)."""
    return 0o755 if os.stat(local_path).st_mode & stat.S_IXUSR else 0o644


def tar_of_tree(local_dir: str) -> BinaryIO:
    """A tar stream (spooled to disk past 16 MB) of the contents of `local_dir`, following symbolic links."""
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    with tarfile.open(fileobj=spool, mode="w", dereference=True, format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(os.listdir(local_dir)):
            tar.add(os.path.join(local_dir, name), arcname=name, filter=_plain_member)
    spool.seek(0)
    return spool


def _plain_member(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if info.isdir():
        info.mode = 0o755
    else:
        info.mode = 0o755 if info.mode & stat.S_IXUSR else 0o644
    return info


class Connection(ABC):
    """An open connection to one host. Use it as a context manager; `close()` removes its temporary folders.

    Not meant to be shared between threads: a step opens its own connection (opening one is cheap locally and a
    single SSH handshake remotely).
    """

    protocol = "?"

    def __init__(self, host: dict, cancel=None, processes=None):
        self.host = host
        self.cancel = cancel
        """Default `cancel` event for `execute`, and checked between blocks of file transfers."""
        self.processes = processes
        """Told about each command `execute` runs: `started(conn, process_group, tag)` once its process group is
        known, `ended(tag)` when it has finished (see server/engine/leftovers.py)."""
        self.host_id = host_label(host)
        self.os = str(prop(host, "os", "UNIX")).upper()
        self.windows = self.os == "WINDOWS"
        self._paths = ntpath if self.windows else posixpath
        self._temp_dirs: list[str] = []
        self.closed = False

    # ----------------------------------------------------------------------------------------- paths

    @property
    def sep(self) -> str:
        return "\\" if self.windows else "/"

    def path_join(self, *parts: str) -> str:
        """Join path parts with the separator of the host's `os` (`\\` on WINDOWS, `/` otherwise)."""
        return self._paths.join(*parts)

    def path_parent(self, path: str) -> str:
        return self._paths.dirname(path.rstrip(self.sep) or path)

    def path_name(self, path: str) -> str:
        return self._paths.basename(path.rstrip(self.sep) or path)

    @property
    def temp_base(self) -> str:
        """The folder temporary folders are made in: the host's `temporaryDirectoryPath`, else the OS default."""
        return str(prop(self.host, "temporaryDirectoryPath", DEFAULT_TEMP_DIRS.get(self.os, "/tmp")))

    def check_cancel(self) -> None:
        """Raise CommandAborted when the connection's cancel event is set (between blocks of long transfers)."""
        if self.cancel is not None and self.cancel.is_set():
            raise CommandAborted(f"Work on host {self.host_id} was aborted.")

    # ----------------------------------------------------------------------------------------- commands

    @abstractmethod
    def execute(self, command: str | list[str], output: OutputHandler | None = None, cwd: str | None = None,
                env: dict[str, str] | None = None, timeout: float | None = None, cancel=None) -> int:
        """Run `command` and return its exit code; see the package docstring for the full contract."""

    def run(self, command: str | list[str], cwd: str | None = None, env: dict[str, str] | None = None,
            timeout: float | None = None, cancel=None) -> CommandResult:
        """`execute` that collects the output lines instead of streaming them."""
        result = CommandResult(0)

        def collect(line: str, is_stderr: bool) -> None:
            (result.stderr if is_stderr else result.stdout).append(line)

        result.exit_code = self.execute(command, collect, cwd=cwd, env=env, timeout=timeout, cancel=cancel)
        return result

    def end_process_group(self, process_group: int, tag: str) -> bool:
        """End what is left of a recorded command (SIGTERM, SIGKILL after a grace); False when nothing was left.
        Raises HostError when that cannot be done."""
        if not re.fullmatch(r"[0-9a-f]{1,32}", tag):
            raise HostError(f"{tag!r} is not the tag of a recorded command.")
        script = END_GROUP.replace("@GROUP@", str(int(process_group))).replace("@TAG@", tag)
        result = self.run(["/bin/sh", "-c", script], timeout=30)
        if result.exit_code not in (0, 3):
            raise HostError(f"Cannot end process group {process_group} on host {self.host_id}: "
                            f"{result.errors or result.output or f'exit code {result.exit_code}'}.")
        return result.exit_code == 0

    # ----------------------------------------------------------------------------------------- files

    @abstractmethod
    def _put(self, source: BinaryIO, remote_path: str, mode: int | None) -> None:
        """Write the stream to `remote_path` (created or replaced); chmod to `mode` when given."""

    @abstractmethod
    def read_bytes(self, remote_path: str) -> bytes:
        """The content of a file; RemotePathNotFound when it does not exist."""

    @abstractmethod
    def exists(self, remote_path: str) -> bool:
        """Whether a file, folder or (even dangling) symbolic link is at `remote_path`."""

    @abstractmethod
    def is_dir(self, remote_path: str) -> bool:
        """Whether `remote_path` is a folder (or a link to one)."""

    @abstractmethod
    def mkdirs(self, remote_path: str) -> None:
        """Create the folder and any missing parents; nothing happens when it exists."""

    @abstractmethod
    def _mkdir_new(self, remote_path: str) -> bool:
        """Create exactly this folder, private to the connecting user; False when something already is there."""

    @abstractmethod
    def delete(self, remote_path: str, recursive: bool = False) -> bool:
        """Remove a file, link or folder (a non-empty folder only with `recursive`). Returns False when nothing
        was there, so steps can be re-run after a failure."""

    @abstractmethod
    def list_dir(self, remote_path: str) -> list[str]:
        """The names (not paths) in a folder, sorted, without `.` and `..`."""

    @abstractmethod
    def chmod(self, remote_path: str, mode: int) -> None:
        """Set the permission bits (ignored where the host has none, e.g. Windows)."""

    def write_bytes(self, remote_path: str, data: bytes, mode: int | None = None) -> None:
        self._put(io.BytesIO(data), remote_path, mode)

    def write_text(self, remote_path: str, text: str, mode: int | None = None, encoding: str = "utf-8") -> None:
        self.write_bytes(remote_path, text.encode(encoding), mode)

    def read_text(self, remote_path: str, encoding: str = "utf-8") -> str:
        return self.read_bytes(remote_path).decode(encoding)

    def upload(self, local_path: str, remote_path: str, mode: int | None = None) -> None:
        """Copy a local file to `remote_path` (its folder must exist). Without `mode` the file gets 0755 when the
        local file is executable, else 0644."""
        if not os.path.isfile(local_path):
            raise HostError(f"Cannot upload {local_path} to host {self.host_id}: it is not a readable file.")
        with open(local_path, "rb") as source:
            self._put(source, remote_path, upload_mode(local_path) if mode is None else mode)

    def upload_tree(self, local_dir: str, remote_dir: str) -> None:
        """Copy the contents of a local folder into `remote_dir` (created with its parents when missing), merging
        with what is there. Folders get 0755, files 0644 or 0755 as with `upload`; symbolic links are followed."""
        if not os.path.isdir(local_dir):
            raise HostError(f"Cannot upload {local_dir} to host {self.host_id}: it is not a folder.")
        self.mkdirs(remote_dir)
        for folder, dirs, files in os.walk(local_dir, followlinks=True):
            dirs.sort()
            relative = os.path.relpath(folder, local_dir)
            target = remote_dir if relative == "." else self.path_join(remote_dir, *relative.split(os.sep))
            if relative != ".":
                self.mkdirs(target)
            for name in sorted(files):
                self.upload(os.path.join(folder, name), self.path_join(target, name))

    # ----------------------------------------------------------------------------------------- temp folders

    def temp_dir(self) -> str:
        """A new, empty folder under `temp_base`, removed (with its contents) when the connection closes."""
        self.mkdirs(self.temp_base)
        for _ in range(20):
            path = self.path_join(self.temp_base, f"deployit-{secrets.token_hex(6)}")
            if self._mkdir_new(path):
                self._temp_dirs.append(path)
                return path
        raise HostError(f"Cannot create a temporary folder under {self.temp_base} on host {self.host_id}.")

    # ----------------------------------------------------------------------------------------- life cycle

    def close(self) -> None:
        """Remove the temporary folders (best effort: a failure here must not fail a step) and disconnect."""
        if self.closed:
            return
        self.cancel = None  # cleaning up after an abort must not be aborted itself
        if str(prop(self.host, "tmpDeleteOnDisconnect", True)).lower() == "false":
            self._temp_dirs.clear()  # overthere's option to keep them for inspection
        try:
            for path in reversed(self._temp_dirs):
                try:
                    self.delete(path, recursive=True)
                except Exception:  # noqa: BLE001 - cleanup is best effort by design
                    pass
            self._temp_dirs.clear()
            self._clean_up()
        finally:
            self.closed = True
            self._disconnect()

    def _clean_up(self) -> None:
        """Remove what else the connection left on the host (while it is still usable)."""

    def _disconnect(self) -> None:
        """Release the transport (nothing to do locally)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.host_id}>"


def lines_of(data: bytes) -> Iterable[str]:
    return [line.rstrip("\r") for line in data.decode("utf-8", "replace").splitlines()]
