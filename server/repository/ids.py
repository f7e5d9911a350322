"""CI ids: paths under the four roots, the characters a name may hold, and where each type may live."""

from __future__ import annotations

import re

from ..errors import BadRequest
from ..text import check_name, shown
from ..types import TypeRegistry

ROOTS = ("Applications", "Environments", "Infrastructure", "Configuration")
ROOT_TYPE = "internal.Root"
MAX_ID_LENGTH = 850
ILLEGAL_NAME_CHARS = set('\\:[]|*%"')
# An id of printable ASCII names (inner single or repeated spaces allowed) under a root: what nearly every id is,
# and one that passes every check of `check_id`, so one match stands for them.
_WORD = "[" + re.escape("".join(c for c in map(chr, range(0x21, 0x7F)) if c not in ILLEGAL_NAME_CHARS | {"/"})) + "]+"
_PLAIN_ID = re.compile(f"(?:{'|'.join(ROOTS)})(?:/{_WORD}(?: +{_WORD})*)*")


def parent_of(ci_id: str) -> str | None:
    return ci_id.rsplit("/", 1)[0] if "/" in ci_id else None


def name_of(ci_id: str) -> str:
    return ci_id.rsplit("/", 1)[-1]


def root_of(ci_id: str) -> str:
    return ci_id.split("/", 1)[0]


def check_id(ci_id) -> str:
    """Normalise and check an id; raise BadRequest naming what is wrong."""
    if not isinstance(ci_id, str) or not ci_id.strip():
        raise BadRequest("A CI id must be a non-empty string.")
    ci_id = ci_id.strip("/")
    if len(ci_id) > MAX_ID_LENGTH:
        raise BadRequest(f"The id '{shown(ci_id[:60])}...' is longer than {MAX_ID_LENGTH} characters.")
    return ci_id if _PLAIN_ID.fullmatch(ci_id) else _checked_in_full(ci_id)


def _checked_in_full(ci_id: str) -> str:
    """`check_id`'s checks one by one, for an id that is not plain: the one that fails names the problem."""
    check_name(ci_id, "The id")
    if root_of(ci_id) not in ROOTS:
        raise BadRequest(f"The id '{ci_id}' must start with one of the roots {', '.join(ROOTS)}.")
    for name in ci_id.split("/")[1:]:
        if not name.strip():
            raise BadRequest(f"The id '{ci_id}' contains an empty name.")
        if name != name.strip():
            raise BadRequest(f"The name '{name}' in '{ci_id}' may not start or end with spaces.")
        bad = sorted(ILLEGAL_NAME_CHARS.intersection(name))
        if bad:
            raise BadRequest(f"The name '{name}' in '{ci_id}' contains illegal characters: {' '.join(bad)}.")
    return ci_id


# Which root each family of types belongs to; the first matching family wins.
_FAMILIES = (
    ("udm.DeployedApplication", "Environments"),
    ("udm.Deployed", "Infrastructure"),
    ("udm.EmbeddedDeployed", "Infrastructure"),
    ("udm.Application", "Applications"),
    ("udm.Version", "Applications"),
    ("udm.Deployable", "Applications"),
    ("udm.EmbeddedDeployable", "Applications"),
    ("udm.Environment", "Environments"),
    ("udm.Dictionary", "Environments"),
    ("udm.Container", "Infrastructure"),
)


def _family_root(types: TypeRegistry, ci_type: str) -> str:
    """The root a CI of the type lives under."""
    return next((r for t, r in _FAMILIES if types.is_a(ci_type, t)), "Configuration")


def check_placement(types: TypeRegistry, ci_id: str, ci_type: str, parent_type: str | None,
                    parent_id: str) -> None:
    """Raise BadRequest when a CI of ci_type may not live under a parent of parent_type.

    The rules follow XL Deploy's model: directories group CIs under any root; an application
    lives under Applications or a directory; a package under its application; deployables under a
    package; environments and dictionaries under Environments; containers under Infrastructure or
    a parent container; deployeds under their container; a deployed application under its
    environment; anything else under Configuration. A CI whose `as-containment` CI property points
    at the parent's type (e.g. an SQL client under its host) may live under that parent.
    """
    desc = types.get(ci_type)
    allowed = desc.memo("placements", lambda d: set()) if desc is not None else None
    place = (root_of(ci_id), parent_type)
    if allowed is not None and place in allowed:  # the answer depends on these and the type only
        return
    _check_placement(types, ci_id, ci_type, parent_type)
    if allowed is not None:
        allowed.add(place)


def _check_placement(types: TypeRegistry, ci_id: str, ci_type: str, parent_type: str | None) -> None:
    is_a = types.is_a
    root = root_of(ci_id)
    where = f"A {ci_type} cannot be created at {ci_id}"
    if ci_type == ROOT_TYPE:
        raise BadRequest(f"{where}: the roots are fixed.")
    in_directory = parent_type in (ROOT_TYPE, "core.Directory")
    if is_a(ci_type, "core.Directory"):
        if not in_directory:
            raise BadRequest(f"{where}: a directory must be under a root or another directory.")
        return
    desc = types.get(ci_type)
    family_root = desc.memo("family_root", lambda d: _family_root(types, d.type)) if desc \
        else _family_root(types, ci_type)
    if family_root != root:
        raise BadRequest(f"{where}: it belongs under {family_root}.")
    # Containment declared by the child (`ci` property with as-containment) or the parent (collection).
    contained_in = desc.memo("containment_pointers", lambda d: [p for p in d.properties.values()
                                                               if p.kind.value == "CI" and p.as_containment])
    for prop in contained_in:
        if parent_type and is_a(parent_type, prop.referenced_type):
            return
    if contained_in:  # e.g. an SQL client lives under its host, not directly in a directory
        need = " or ".join(f"a {p.referenced_type}" for p in contained_in)
        raise BadRequest(f"{where}: its parent must be {need}, not a {parent_type}.")
    pdesc = types.get(parent_type) if parent_type and parent_type != ROOT_TYPE else None
    if pdesc:
        for prop in pdesc.properties.values():
            if prop.kind.is_collection and prop.as_containment and is_a(ci_type, prop.referenced_type):
                return
    if is_a(ci_type, "udm.DeployedApplication"):
        ok = parent_type is not None and is_a(parent_type, "udm.Environment")
        need = "an environment"
    elif is_a(ci_type, "udm.EmbeddedDeployed"):
        ok = parent_type is not None and (is_a(parent_type, "udm.Deployed") or is_a(parent_type, "udm.EmbeddedDeployed"))
        need = "a deployed"
    elif is_a(ci_type, "udm.Deployed"):
        ok = parent_type is not None and is_a(parent_type, "udm.Container")
        need = "a container"
    elif is_a(ci_type, "udm.Version"):
        ok = parent_type is not None and is_a(parent_type, "udm.Application")
        need = "an application"
    elif is_a(ci_type, "udm.EmbeddedDeployable"):
        ok = parent_type is not None and (is_a(parent_type, "udm.Deployable") or is_a(parent_type, "udm.EmbeddedDeployable"))
        need = "a deployable"
    elif is_a(ci_type, "udm.Deployable"):
        ok = parent_type is not None and is_a(parent_type, "udm.DeploymentPackage")
        need = "a deployment package"
    elif is_a(ci_type, "udm.Container"):
        ok = in_directory or (parent_type is not None and is_a(parent_type, "udm.Container"))
        need = "Infrastructure, a directory or a parent container"
    else:
        ok = in_directory
        need = f"{root} or a directory"
    if not ok:
        raise BadRequest(f"{where}: its parent must be {need}, not a {parent_type}.")
