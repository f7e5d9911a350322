"""`security`: users, roles and permissions (REST /security), and switching users inside a session.

As in the original: `assignRole(role, [])` creates an empty role, `grant(permission, role)` grants
globally and `grant(permission, role, [ids])` on roots or directories, `str(getPermissions(role))`
lists the permission names (printed, it is a table).
"""

from __future__ import annotations

from urllib.parse import quote

from ..client import DeployitException, quote_id
from ..compat import wrap
from .base import CliObject, signature

MASK = "********"
ROOTS = ("Applications", "Environments", "Infrastructure", "Configuration")


class UserAlreadyExistsException(DeployitException):
    """security.createUser for a name that is taken (com.xebialabs.deployit.security.authentication)."""


def _segment(value) -> str:
    """A name as one URL path segment (`repo#edit` -> `repo%23edit`)."""
    return quote(str(value), safe="")


def _names(values) -> list[str]:
    """A list of names from a Java or Python list, a tuple, a set or one string (None: empty)."""
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values]


class User:
    """A user of the internal user store as `security.readUser` returns it. Set `password` and pass it to
    `security.modifyUser` to change the password; the stored password is never shown."""

    def __init__(self, username: str, admin: bool = False):
        self.username = username
        self.admin = bool(admin)
        self.password = None

    def getUsername(self):  # noqa: N802 - Java-style accessors, as scripts use them
        return self.username

    def getPassword(self):  # noqa: N802
        return self.password

    def setPassword(self, password):  # noqa: N802
        self.password = password

    def isAdmin(self):  # noqa: N802
        return self.admin

    def __repr__(self) -> str:
        return f"User {self.username} (admin: {'true' if self.admin else 'false'}, password: {MASK})"

    __str__ = __repr__


class AssignedPermissions:
    """The permissions of a role (or of the logged-in user): global ones and those set on roots and
    directories. Printed it is a table; `str()` holds every permission name."""

    def __init__(self, data: dict):
        self.role = data.get("role")
        self.username = data.get("username")
        self.roles = list(data.get("roles") or [])
        self.admin = bool(data.get("admin"))
        self.globalPermissions = wrap(list(data.get("global") or []))
        self.ciPermissions = wrap({k: list(v) for k, v in (data.get("cis") or {}).items()})

    def getGlobalPermissions(self):  # noqa: N802
        return self.globalPermissions

    def getPermissions(self, ci_id=None):  # noqa: N802
        """The permissions set on one CI (a root or directory), or the global ones without an id."""
        if ci_id is None:
            return self.globalPermissions
        return wrap(list(self.ciPermissions.get(str(ci_id).strip("/"), [])))

    def getCiIds(self):  # noqa: N802
        return wrap(sorted(self.ciPermissions))

    def names(self) -> list[str]:
        """Every permission name, once."""
        found = list(self.globalPermissions)
        for perms in self.ciPermissions.values():
            found.extend(perms)
        return sorted(set(found))

    def __contains__(self, name) -> bool:
        return str(name) in self.names()

    def __iter__(self):
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def _title(self) -> str:
        if self.role is not None:
            return f"Permissions of role {self.role}"
        roles = ", ".join(self.roles) or "no roles"
        admin = "; admin" if self.admin else ""
        return f"Permissions of user {self.username} ({roles}{admin})"

    def __str__(self) -> str:
        rows = [("global", self.globalPermissions)] + sorted(self.ciPermissions.items())
        rows = [(where, perms) for where, perms in rows if perms]
        if not rows:
            return f"{self._title()}: none"
        width = max(len(where) for where, _ in rows)
        lines = [f"{self._title()}:"]
        for where, perms in rows:
            lines.append(f"  {where.ljust(width)} : {', '.join(sorted(perms))}")
        return "\n".join(lines)

    __repr__ = __str__


class Security(CliObject):
    name = "security"
    description = "Access to the security settings of XL Deploy."

    # -- session -------------------------------------------------------------------------------
    @signature("(String username, String password) : void")
    def login(self, username, password):
        """Log in as another user. The credentials are checked first; when they are wrong the session stays
        with the current user and an error is raised."""
        client = self._client
        previous = (client.username, client.password)
        client.set_credentials(str(username), "" if password is None else str(password))
        try:
            client.check_login()
        except Exception:
            client.set_credentials(*previous)
            raise
        self._session.types.reset()

    @signature("() : void")
    def logout(self):
        """Log out; until security.login(...) the server refuses further calls."""
        self._client.set_credentials(None, None)

    # -- users ---------------------------------------------------------------------------------
    @signature("(String username, String password) : User", "(String username, String password, boolean admin) : User")
    def createUser(self, username, password, admin=False):  # noqa: N802
        """Create a user of the internal user store (needs security#edit; an admin user needs admin)."""
        try:
            data = self._client.post(f"/security/user/{_segment(username)}",
                                     {"username": str(username), "password": str(password), "admin": bool(admin)})
        except DeployitException as exc:
            if exc.status == 409:  # scripts catch this one by its Java name
                raise UserAlreadyExistsException(exc.message, exc.status, exc.body) from None
            raise
        return User(data.get("username", str(username)), data.get("admin", False))

    @signature("(String username) : User")
    def readUser(self, username):  # noqa: N802
        """The user, without its password. Set `.password` on it and call modifyUser to change it."""
        data = self._client.get(f"/security/user/{_segment(username)}")
        return User(data["username"], data.get("admin", False))

    @signature("(User user) : void")
    def modifyUser(self, user):  # noqa: N802
        """Save a user read with readUser: its new password (when set)."""
        username = getattr(user, "username", None) or str(user)
        password = getattr(user, "password", None)
        body = {"username": username}
        if password not in (None, "", MASK):
            body["password"] = str(password)
        self._client.put(f"/security/user/{_segment(username)}", body)
        if hasattr(user, "password"):
            user.password = None

    @signature("(String username) : void")
    def deleteUser(self, username):  # noqa: N802
        """Delete a user (it also leaves every role it had)."""
        self._client.delete(f"/security/user/{_segment(username)}")

    # -- roles ---------------------------------------------------------------------------------
    @signature("(String role, List<String> principals) : void")
    def assignRole(self, role, principals):  # noqa: N802
        """Assign users to a role, creating the role when it does not exist (an empty list just creates it)."""
        self._client.put(f"/security/role/{_segment(role)}")
        for principal in _names(principals):
            self._client.put(f"/security/role/{_segment(role)}/{_segment(principal)}")

    @signature("(String role, String principal) : void")
    def unassignRole(self, role, principal):  # noqa: N802
        """Take one user out of a role."""
        self._client.delete(f"/security/role/{_segment(role)}/{_segment(principal)}")

    @signature("(String role) : void")
    def removeRole(self, role):  # noqa: N802
        """Delete a role with its assignments and permissions."""
        self._client.delete(f"/security/role/{_segment(role)}")

    @signature("(String role, String newName) : void")
    def renameRole(self, role, new_name):  # noqa: N802
        """Rename a role; its users and permissions follow."""
        self._client.post(f"/security/role/{_segment(role)}", params={"newName": str(new_name)})

    @signature("() : List<String>")
    def getRoleNames(self):  # noqa: N802
        """The names of every role."""
        return wrap(list(self._client.get("/security/role/") or []))

    @signature("() : List<String>", "(String username) : List<String>")
    def getRoles(self, username=None):  # noqa: N802
        """The roles of the logged-in user, or of another user."""
        path = "/security/role/roles" + (f"/{_segment(username)}" if username else "")
        return wrap(list(self._client.get(path) or []))

    # -- permissions ---------------------------------------------------------------------------
    def _permission_paths(self, permission, role, ci_ids):
        base = f"/security/permission/{_segment(permission)}/{_segment(role)}"
        ids = _names(ci_ids)
        return [base] if not ids else [f"{base}/{quote_id(i)}" for i in ids]

    @signature("(String permission, String role) : void",
               "(String permission, String role, List<String> ciIds) : void")
    def grant(self, permission, role, ciIds=None):  # noqa: N802,N803
        """Grant a permission to a role: globally without ids, else on each root or directory."""
        for path in self._permission_paths(permission, role, ciIds):
            self._client.put(path)

    @signature("(String permission, String role) : void",
               "(String permission, String role, List<String> ciIds) : void")
    def revoke(self, permission, role, ciIds=None):  # noqa: N802,N803
        """Revoke a permission from a role: globally without ids, else on each root or directory."""
        for path in self._permission_paths(permission, role, ciIds):
            self._client.delete(path)

    @signature("() : AssignedPermissions", "(String role) : AssignedPermissions")
    def getPermissions(self, role=None):  # noqa: N802
        """The permissions of a role, or of the logged-in user, as a table: the prompt shows it, a script
        prints it with print(security.getPermissions('deployers')) (a bare call in a script prints
        nothing, as in any Python script); str() lists the names."""
        if role is None:
            return AssignedPermissions(self._client.get("/security/granted-permissions"))
        return AssignedPermissions(self._client.get(f"/security/granted-permissions/{_segment(role)}"))

    @signature("(String permission) : boolean", "(String permission, String ciId) : boolean",
               "(String role, String permission) : boolean", "(String role, String permission, String ciId) : boolean")
    def isGranted(self, first, second=None, third=None):  # noqa: N802
        """Whether the logged-in user has a permission (globally, or on a CI), as
        `isGranted('deploy#initial', 'Environments/DEV')`; or whether a role has it, as
        `isGranted('deployer', 'login')` or `isGranted('deployer', 'read', 'Environments/DEV')`."""
        first, second = str(first), None if second is None else str(second)
        if third is None and (second is None or second.split("/", 1)[0] in ROOTS):
            return self.hasPermission(first, second)
        known = self._permission_names()
        role, permission = (second, first) if first in known and second not in known else (first, second)
        path = self._permission_paths(permission, role, [third] if third else None)[0]
        return bool(self._client.get(path)["boolean"])

    @signature("(String permission) : boolean", "(String permission, String ciId) : boolean")
    def hasPermission(self, permission, ciId=None):  # noqa: N802,N803
        """Whether the logged-in user has a permission, globally or on a CI."""
        path = f"/security/check/{_segment(permission)}" + (f"/{quote_id(ciId)}" if ciId else "")
        return bool(self._client.get(path)["boolean"])

    def _permission_names(self) -> set:
        return {p["permissionName"] for p in self._client.get("/metadata/permissions") or []}
