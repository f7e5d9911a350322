"""Exceptions raised by host connections; each message is one sentence naming the host (and its address)."""

from __future__ import annotations


class HostError(Exception):
    """A command or file operation on a host failed, or the host is configured in a way we cannot use."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class HostConnectionError(HostError):
    """The connection could not be opened: refused, unreachable, timed out, authentication or key problems."""


class HostNotSupported(HostError):
    """The host's protocol or connection type is not implemented here (for example CIFS/WinRM)."""


class RemotePathNotFound(HostError):
    """A file or folder that an operation needs does not exist on the host."""


class CommandTimedOut(HostError):
    """A command ran longer than its timeout; it has been killed."""


class CommandAborted(Exception):
    """The command was interrupted because the caller set its `cancel` event (a task abort); it has been killed.

    Deliberately not a HostError, so that `except HostError` in a step does not swallow an abort.
    """
