"""The ASGI application: routes under the REST prefix, basic auth, body size limit, JSON errors."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount

from ..errors import DeployitError, PayloadTooLarge
from . import control, deployment, metadata, packages, repository, server_info, tasks

log = logging.getLogger(__name__)


def error_response(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status, headers=headers)


async def _send_json(send, status: int, message: str, extra_headers=()):
    body = json.dumps({"message": message}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
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
            return await _send_json(send, 413, limit_message)
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
                await _send_json(send, 413, limit_message)


class BasicAuthMiddleware:
    """Every request needs valid HTTP basic credentials; the user name goes in scope['deployit.user']."""

    def __init__(self, app, users):
        self.app = app
        self.users = users

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        username = await self._authenticate(headers.get(b"authorization", b""))
        if username is None:
            return await _send_json(send, 401, "Authentication required: send valid credentials with HTTP basic auth.",
                                    [(b"www-authenticate", b'Basic realm="XL Deploy"')])
        scope["deployit.user"] = username
        await self.app(scope, receive, send)

    async def _authenticate(self, header: bytes) -> str | None:
        if not header.lower().startswith(b"basic "):
            return None
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, sep, password = decoded.partition(":")
        if not sep or not username:
            return None
        # Known credentials are checked in the event loop; only a first login pays for scrypt in a thread.
        ok = self.users.recently_verified(username, password) or \
            await run_in_threadpool(self.users.authenticate, username, password)
        return username if ok else None


async def deployit_error(request: Request, exc: DeployitError):
    return error_response(exc.status, exc.message)


async def http_error(request: Request, exc: HTTPException):
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"No REST endpoint at {request.url.path}."
    elif exc.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}."
    return error_response(exc.status_code, message)


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
    return lifespan


def create_app(services) -> Starlette:
    routes = repository.routes + metadata.routes + server_info.routes + packages.routes + deployment.routes + \
        tasks.routes + control.routes
    api = Starlette(routes=routes, exception_handlers={
        DeployitError: deployit_error, HTTPException: http_error, Exception: unexpected_error})
    api.state.services = services
    app = Starlette(routes=[Mount(services.config.rest_prefix, app=api)],
                    exception_handlers={HTTPException: http_error}, lifespan=lifespan_of(services))
    app.state.services = services
    protected = BasicAuthMiddleware(app, services.users)
    return BodyLimitMiddleware(protected, services.config.max_request_size)
