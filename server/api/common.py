"""Helpers shared by the routes: JSON bodies, scalar wrappers, the current user, threadpool calls."""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import BadRequest


async def json_body(request: Request, expect=None):
    """The request body parsed as JSON; BadRequest with the reason when it is not."""
    raw = await request.body()
    if not raw.strip():
        raise BadRequest("The request has no body; a JSON body is required.")
    try:
        data = json.loads(raw)
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
    return JSONResponse(data, status_code=status)


def boolean(value: bool) -> Response:
    return JSONResponse({"boolean": bool(value)})


def string(value: str) -> Response:
    return JSONResponse({"string": value})


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


async def call(func, *args, **kwargs):
    """Run blocking service code off the event loop."""
    return await run_in_threadpool(func, *args, **kwargs)
