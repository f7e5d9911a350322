"""Content negotiation: whether a reply is XML or JSON, decided once per request, and the response that
writes the routes' data in that format.

XL Deploy answers XML unless asked otherwise, so XML is the default: a request whose `Accept` prefers
XML (`application/xml`, `text/xml`), or states no preference (no `Accept`, `*/*`, or XML and JSON at
the same quality), gets XML; one whose `Accept` prefers `application/json` gets JSON. The setting
`http.default.format=json` in deployit.conf makes JSON the answer to requests without a preference.
The shell and xldeploy-py send `Accept: application/json`.
"""

from __future__ import annotations

import json

from starlette.responses import Response

from ..jsontext import dumps

from . import xmlwire

XML, JSON = "xml", "json"
FORMAT_KEY = "deployit.format"  # where the choice is kept in the ASGI scope
MEDIA_TYPES = {XML: "application/xml", JSON: "application/json"}
_OFFERS = {XML: ("application/xml", "text/xml"), JSON: ("application/json",)}


def _quality(ranges: list[tuple[str, float]], offers: tuple[str, ...]) -> float:
    """The quality `Accept` gives the best of `offers`: each takes the q of its most specific range."""
    best = 0.0
    for offer in offers:
        kind = offer.split("/")[0]
        found, specificity = 0.0, -1
        for media, q in ranges:
            rank = 2 if media == offer else 1 if media == f"{kind}/*" else 0 if media == "*/*" else -1
            if rank > specificity:
                found, specificity = q, rank
        best = max(best, found)
    return best


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return ranges


def choose(accept: str | None, default: str = XML) -> str:
    """XML or JSON for a request with this `Accept` header."""
    if not accept or not accept.strip():
        return default
    ranges = _ranges(accept)
    xml, js = _quality(ranges, _OFFERS[XML]), _quality(ranges, _OFFERS[JSON])
    if xml == js:
        return default
    return XML if xml > js else JSON


def reply_format(scope) -> str:
    """The format chosen for this request (by NegotiationMiddleware; XML when it did not run)."""
    found = scope.get(FORMAT_KEY)
    if found is None:
        headers = dict(scope.get("headers") or [])
        found = choose(headers.get(b"accept", b"").decode("latin-1"))
    return found


class NegotiationMiddleware:
    """Decides each request's reply format from its `Accept` header, before anything else answers it."""

    def __init__(self, app, default: str = XML):
        self.app, self.default = app, default

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            scope[FORMAT_KEY] = choose(headers.get(b"accept", b"").decode("latin-1"), self.default)
        await self.app(scope, receive, send)


def _types(scope):
    app = scope.get("app")
    services = getattr(getattr(app, "state", None), "services", None)
    return getattr(services, "types", None)


def render(scope, data, kind: str | None) -> tuple[bytes, str]:
    """(body, media type) of the data in the request's format."""
    if reply_format(scope) == XML:
        return xmlwire.write(data, kind, _types(scope)), MEDIA_TYPES[XML]
    return dumps(data), MEDIA_TYPES[JSON]


class Reply(Response):
    """The routes' data, written as XML or JSON when it is sent (the format is the request's). `kind`
    names what the data is (see xmlwire.KINDS) so that XML knows its element names; JSON ignores it."""

    def __init__(self, data, kind: str | None = None, status_code: int = 200, headers: dict | None = None):
        self.data, self.kind = data, kind
        self.status_code = status_code
        self.background = None
        self._extra_headers = headers

    async def __call__(self, scope, receive, send):
        body, media_type = render(scope, self.data, self.kind)
        Response.__init__(self, body, self.status_code, self._extra_headers, media_type)
        await super().__call__(scope, receive, send)


class TaskId(Response):
    """The id of a task just created: `{"string": id, **details}` in JSON; in XML the bare id as plain
    text, as XL Deploy answers, so that clients can put the body straight into `/task/{id}/start` (the
    details are in the task's metadata too)."""

    def __init__(self, task_id: str, details: dict | None = None):
        self.task_id, self.details = task_id, details or {}
        self.status_code = 200
        self.background = None

    async def __call__(self, scope, receive, send):
        if reply_format(scope) == XML:
            Response.__init__(self, self.task_id, 200, None, "text/plain")
        else:
            body = dumps({"string": self.task_id, **self.details})
            Response.__init__(self, body, 200, None, MEDIA_TYPES[JSON])
        await super().__call__(scope, receive, send)


def error_body(scope, message: str) -> tuple[bytes, str]:
    """(body, media type) of an error message, for the middlewares that answer before any route."""
    return render(scope, {"message": message}, "error")


def message_of(body: bytes) -> str | None:
    """The message of an error body in either format (for the audit trail)."""
    text = body.lstrip()
    if text.startswith(b"<"):
        return xmlwire.error_message(body)
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return None
    return data.get("message") if isinstance(data, dict) else None
