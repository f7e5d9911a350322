"""File access on SSH hosts: `SftpFiles` (an SFTP session of the login user) and `ShellFiles` (POSIX commands
on exec channels: the SCP connection type, hosts without SFTP, and the sudo/su user of SUDO/INTERACTIVE_SUDO/SU).

ShellFiles scripts end with fixed exit codes so that answers are told apart from failures of sudo or su
themselves: 40 yes, 41 no / nothing there, 44 not found. Everything else is an error whose output is reported.
"""

from __future__ import annotations

import errno
import re
import secrets
import shlex
import stat
from typing import BinaryIO

import paramiko

from server.engine.hosts.base import lines_of, tar_of_tree
from server.engine.hosts.errors import HostError, RemotePathNotFound

YES, NO, NOT_FOUND = 40, 41, 44
WINDOWS_DRIVE = re.compile(r"^([A-Za-z]):[\\/]?(.*)$", re.S)


class SftpFiles:
    """Files of the login user over SFTP. For SFTP_CYGWIN and SFTP_WINSSHD, Windows paths (C:\\dir\\file) are
    turned into the server's form (/cygdrive/c/dir/file and /C/dir/file)."""

    def __init__(self, conn, sftp: paramiko.SFTPClient, connection_type: str):
        self.conn = conn
        self.sftp = sftp
        self.connection_type = connection_type

    def _path(self, path: str) -> str:
        match = WINDOWS_DRIVE.match(path) if self.connection_type in ("SFTP_CYGWIN", "SFTP_WINSSHD") else None
        if match is None:
            return path
        drive, rest = match.group(1), match.group(2).replace("\\", "/")
        if self.connection_type == "SFTP_CYGWIN":
            return f"/cygdrive/{drive.lower()}/{rest}"
        return f"/{drive.upper()}/{rest}"

    def _fail(self, action: str, path: str, error: Exception):
        if isinstance(error, FileNotFoundError) or getattr(error, "errno", None) == errno.ENOENT:
            return RemotePathNotFound(f"Cannot {action} {path} on host {self.conn.host_id}: no such file or folder.")
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        return HostError(f"Cannot {action} {path} on host {self.conn.host_id}: {reason}.")

    def _lstat(self, path: str):
        try:
            return self.sftp.lstat(self._path(path))
        except FileNotFoundError:
            return None
        except IOError as error:
            if error.errno == errno.ENOENT:
                return None
            raise self._fail("inspect", path, error) from None

    def put(self, source: BinaryIO, path: str, mode: int | None) -> None:
        try:
            with self.sftp.open(self._path(path), "wb") as target:
                target.set_pipelined(True)
                while block := source.read(256 * 1024):
                    self.conn.check_cancel()
                    target.write(block)
            if mode is not None:
                self.sftp.chmod(self._path(path), mode)
        except (IOError, paramiko.SSHException) as error:
            raise self._fail("write", path, error) from None

    def get(self, path: str) -> bytes:
        try:
            with self.sftp.open(self._path(path), "rb") as source:
                source.prefetch()
                blocks = []
                while block := source.read(256 * 1024):
                    self.conn.check_cancel()
                    blocks.append(block)
                return b"".join(blocks)
        except (IOError, paramiko.SSHException) as error:
            raise self._fail("read", path, error) from None

    def exists(self, path: str) -> bool:
        return self._lstat(path) is not None

    def is_dir(self, path: str) -> bool:
        try:
            return stat.S_ISDIR(self.sftp.stat(self._path(path)).st_mode)
        except IOError:
            return False

    def mkdirs(self, path: str) -> None:
        if self.is_dir(path):
            return
        parent = self.conn.path_parent(path)
        if parent and parent != path:
            self.mkdirs(parent)
        try:
            self.sftp.mkdir(self._path(path))
        except IOError as error:
            if not self.is_dir(path):
                raise self._fail("create folder", path, error) from None

    def mkdir_new(self, path: str) -> bool:
        try:
            self.sftp.mkdir(self._path(path), 0o700)
            return True
        except IOError as error:
            if self.exists(path):
                return False
            raise self._fail("create folder", path, error) from None

    def delete(self, path: str, recursive: bool = False) -> bool:
        attrs = self._lstat(path)
        if attrs is None:
            return False
        try:
            if stat.S_ISDIR(attrs.st_mode):
                if recursive:
                    for child in self.sftp.listdir(self._path(path)):
                        self.delete(self.conn.path_join(path, child), recursive=True)
                self.sftp.rmdir(self._path(path))
            else:
                self.sftp.remove(self._path(path))
            return True
        except IOError as error:
            raise self._fail("delete", path, error) from None

    def list_dir(self, path: str) -> list[str]:
        try:
            return sorted(self.sftp.listdir(self._path(path)))
        except IOError as error:
            raise self._fail("list", path, error) from None

    def chmod(self, path: str, mode: int) -> None:
        try:
            self.sftp.chmod(self._path(path), mode)
        except IOError as error:
            raise self._fail("change the mode of", path, error) from None

    def close(self) -> None:
        try:
            self.sftp.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass


class ShellFiles:
    """Files through POSIX commands on exec channels, as the login user or (`elevated`) as the sudo/su user.

    Bytes travel on the command's stdin/stdout (`cat`, `tar`). With `staged` (a terminal is needed for the
    password prompt, and a terminal would mangle bytes), they go through the connection's transfer folder
    instead: written there by the login user and copied into place with `cp` by the other user, and read back
    the same way.
    """

    def __init__(self, conn, elevated: bool, staged: bool = False):
        self.conn = conn
        self.elevated = elevated
        self.staged = staged

    def _run(self, script: str, stdin: BinaryIO | None = None) -> tuple[int, bytes]:
        code, out, err = self.conn.capture(script, elevated=self.elevated, stdin=stdin)
        return code, out + err

    def _check(self, action: str, path: str, script: str, stdin: BinaryIO | None = None, ok=(0,)) -> tuple[int, bytes]:
        code, out = self._run(script, stdin)
        if code in ok:
            return code, out
        if code == NOT_FOUND:
            raise RemotePathNotFound(f"Cannot {action} {path} on host {self.conn.host_id}: no such file or folder.")
        text = " ".join(lines_of(out)).strip() or f"exit code {code}"
        raise HostError(f"Cannot {action} {path} on host {self.conn.host_id}: {text}.")

    def _transfer_path(self) -> str:
        return self.conn.path_join(self.conn.transfer_dir(), secrets.token_hex(8))

    def put(self, source: BinaryIO, path: str, mode: int | None) -> None:
        target = shlex.quote(path)
        chmod = f" && chmod {mode:04o} {target}" if mode is not None else ""
        if not self.staged:
            self._check("write", path, f"cat > {target}{chmod}", stdin=source)
            return
        staging = self._transfer_path()
        try:
            self.conn.login_files().put(source, staging, 0o644)
            self._check("write", path, f"cp {shlex.quote(staging)} {target}{chmod}")
        finally:
            self.conn.login_files().delete(staging)

    def get(self, path: str) -> bytes:
        source = shlex.quote(path)
        exists = f"[ -e {source} ] || exit {NOT_FOUND}; "
        if not self.staged:
            code, out, err = self.conn.capture(f"{exists}cat {source}", elevated=self.elevated)
            if code == 0:
                return out
            if code == NOT_FOUND:
                raise RemotePathNotFound(f"Cannot read {path} on host {self.conn.host_id}: no such file or folder.")
            text = " ".join(lines_of(err)).strip() or f"exit code {code}"
            raise HostError(f"Cannot read {path} on host {self.conn.host_id}: {text}.")
        staging = self._transfer_path()
        try:
            copy = shlex.quote(staging)
            self._check("read", path, f"{exists}cp {source} {copy} && chmod 0644 {copy}")
            return self.conn.login_files().get(staging)
        finally:
            self.conn.login_files().delete(staging)

    def _test(self, action: str, path: str, condition: str) -> bool:
        code, _ = self._check(action, path, f"if {condition}; then exit {YES}; else exit {NO}; fi", ok=(YES, NO))
        return code == YES

    def exists(self, path: str) -> bool:
        quoted = shlex.quote(path)
        return self._test("inspect", path, f"[ -e {quoted} ] || [ -h {quoted} ]")

    def is_dir(self, path: str) -> bool:
        return self._test("inspect", path, f"[ -d {shlex.quote(path)} ]")

    def mkdirs(self, path: str) -> None:
        self._check("create folder", path, f"mkdir -p {shlex.quote(path)}")

    def mkdir_new(self, path: str) -> bool:
        quoted = shlex.quote(path)
        code, _ = self._check("create folder", path, f"if [ -e {quoted} ] || [ -h {quoted} ]; then exit {NO}; fi; "
                                                      f"mkdir -m 700 {quoted}", ok=(0, NO))
        return code == 0

    def delete(self, path: str, recursive: bool = False) -> bool:
        quoted = shlex.quote(path)
        remove_dir = f"rm -rf {quoted}" if recursive else f"rmdir {quoted}"
        code, _ = self._check("delete", path, f"if [ -d {quoted} ] && [ ! -h {quoted} ]; then {remove_dir}; "
                                               f"elif [ -e {quoted} ] || [ -h {quoted} ]; then rm -f {quoted}; "
                                               f"else exit {NO}; fi", ok=(0, NO))
        return code == 0

    def list_dir(self, path: str) -> list[str]:
        quoted = shlex.quote(path)
        _, out = self._check("list", path, f"[ -e {quoted} ] || exit {NOT_FOUND}; cd {quoted} || exit 1; "
                                           "for f in * .[!.]* ..?*; do if [ -e \"$f\" ] || [ -h \"$f\" ]; then "
                                           "printf '%s\\0' \"$f\"; fi; done")
        return sorted(name.decode("utf-8", "replace").strip("\r\n") for name in out.split(b"\0") if name.strip(b"\r\n"))

    def chmod(self, path: str, mode: int) -> None:
        self._check("change the mode of", path, f"chmod {mode:04o} {shlex.quote(path)}")

    def put_tree(self, local_dir: str, remote_dir: str) -> None:
        """One tar stream for the whole folder (one channel instead of one per file); `-o` keeps the extracting
        user as owner even when that is root."""
        target = shlex.quote(remote_dir)
        with tar_of_tree(local_dir) as archive:
            if not self.staged:
                self._check("upload a folder to", remote_dir, f"mkdir -p {target} && tar -xof - -C {target}",
                            stdin=archive)
                return
            staging = self._transfer_path()
            try:
                self.conn.login_files().put(archive, staging, 0o644)
                self._check("upload a folder to", remote_dir,
                            f"mkdir -p {target} && tar -xof {shlex.quote(staging)} -C {target}")
            finally:
                self.conn.login_files().delete(staging)

    def close(self) -> None:
        pass
