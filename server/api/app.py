"""The ASGI application: routes under the REST prefix, basic auth and the login permission, the audit
trail, body size limit, the reply format (XML or JSON, server/api/negotiate.py) and errors in it."""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.routing import Mount, Route

from ..errors import DeployitError, PayloadTooLarge
from ..text import control_character, shown, storable
from . import (control, deployment, exchange, metadata, packages, release, repository, security, server_admin,
               server_info, tasks)
from .guard import admin_only
from .negotiate import NegotiationMiddleware, Reply, error_body, message_of

log = logging.getLogger(__name__)


def error_response(status: int, message: str, headers: dict | None = None) -> Reply:
    return Reply({"message": storable(message)}, "error", status, headers)


async def _send_error(scope, send, status: int, message: str, extra_headers=()):
    """An error answered by a middleware, before any route, in the request's format."""
    body, media_type = error_body(scope, storable(message))
    headers = [(b"content-type", f"{media_type}; charset=utf-8".encode()),
               (b"content-length", str(len(body)).encode())]
    headers.extend(extra_headers)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(PayloadTooLarge):
    """Raised while reading a body past the limit; the route's error handler answers 413."""


class BodyLimitMiddleware:
    """Refuse request bodies above the configured size with a 413, before and while reading them."""

    def __init__(self, app, max_size: int):
        self.app = app
        self.max_size = max_size

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        limit_message = f"The request body is larger than the limit of {self.max_size} bytes."
        if length is not None and length.isdigit() and int(length) > self.max_size:
            return await _send_error(scope, send, 413, limit_message)
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_size:
                    raise BodyTooLarge(limit_message)
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _send_error(scope, send, 413, limit_message)


class BasicAuthMiddleware:
    """Every request needs valid HTTP basic credentials (else 401) of a user holding the `login`
    permission (else 403); the user name goes in scope['deployit.user']."""

    def __init__(self, app, users, security=None):
        self.app = app
        self.users = users
        self.security = security

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        username = await self._authenticate(headers.get(b"authorization", b""))
        if username is None:
            return await _send_error(scope, send, 401,
                                     "Authentication required: send valid credentials with HTTP basic auth.",
                                     [(b"www-authenticate", b'Basic realm="XL Deploy"')])
        scope["deployit.user"] = username
        if self.security is not None and not self.security.may_login(username):
            return await _send_error(scope, send, 403, f"User {username} does not have permission login.")
        await self.app(scope, receive, send)

    async def _authenticate(self, header: bytes) -> str | None:
        if not header.lower().startswith(b"basic "):
            return None
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, sep, password = decoded.partition(":")
        # No control characters: scrypt's HMAC pads keys with NULs, so it takes "admin\0" for "admin".
        if not sep or not username or control_character(decoded):
            return None
        # Known credentials are checked in the event loop; only a first login pays for scrypt in a thread.
        ok = self.users.recently_verified(username, password) or \
            await run_in_threadpool(self.users.authenticate, username, password)
        return username if ok else None


CHANGING_METHODS = ("POST", "PUT", "DELETE", "PATCH")
AUDITED_PARAMS = ("newId", "newName", "time")
MESSAGE_STATUSES = (401, 403, 404, 409, 429)  # their messages name ids and permissions, never values


class RouteFinder:
    """The route (and its path parameters) a request under the REST prefix goes to, or (None, {}):
    matched once per request and kept in the scope, for the middlewares that ask (audit, maintenance)."""

    KEY = "deployit.route"

    def __init__(self, routes, prefix: str):
        self.routes = routes
        self.prefix = prefix.rstrip("/")

    def __call__(self, scope):
        found = scope.get(self.KEY)
        if found is None:
            found = scope[self.KEY] = self._match(scope)
        return found

    def _match(self, scope):
        from starlette.routing import Match
        path = scope.get("path", "")
        if not path.startswith(self.prefix + "/"):
            return None, {}
        sub = {"type": "http", "path": path[len(self.prefix):], "method": scope.get("method"), "root_path": ""}
        for route in self.routes:
            match, child = route.matches(sub)
            if match == Match.FULL:
                return route, child.get("path_params", {})
        return None, {}


def url_text_problem(scope) -> str | None:
    """The sentence refusing a path or query parameter that holds a control character, or None."""
    found = control_character(scope.get("path", ""))
    if found:
        return f"The request path may not hold {found}."
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        found = control_character(key + value)
        if found:
            return f"Query parameter '{shown(key)}' may not hold {found}."
    return None


class UrlTextMiddleware:
    """Refuse a request whose path or query holds a control character (%00 and the like) with a 400: no
    id, name or parameter holds one, and PostgreSQL cannot even compare NUL."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        problem = url_text_problem(scope) if scope["type"] == "http" else None
        if problem:
            return await _send_error(scope, send, 400, problem)
        await self.app(scope, receive, send)


class MaintenanceMiddleware:
    """While the server is in maintenance mode, refuse every request that may change something (POST,
    PUT, DELETE, PATCH) with a 503 and one sentence, except POSTs that only read (`changes=False`) and
    the routes marked `__maintenance__` (maintenance start/stop, shutdown)."""

    def __init__(self, app, mode, find_route: RouteFinder):
        self.app, self.mode, self.find_route, self.prefix = app, mode, find_route, find_route.prefix

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") not in CHANGING_METHODS or not self.mode.maintenance:
            return await self.app(scope, receive, send)
        route, _ = self.find_route(scope)
        endpoint = getattr(route, "endpoint", None)
        if endpoint is not None and (getattr(endpoint, "__changes__", True) is False
                                     or getattr(endpoint, "__maintenance__", False)):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")[len(self.prefix.rstrip("/")):] or scope.get("path", "")
        return await _send_error(scope, send, 503, self.mode.refusal(scope.get("method"), path))


def basic_username(header: bytes) -> str | None:
    """The user name of a basic auth header (never the password), for the audit of refused logins."""
    if not header.lower().startswith(b"basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0][:255] or None


class AuditMiddleware:
    """Records each request that may change something (POST, PUT, DELETE to a route not marked
    `changes=False`, or marked `audited` too), refused ones included, in the audit trail; never its body."""

    def __init__(self, app, audit, find_route: RouteFinder):
        self.app = app
        self.audit = audit
        self.find_route = find_route
        self.prefix = find_route.prefix

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") not in CHANGING_METHODS:
            return await self.app(scope, receive, send)
        route, params = self.find_route(scope)
        if route is not None and getattr(route.endpoint, "__changes__", True) is False \
                and not getattr(route.endpoint, "__audited__", False):
            return await self.app(scope, receive, send)
        state = {"status": 500, "body": b""}

        async def recording_send(message):
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            elif message["type"] == "http.response.body":
                if state["status"] >= 400 and len(state["body"]) < 4096:
                    state["body"] += message.get("body", b"")
                if not message.get("more_body"):
                    self._record(scope, route, params, state)
            await send(message)

        await self.app(scope, receive, recording_send)

    def _record(self, scope, route, params, state) -> None:
        status = state["status"]
        template = route.path.replace(":path", "") if route is not None else scope.get("path", "")[len(self.prefix):]
        named = [str(v) for v in params.values() if v not in (None, "")]
        named += [i for i in (scope.get("state") or {}).get("audit_ids", []) if i not in named]
        target = " ".join(named) or None
        query = scope.get("query_string", b"").decode("latin-1")
        if query:
            extra = [f"{k}={v}" for k, v in parse_qsl(query) if k in AUDITED_PARAMS]
            if extra:
                target = " ".join(filter(None, [target] + extra))
        message = None
        if status in MESSAGE_STATUSES:
            message = message_of(state["body"])
        user = scope.get("deployit.user")
        if user is None:
            user = basic_username(dict(scope.get("headers") or []).get(b"authorization", b""))
        client = scope.get("client")
        self.audit.record(user=user, action=f"{scope.get('method')} {template}", method=scope.get("method"),
                          path=scope.get("path", ""), target=target, address=client[0] if client else None,
                          status=status, message=message)


async def deployit_error(request: Request, exc: DeployitError):
    return error_response(exc.status, exc.message, exc.headers)


async def http_error(request: Request, exc: HTTPException):
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"No REST endpoint at {request.url.path}."
    elif exc.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}."
    return error_response(exc.status_code, message)


async def client_gone(request: Request, exc: ClientDisconnect):
    """The client left before sending its whole request: not an error of ours, and nobody reads the answer."""
    log.info("The client left during %s %s before sending its whole request", request.method, request.url.path)
    return error_response(400, "The client closed the connection before sending the whole request.")


async def unexpected_error(request: Request, exc: Exception):
    log.exception("Unexpected error in %s %s", request.method, request.url.path)
    return error_response(500, f"Internal error: {type(exc).__name__}: {exc}")


def lifespan_of(services):
    """Start the task engine (recovery, queued and scheduled tasks) with the server; stop it gracefully."""
    @contextlib.asynccontextmanager
    async def lifespan(app):
        await run_in_threadpool(services.task_engine.startup)
        try:
            yield
        finally:
            await run_in_threadpool(services.task_engine.shutdown)
            notifier = getattr(services, "notifier", None)
            if notifier is not None:  # the mails of the last state changes (STOPPED...) still go out
                await run_in_threadpool(notifier.drain, 5.0)
            audit = getattr(services, "audit", None)
            if audit is not None:
                await run_in_threadpool(audit.close)
    return lifespan


def api_routes() -> list:
    """Every REST route (relative to the REST prefix)."""
    return repository.routes + metadata.routes + server_info.routes + packages.routes + deployment.routes + \
        tasks.routes + control.routes + security.routes + exchange.routes + server_admin.routes + release.routes


def guarded_routes() -> list:
    """The routes, each handler that declares no permission (`@needs`) made admin-only."""
    routes = api_routes()
    for n, route in enumerate(routes):
        if not hasattr(route.endpoint, "__needs__"):
            log.warning("Route %s %s declares no permission; only admins may call it", route.methods, route.path)
            routes[n] = Route(route.path, admin_only(route.endpoint), methods=sorted(route.methods - {"HEAD"}))
    return routes


def create_app(services):
    """One Starlette application (the routes mounted under the REST prefix) behind the middlewares:
    body limit, audit, basic auth, maintenance mode."""
    routes = guarded_routes()
    app = Starlette(routes=[Mount(services.config.rest_prefix, routes=routes)],
                    exception_handlers={DeployitError: deployit_error, HTTPException: http_error,
                                        ClientDisconnect: client_gone, Exception: unexpected_error},
                    lifespan=lifespan_of(services))
    app.state.services = services
    find_route = RouteFinder(routes, services.config.rest_prefix)
    mode = getattr(services, "mode", None)
    inner = MaintenanceMiddleware(app, mode, find_route) if mode is not None else app
    protected = BasicAuthMiddleware(UrlTextMiddleware(inner), services.users, getattr(services, "security", None))
    audited = AuditMiddleware(protected, services.audit, find_route) \
        if getattr(services, "audit", None) is not None else protected
    limited = BodyLimitMiddleware(audited, services.config.max_request_size)
    return NegotiationMiddleware(limited, getattr(services.config, "default_format", "xml"))
