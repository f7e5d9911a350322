"""What the Users, Roles and Permissions documents of a file change, as actions run after the CIs.

- A user of the file is created with its password; an existing user gets the password only when it
  differs (the server is asked whether the password logs the user in; it never shows one).
- A role of the file is created when missing and gets the principals the file lists; principals it
  has besides are left alone (as CIs the file does not mention).
- A role's permissions at a level (global, or on a directory) are exactly those the file lists there:
  missing ones are granted and others revoked. Levels and roles the file does not name are left alone.
"""

from __future__ import annotations

from urllib.parse import quote

from ..client import Client, DeployitException, quote_id
from . import values
from .contents import Contents
from .document import AsCodeError
from .plan import Action, PropertyChange


def _segment(text: str) -> str:
    """A name as one URL path segment (`repo#edit` -> `repo%23edit`)."""
    return quote(str(text), safe="")


def plan(client, contents: Contents, xl_values, in_file: dict, exists) -> list[Action]:
    actions = _users(client, contents, xl_values)
    actions += _roles(client, contents)
    actions += _permissions(client, contents, in_file, exists)
    return actions


# -- users ------------------------------------------------------------------------------------------
def _users(client, contents: Contents, xl_values) -> list[Action]:
    if not contents.users:
        return []
    existing = {str(u) for u in client.get("/security/user/") or []}
    actions = []
    for spec in contents.users:
        password = values.given_secret(_password(spec, xl_values))
        if spec.username not in existing:
            if password is None:
                raise AsCodeError(f"{spec.where}: user {spec.username} does not exist yet and needs a password.")
            actions.append(Action("CREATE", f"user {spec.username}", [PropertyChange("password", None, _NEW)],
                                  _create_user(spec.username, password)))
        elif password is not None and not _logs_in(client, spec.username, password):
            actions.append(Action("UPDATE", f"user {spec.username}", [PropertyChange("password", values.MASK, _NEW)],
                                  _set_password(spec.username, password)))
    return actions


_NEW = f"{values.MASK} (new value)"


def _password(spec, xl_values):
    from .document import SECRET_TAG, tag_of
    raw = spec.password
    if tag_of(raw) == SECRET_TAG:
        name = str(raw.value or "").strip()
        value = xl_values.get(name) if name else None
        if value is None:
            raise AsCodeError(f"{spec.where}: the secret {name or 'NAME'} for the password of user {spec.username} "
                              f"has no value; give it with --values, XL_VALUE_{name or 'NAME'} or a .xlvals file.")
        return value
    return values._secret_or_text(raw, xl_values)


def _logs_in(client, username: str, password: str) -> bool:
    """Whether the password is the user's: the server answers a login with it (and shows nothing)."""
    probe = Client(client.url, username, password)
    probe.session.verify = client.session.verify
    try:
        probe.get("/server/info")
    except DeployitException as exc:
        return exc.status != 401
    return True


def _create_user(username: str, password: str):
    def run(client):
        client.post(f"/security/user/{_segment(username)}", body={"username": username, "password": password})
    return run


def _set_password(username: str, password: str):
    def run(client):
        client.put(f"/security/user/{_segment(username)}", body={"username": username, "password": password})
    return run


# -- roles ------------------------------------------------------------------------------------------
def _roles(client, contents: Contents) -> list[Action]:
    if not contents.roles:
        return []
    existing = {str(r) for r in client.get("/security/role/") or []}
    wanted: dict[str, list[str]] = {}
    for spec in contents.roles:
        principals = wanted.setdefault(spec.name, [])
        principals.extend(p for p in spec.principals if p not in principals)
    actions = []
    for role, principals in wanted.items():
        if role not in existing:
            diffs = [PropertyChange("principals", None, ", ".join(principals))] if principals else []
            actions.append(Action("CREATE", f"role {role}", diffs, _assign(role, principals)))
            continue
        missing = [p for p in principals if role not in _roles_of(client, p)]
        if missing:
            actions.append(Action("UPDATE", f"role {role}", [PropertyChange("principals", None,
                                                                            "+ " + ", + ".join(missing))],
                                  _assign(role, missing)))
    return actions


def _roles_of(client, principal: str) -> list[str]:
    try:
        return [str(r) for r in client.get(f"/security/role/roles/{_segment(principal)}") or []]
    except DeployitException as exc:
        if exc.status == 404:
            return []
        raise


def _assign(role: str, principals: list[str]):
    def run(client):
        client.put(f"/security/role/{_segment(role)}")
        for principal in principals:
            client.put(f"/security/role/{_segment(role)}/{_segment(principal)}")
    return run


# -- permissions ------------------------------------------------------------------------------------
def _permissions(client, contents: Contents, in_file: dict, exists) -> list[Action]:
    if not contents.permissions:
        return []
    known = {p.get("permissionName") for p in client.get("/metadata/permissions") or [] if isinstance(p, dict)}
    roles = {str(r) for r in client.get("/security/role/") or []} | {r.name for r in contents.roles}
    wanted: dict[tuple, list[str]] = {}
    where: dict[tuple, str] = {}
    for spec in contents.permissions:
        if spec.role not in roles:
            raise AsCodeError(f"{spec.where}: role {spec.role} does not exist; create it in a Roles document.")
        for name in spec.permissions:
            if name not in known:
                raise AsCodeError(f"{spec.where}: '{name}' is not a permission of the server; the permissions are "
                                  f"listed by GET /metadata/permissions.")
        if spec.ci_id is not None and spec.ci_id not in in_file and not exists(spec.ci_id):
            raise AsCodeError(f"{spec.where}: the permissions of role {spec.role} are on {spec.ci_id}, which is "
                              f"neither in the repository nor in the file.")
        names = wanted.setdefault((spec.role, spec.ci_id), [])
        names.extend(n for n in spec.permissions if n not in names)
        where.setdefault((spec.role, spec.ci_id), spec.where)
    granted: dict[str, dict] = {}
    actions = []
    for (role, ci_id), names in wanted.items():
        if role not in granted:
            granted[role] = _granted(client, role)
        now = granted[role]["global"] if ci_id is None else granted[role]["cis"].get(ci_id, [])
        grant = [n for n in names if n not in now]
        revoke = [n for n in now if n not in names]
        if not grant and not revoke:
            continue
        diffs = ([PropertyChange("granted", None, ", ".join(grant))] if grant else []) + \
                ([PropertyChange("revoked", None, ", ".join(revoke))] if revoke else [])
        level = "global" if ci_id is None else f"on {ci_id}"
        actions.append(Action("UPDATE", f"permissions of role {role} ({level})", diffs,
                              _change_permissions(role, ci_id, grant, revoke)))
    return actions


def _granted(client, role: str) -> dict:
    try:
        data = client.get(f"/security/granted-permissions/{_segment(role)}") or {}
    except DeployitException as exc:
        if exc.status == 404:
            return {"global": [], "cis": {}}
        raise
    cis = {str(k).strip("/"): list(v or []) for k, v in (data.get("cis") or {}).items()}
    return {"global": list(data.get("global") or []), "cis": cis}


def _change_permissions(role: str, ci_id: str | None, grant: list[str], revoke: list[str]):
    def run(client):
        tail = f"/{quote_id(ci_id)}" if ci_id else ""
        for name in grant:
            client.put(f"/security/permission/{_segment(name)}/{_segment(role)}{tail}")
        for name in revoke:
            client.delete(f"/security/permission/{_segment(name)}/{_segment(role)}{tail}")
    return run
