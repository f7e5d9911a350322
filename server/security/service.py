"""The security service: who may do what (the checks), and the management of users, roles and grants.

How a check is decided (spec/engine.md §8):
- A user with the admin flag (the built-in `admin`), or in a role granted `admin`, may do everything.
- A permission granted globally to one of the user's roles holds on every CI.
- Otherwise a permission on a CI comes from the nearest node at or above the CI (the CI itself when it
  is a directory, its directories, its root) that has permissions set: those replace, never merge
  with, the ones set higher up. And every node on the way must grant the user `read` (a node
  without settings grants what its nearest ancestor with settings does; a root without settings
  grants nothing), or the lower grants do not count: `repo#edit` or `deploy#initial` always come
  with read. `login` alone sees no CI. A global `read` fulfils the read condition everywhere.
Checks read an in-memory snapshot of users, roles and grants, refreshed after every change made
through this server and at least every second (other servers sharing the database).
"""

from __future__ import annotations

import threading
import time

from ..errors import BadRequest, Forbidden, NotFound
from ..text import check_name, shown
from . import permissions as perms
from .permissions import ADMIN, LOGIN, READ, SECURITY_EDIT
from .store import GLOBAL, NAME_LENGTH, SecurityStore, Snapshot

SNAPSHOT_SECONDS = 1.0


def _prefixes(ci_id: str) -> list[str]:
    parts = ci_id.strip("/").split("/")
    return ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]


class Checker:
    """Permission checks against one snapshot."""

    def __init__(self, snap: Snapshot):
        self.snap = snap

    def roles(self, user: str) -> frozenset:
        return self.snap.roles_of.get(user, frozenset())

    def _global(self, user: str) -> set:
        granted = set()
        by_role = self.snap.grants.get(GLOBAL, {})
        for role in self.roles(user):
            granted |= by_role.get(role, frozenset())
        return granted

    def is_admin(self, user: str) -> bool:
        return user in self.snap.admins or ADMIN in self._global(user)

    def has(self, user: str, permission: str, ci_id: str | None = None) -> bool:
        if not user:
            return False
        if self.is_admin(user):
            return True
        granted = self._global(user)
        if permission in granted:
            return True
        if not ci_id or permission not in perms.CATALOGUE or not perms.CATALOGUE[permission].is_local:
            return False
        roles = self.roles(user)
        if not roles:
            return False
        prefixes = _prefixes(ci_id)
        settings = [self.snap.grants[p] for p in prefixes if p in self.snap.grants]
        if not settings:
            return False
        if READ not in granted:
            if prefixes[0] not in self.snap.grants:
                return False  # a root without settings grants read to no one
            for node in settings:
                if not any(READ in node.get(role, ()) for role in roles):
                    return False
        nearest = settings[-1]
        return any(permission in nearest.get(role, ()) for role in roles)

    def why_not(self, user: str, permission: str, ci_id: str | None) -> str:
        """When a node below grants the user something but a node above withholds read: that node, as
        the end of the refusal's sentence (otherwise the user is left to guess that the root, say, must
        grant read too)."""
        if not ci_id or permission not in perms.CATALOGUE or not perms.CATALOGUE[permission].is_local \
                or READ in self._global(user):
            return ""
        roles = self.roles(user)
        prefixes = _prefixes(ci_id)
        granting = [any(by_role.get(role) for role in roles) if (by_role := self.snap.grants.get(node)) else False
                    for node in prefixes]
        for index, node in enumerate(prefixes[:-1]):
            by_role = self.snap.grants.get(node)
            withholds = by_role is None if index == 0 else \
                by_role is not None and not any(READ in by_role.get(role, ()) for role in roles)
            if withholds:
                if any(granting[index + 1:]):
                    return f": {node} grants {user} no read (read is needed on every node from the root down)"
                return ""
        return ""


def refusal(user: str, permission: str, ci_id: str | None = None, why: str = "") -> Forbidden:
    where = f" on {ci_id}" if ci_id else ""
    return Forbidden(f"User {user} does not have permission {permission}{where}{why}.")


class Security:
    def __init__(self, store: SecurityStore, users, repository=None):
        self.store = store
        self.users = users
        self.repository = repository
        self._snap: Snapshot | None = None
        self._loaded = 0.0
        self._lock = threading.Lock()

    # -- the snapshot --------------------------------------------------------------------------
    def checker(self) -> Checker:
        now = time.monotonic()
        snap = self._snap
        if snap is None or now - self._loaded > SNAPSHOT_SECONDS:
            with self._lock:
                if self._snap is None or time.monotonic() - self._loaded > SNAPSHOT_SECONDS:
                    self._snap = self.store.load()
                    self._loaded = time.monotonic()
                snap = self._snap
        return Checker(snap)

    def invalidate(self) -> None:
        with self._lock:
            self._snap = None

    def password_hash(self, user: str) -> str | None:
        """The user's password hash as of the snapshot (None: no such user)."""
        return self.checker().snap.passwords.get(user)

    # -- checks --------------------------------------------------------------------------------
    def has(self, user: str, permission: str, ci_id: str | None = None) -> bool:
        return self.checker().has(user, permission, ci_id.strip("/") if ci_id else None)

    def require(self, user: str, permission: str, ci_id: str | None = None) -> None:
        """Forbidden naming the permission and the CI unless the user holds it there."""
        ci_id = ci_id.strip("/") if isinstance(ci_id, str) and ci_id.strip("/") else None
        checker = self.checker()
        if not checker.has(user, permission, ci_id):
            raise refusal(user, permission, ci_id, checker.why_not(user, permission, ci_id))

    def refusal(self, user: str, permission: str, ci_id: str) -> Forbidden:
        """The 403 for a permission found missing on a CI, naming the node that withholds it."""
        return refusal(user, permission, ci_id, self.checker().why_not(user, permission, ci_id))

    def require_any(self, user: str, permissions: tuple, ci_id: str | None = None) -> None:
        checker = self.checker()
        if not any(checker.has(user, p, ci_id) for p in permissions):
            raise refusal(user, " or ".join(permissions), ci_id)

    def require_somewhere(self, user: str, permissions: tuple, root: str, what: str) -> None:
        """Forbidden unless the user holds one of the permissions globally or on some node under root;
        a first check for actions whose CI is known only later (an import before its manifest is read)."""
        checker = self.checker()
        if checker.is_admin(user) or checker._global(user) & set(permissions):
            return
        roles = checker.roles(user)
        for ci_id, by_role in checker.snap.grants.items():
            if ci_id.split("/", 1)[0] == root and any(by_role.get(r, frozenset()) & set(permissions) for r in roles):
                return
        raise Forbidden(f"User {user} does not have permission {' or '.join(permissions)} on any {what}.")

    def is_admin(self, user: str) -> bool:
        return self.checker().is_admin(user)

    def may_login(self, user: str) -> bool:
        return self.checker().has(user, LOGIN)

    def holder(self, user: str, permission: str):
        """A predicate: does the user hold the permission on this CI id (one snapshot for a whole list)."""
        checker = self.checker()
        if checker.is_admin(user):
            return lambda ci_id: True
        return lambda ci_id: checker.has(user, permission, ci_id)

    def reader(self, user: str):
        return self.holder(user, READ)

    # -- users ---------------------------------------------------------------------------------
    def create_user(self, by: str, username: str, password: str, admin: bool = False) -> None:
        self.require(by, SECURITY_EDIT)
        if admin:
            self._require_admin(by, "create an admin user")
        if not isinstance(username, str) or not username.strip() or "/" in username or ":" in username:
            raise BadRequest(f"'{shown(str(username))}' is not a valid username: it must be non-empty and hold no "
                             f"'/' or ':'.")
        check_name(username, "The username", NAME_LENGTH)
        if not isinstance(password, str):
            raise BadRequest(f"The password of user {username} must be a string.")
        check_name(password, f"The password of user {username}", show=False)
        self.users.create(username, password, admin=bool(admin))
        self.invalidate()

    def read_user(self, by: str, username: str) -> dict:
        if by != username:
            self.require(by, SECURITY_EDIT)
        if not self.users.exists(username):
            raise NotFound(f"User {username} not found.")
        return {"username": username, "admin": self.users.is_admin(username)}

    def modify_user(self, by: str, username: str, password: str | None, admin=None) -> None:
        """Change a password (users may change their own) and, for admins only, the admin flag."""
        if by != username:
            self.require(by, SECURITY_EDIT)
        if not self.users.exists(username):
            raise NotFound(f"User {username} not found.")
        if admin is not None and bool(admin) != self.users.is_admin(username):
            self._require_admin(by, "change the admin flag of a user")
            if by == username:
                raise BadRequest("You cannot change your own admin flag.")
        if password is not None and password != "":
            if not isinstance(password, str):
                raise BadRequest(f"The password of user {username} must be a string.")
            check_name(password, f"The password of user {username}", show=False)
            self.users.set_password(username, password)
        if admin is not None:
            self.users.set_admin(username, bool(admin))
        self.invalidate()

    def delete_user(self, by: str, username: str) -> None:
        self.require(by, SECURITY_EDIT)
        if by == username:
            raise BadRequest("You cannot delete the user you are logged in as.")
        if self.users.is_admin(username):
            self._require_admin(by, "delete an admin user")
        self.users.delete(username)
        self.store.forget_principal(username)
        self.invalidate()

    def user_names(self, by: str) -> list[str]:
        self.require(by, SECURITY_EDIT)
        return self.users.names()

    def _require_admin(self, by: str, what: str) -> None:
        if not self.is_admin(by):
            raise Forbidden(f"User {by} does not have permission admin, needed to {what}.")

    # -- roles ---------------------------------------------------------------------------------
    def role_names(self, by: str) -> list[str]:
        self.require(by, SECURITY_EDIT)
        return sorted(self.checker().snap.principals)

    def roles_of(self, by: str, username: str | None = None) -> list[str]:
        username = username or by
        if username != by:
            self.require(by, SECURITY_EDIT)
        return sorted(self.checker().roles(username))

    def principals_of(self, by: str, role: str) -> list[str]:
        self.require(by, SECURITY_EDIT)
        snap = self.checker().snap
        if role not in snap.principals:
            raise NotFound(f"Role {role} not found.")
        return sorted(snap.principals[role])

    def _role_change(self, by: str, func, *args):
        self.require(by, SECURITY_EDIT)
        try:
            return func(*args)
        finally:
            self.invalidate()

    def create_role(self, by: str, role: str) -> bool:
        return self._role_change(by, self.store.create_role, role)

    def rename_role(self, by: str, role: str, new_name: str) -> None:
        self._role_change(by, self.store.rename_role, role, new_name)

    def delete_role(self, by: str, role: str) -> None:
        self._role_change(by, self.store.delete_role, role)

    def assign(self, by: str, role: str, principal: str) -> None:
        self._role_change(by, self.store.assign, role, principal)

    def unassign(self, by: str, role: str, principal: str) -> None:
        self._role_change(by, self.store.unassign, role, principal)

    # -- grants --------------------------------------------------------------------------------
    def _grant_target(self, permission, ci_id) -> tuple[str, str]:
        permission = perms.canonical(permission)
        ci_id = (ci_id or "").strip().strip("/")
        if ci_id:
            if self.repository is None:
                raise BadRequest("Permissions on CIs are not available.")
            rec = self.repository.read(ci_id)  # NotFound when it does not exist
            perms.check_grant(permission, rec.id, rec.type)
            ci_id = rec.id
        return permission, ci_id

    def grant(self, by: str, permission: str, role: str, ci_id: str | None = None) -> bool:
        self.require(by, SECURITY_EDIT)
        permission, ci_id = self._grant_target(permission, ci_id)
        if permission == ADMIN:
            self._require_admin(by, "grant the admin permission")
        try:
            return self.store.grant(permission, role, ci_id)
        finally:
            self.invalidate()

    def revoke(self, by: str, permission: str, role: str, ci_id: str | None = None) -> bool:
        self.require(by, SECURITY_EDIT)
        permission = perms.canonical(permission)
        ci_id = (ci_id or "").strip().strip("/")
        if permission == ADMIN:
            self._require_admin(by, "revoke the admin permission")
        try:
            return self.store.revoke(permission, role, ci_id)
        finally:
            self.invalidate()

    def is_granted(self, by: str, permission: str, role: str, ci_id: str | None = None) -> bool:
        """Whether the role itself has the permission set there (globally when ci_id is empty);
        inheritance applies: a directory without settings answers with its nearest ancestor's."""
        self.require(by, SECURITY_EDIT)
        permission = perms.canonical(permission)
        snap = self.checker().snap
        if role not in snap.principals:
            raise NotFound(f"Role {role} not found.")
        if permission in snap.grants.get(GLOBAL, {}).get(role, ()):
            return True
        if not ci_id:
            return False
        settings = [p for p in _prefixes(ci_id) if p in snap.grants]
        return bool(settings) and permission in snap.grants[settings[-1]].get(role, ())

    def role_permissions(self, by: str, role: str) -> dict:
        """{"role", "global": [...], "cis": {ci id: [...]}}: what is set for the role."""
        self.require(by, SECURITY_EDIT)
        snap = self.checker().snap
        if role not in snap.principals:
            raise NotFound(f"Role {role} not found.")
        return self._permissions_of({role}, snap) | {"role": role}

    def user_permissions(self, user: str) -> dict:
        """The calling user's own: {"username", "admin", "roles", "global", "cis"}."""
        checker = self.checker()
        roles = set(checker.roles(user))
        out = self._permissions_of(roles, checker.snap)
        admin = checker.is_admin(user)
        if admin and ADMIN not in out["global"]:
            out["global"] = sorted(out["global"] + [ADMIN])
        return {"username": user, "admin": admin, "roles": sorted(roles)} | out

    @staticmethod
    def _permissions_of(roles: set, snap: Snapshot) -> dict:
        globals_, cis = set(), {}
        for ci_id, by_role in snap.grants.items():
            found = set()
            for role in roles:
                found |= by_role.get(role, frozenset())
            if not found:
                continue
            if ci_id == GLOBAL:
                globals_ = found
            else:
                cis[ci_id] = sorted(found)
        return {"global": sorted(globals_), "cis": dict(sorted(cis.items()))}

    def check(self, user: str, permission: str, ci_id: str | None = None) -> bool:
        """The calling user's own check (GET /security/check)."""
        return self.has(user, perms.canonical(permission), ci_id)
