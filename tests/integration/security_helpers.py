"""Helpers for the security tests: users and roles set up through REST, sessions as those users, DARs."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

from tests.conftest import Api

PASSWORD = "Pa55-word!"
ROOTS = ("Applications", "Environments", "Infrastructure", "Configuration")
POWER_GLOBAL = ("login", "report#view", "task#assign", "task#takeover", "task#skip_step", "task#preview_step",
                "security#edit")
POWER_LOCAL = {
    "Applications": ("read", "repo#edit", "controltask#execute", "import#initial", "import#upgrade", "import#remove"),
    "Environments": ("read", "repo#edit", "controltask#execute", "deploy#initial", "deploy#upgrade",
                     "deploy#undeploy", "task#skip_step", "task#takeover"),
    "Infrastructure": ("read", "repo#edit", "controltask#execute"),
    "Configuration": ("read", "repo#edit", "controltask#execute"),
}


def seg(value: str) -> str:
    """One URL path segment (`repo#edit` -> `repo%23edit`)."""
    return quote(value, safe="")


def ok(response, *statuses):
    assert response.status_code in (statuses or (200, 204)), f"{response.status_code}: {response.text}"
    return response


def user(server, name: str, password: str = PASSWORD) -> Api:
    return Api(server, name, password)


def create_user(admin: Api, name: str, password: str = PASSWORD, **extra) -> None:
    ok(admin.post(f"/security/user/{seg(name)}", json=dict({"username": name, "password": password}, **extra)))


def assign(admin: Api, role: str, *principals: str) -> None:
    ok(admin.put(f"/security/role/{seg(role)}"))
    for principal in principals:
        ok(admin.put(f"/security/role/{seg(role)}/{seg(principal)}"))


def grant(admin: Api, permission: str, role: str, ci_id: str = "") -> None:
    suffix = f"/{quote(ci_id, safe='/')}" if ci_id else ""
    ok(admin.put(f"/security/permission/{seg(permission)}/{seg(role)}{suffix}"))


def revoke(admin: Api, permission: str, role: str, ci_id: str = "") -> None:
    suffix = f"/{quote(ci_id, safe='/')}" if ci_id else ""
    ok(admin.delete(f"/security/permission/{seg(permission)}/{seg(role)}{suffix}"))


def people(admin: Api) -> None:
    """`nologin` (no role), `viewer` (login only) and `power` (login and broad rights, not admin)."""
    for name in ("nologin", "viewer", "power"):
        create_user(admin, name)
    assign(admin, "viewers", "viewer", "power")
    grant(admin, "login", "viewers")
    assign(admin, "powers", "power")
    for permission in POWER_GLOBAL:
        grant(admin, permission, "powers")
    for root, permissions in POWER_LOCAL.items():
        for permission in permissions:
            grant(admin, permission, "powers", root)


def dar(app: str, version: str = "1.0", command: str = "true") -> bytes:
    """A small DAR: one cmd.Command."""
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<udm.DeploymentPackage version="{version}" application="{app}">
  <deployables>
    <cmd.Command name="run"><commandLine>{command}</commandLine></cmd.Command>
  </deployables>
</udm.DeploymentPackage>
"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("deployit-manifest.xml", manifest)
    return buffer.getvalue()
