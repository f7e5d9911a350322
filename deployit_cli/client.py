"""The HTTP side of the CLI: one requests session with basic auth, JSON in and out, errors as exceptions.

Every object method is one or a few calls through `Client`. A non-2xx answer raises `DeployitException`
carrying the server's one-sentence message; an unreachable server raises `ConnectionFailed` naming the
URL that was tried.
"""

from __future__ import annotations

import json
from urllib.parse import quote


class DeployitException(Exception):
    """An error answer from the XL Deploy server (or a refused request); str() is the server's message."""

    def __init__(self, message: str, status: int | None = None, body=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body  # the server's decoded error answer, when it was JSON

    def getMessage(self) -> str:  # Java-style, as scripts written for the Jython CLI call it
        return self.message

    def __str__(self) -> str:
        return self.message


class ConnectionFailed(DeployitException):
    """The server could not be reached at all."""


class LoginFailed(DeployitException):
    """The server refused the credentials."""


def quote_id(ci_id: str) -> str:
    """A repository id as a URL path: slashes kept, everything else percent-encoded."""
    return quote(str(ci_id).strip("/"), safe="/")


def to_json_value(value):
    """json.dumps `default=`: sets as lists, CIs as their id, dates as ISO text, Java-style wrappers unwrapped."""
    from .ci import ConfigurationItem
    if isinstance(value, ConfigurationItem):
        return value.id
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    for method in ("toJson", "isoformat", "toString"):
        func = getattr(value, method, None)
        if callable(func):
            return func()
    if hasattr(value, "items"):
        return dict(value.items())
    if hasattr(value, "__iter__"):
        return list(value)
    raise TypeError(f"{type(value).__name__} value {value!r} cannot be sent to the server")


def dumps(body) -> str:
    return json.dumps(body, default=to_json_value)


def _reason(exc: BaseException) -> str:
    """A short, human reason for a connection failure, from the exception chain."""
    import socket
    import ssl
    seen = set()
    todo = [exc]
    text = str(exc)
    while todo:
        cur = todo.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cur, socket.gaierror):
            return "unknown host"
        if isinstance(cur, ssl.SSLError):
            return f"SSL error ({getattr(cur, 'reason', None) or cur})"
        if isinstance(cur, (socket.timeout, TimeoutError)):
            return "the connection timed out"
        todo.extend([cur.__cause__, cur.__context__] + [a for a in getattr(cur, "args", ())
                                                        if isinstance(a, BaseException)])
        reason = getattr(cur, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered \
            or "failed to resolve" in lowered:
        return "unknown host"
    if "timed out" in lowered:
        return "the connection timed out"
    return text


class Client:
    """REST calls relative to the base URL (…/deployit), as one user."""

    def __init__(self, url: str, username: str | None = None, password: str | None = None,
                 proxy: str | None = None, socket_timeout_ms: int | None = None, verify=True):
        import requests
        self.url = url.rstrip("/")
        self.username = username
        self.password = password
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json"})
        self.session.trust_env = proxy is None
        if proxy:
            self.session.proxies.update({"http": proxy, "https": proxy})
        self.session.verify = verify
        seconds = socket_timeout_ms / 1000.0 if socket_timeout_ms else None
        self.timeout = (seconds or 10.0, seconds)

    # -- credentials ---------------------------------------------------------------------------
    @property
    def logged_in(self) -> bool:
        return self.username is not None

    def set_credentials(self, username: str | None, password: str | None) -> None:
        self.username, self.password = username, password

    def check_login(self) -> dict:
        """GET /server/info as the current user; LoginFailed/ConnectionFailed with one clear sentence."""
        try:
            return self.get("/server/info")
        except ConnectionFailed:
            raise
        except DeployitException as exc:
            if exc.status == 401:
                raise LoginFailed(f"Login failed for user {self.username} at {self.url}: "
                                  f"the username or password is incorrect.", 401) from None
            if exc.status == 403:
                raise LoginFailed(f"Login failed for user {self.username} at {self.url}: "
                                  f"the user may not log in ({exc.message}).", 403) from None
            if exc.status == 402:
                raise LoginFailed(f"Login refused at {self.url}: the server has no valid license "
                                  f"({exc.message}).", 402) from None
            if exc.status == 404:
                raise ConnectionFailed(f"Could not connect to the XL Deploy server at {self.url}: there is no "
                                       f"XL Deploy REST API there (check -context).", 404) from None
            raise ConnectionFailed(f"The XL Deploy server at {self.url} did not accept the login of user "
                                   f"{self.username}: HTTP {exc.status}: {exc.message}", exc.status) from None

    # -- requests ------------------------------------------------------------------------------
    def request(self, method: str, path: str, params=None, body=None, files=None, raw: bool = False,
                headers: dict | None = None, data=None):
        """One call; the decoded JSON answer (None for no content), or the response itself when raw.
        `data` is a ready body (bytes or a stream) sent as it is, with the caller's headers."""
        import requests
        url = self.url + path
        kwargs = {"params": params, "timeout": self.timeout, "headers": dict(headers or {})}
        if self.username is not None:
            # UTF-8, as the server reads them (requests would send str credentials as Latin-1)
            kwargs["auth"] = (str(self.username).encode("utf-8"), str(self.password or "").encode("utf-8"))
        if data is not None:
            kwargs["data"] = data
        elif files is not None:
            kwargs["files"] = files
        elif body is not None:
            kwargs["data"] = dumps(body).encode("utf-8")
            kwargs["headers"]["Content-Type"] = "application/json"
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.exceptions.RequestException as exc:
            raise ConnectionFailed(f"Could not connect to the XL Deploy server at {self.url}: "
                                   f"{_reason(exc)}.") from None
        if response.status_code >= 400:
            raise self._error(response)
        if raw:
            return response
        if response.status_code == 204 or not response.content:
            return None
        if "json" in response.headers.get("Content-Type", ""):
            return response.json()
        return response.text

    def _error(self, response) -> DeployitException:
        message = data = None
        try:
            data = response.json()
            if isinstance(data, dict):
                message = data.get("message") or data.get("error")
        except ValueError:
            message = response.text.strip() or None
        status = response.status_code
        if status == 401:
            if self.username is None:
                message = "You are not logged in; use security.login(username, password) first."
            else:
                message = f"The server refused the credentials of user {self.username}."
        return DeployitException(message or f"HTTP {status} {response.reason} from {response.url}", status, data)

    def get(self, path: str, params=None, **kw):
        return self.request("GET", path, params=params, **kw)

    def post(self, path: str, body=None, params=None, **kw):
        return self.request("POST", path, params=params, body=body, **kw)

    def put(self, path: str, body=None, params=None, **kw):
        return self.request("PUT", path, params=params, body=body, **kw)

    def delete(self, path: str, params=None, **kw):
        return self.request("DELETE", path, params=params, **kw)
