"""Helpers shared by the routes: JSON bodies, scalar wrappers, the current user, threadpool calls."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import tempfile
from concurrent.futures import ThreadPoolExecutor

from starlette.requests import Request
from starlette.responses import Response

from ..errors import BadRequest, PayloadTooLarge
from ..jsontext import dumps, loads

SPOOL = 1024 * 1024  # a body read in part stays in memory up to this size, the rest waits on disk


def json_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than the limit of {limit} bytes for JSON bodies "
                           f"(http.max.json.size); send smaller batches.")


async def read_body(request: Request) -> bytes:
    """The whole request body, for the routes that read it into memory (JSON, text): refused with 413 as
    soon as it passes `http.max.json.size`. Until it is complete and known to fit, it is spooled to disk,
    so that many oversized bodies at once cost disk, not memory. File uploads do not come here: they
    stream to disk under `http.max.request.size`."""
    if hasattr(request, "_body"):
        return request._body
    limit = services(request).config.max_json_size
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise json_too_large(limit)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
        async for chunk in request.stream():
            spool.write(chunk)  # at most the limit, into the page cache: quick enough for the event loop
            if spool.tell() > limit:
                raise json_too_large(limit)
        spool.seek(0)
        request._body = spool.read()  # Starlette's own cache: request.body() and request.stream() use it
    return request._body


class JsonResponse(Response):
    """A JSON response encoded by server/jsontext.py."""
    media_type = "application/json"

    def render(self, content) -> bytes:
        return dumps(content)


async def json_body(request: Request, expect=None):
    """The request body parsed as JSON; BadRequest with the reason when it is not."""
    raw = await read_body(request)
    if not raw.strip():
        raise BadRequest("The request has no body; a JSON body is required.")
    try:
        data = loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.") from None
    except RecursionError:
        raise BadRequest("The request body is not valid JSON: it is nested too deeply.") from None
    if expect is not None and not isinstance(data, expect):
        what = {list: "a JSON list", dict: "a JSON object"}.get(expect, str(expect))
        raise BadRequest(f"The request body must be {what}.")
    return data


def user(request: Request) -> str:
    return request.scope["deployit.user"]


def services(request: Request):
    return request.app.state.services


def ok(data, status: int = 200) -> Response:
    return JsonResponse(data, status_code=status)


def boolean(value: bool) -> Response:
    return JsonResponse({"boolean": bool(value)})


def string(value: str) -> Response:
    return JsonResponse({"string": value})


def no_content() -> Response:
    return Response(status_code=204)


def int_param(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"Query parameter '{name}' must be a number, not '{value}'.") from None


# Threads for service calls, as many as Starlette's own pool (anyio's default limit): an executor's
# hand-over costs a third less than anyio's, and every request that reads or writes makes one.
_CALLS = ThreadPoolExecutor(max_workers=40, thread_name_prefix="deployit-call")


async def call(func, *args, **kwargs):
    """Run blocking service code off the event loop (in the request's context, as anyio does)."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(
        _CALLS, functools.partial(context.run, func, *args, **kwargs))
