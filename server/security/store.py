"""Roles, their principals and their grants in the database, and the snapshot the checks read.

A grant is (role, permission, ci_id) with ci_id "" for a global grant. Principals are not checked
against the user store (as in XL Deploy, where they may also be LDAP names), but deleting a user
removes it from its roles so that a new user of the same name starts with none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, delete, insert, select, update

from ..errors import BadRequest, Conflict, NotFound
from ..store.database import Database, Transaction, subtree
from ..store.tables.security import role_permissions, role_principals, roles, users
from ..text import check_name, shown

GLOBAL = ""


@dataclass(frozen=True)
class Snapshot:
    """Everything a permission check needs, read at once."""
    users: frozenset = frozenset()
    admins: frozenset = frozenset()                       # users with the admin flag
    passwords: dict = field(default_factory=dict)        # user -> password hash (ends logins cached before a change)
    principals: dict = field(default_factory=dict)       # role -> frozenset of principals
    roles_of: dict = field(default_factory=dict)         # principal -> frozenset of roles
    grants: dict = field(default_factory=dict)           # ci_id ("" global) -> {role: frozenset of permissions}


NAME_LENGTH = 255  # the columns of role and principal names


def check_role_name(name) -> str:
    text = str(name or "").strip()
    if not text or "/" in text:
        raise BadRequest(f"'{shown(str(name))}' is not a valid role name: it must be non-empty and hold no '/'.")
    return check_name(text, "The role name", NAME_LENGTH)


class SecurityStore:
    def __init__(self, db: Database):
        self.db = db
        # Called once a change of grants this store made on its own has committed: the grants set on directories
        # that follow them when the repository moves or deletes them (`ci_moved`, `ci_deleted`).
        self.changed = None

    # -- reading -------------------------------------------------------------------------------
    def load(self) -> Snapshot:
        with self.db.read() as conn:
            user_rows = conn.execute(select(users.c.username, users.c.admin, users.c.password_hash)).all()
            role_names = [r.name for r in conn.execute(select(roles.c.name))]
            assignments = conn.execute(select(role_principals.c.role, role_principals.c.principal)).all()
            grant_rows = conn.execute(select(role_permissions)).all()
        principals: dict[str, set] = {name: set() for name in role_names}
        roles_of: dict[str, set] = {}
        for row in assignments:
            principals.setdefault(row.role, set()).add(row.principal)
            roles_of.setdefault(row.principal, set()).add(row.role)
        grants: dict[str, dict[str, set]] = {}
        for row in grant_rows:
            grants.setdefault(row.ci_id, {}).setdefault(row.role, set()).add(row.permission)
        return Snapshot(
            users=frozenset(r.username for r in user_rows),
            admins=frozenset(r.username for r in user_rows if r.admin),
            passwords={r.username: r.password_hash for r in user_rows},
            principals={k: frozenset(v) for k, v in principals.items()},
            roles_of={k: frozenset(v) for k, v in roles_of.items()},
            grants={ci: {role: frozenset(p) for role, p in by_role.items()} for ci, by_role in grants.items()})

    @staticmethod
    def _role_exists(conn: Transaction, role: str) -> bool:
        return conn.execute(select(roles.c.name).where(roles.c.name == role)).first() is not None

    def _must_exist(self, conn: Transaction, role: str) -> None:
        if not self._role_exists(conn, role):
            raise NotFound(f"Role {role} not found.")

    # -- roles ---------------------------------------------------------------------------------
    def create_role(self, role: str) -> bool:
        """Create a role; False when it existed already (creating is idempotent, as assignRole is)."""
        role = check_role_name(role)
        with self.db.write() as conn:
            if self._role_exists(conn, role):
                return False
            conn.execute(insert(roles).values(name=role))
            return True

    def rename_role(self, role: str, new_name: str) -> None:
        new_name = check_role_name(new_name)
        with self.db.write() as conn:
            self._must_exist(conn, role)
            if new_name == role:
                return
            if self._role_exists(conn, new_name):
                raise Conflict(f"Cannot rename role {role} to {new_name}: role {new_name} already exists.")
            conn.execute(insert(roles).values(name=new_name))
            conn.execute(update(role_principals).where(role_principals.c.role == role).values(role=new_name))
            conn.execute(update(role_permissions).where(role_permissions.c.role == role).values(role=new_name))
            conn.execute(delete(roles).where(roles.c.name == role))

    def delete_role(self, role: str) -> None:
        with self.db.write() as conn:
            self._must_exist(conn, role)
            conn.execute(delete(role_principals).where(role_principals.c.role == role))
            conn.execute(delete(role_permissions).where(role_permissions.c.role == role))
            conn.execute(delete(roles).where(roles.c.name == role))

    def assign(self, role: str, principal: str) -> None:
        """Assign a principal to a role, creating the role when it does not exist."""
        role = check_role_name(role)
        principal = str(principal or "").strip()
        if not principal:
            raise BadRequest(f"Name the principal to assign to role {role}.")
        check_name(principal, "The principal name", NAME_LENGTH)
        with self.db.write() as conn:
            if not self._role_exists(conn, role):
                conn.execute(insert(roles).values(name=role))
            found = conn.execute(select(role_principals.c.role).where(and_(
                role_principals.c.role == role, role_principals.c.principal == principal))).first()
            if found is None:
                conn.execute(insert(role_principals).values(role=role, principal=principal))

    def unassign(self, role: str, principal: str) -> None:
        with self.db.write() as conn:
            self._must_exist(conn, role)
            result = conn.execute(delete(role_principals).where(and_(
                role_principals.c.role == role, role_principals.c.principal == principal)))
            if result.rowcount == 0:
                raise NotFound(f"Principal {principal} is not assigned to role {role}.")

    def forget_principal(self, principal: str) -> None:
        with self.db.write() as conn:
            conn.execute(delete(role_principals).where(role_principals.c.principal == principal))

    # -- grants --------------------------------------------------------------------------------
    def grant(self, permission: str, role: str, ci_id: str = GLOBAL) -> bool:
        """Grant; False when the role had it already."""
        with self.db.write() as conn:
            self._must_exist(conn, role)
            where = and_(role_permissions.c.role == role, role_permissions.c.permission == permission,
                         role_permissions.c.ci_id == ci_id)
            if conn.execute(select(role_permissions.c.role).where(where)).first() is not None:
                return False
            conn.execute(insert(role_permissions).values(role=role, permission=permission, ci_id=ci_id))
            return True

    def revoke(self, permission: str, role: str, ci_id: str = GLOBAL) -> bool:
        """Revoke; False when the role did not have it."""
        with self.db.write() as conn:
            self._must_exist(conn, role)
            result = conn.execute(delete(role_permissions).where(and_(
                role_permissions.c.role == role, role_permissions.c.permission == permission,
                role_permissions.c.ci_id == ci_id)))
            return result.rowcount > 0

    # -- CIs moved and deleted (the repository's listener) ---------------------------------------
    def ci_moved(self, old: str, new: str) -> None:
        """The grants set on a moved or renamed CI and on those below it go with them (inside the repository's
        transaction)."""
        with self.db.write() as conn:
            rows = conn.execute(select(role_permissions).where(subtree(role_permissions.c.ci_id, old))).all()
            for row in rows:
                conn.execute(update(role_permissions).where(and_(
                    role_permissions.c.role == row.role, role_permissions.c.permission == row.permission,
                    role_permissions.c.ci_id == row.ci_id)).values(ci_id=new + row.ci_id[len(old):]))
            if rows:
                self._tell(conn)

    def ci_deleted(self, ci_id: str) -> None:
        """The grants set on a deleted CI and on those below it go with it (inside the repository's transaction)."""
        with self.db.write() as conn:
            if conn.execute(delete(role_permissions).where(subtree(role_permissions.c.ci_id, ci_id))).rowcount:
                self._tell(conn)

    def _tell(self, conn: Transaction) -> None:
        if self.changed is not None:
            conn.on_commit(self.changed)
