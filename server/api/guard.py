"""Permission checks in the routes: every handler declares what it needs with `@needs(...)`, which checks a
global permission itself; a handler whose need depends on its object checks it with `require(...)` (or a
policy of server/security/policy.py) before doing anything.

`login` is checked for every request by the authentication middleware. `create_app` makes any handler
without `@needs` admin-only (deny by default) and logs it; tests/integration/test_security_matrix.py
calls every route and fails for a route it does not know.
"""

from __future__ import annotations

import functools

from starlette.requests import Request

from ..security.permissions import CATALOGUE, LOGIN
from ..store.secrets import MASK, PREFIX
from .common import call, services, user


def needs(description: str, *, changes: bool | None = None, audited: bool = False):
    """Mark a handler with what it needs, in words (shown in the README's permission table). When that is one
    permission that holds only globally (`admin`, `security#edit`...), it is checked here, before the handler
    runs; otherwise the handler checks what the words say, with `require` or a policy of security/policy.py.
    `changes=False` marks a POST that changes nothing (left out of the audit trail unless `audited`, and let
    through in maintenance mode)."""

    def mark(handler):
        if description in _GLOBAL_ONLY:
            handler = _requiring(description, handler)
        handler.__needs__ = description
        if changes is not None:
            handler.__changes__ = changes
        if audited:
            handler.__audited__ = True
        return handler

    return mark


# `login` is left to the authentication middleware, which checks it for every request.
_GLOBAL_ONLY = {name for name, permission in CATALOGUE.items() if not permission.is_local and name != LOGIN}


def _requiring(permission: str, handler):
    @functools.wraps(handler)
    async def guarded(request: Request):
        require(request, permission)
        return await handler(request)

    return guarded


def admin_only(handler):
    """The fallback for a handler that declares nothing: admins only."""

    @functools.wraps(handler)
    async def guarded(request: Request):
        require(request, "admin")
        return await handler(request)

    guarded.__needs__ = "admin (no permission declared)"
    return guarded


def security(request: Request):
    return services(request).security


def policy(request: Request):
    return services(request).policy


def require(request: Request, permission: str, ci_id: str | None = None) -> None:
    """403 naming the permission (and the CI) unless the caller holds it."""
    security(request).require(user(request), permission, ci_id)


def require_each(request: Request, permission: str, ci_ids: list[str]) -> None:
    """`require` for each id of a list (one snapshot for the whole list). The ids are those the service
    acts on: read from the request by server/refs.py, never by the route itself."""
    caller = user(request)
    holds = security(request).holder(caller, permission)
    for ci_id in ci_ids:
        if not holds(ci_id):
            raise security(request).refusal(caller, permission, ci_id)


async def check(request: Request, func, *args) -> None:
    """Run a policy check that reads the repository or the task store, off the event loop."""
    await call(func, user(request), *args)


def audit(request: Request, *ids) -> None:
    """Name the CIs or tasks an action worked on in its audit entry (besides the ids in its path)."""
    found = request.state.audit_ids if hasattr(request.state, "audit_ids") else []
    found.extend(str(i) for i in ids if i)
    request.state.audit_ids = found


def mask_secrets(value):
    """A JSON value with every encrypted string (`{b64}...`) replaced by ********."""
    if isinstance(value, str):
        return MASK if value.startswith(PREFIX) else value
    if isinstance(value, dict):
        return {k: mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value
