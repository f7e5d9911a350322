"""What a YAML file (and the files it imports) describes, document by document, as xl reads it:

    apiVersion: xl/v1                       kind: Import, metadata: {imports: [a.yaml, b.yaml]}: those
                                            files, in that order (paths relative to the importing file)
    apiVersion: xl-deploy/v1 (or v1beta1)   kind: Applications, Infrastructure, Environments,
                                            Configuration (CIs: see `document`), Users, Roles,
                                            Permissions, Deployment
    apiVersion: xl-release/v1               skipped with a note: it is for XL Release

    Users:       spec: [{username: jay, password: !value jay_password}]
    Roles:       spec: [{name: Leaders, principals: [jay, sue]}]
    Permissions: spec: [{global: [{role: Leaders, permissions: [login, task#assign]}]},
                        {directory: Applications/Team, roles: [{role: Leaders, permissions: [read]}]}]
    Deployment:  spec: {package: Applications/App/1.0, environment: Environments/DEV,
                        orchestrators: [...], onSuccessPolicy: ARCHIVE, onFailurePolicy: ROLLBACK}

`!value` and `!format` are replaced by their values first (see `tags`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .document import API_VERSIONS, KINDS, AsCodeError, SpecCi, _where, read_ci_document, scalar_text

XL_API = "xl/v1"
RELEASE_PREFIX = "xl-release/"
OTHER_KINDS = ("Users", "Roles", "Permissions", "Deployment")
SUCCESS_POLICIES = ("ARCHIVE", "NOOP")
FAILURE_POLICIES = ("NOOP", "ROLLBACK", "CANCEL")


@dataclass
class UserSpec:
    username: str
    password: object  # as written (text, !secret), or None
    where: str


@dataclass
class RoleSpec:
    name: str
    principals: list[str]
    where: str


@dataclass
class PermissionSpec:
    role: str
    ci_id: str | None  # None: global permissions
    permissions: list[str]
    where: str

    @property
    def level(self) -> str:
        return "global" if self.ci_id is None else f"on {self.ci_id}"


@dataclass
class DeploymentSpec:
    package: str
    environment: str
    orchestrators: list[str] | None
    on_success: str
    on_failure: str
    where: str


@dataclass
class Contents:
    cis: list[SpecCi] = field(default_factory=list)
    users: list[UserSpec] = field(default_factory=list)
    roles: list[RoleSpec] = field(default_factory=list)
    permissions: list[PermissionSpec] = field(default_factory=list)
    deployments: list[DeploymentSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seen: dict = field(default_factory=dict)  # CI id -> SpecCi, across every file


def read_file_contents(path: str, values) -> Contents:
    """Everything the file and the files it imports describe."""
    contents = Contents()
    _read_file(path, values, contents, ())
    return contents


def read_contents(documents: list, source: str, base_dir: str, values=None, contents: Contents | None = None,
                  stack: tuple = ()) -> Contents:
    """Everything loaded documents describe (imports are read relative to base_dir)."""
    from . import tags
    contents = contents if contents is not None else Contents()
    for doc in documents:
        if doc is None:
            continue
        if not hasattr(doc, "items"):
            raise AsCodeError(f"{source}: each document must be a mapping with apiVersion, kind and spec.")
        where = _where(source, doc)
        api = doc.get("apiVersion")
        api_text = None if api is None else scalar_text(api).strip()
        kind = doc.get("kind")
        at = _where(source, doc, "kind") if "kind" in doc else where
        if api_text is not None and api_text.startswith(RELEASE_PREFIX):
            contents.notes.append(f"{where}: skipped the {kind or ''} document for XL Release ({api_text}); "
                                  f"apply it to XL Release.".replace("the  document", "the document"))
            continue
        if api_text == XL_API:
            if kind != "Import":
                raise AsCodeError(f"{at}: kind {kind} of {XL_API} is not applied here; {XL_API} documents "
                                  f"of kind Import list files to apply.")
            _read_imports(doc, source, base_dir, values, contents, stack)
            continue
        if api_text not in API_VERSIONS:
            at_api = _where(source, doc, "apiVersion") if "apiVersion" in doc else where
            shown = "missing" if api is None else f"'{api_text}'"
            raise AsCodeError(f"{at_api}: apiVersion must be {API_VERSIONS[0]}, not {shown}.")
        if kind not in KINDS + OTHER_KINDS:
            shown = "missing" if kind is None else f"'{scalar_text(kind)}'"
            raise AsCodeError(f"{at}: kind must be one of {', '.join(KINDS + OTHER_KINDS)}, not {shown}.")
        if values is not None:
            tags.resolve(doc, values, source)
        if kind in KINDS:
            read_ci_document(doc, kind, source, base_dir, contents.cis, contents.seen)
        else:
            _check_keys(doc, source)
            READERS[kind](doc, source, contents)
    return contents


def _read_file(path: str, values, contents: Contents, stack: tuple) -> None:
    from .document import read_file
    real = os.path.realpath(path)
    if real in stack:
        raise AsCodeError(f"{path}: the file imports itself (through {' -> '.join(os.path.basename(s) for s in stack)}).")
    _text, documents = read_file(path)
    read_contents(documents, path, os.path.dirname(os.path.abspath(path)), values, contents, stack + (real,))


def _read_imports(doc, source, base_dir, values, contents, stack) -> None:
    metadata = doc.get("metadata")
    imports = metadata.get("imports") if hasattr(metadata, "get") else None
    if not isinstance(imports, list) or not imports:
        raise AsCodeError(f"{_where(source, doc)}: an Import document lists the files to apply under "
                          f"metadata: imports:.")
    for item in imports:
        name = scalar_text(item).strip() if item is not None and not isinstance(item, (dict, list)) else ""
        if not name:
            raise AsCodeError(f"{_where(source, metadata, 'imports')}: each import is the path of a YAML file.")
        path = os.path.join(base_dir, os.path.expanduser(name))
        if not os.path.isfile(path):
            raise AsCodeError(f"{_where(source, metadata, 'imports')}: the imported file {name} does not exist.")
        shown = os.path.relpath(path) if not os.path.isabs(name) else path
        _read_file(shown, values, contents, stack)


def _check_keys(doc, source: str) -> None:
    for key in doc:
        if key not in ("apiVersion", "kind", "spec", "metadata"):
            raise AsCodeError(f"{_where(source, doc, key)}: unknown key '{key}' in a document; "
                              f"the keys are apiVersion, kind, spec and metadata.")


def _entries(doc, source: str, what: str) -> list:
    spec = doc.get("spec")
    if spec is None:
        return []
    if not isinstance(spec, list):
        raise AsCodeError(f"{_where(source, doc, 'spec')}: spec of a {doc.get('kind')} document must be a list "
                          f"of {what}.")
    out = []
    for index, entry in enumerate(spec):
        try:
            line = spec.lc.item(index)[0] + 1
        except (AttributeError, KeyError, IndexError, TypeError):
            line = None
        where = f"{source}, line {line}" if line else source
        if not hasattr(entry, "items"):
            raise AsCodeError(f"{where}: each entry of a {doc.get('kind')} document must be a mapping.")
        out.append((entry, where))
    return out


def _text(entry, key: str, where: str, what: str) -> str:
    value = entry.get(key)
    text = scalar_text(value).strip() if value is not None and not isinstance(value, (dict, list)) else ""
    if not text:
        raise AsCodeError(f"{where}: {what} needs '{key}'.")
    return text


def _names(entry, key: str, where: str, what: str) -> list[str]:
    value = entry.get(key)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if item is None or isinstance(item, (dict, list)):
            raise AsCodeError(f"{where}: {key} of {what} must be a list of names.")
        out.append(scalar_text(item).strip())
    return out


def _only(entry, keys: tuple, where: str, what: str) -> None:
    for key in entry:
        if key not in keys:
            raise AsCodeError(f"{where}: {what} takes no '{key}'; its keys are {', '.join(keys)}.")


def _read_users(doc, source, contents: Contents) -> None:
    for entry, where in _entries(doc, source, "users"):
        name = _text(entry, "username", where, "a user")
        _only(entry, ("username", "password"), where, f"user {name}")
        contents.users.append(UserSpec(name, entry.get("password"), where))


def _read_roles(doc, source, contents: Contents) -> None:
    for entry, where in _entries(doc, source, "roles"):
        name = _text(entry, "name", where, "a role")
        _only(entry, ("name", "principals"), where, f"role {name}")
        contents.roles.append(RoleSpec(name, _names(entry, "principals", where, f"role {name}"), where))


def _read_permissions(doc, source, contents: Contents) -> None:
    for entry, where in _entries(doc, source, "permissions"):
        if "global" in entry:
            _only(entry, ("global",), where, "a global permissions entry")
            ci_id, grants = None, entry.get("global")
        else:
            ci_id = _text(entry, "directory", where, "a permissions entry (or 'global')").strip("/")
            _only(entry, ("directory", "roles"), where, f"the permissions entry of {ci_id}")
            grants = entry.get("roles")
        if not isinstance(grants, list):
            raise AsCodeError(f"{where}: list the roles with their permissions: - role: NAME, permissions: [...].")
        for grant in grants:
            if not hasattr(grant, "items"):
                raise AsCodeError(f"{where}: each grant is a mapping with role and permissions.")
            role = _text(grant, "role", where, "a grant")
            _only(grant, ("role", "permissions"), where, f"the grant to role {role}")
            contents.permissions.append(PermissionSpec(role, ci_id, _names(grant, "permissions", where,
                                                                            f"role {role}"), where))


def _read_deployment(doc, source, contents: Contents) -> None:
    spec = doc.get("spec")
    where = _where(source, doc, "spec") if "spec" in doc else _where(source, doc)
    if not hasattr(spec, "items"):
        raise AsCodeError(f"{where}: spec of a Deployment document is a mapping with package and environment.")
    keys = ("package", "environment", "orchestrators", "onSuccessPolicy", "onFailurePolicy")
    _only(spec, keys, where, "a Deployment")
    policies = {}
    for key, allowed, default in (("onSuccessPolicy", SUCCESS_POLICIES, "ARCHIVE"),
                                  ("onFailurePolicy", FAILURE_POLICIES, "NOOP")):
        value = scalar_text(spec[key]).strip().upper() if spec.get(key) is not None else default
        if value not in allowed:
            raise AsCodeError(f"{_where(source, spec, key)}: {key} must be one of {', '.join(allowed)}, "
                              f"not '{value}'.")
        policies[key] = value
    orchestrators = _names(spec, "orchestrators", where, "the Deployment") if "orchestrators" in spec else None
    contents.deployments.append(DeploymentSpec(
        _text(spec, "package", where, "a Deployment").strip("/"),
        _text(spec, "environment", where, "a Deployment").strip("/"),
        orchestrators, policies["onSuccessPolicy"], policies["onFailurePolicy"], where))


READERS = {"Users": _read_users, "Roles": _read_roles, "Permissions": _read_permissions,
           "Deployment": _read_deployment}
