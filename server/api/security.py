"""Security routes (spec/cli-and-rest.md §4.8): users, roles, permissions, checks and the audit trail.

    GET    /security/user/                              user names                        security#edit
    POST   /security/user/{username}                    create {"username","password","admin"}   security#edit
    GET    /security/user/{username}                    {"username","admin"} (no password)       security#edit or self
    PUT    /security/user/{username}                    change the password {"password"}         security#edit or self
    DELETE /security/user/{username}                                                      security#edit
    GET    /security/role/                              role names                        security#edit
    GET    /security/role/roles[/{username}]            the roles of the caller [of a user]
    PUT    /security/role/{role}                        create                            security#edit
    POST   /security/role/{role}?newName=               rename (or body {"name": ...} / a JSON string)
    DELETE /security/role/{role}
    PUT    /security/role/{role}/{principal}            assign (creates the role)
    DELETE /security/role/{role}/{principal}            unassign
    GET|PUT|DELETE /security/permission/{permission}/{role}[/{id}]   check, grant, revoke (no id: global)
    GET    /security/granted-permissions[/{role}]      what the caller [a role] has:
                                                       {"global": [...], "cis": {id: [...]}}
    GET    /security/check/{permission}[/{id}]          {"boolean": ...}: whether the caller has it (there)
    GET    /security/audit?user=&since=&until=&page=&resultsPerPage=   the audit trail (admin)

Creating an admin user, changing the admin flag and granting or revoking the `admin` permission need
the admin permission itself, so that `security#edit` cannot make its holder an admin.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from ..errors import BadRequest
from ..security.permissions import ADMIN
from .common import boolean, call, int_param, json_body, no_content, ok, read_body, services, user
from .guard import needs, security

EDIT = "security#edit"


def _flag(value, what: str):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise BadRequest(f"'{what}' must be true or false, not {value!r}.")


async def _optional_body(request: Request):
    raw = await read_body(request)
    if not raw.strip():
        return None
    return await json_body(request)


# -- users -------------------------------------------------------------------------------------
@needs(EDIT)
async def list_users(request: Request):
    return ok(await call(security(request).user_names, user(request)))


@needs(EDIT + " (admin to create an admin user)")
async def create_user(request: Request):
    username = request.path_params["username"]
    body = await json_body(request, dict)
    if body.get("username") not in (None, username):
        raise BadRequest(f"The username in the body ({body.get('username')}) does not match the one in the path "
                         f"({username}).")
    password = body.get("password")
    if not isinstance(password, str) or not password:
        raise BadRequest(f"User {username} needs a password.")
    admin = _flag(body.get("admin"), "admin") or False
    await call(security(request).create_user, user(request), username, password, admin)
    return ok(await call(security(request).read_user, user(request), username), "user")


@needs(EDIT + ", or the user itself")
async def read_user(request: Request):
    return ok(await call(security(request).read_user, user(request), request.path_params["username"]), "user")


@needs(EDIT + ", or the user itself (admin to change the admin flag)")
async def modify_user(request: Request):
    username = request.path_params["username"]
    body = await json_body(request, dict)
    if body.get("username") not in (None, username):
        raise BadRequest(f"The username in the body ({body.get('username')}) does not match the one in the path "
                         f"({username}).")
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        raise BadRequest(f"The password of user {username} must be a string.")
    await call(security(request).modify_user, user(request), username, password, _flag(body.get("admin"), "admin"))
    return ok(await call(security(request).read_user, user(request), username), "user")


@needs(EDIT)
async def delete_user(request: Request):
    await call(security(request).delete_user, user(request), request.path_params["username"])
    return no_content()


# -- roles -------------------------------------------------------------------------------------
@needs(EDIT)
async def role_names(request: Request):
    return ok(await call(security(request).role_names, user(request)))


@needs("login (the caller's own roles)")
async def my_roles(request: Request):
    return ok(await call(security(request).roles_of, user(request)))


@needs(EDIT + ", or the user itself")
async def roles_of_user(request: Request):
    return ok(await call(security(request).roles_of, user(request), request.path_params["username"]))


@needs(EDIT)
async def create_role(request: Request):
    await call(security(request).create_role, user(request), request.path_params["role"])
    return no_content()


@needs(EDIT)
async def rename_role(request: Request):
    new_name = request.query_params.get("newName") or request.query_params.get("name")
    if not new_name:
        body = await _optional_body(request)
        if isinstance(body, dict):
            new_name = body.get("newName") or body.get("name") or body.get("role")
        elif isinstance(body, str):
            new_name = body
    if not isinstance(new_name, str) or not new_name.strip():
        raise BadRequest("Give the role's new name as query parameter 'newName'.")
    await call(security(request).rename_role, user(request), request.path_params["role"], new_name.strip())
    return no_content()


@needs(EDIT)
async def delete_role(request: Request):
    await call(security(request).delete_role, user(request), request.path_params["role"])
    return no_content()


@needs(EDIT)
async def assign_role(request: Request):
    await call(security(request).assign, user(request), request.path_params["role"], request.path_params["principal"])
    return no_content()


@needs(EDIT)
async def unassign_role(request: Request):
    await call(security(request).unassign, user(request), request.path_params["role"],
               request.path_params["principal"])
    return no_content()


# -- permissions -------------------------------------------------------------------------------
def _grant_args(request: Request) -> tuple[str, str, str]:
    p = request.path_params
    return p["permission"], p["role"], p.get("id") or ""


@needs(EDIT, changes=False)
async def is_granted(request: Request):
    return boolean(await call(security(request).is_granted, user(request), *_grant_args(request)))


@needs(EDIT + " (admin for the admin permission)")
async def grant(request: Request):
    await call(security(request).grant, user(request), *_grant_args(request))
    return no_content()


@needs(EDIT + " (admin for the admin permission)")
async def revoke(request: Request):
    await call(security(request).revoke, user(request), *_grant_args(request))
    return no_content()


@needs("login (the caller's own permissions)")
async def my_permissions(request: Request):
    return ok(await call(security(request).user_permissions, user(request)), "granted-permissions")


@needs(EDIT)
async def role_permissions(request: Request):
    return ok(await call(security(request).role_permissions, user(request), request.path_params["role"]),
              "granted-permissions")


@needs("login (checks the caller)")
async def check(request: Request):
    return boolean(await call(security(request).check, user(request), request.path_params["permission"],
                              request.path_params.get("id") or None))


# -- audit -------------------------------------------------------------------------------------
@needs(ADMIN)
async def audit_trail(request: Request):
    """Entries oldest first: id, time, user, action ("METHOD /path/{template}"), method, path, target (the
    ids in the path), address, status, result (OK, REFUSED, FAILED), message (for refusals and
    errors that name what went wrong). Paged from 1; the total is in X-Total-Count."""
    q = request.query_params
    entries, total = await call(services(request).audit.query, q.get("user") or None, q.get("since") or None,
                                q.get("until") or None, int_param(request, "page", 1),
                                int_param(request, "resultsPerPage", 100))
    return ok(entries, "audit", headers={"X-Total-Count": str(total)})


routes = [
    Route("/security/user/", list_users, methods=["GET"]),
    Route("/security/user", list_users, methods=["GET"]),
    Route("/security/user/{username}", create_user, methods=["POST"]),
    Route("/security/user/{username}", read_user, methods=["GET"]),
    Route("/security/user/{username}", modify_user, methods=["PUT"]),
    Route("/security/user/{username}", delete_user, methods=["DELETE"]),
    Route("/security/role/", role_names, methods=["GET"]),
    Route("/security/role", role_names, methods=["GET"]),
    Route("/security/role/roles", my_roles, methods=["GET"]),
    Route("/security/role/roles/{username}", roles_of_user, methods=["GET"]),
    Route("/security/role/{role}", create_role, methods=["PUT"]),
    Route("/security/role/{role}", rename_role, methods=["POST"]),
    Route("/security/role/{role}", delete_role, methods=["DELETE"]),
    Route("/security/role/{role}/{principal}", assign_role, methods=["PUT"]),
    Route("/security/role/{role}/{principal}", unassign_role, methods=["DELETE"]),
    Route("/security/permission/{permission}/{role}", is_granted, methods=["GET"]),
    Route("/security/permission/{permission}/{role}", grant, methods=["PUT"]),
    Route("/security/permission/{permission}/{role}", revoke, methods=["DELETE"]),
    Route("/security/permission/{permission}/{role}/{id:path}", is_granted, methods=["GET"]),
    Route("/security/permission/{permission}/{role}/{id:path}", grant, methods=["PUT"]),
    Route("/security/permission/{permission}/{role}/{id:path}", revoke, methods=["DELETE"]),
    Route("/security/granted-permissions", my_permissions, methods=["GET"]),
    Route("/security/granted-permissions/{role}", role_permissions, methods=["GET"]),
    Route("/security/check/{permission}", check, methods=["GET"]),
    Route("/security/check/{permission}/{id:path}", check, methods=["GET"]),
    Route("/security/audit", audit_trail, methods=["GET"]),
]
