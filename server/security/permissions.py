"""The permissions XL Deploy knows: which are global, which may be set on a root or directory and on
which roots, and the checks a grant must pass (spec/engine.md §8).

Every local permission may also be granted globally; a global grant then holds on every CI.
`deploy#remove` (named so in the REST documentation) is read as `deploy#undeploy`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import BadRequest

ALL_ROOTS = ("Applications", "Environments", "Infrastructure", "Configuration")

LOGIN = "login"
ADMIN = "admin"
READ = "read"
REPO_EDIT = "repo#edit"
SECURITY_EDIT = "security#edit"
REPORT_VIEW = "report#view"
IMPORT_INITIAL, IMPORT_UPGRADE, IMPORT_REMOVE = "import#initial", "import#upgrade", "import#remove"
DEPLOY_INITIAL, DEPLOY_UPGRADE, DEPLOY_UNDEPLOY = "deploy#initial", "deploy#upgrade", "deploy#undeploy"
TASK_ASSIGN, TASK_TAKEOVER, TASK_SKIP_STEP = "task#assign", "task#takeover", "task#skip_step"
TASK_PREVIEW_STEP, TASK_MOVE_STEP = "task#preview_step", "task#move_step"
CONTROLTASK_EXECUTE = "controltask#execute"
DISCOVERY = "discovery"
GENERATE_DSL = "generate#dsl"


@dataclass(frozen=True)
class Permission:
    name: str
    is_global: bool          # may be granted without a CI (every permission may)
    roots: tuple = ()        # the roots under which it may be set on a root or directory; () = global only
    description: str = ""

    @property
    def is_local(self) -> bool:
        return bool(self.roots)


_ENV = ("Environments",)
_APPS = ("Applications",)

CATALOGUE: dict[str, Permission] = {p.name: p for p in (
    Permission(ADMIN, True, (), "Everything, everywhere."),
    Permission(LOGIN, True, (), "Log in; needed for any request."),
    Permission(SECURITY_EDIT, True, (), "Manage users, roles and permissions."),
    Permission(REPORT_VIEW, True, (), "See reports: the archived tasks (query and export)."),
    Permission(TASK_ASSIGN, True, (), "Assign one's own tasks to another user."),
    Permission(TASK_PREVIEW_STEP, True, (), "See the preview of a step of a deployment plan."),
    Permission(DISCOVERY, True, (), "Discover middleware."),
    Permission(TASK_TAKEOVER, True, _ENV, "Take over a task of another user."),
    Permission(TASK_SKIP_STEP, True, _ENV, "Skip (and unskip) steps of a task."),
    Permission(TASK_MOVE_STEP, True, _ENV, "Move steps of a task (kept for compatibility; no effect)."),
    Permission(CONTROLTASK_EXECUTE, True, ALL_ROOTS, "Run control tasks of CIs."),
    Permission(READ, True, ALL_ROOTS, "See CIs."),
    Permission(REPO_EDIT, True, ALL_ROOTS, "Create, change and delete CIs (with read)."),
    Permission(GENERATE_DSL, True, ALL_ROOTS, "Generate a Deployfile of CIs."),
    Permission(IMPORT_INITIAL, True, _APPS, "Import the first version of an application."),
    Permission(IMPORT_UPGRADE, True, _APPS, "Import further versions of an application."),
    Permission(IMPORT_REMOVE, True, _APPS, "Delete application versions (packages)."),
    Permission(DEPLOY_INITIAL, True, _ENV, "Deploy an application to an environment for the first time."),
    Permission(DEPLOY_UPGRADE, True, _ENV, "Upgrade a deployed application (onto the targets it already uses)."),
    Permission(DEPLOY_UNDEPLOY, True, _ENV, "Undeploy a deployed application."),
)}

ALIASES = {"deploy#remove": DEPLOY_UNDEPLOY}

_ROOT_LABELS = {"Applications": "APPLICATION", "Environments": "ENVIRONMENT", "Infrastructure": "INFRASTRUCTURE",
                "Configuration": "CONFIGURATION"}


def canonical(name) -> str:
    """The permission's name, or BadRequest naming the unknown one."""
    text = str(name or "").strip()
    text = ALIASES.get(text, text)
    if text not in CATALOGUE:
        raise BadRequest(f"Unknown permission '{text}'; the permissions are {', '.join(sorted(CATALOGUE))}.")
    return text


def check_grant(permission: str, ci_id: str | None, ci_type: str | None) -> None:
    """A grant on a CI must be of a local permission, on a root or a core.Directory under one of its roots."""
    if not ci_id:
        return
    perm = CATALOGUE[permission]
    if not perm.is_local:
        raise BadRequest(f"Permission {permission} is global: grant it without a CI.")
    if ci_type not in ("internal.Root", "core.Directory"):
        raise BadRequest(f"Permissions can be set only on a root or a core.Directory, not on {ci_id} "
                         f"({ci_type}).")
    root = ci_id.split("/", 1)[0]
    if root not in perm.roots:
        raise BadRequest(f"Permission {permission} applies under {', '.join(perm.roots)}, not on {ci_id}.")


def metadata() -> list[dict]:
    """`GET /metadata/permissions`: each permission at each level it has, with its root when it is
    restricted to some roots (`root` left out when it applies under every root)."""
    out = []
    for perm in CATALOGUE.values():
        if perm.is_global:
            out.append({"level": "GLOBAL", "permissionName": perm.name, "description": perm.description})
        if perm.roots == ALL_ROOTS:
            out.append({"level": "CI", "permissionName": perm.name, "description": perm.description})
        else:
            for root in perm.roots:
                out.append({"level": "CI", "permissionName": perm.name, "root": _ROOT_LABELS[root],
                            "description": perm.description})
    return out
