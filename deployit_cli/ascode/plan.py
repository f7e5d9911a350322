"""What applying a file would change: each CI of the file checked against its type, compared with the
repository, and turned into a CREATE or UPDATE with the REST body that makes it so.

The rules (documented for users in the README):
- A CI of the file is described completely: a property the file leaves out gets its default, so taking a
  line out of a generated file resets that property. Hidden properties keep what the server has.
- CIs the file does not mention are left alone; applying never deletes anything.
- A CI's type cannot change; references must name CIs of the file or of the repository; a new CI's
  parent must be in the file or in the repository.
- Artifacts (`file: !file path`) are uploaded when created, and again when the file's content differs
  from the stored one. An artifact's `checksum` is the server's unless the file gives one.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import dataclass, field

from ..client import DeployitException, quote_id
from . import values
from .contents import Contents, read_file_contents
from .document import KINDS, AsCodeError, SpecCi, parent_of

READ_CHUNK = 1000


@dataclass
class PropertyChange:
    name: str
    before: str | None  # as shown; None for a new CI
    after: str


@dataclass
class Change:
    action: str  # CREATE or UPDATE
    ci: SpecCi
    diffs: list[PropertyChange] = field(default_factory=list)
    body: dict = field(default_factory=dict)
    upload: str | None = None  # a local file to send as the artifact's content
    original: dict | None = None  # the CI as the server had it (updates)

    @property
    def id(self) -> str:
        return self.ci.id

    def summary(self) -> str:
        text = f"{self.action} {self.ci.id} ({self.ci.type})"
        if self.action == "UPDATE" and self.diffs:
            text += ": " + ", ".join(d.name for d in self.diffs)
        return text


@dataclass
class Action:
    """A change that is not a CI's: a user, a role, a role's permissions, a deployment. `run` makes it
    (with the client) and may return a line for the report."""

    action: str  # CREATE, UPDATE or DEPLOY
    title: str  # "user jay", "role Leaders", "permissions of role Leaders (global)"...
    diffs: list[PropertyChange] = field(default_factory=list)
    run: object = None

    def summary(self) -> str:
        text = f"{self.action} {self.title}"
        if self.action == "UPDATE" and self.diffs:
            text += ": " + ", ".join(d.name for d in self.diffs)
        return text


@dataclass
class Plan:
    source: str
    cis: list[SpecCi]
    changes: list[Change]
    actions: list[Action] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    described: dict = field(default_factory=dict)  # what else the file describes: "user" -> how many

    @property
    def creates(self) -> list[Change]:
        return [c for c in self.changes if c.action == "CREATE"]

    @property
    def updates(self) -> list[Change]:
        return [c for c in self.changes if c.action == "UPDATE"]

    @property
    def unchanged(self) -> int:
        return len(self.cis) - len(self.changes)


def sha1_of(path: str) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Planner:
    """Works out the plan for one file against one server (the session's client and type registry)."""

    def __init__(self, session, path: str, secrets: values.XlValues | None = None):
        self.session = session
        self.client = session.client
        self.types = session.types
        self.path = str(path)
        folder = os.path.dirname(os.path.abspath(self.path))
        self.secrets = secrets if secrets is not None else values.XlValues(folder, home=os.path.expanduser("~"))
        self.base_dir = folder

    # -- the steps -------------------------------------------------------------------------------
    def plan(self) -> Plan:
        from . import deploy, security
        contents = read_file_contents(self.path, self.secrets)
        cis = contents.cis
        changes: list[Change] = []
        current: dict = {}
        if cis:
            self.types.all()  # one request for every descriptor
            wanted = {ci.id: self._wanted(ci) for ci in cis}
            current = self._current(cis)
            self._check_references(cis, wanted, current)
            note = self._keep_matching_secrets(cis, wanted, current)
            if note:
                contents.notes.append(note)
            for ci in sorted(cis, key=lambda c: c.id.count("/")):  # parents before children
                change = self._change(ci, wanted[ci.id], current.get(ci.id))
                if change is not None:
                    changes.append(change)
            order = {ci.id: i for i, ci in enumerate(cis)}
            creates = [c for c in changes if c.action == "CREATE"]
            updates = sorted((c for c in changes if c.action == "UPDATE"), key=lambda c: order[c.id])
            changes = creates + updates
        in_file = {ci.id: ci.type for ci in cis}
        actions = security.plan(self.client, contents, self.secrets, in_file, self._exists)
        actions += deploy.plan(self.client, contents, in_file, self._exists)
        return Plan(self.path, cis, changes, actions, contents.notes, _described(contents))

    def _descriptor(self, ci: SpecCi):
        desc = self.types.get(ci.type)
        if desc is None:
            raise AsCodeError(f"{ci.where()}: CI {ci.id} has the unknown type {ci.type}{self._unknown_type(ci.type)}")
        if desc.virtual:
            raise AsCodeError(f"{ci.where()}: CI {ci.id} has the type {ci.type}, which is virtual; "
                              f"use one of its concrete subtypes.")
        return desc

    def _unknown_type(self, ci_type: str) -> str:
        """The end of the sentence about an unknown type: a close name of the same plugin, or that the
        type's plugin is not installed (no type of the server has its prefix)."""
        prefix = ci_type.rsplit(".", 1)[0] + "." if "." in ci_type else None
        names = self.types.names()
        same_plugin = [n for n in names if prefix and n.startswith(prefix)]
        if not same_plugin:
            plugin = f"the {prefix[:-1]} plugin" if prefix else "its plugin"
            return f": no type of the server starts with {prefix or ci_type}, so {plugin} is not installed there."
        close = difflib.get_close_matches(ci_type, same_plugin, n=1)
        if close:
            return f"; did you mean {close[0]}?"
        return f"; the {prefix[:-1]} types of the server are {', '.join(sorted(same_plugin)[:8])}" + \
            ("..." if len(same_plugin) > 8 else ".")

    def _wanted(self, ci: SpecCi) -> dict:
        """The file's values of a CI, checked against its type."""
        desc = self._descriptor(ci)
        out = {}
        for name, raw in ci.properties.items():
            prop = desc.properties.get(name)
            what = f"{ci.where(name)}: property '{name}' of CI {ci.id}"
            if prop is None:
                close = difflib.get_close_matches(name, list(desc.properties), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else "."
                if name == "file":
                    raise AsCodeError(f"{ci.where(name)}: CI {ci.id} ({ci.type}) takes no property 'file'; an "
                                      f"artifact names its content with 'file: !file path'.")
                raise AsCodeError(f"{ci.where(name)}: CI {ci.id} of type {ci.type} has no property '{name}'{hint}")
            if prop.hidden:
                raise AsCodeError(f"{what} is hidden and cannot be set.")
            if prop.asContainment and prop.kind in values.SET_KINDS + values.LIST_KINDS:
                raise AsCodeError(f"{what} is made of the CIs stored under it; list them under children.")
            if prop.transient:
                raise AsCodeError(f"{what} is transient (never stored), so a file cannot set it.")
            value = values.from_yaml(prop, raw, what, self.secrets)
            if prop.kind in values.CI_KINDS and value:
                value = [_reference(v, ci) for v in value] if isinstance(value, list) else _reference(value, ci)
            out[name] = value
        for prop in desc.properties.values():
            # The parent a nested CI sits under fills its containment reference (a client's host).
            if prop.kind == "CI" and prop.asContainment and out.get(prop.name) is None and \
                    parent_of(ci.id) not in KINDS:
                out[prop.name] = parent_of(ci.id)
        if ci.file is not None:
            if not self.types.is_a(ci.type, "udm.Artifact"):
                raise AsCodeError(f"{ci.where('file')}: CI {ci.id} of type {ci.type} is not an artifact, so it takes "
                                  f"no 'file: !file'.")
            if not os.path.isfile(ci.file):
                what = "is a folder; give a zip of its content" if os.path.isdir(ci.file) else "does not exist"
                raise AsCodeError(f"{ci.where('file')}: the file {ci.file_text} of CI {ci.id} {what}.")
        return out

    def _exists(self, ci_id: str) -> bool:
        answer = self.client.get(f"/repository/exists/{quote_id(ci_id)}")
        return bool(answer.get("boolean")) if isinstance(answer, dict) else bool(answer)

    def _read(self, ids: list[str]) -> dict[str, dict]:
        out = {}
        for start in range(0, len(ids), READ_CHUNK):
            for data in self.client.post("/repository/cis/read", body=ids[start:start + READ_CHUNK]) or []:
                out[str(data["id"]).strip("/")] = data
        return out

    def _current(self, cis: list[SpecCi]) -> dict[str, dict]:
        """The file's CIs as the repository has them (missing ones absent)."""
        in_file = {ci.id for ci in cis}
        by_parent: dict[str, list[SpecCi]] = {}
        for ci in cis:
            by_parent.setdefault(parent_of(ci.id), []).append(ci)
        existing: set[str] = set()
        # One query per parent, parents first, so a file of thousands of CIs costs a few requests.
        for parent in sorted(by_parent, key=lambda p: p.count("/")):
            if parent in KINDS or parent in existing:
                found = True
            elif parent in in_file:
                found = False  # a new CI of the file: nothing is under it yet
            else:
                found = self._exists(parent)
                if not found:
                    ci = by_parent[parent][0]
                    raise AsCodeError(f"{ci.where()}: CI {ci.id} cannot be created because its parent {parent} is "
                                      f"neither in the repository nor in the file.")
            if found:
                refs = self.client.get("/repository/query", params={"parent": parent}) or []
                existing.update(str(r["ref"]) for r in refs)
        return self._read([ci.id for ci in cis if ci.id in existing])

    def _check_references(self, cis: list[SpecCi], wanted: dict, current: dict) -> None:
        types_in_file = {ci.id: ci.type for ci in cis}
        users: dict[str, tuple[SpecCi, str]] = {}
        for ci in cis:
            desc = self.types.get(ci.type)
            for name, value in wanted[ci.id].items():
                prop = desc.properties[name]
                if prop.kind not in values.CI_KINDS or not value:
                    continue
                for target in (value if isinstance(value, list) else [value]):
                    if target not in types_in_file:
                        users.setdefault(target, (ci, name))
        outside = [t for t in users if t not in current]
        missing = [t for t in outside if not self._exists(t)]
        if missing:
            ci, name = users[missing[0]]
            raise AsCodeError(f"{ci.where(name)}: property '{name}' of CI {ci.id} refers to {missing[0]}, which is "
                              f"neither in the repository nor in the file.")
        found = {i: d.get("type") for i, d in current.items()}
        if outside:
            found.update({i: d.get("type") for i, d in self._read(outside).items()})
        found.update(types_in_file)
        for ci in cis:
            desc = self.types.get(ci.type)
            for name, value in wanted[ci.id].items():
                prop = desc.properties[name]
                if prop.kind not in values.CI_KINDS or not value or not prop.referencedType:
                    continue
                for target in (value if isinstance(value, list) else [value]):
                    target_type = found.get(target)
                    if target_type and not self.types.is_a(target_type, prop.referencedType):
                        raise AsCodeError(f"{ci.where(name)}: property '{name}' of CI {ci.id} refers to {target}, a "
                                          f"{target_type}, which is not a {prop.referencedType}.")

    def _change(self, ci: SpecCi, wanted: dict, current: dict | None) -> Change | None:
        desc = self.types.get(ci.type)
        if current is not None and current.get("type") != ci.type:
            raise AsCodeError(f"{ci.where('type')}: CI {ci.id} is a {current.get('type')} in the repository and "
                              f"its type cannot change to {ci.type}; delete it first or use another name.")
        is_artifact = self.types.is_a(ci.type, "udm.Artifact")
        body = {"id": ci.id, "type": ci.type}
        diffs: list[PropertyChange] = []
        for prop in desc.properties.values():
            name = prop.name
            if prop.transient or (prop.asContainment and prop.kind in values.SET_KINDS + values.LIST_KINDS):
                continue
            raw_now = current.get(name) if current is not None else None
            if prop.hidden:
                if current is not None and raw_now is not None:
                    body[name] = raw_now
                continue
            if is_artifact and name == "checksum" and name not in wanted:
                continue  # the server's, computed from the content
            value = wanted.get(name)
            self._check_secret(ci, prop, value, raw_now)
            new = values.effective(prop, value)
            if self._required_missing(prop, new):
                raise AsCodeError(f"{ci.where()}: CI {ci.id} ({ci.type}) needs a value for property '{name}'.")
            sent = values.body_value(prop, value, raw_now)
            if sent is not values.OMIT:
                body[name] = sent
            if current is None:
                if name in ci.properties and value is not None and value != [] and value != {} and \
                        not values.same(prop, new, values.default_of(prop)):
                    diffs.append(PropertyChange(name, None, values.show(prop, new, wanted=True)))
                continue
            old = values.effective(prop, values.from_json(prop, raw_now))
            if not values.same(prop, new, old):
                diffs.append(PropertyChange(name, values.show(prop, old), values.show(prop, new, wanted=True)))
        upload = None
        if ci.file is not None:
            if current is None or self._content_differs(ci, current):
                upload = ci.file
                if current is not None:
                    diffs.append(PropertyChange("file", "(stored content)", f"{ci.file_text} (new content)"))
        if current is None:
            return Change("CREATE", ci, diffs, body, upload)
        if not diffs:
            return None
        if current.get("$token"):
            body["$token"] = current["$token"]
        return Change("UPDATE", ci, diffs, body, upload, original=current)

    def _keep_matching_secrets(self, cis: list[SpecCi], wanted: dict, current: dict) -> str | None:
        """A secret the file gives that the server already stores counts as kept: the server checks the
        values (one request for the file) and answers only whether each matches, never the secret. When the
        server refuses the check (it limits how many secrets a user checks a minute), the secrets count as
        changed and are set again; the note returned says so."""
        checks, places = [], []
        for ci in cis:
            stored = current.get(ci.id)
            if stored is None:
                continue
            desc = self.types.get(ci.type)
            for name, value in wanted[ci.id].items():
                prop = desc.properties[name]
                if not prop.password:
                    continue
                if prop.kind in ("STRING", "ENUM") and values.is_masked(stored.get(name)):
                    given = values.given_secret(value)
                    if given is not None:
                        checks.append({"id": ci.id, "property": name, "value": given})
                        places.append((ci.id, name, None))
                elif prop.kind == "MAP_STRING_STRING" and isinstance(value, dict):
                    before = stored.get(name) if isinstance(stored.get(name), dict) else {}
                    for key, item in value.items():
                        given = values.given_secret(item)
                        if given is not None and values.is_masked(before.get(key)):
                            checks.append({"id": ci.id, "property": name, "key": key, "value": given})
                            places.append((ci.id, name, key))
        if not checks:
            return None
        try:
            answers = self.client.post("/repository/secrets/matches", body=checks) or []
        except DeployitException as exc:
            if exc.status != 429:
                raise
            return (f"the server did not compare the file's {len(checks)} stored secrets ({exc.message.rstrip('.')}), "
                    f"so they are set again.")
        for (ci_id, name, key), matches in zip(places, answers):
            if matches is not True:
                continue
            if key is None:
                wanted[ci_id][name] = values.Secret(None, None)
            else:
                wanted[ci_id][name][key] = values.Secret(None, None)

    def _check_secret(self, ci: SpecCi, prop, value, raw_now) -> None:
        """A `!secret` without a value keeps the stored secret, so there must be one."""
        hint = ("set the environment variable XL_VALUE_{n} or put {n}=... in a .xlvals file next to "
                f"{os.path.basename(self.path)}")
        if isinstance(value, values.Secret) and value.value is None and not values.is_masked(raw_now):
            if value.name:
                raise AsCodeError(f"{ci.where(prop.name)}: the secret {value.name} for property '{prop.name}' of "
                                  f"CI {ci.id} has no value and none is stored: {hint.format(n=value.name)}.")
            raise AsCodeError(f"{ci.where(prop.name)}: property '{prop.name}' of CI {ci.id} is {values.MASK} but no "
                              f"secret is stored; write !secret NAME and give its value.")
        if isinstance(value, dict):
            before = raw_now if isinstance(raw_now, dict) else {}
            for key, item in value.items():
                if isinstance(item, values.Secret) and item.value is None and not values.is_masked(before.get(key)):
                    name = item.name or "NAME"
                    raise AsCodeError(f"{ci.where(prop.name)}: the secret {name} for key '{key}' of property "
                                      f"'{prop.name}' of CI {ci.id} has no value and none is stored: "
                                      f"{hint.format(n=name)}.")

    @staticmethod
    def _required_missing(prop, value) -> bool:
        if not prop.required or prop.kind in values.SET_KINDS + values.LIST_KINDS + ("MAP_STRING_STRING", "BOOLEAN"):
            return False
        if prop.kind == "CI" and prop.asContainment:
            return False
        return value is None or value == ""

    def _content_differs(self, ci: SpecCi, current: dict) -> bool:
        local = sha1_of(ci.file)
        if str(current.get("checksum") or "").lower() == local:
            return False
        try:
            response = self.client.get(f"/repository/artifact/{quote_id(ci.id)}", raw=True)
        except DeployitException as exc:
            if exc.status == 404:
                return True
            raise
        digest = hashlib.sha1()
        for chunk in response.iter_content(1024 * 1024):
            digest.update(chunk)
        return digest.hexdigest() != local


def _reference(ref: str, ci: SpecCi) -> str:
    """A CI reference as xl resolves it: `~Infrastructure/web1` is `web1` under the document's
    Infrastructure home (the root itself when it names none); other references are ids."""
    if not ref.startswith("~"):
        return ref
    root, _, rest = ref[1:].partition("/")
    home = ci.homes.get(root, root)
    return f"{home}/{rest}".strip("/") if rest else home


def _described(contents: Contents) -> dict:
    return {"user": len(contents.users), "role": len({r.name for r in contents.roles}),
            "permission set": len({(p.role, p.ci_id) for p in contents.permissions}),
            "deployment": len(contents.deployments)}


def make_plan(session, path: str, secrets: values.XlValues | None = None) -> Plan:
    return Planner(session, path, secrets).plan()
