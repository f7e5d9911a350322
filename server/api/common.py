"""Helpers shared by the routes: request bodies (JSON or XML), replies in the negotiated format
(server/api/negotiate.py), scalar wrappers, the current user, threadpool calls."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import tempfile
from concurrent.futures import ThreadPoolExecutor

from starlette.requests import Request
from starlette.responses import Response

from ..errors import BadRequest, PayloadTooLarge
from ..jsontext import loads
from ..text import check_json, shown
from . import xmlwire
from .negotiate import Reply, TaskId

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


def parse_json(raw: bytes | str, what: str = "The request body"):
    """JSON text decoded; BadRequest when it is not JSON or holds text the server cannot keep (a lone
    surrogate, NUL), naming the property."""
    try:
        data = loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"{what} is not valid JSON: {shown(str(exc))}.") from None
    except RecursionError:
        raise BadRequest(f"{what} is not valid JSON: it is nested too deeply.") from None
    # Only an escape (\u...) or non-ASCII bytes can bring such text in: most bodies skip the walk.
    if not isinstance(raw, bytes) or b"\\u" in raw or not raw.isascii():
        check_json(data, what)
    return data


async def json_body(request: Request, expect=None):
    """The request body parsed as JSON (parse_json), or as XML (server/api/xmlwire.py) into the same shapes
    when it is XML; BadRequest with the reason when it is neither."""
    raw = await read_body(request)
    if not raw.strip():
        raise BadRequest("The request has no body; a JSON or XML body is required.")
    xml = xmlwire.is_xml(request.headers.get("content-type"), raw)
    if xml:
        data = xmlwire.read(raw, services(request).types)
        check_json(data, "The request body")
    else:
        data = parse_json(raw)
    if expect is not None and not isinstance(data, expect):
        what = {list: "a JSON list", dict: "a JSON object"}.get(expect, str(expect))
        if xml:
            what = {list: "a <list>", dict: "a CI or an object"}.get(expect, what)
        raise BadRequest(f"The request body must be {what}.")
    return data


def user(request: Request) -> str:
    return request.scope["deployit.user"]


def services(request: Request):
    return request.app.state.services


def ok(data, kind: str | None = None, status: int = 200, headers: dict | None = None) -> Response:
    """The data in the format the request asks for; `kind` names it for XML (server/api/xmlwire.py KINDS)."""
    return Reply(data, kind, status, headers)


def boolean(value: bool) -> Response:
    """`{"boolean": true}`, or `<boolean>true</boolean>`."""
    return Reply({"boolean": bool(value)}, "boolean")


def created_task(task_id: str, **details) -> Response:
    """The id of a task just created: `{"string": id, **details}`, or in XML the bare id as plain text."""
    return TaskId(task_id, details)


def no_content() -> Response:
    return Response(status_code=204)


MAX_INT = 2 ** 31 - 1  # Java's int, as XL Deploy's parameters; products of two stay within SQL's BIGINT


def int_param(request: Request, name: str, default: int, minimum: int = -MAX_INT, maximum: int = MAX_INT) -> int:
    """A whole-number query parameter between minimum and maximum; BadRequest naming it otherwise."""
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    text = shown(value if len(value) <= 40 else value[:40] + "...")
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Query parameter '{name}' must be a number, not '{text}'.") from None
    if not minimum <= number <= maximum:
        raise BadRequest(f"Query parameter '{name}' must be between {minimum} and {maximum}, not {text}.")
    return number


async def multipart_form(request: Request, max_files: int, max_fields: int):
    """The parts of a multipart body; BadRequest saying what is malformed."""
    try:
        return await request.form(max_files=max_files, max_fields=max_fields)
    except ValueError as exc:  # python-multipart's parse errors (FormParserError is a ValueError)
        raise BadRequest(f"The multipart upload is malformed: {shown(str(exc)).rstrip('.')}.") from None


# Threads for service calls, as many as Starlette's own pool (anyio's default limit): an executor's
# hand-over costs a third less than anyio's, and every request that reads or writes makes one.
_CALLS = ThreadPoolExecutor(max_workers=40, thread_name_prefix="deployit-call")


async def call(func, *args, **kwargs):
    """Run blocking service code off the event loop (in the request's context, as anyio does)."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(
        _CALLS, functools.partial(context.run, func, *args, **kwargs))
