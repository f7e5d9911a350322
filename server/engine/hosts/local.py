"""`overthere.LocalHost`: commands as child processes of the server, files through the local file system."""

from __future__ import annotations

import errno
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from typing import BinaryIO

from server.engine.hosts.base import (DRAIN_GRACE_SECONDS, KILL_GRACE_SECONDS, TAG_VARIABLE, Connection,
                                      LineSplitter, OutputHandler, prop)
from server.engine.hosts.errors import CommandAborted, CommandTimedOut, HostError, RemotePathNotFound


class LocalConnection(Connection):
    """The server's own machine. Commands run as the server's user, each in its own process group so an abort
    or timeout kills the command and everything it started."""

    protocol = "local"

    def __init__(self, host: dict, cancel=None, processes=None):
        if prop(host, "os") is None:
            host = {**host, "os": "WINDOWS" if os.name == "nt" else "UNIX"}
        super().__init__(host, cancel, processes)

    @property
    def temp_base(self) -> str:
        return str(prop(self.host, "temporaryDirectoryPath", tempfile.gettempdir()))

    # ----------------------------------------------------------------------------------------- commands

    def execute(self, command, output: OutputHandler | None = None, cwd=None, env=None, timeout=None,
                cancel=None) -> int:
        cancel = self.cancel if cancel is None else cancel
        if cancel is not None and cancel.is_set():
            raise CommandAborted(f"The command on host {self.host_id} was aborted before it started.")
        shell = isinstance(command, str)
        tag = secrets.token_hex(8) if self.processes is not None else None
        if tag is not None:
            env = {**(env or {}), TAG_VARIABLE: tag}
        full_env = {**os.environ, **{str(k): str(v) for k, v in env.items()}} if env else None
        if cwd is not None and not os.path.isdir(cwd):
            # As over SSH, where `cd` fails in the shell: exit code 2 and a message on stderr.
            if output is not None:
                output(f"cd: {cwd}: no such folder", True)
            return 2
        try:
            proc = subprocess.Popen(command if shell else [str(arg) for arg in command], shell=shell, cwd=cwd,
                                    env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, start_new_session=True)
        except FileNotFoundError:
            # The shell answers 127 for an unknown command; a list command behaves the same.
            if output is not None:
                output(f"{command[0]}: command not found", True)
            return 127
        except PermissionError:
            if output is not None:
                output(f"{command[0]}: permission denied", True)
            return 126
        try:
            if tag is not None:
                try:
                    self.processes.started(self, proc.pid, tag)  # start_new_session: the group is the command's pid
                except BaseException:
                    self._kill(proc)  # a command that cannot be recorded must not run unseen
                    raise
            return self._pump(proc, output, timeout, cancel)
        finally:
            for pipe in (proc.stdout, proc.stderr):
                pipe.close()
            if tag is not None:
                self.processes.ended(tag)

    def _pump(self, proc: subprocess.Popen, output, timeout, cancel) -> int:
        splitters = {proc.stdout.fileno(): LineSplitter(output, False),
                     proc.stderr.fileno(): LineSplitter(output, True)}
        deadline = None if timeout is None else time.monotonic() + timeout
        exited_at = None
        with selectors.DefaultSelector() as selector:
            for fd in splitters:
                selector.register(fd, selectors.EVENT_READ)
            while True:
                if cancel is not None and cancel.is_set():
                    self._kill(proc)
                    raise CommandAborted(f"The command on host {self.host_id} was aborted and has been killed.")
                if deadline is not None and time.monotonic() > deadline:
                    self._kill(proc)
                    raise CommandTimedOut(f"The command on host {self.host_id} did not finish within {timeout:g} s "
                                          "and has been killed.")
                if proc.poll() is not None:
                    exited_at = exited_at or time.monotonic()
                    # A background child may keep the pipes open; stop waiting for it after a grace period.
                    if not selector.get_map() or time.monotonic() - exited_at > DRAIN_GRACE_SECONDS:
                        break
                if not selector.get_map():
                    time.sleep(0.05)
                    continue
                for key, _ in selector.select(0.1):
                    data = os.read(key.fd, 65536)
                    if data:
                        splitters[key.fd].feed(data)
                    else:
                        selector.unregister(key.fd)
        for splitter in splitters.values():
            splitter.flush()
        return proc.returncode

    @staticmethod
    def _kill(proc: subprocess.Popen) -> None:
        """SIGTERM the command's process group, then SIGKILL it after a short grace."""
        for sig, wait in ((signal.SIGTERM, KILL_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(wait)
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # children the command left behind
                except ProcessLookupError:
                    pass
                return
            except subprocess.TimeoutExpired:
                continue

    # ----------------------------------------------------------------------------------------- files

    def _fail(self, action: str, path: str, error: OSError):
        if error.errno == errno.ENOENT:
            return RemotePathNotFound(f"Cannot {action} {path} on host {self.host_id}: no such file or folder.")
        return HostError(f"Cannot {action} {path} on host {self.host_id}: {error.strerror or error}.")

    def _put(self, source: BinaryIO, remote_path: str, mode: int | None) -> None:
        try:
            with open(remote_path, "wb") as target:
                while block := source.read(1024 * 1024):
                    self.check_cancel()
                    target.write(block)
            if mode is not None:
                os.chmod(remote_path, mode)
        except OSError as error:
            raise self._fail("write", remote_path, error) from None

    def read_bytes(self, remote_path: str) -> bytes:
        try:
            with open(remote_path, "rb") as source:
                return source.read()
        except OSError as error:
            raise self._fail("read", remote_path, error) from None

    def exists(self, remote_path: str) -> bool:
        return os.path.lexists(remote_path)

    def is_dir(self, remote_path: str) -> bool:
        return os.path.isdir(remote_path)

    def mkdirs(self, remote_path: str) -> None:
        try:
            os.makedirs(remote_path, exist_ok=True)
        except OSError as error:
            raise self._fail("create folder", remote_path, error) from None

    def _mkdir_new(self, remote_path: str) -> bool:
        try:
            os.mkdir(remote_path, 0o700)
            return True
        except FileExistsError:
            return False
        except OSError as error:
            raise self._fail("create folder", remote_path, error) from None

    def delete(self, remote_path: str, recursive: bool = False) -> bool:
        try:
            if not os.path.lexists(remote_path):
                return False
            if os.path.isdir(remote_path) and not os.path.islink(remote_path):
                if recursive:
                    shutil.rmtree(remote_path)
                else:
                    os.rmdir(remote_path)
            else:
                os.remove(remote_path)
            return True
        except OSError as error:
            raise self._fail("delete", remote_path, error) from None

    def list_dir(self, remote_path: str) -> list[str]:
        try:
            return sorted(os.listdir(remote_path))
        except OSError as error:
            raise self._fail("list", remote_path, error) from None

    def chmod(self, remote_path: str, mode: int) -> None:
        try:
            os.chmod(remote_path, mode)
        except OSError as error:
            raise self._fail("change the mode of", remote_path, error) from None
