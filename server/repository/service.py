"""The repository service: create, read, update, delete, copy, move and rename CIs, with history.

Every public method that changes something runs in one database transaction: either all of it is
written or nothing is. References between CIs are kept in `ci_refs`, so a delete can be refused
while something still refers to a CI, and a move or rename carries the references along.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field

from sqlalchemy import and_, delete, func, insert, not_, or_, select, update
from sqlalchemy.engine import Connection, Engine

from ..errors import BadRequest, Conflict, NotFound
from ..security.secrets import Secrets
from ..text import check_file_name
from ..types import PropertyKind, TypeRegistry
from . import values
from .artifacts import ArtifactStore
from .ids import ROOT_TYPE, ROOTS, check_id, check_placement, name_of, parent_of, root_of
from .schema import artifact_files, ci_history, ci_refs, cis, role_permissions


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def subtree(column, ci_id: str):
    """SQL condition: the column is ci_id or a descendant of it."""
    return or_(column == ci_id, column.like(like_escape(ci_id) + "/%", escape="\\"))


@dataclass
class CiRecord:
    """A CI as stored: id, type, meta data and the properties that were set."""
    id: str
    type: str
    token: str
    created_by: str | None = None
    created_at: str | None = None
    modified_by: str | None = None
    modified_at: str | None = None
    properties: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return name_of(self.id)

    @property
    def parent_id(self) -> str | None:
        return parent_of(self.id)


@dataclass
class ArtifactUpload:
    """The file sent with an artifact CI."""
    filename: str
    stream: object


def _in_subtrees(ci_id: str, roots: frozenset) -> bool:
    """Whether ci_id is one of `roots` or below one of them."""
    parts = ci_id.split("/")
    return any("/".join(parts[:n]) in roots for n in range(1, len(parts) + 1))


def _record(row) -> CiRecord:
    return CiRecord(id=row.id, type=row.type, token=row.token, created_by=row.created_by,
                    created_at=row.created_at, modified_by=row.modified_by, modified_at=row.modified_at,
                    properties=json.loads(row.properties))


class Repository:
    def __init__(self, engine: Engine, types: TypeRegistry, secrets: Secrets, artifacts: ArtifactStore):
        self.engine = engine
        self.types = types
        self.secrets = secrets
        self.artifacts = artifacts
        # SQLite allows one writer; serialising writers in-process avoids lock upgrade failures.
        self._write_lock = threading.RLock()
        # Called after a delete, move or rename changed the permissions set on directories (which
        # follow their directory, and go with it); the security service reloads them.
        self.security_changed = None
        self._permissions_touched = threading.local()

    # -- set-up --------------------------------------------------------------------------------
    def init_roots(self) -> None:
        with self._write_lock, self.engine.begin() as conn:
            for root in ROOTS:
                if conn.execute(select(cis.c.id).where(cis.c.id == root)).first() is None:
                    stamp = values.now_iso()
                    conn.execute(insert(cis).values(
                        id=root, type=ROOT_TYPE, parent_id=None, name=root, token=str(uuid.uuid4()),
                        created_by="system", created_at=stamp, modified_by="system", modified_at=stamp,
                        properties="{}"))

    # -- reading -------------------------------------------------------------------------------
    def _get(self, conn: Connection, ci_id: str) -> CiRecord | None:
        row = conn.execute(select(cis).where(cis.c.id == ci_id)).first()
        return _record(row) if row else None

    def _must_get(self, conn: Connection, ci_id: str) -> CiRecord:
        rec = self._get(conn, ci_id)
        if rec is None:
            raise NotFound(f"Repository entity {ci_id} not found.")
        return rec

    def read(self, ci_id: str) -> CiRecord:
        with self.engine.connect() as conn:
            return self._must_get(conn, check_id(ci_id))

    def read_many(self, ids: list[str]) -> list[CiRecord]:
        with self.engine.connect() as conn:
            return [self._must_get(conn, check_id(i)) for i in ids]

    def exists(self, ci_id: str) -> bool:
        try:
            ci_id = check_id(ci_id)
        except BadRequest:
            return False
        with self.engine.connect() as conn:
            return conn.execute(select(cis.c.id).where(cis.c.id == ci_id)).first() is not None

    def children(self, ci_id: str) -> list[CiRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(cis).where(cis.c.parent_id == ci_id).order_by(cis.c.id)).all()
            return [_record(r) for r in rows]

    def referrers(self, ci_id: str) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(ci_refs.c.source_id).where(ci_refs.c.target_id == ci_id).distinct())
            return sorted(r.source_id for r in rows)

    def artifact_file(self, ci_id: str) -> tuple[str, str, int] | None:
        """(sha1, filename, size) of the file behind an artifact CI, if it has one."""
        with self.engine.connect() as conn:
            row = conn.execute(select(artifact_files).where(artifact_files.c.ci_id == ci_id)).first()
            return (row.sha1, row.filename, row.size) if row else None

    def to_json(self, rec: CiRecord) -> dict:
        """The CI in XL Deploy's JSON form: id, type, `$` meta fields and every property."""
        out = {"id": rec.id, "type": rec.type, "$token": rec.token,
               "$createdBy": rec.created_by, "$createdAt": rec.created_at,
               "$lastModifiedBy": rec.modified_by, "$lastModifiedAt": rec.modified_at}
        desc = self.types.get(rec.type)
        if desc is None or rec.type == ROOT_TYPE:
            out.update(rec.properties)
        else:
            out.update(values.masked(desc, values.to_json(desc, rec.properties)))
            contained = [p for p in desc.properties.values() if p.kind.is_collection and p.as_containment]
            if contained:
                kids = self.children(rec.id)
                for prop in contained:
                    out[prop.name] = [k.id for k in kids if self.types.is_a(k.type, prop.referenced_type)]
        return out

    def decrypted(self, rec: CiRecord) -> dict:
        """Effective properties with password values in clear, for the engine (never for clients)."""
        desc = self.types.get(rec.type)
        props = values.to_json(desc, rec.properties) if desc else dict(rec.properties)
        if desc:
            for prop in desc.properties.values():
                value = props.get(prop.name)
                if prop.password and isinstance(value, str):
                    props[prop.name] = self.secrets.decrypt(value)
                elif prop.password and isinstance(value, dict):
                    props[prop.name] = {k: self.secrets.decrypt(v) for k, v in value.items()}
        return props

    # -- writing helpers -----------------------------------------------------------------------
    def _type_of(self, conn: Connection, ci_id: str) -> str | None:
        row = conn.execute(select(cis.c.type).where(cis.c.id == ci_id)).first()
        return row.type if row else None

    def _prepare(self, type_of, ci_id: str, data: dict, ci_type: str, check_refs: bool = True) -> dict:
        """Validate a CI body against its type and its place; return the stored properties."""
        desc = self.types.get(ci_type) if isinstance(ci_type, str) else None
        if desc is None:
            raise BadRequest(f"Unknown type '{ci_type}' for CI {ci_id}.")
        if desc.virtual:
            raise BadRequest(f"Type {ci_type} of CI {ci_id} is virtual and cannot be instantiated.")
        parent = parent_of(ci_id)
        if parent is None:
            raise BadRequest(f"Cannot create {ci_id}: the roots are fixed.")
        parent_type = type_of(parent)
        if parent_type is None:
            raise BadRequest(f"Cannot create {ci_id}: its parent {parent} does not exist.")
        check_placement(self.types, ci_id, ci_type, parent_type, parent)
        stored = values.to_stored(desc, ci_id, data, self.secrets)
        for prop in desc.properties.values():
            if prop.kind == PropertyKind.CI and prop.as_containment:
                stored[prop.name] = parent  # the containing CI is the parent
        missing = values.missing_required(desc, stored)
        if missing:
            raise BadRequest(f"Property '{missing[0]}' of CI {ci_id} of type {ci_type} is required.")
        values.check_rules(desc, ci_id, stored)
        if check_refs:
            self._check_refs(type_of, ci_id, ci_type, stored)
        return stored

    def _check_refs(self, type_of, ci_id: str, ci_type: str, stored: dict) -> None:
        """Every reference must point at an existing CI of the property's referenced type."""
        desc = self.types.get(ci_type)
        for prop_name, target in values.references(desc, stored):
            target_type = type_of(target)
            prop = desc.properties[prop_name]
            if target_type is None:
                raise BadRequest(f"Property '{prop_name}' of CI {ci_id} refers to {target}, which does not exist.")
            if not self.types.is_a(target_type, prop.referenced_type):
                raise BadRequest(f"Property '{prop_name}' of CI {ci_id} refers to {target} of type {target_type}, "
                                 f"but must refer to a {prop.referenced_type}.")

    def _write_refs(self, conn: Connection, ci_id: str, ci_type: str, stored: dict) -> None:
        conn.execute(delete(ci_refs).where(ci_refs.c.source_id == ci_id))
        desc = self.types.get(ci_type)
        rows = [{"source_id": ci_id, "property": p, "target_id": t} for p, t in values.references(desc, stored)]
        if rows:
            conn.execute(insert(ci_refs), rows)

    def _history(self, conn: Connection, rec: CiRecord, action: str, user: str, previous_id: str | None = None):
        conn.execute(insert(ci_history).values(
            ci_id=rec.id, previous_id=previous_id, action=action, type=rec.type, token=rec.token,
            properties=json.dumps(rec.properties), changed_by=user, changed_at=rec.modified_at))

    def _store_file(self, conn: Connection, ci_id: str, ci_type: str, stored: dict, upload: ArtifactUpload | None):
        if upload is None:
            return
        if not self.types.is_a(ci_type, "udm.Artifact"):
            raise BadRequest(f"CI {ci_id} of type {ci_type} is not an artifact and cannot carry a file.")
        filename = check_file_name(upload.filename or name_of(ci_id), f"The file name of CI {ci_id}")
        sha1, size = self.artifacts.put(upload.stream)
        if not stored.get("checksum"):
            stored["checksum"] = sha1
        conn.execute(delete(artifact_files).where(artifact_files.c.ci_id == ci_id))
        conn.execute(insert(artifact_files).values(ci_id=ci_id, sha1=sha1, filename=filename, size=size))

    # -- create / update -----------------------------------------------------------------------
    def _create(self, batch: "_CreateBatch", data: dict, user: str, upload: ArtifactUpload | None = None,
                check_refs: bool = True) -> CiRecord:
        if not isinstance(data, dict):
            raise BadRequest("A CI must be a JSON object with an id and a type.")
        ci_id = check_id(data.get("id"))
        ci_type = data.get("type")
        if not ci_type:
            raise BadRequest(f"CI {ci_id} has no type.")
        if batch.type_of(ci_id) is not None:
            raise Conflict(f"Repository entity {ci_id} already exists.")
        stored = self._prepare(batch.type_of, ci_id, data, ci_type, check_refs)
        self._store_file(batch.conn, ci_id, ci_type, stored, upload)
        stamp = values.now_iso()
        rec = CiRecord(id=ci_id, type=ci_type, token=str(uuid.uuid4()), created_by=user, created_at=stamp,
                       modified_by=user, modified_at=stamp, properties=stored)
        batch.add(rec, [{"source_id": ci_id, "property": p, "target_id": t}
                        for p, t in values.references(self.types.get(ci_type), stored)])
        return rec

    def create(self, data: dict, user: str, upload: ArtifactUpload | None = None) -> CiRecord:
        with self._write_lock, self.engine.begin() as conn:
            batch = _CreateBatch(self, conn)
            rec = self._create(batch, data, user, upload)
            self._check_composites(conn, [rec])
            batch.flush()
            return rec

    def create_many(self, items: list[dict], user: str,
                    uploads: dict[str, ArtifactUpload] | None = None) -> list[CiRecord]:
        """Create CIs in one transaction; `uploads` maps the ids of artifact CIs to their files."""
        if not isinstance(items, list):
            raise BadRequest("The body must be a JSON list of CIs.")
        uploads = uploads or {}
        with self._write_lock, self.engine.begin() as conn:
            return self._create_all(conn, items, user, uploads)

    def _create_all(self, conn: Connection, items: list[dict], user: str, uploads: dict) -> list[CiRecord]:
        """Create a list of CIs with their files inside the caller's transaction."""
        batch = _CreateBatch(self, conn)
        # References are checked once the whole batch is known: its CIs may refer to each other in any order.
        created = [self._create(batch, item, user, check_refs=False) for item in items]
        for rec in created:
            self._check_refs(batch.type_of, rec.id, rec.type, rec.properties)
        self._check_composites(conn, created)
        # Files go to the artifact store only once every CI of the batch is known to be valid.
        for item, rec in zip(items, created):
            upload = self._upload_for(item, uploads)
            if upload is not None:
                self._store_file(conn, rec.id, rec.type, rec.properties, upload)
        batch.flush()
        return created

    @staticmethod
    def _upload_for(item, uploads: dict) -> ArtifactUpload | None:
        if not uploads or not isinstance(item, dict) or not isinstance(item.get("id"), str):
            return None
        return uploads.get(item["id"].strip("/"))

    def _check_composites(self, conn: Connection, changed: list[CiRecord]) -> None:
        """A composite package may not contain itself, directly or through other composite packages."""
        pending = {r.id: r for r in changed}
        for rec in changed:
            if not self.types.is_a(rec.type, "udm.CompositePackage"):
                continue
            todo, seen = list(rec.properties.get("packages", [])), set()
            while todo:
                member = todo.pop()
                if member == rec.id:
                    raise BadRequest(f"Composite package {rec.id} cannot contain itself, directly or through "
                                     f"other composite packages.")
                if member in seen:
                    continue
                seen.add(member)
                found = pending.get(member) or self._get(conn, member)
                if found is not None and self.types.is_a(found.type, "udm.CompositePackage"):
                    todo.extend(found.properties.get("packages", []))

    def _update(self, conn: Connection, ci_id: str, data: dict, user: str,
                upload: ArtifactUpload | None = None) -> CiRecord:
        if not isinstance(data, dict):
            raise BadRequest("A CI must be a JSON object with an id and a type.")
        ci_id = check_id(ci_id)
        body_id = data.get("id")
        if body_id is not None and str(body_id).strip("/") != ci_id:
            raise BadRequest(f"The id in the body ({body_id}) does not match the id in the path ({ci_id}).")
        current = self._must_get(conn, ci_id)
        if current.type == ROOT_TYPE:
            raise BadRequest(f"The root {ci_id} cannot be changed.")
        ci_type = data.get("type") or current.type
        if ci_type != current.type:
            raise BadRequest(f"The type of CI {ci_id} cannot change from {current.type} to {ci_type}.")
        token = data.get("$token")
        desc = self.types.get(ci_type)
        if token is None and desc is not None and desc.property("token") is None:
            token = data.get("token")  # goxldeploy sends the token back as `token`
        if token and token != current.token:
            raise Conflict(f"CI {ci_id} has been changed by another user since it was read "
                           f"(stale $token); read it again and retry.")
        data = values.unmask(self.types.get(ci_type), data, current.properties)
        stored = self._prepare(lambda i: self._type_of(conn, i), ci_id, data, ci_type)
        keep_file = upload is None and "checksum" not in data
        if keep_file and "checksum" in current.properties:
            stored["checksum"] = current.properties["checksum"]
        if upload is not None and stored.get("checksum") == current.properties.get("checksum"):
            stored.pop("checksum", None)  # the checksum of the old file, sent back as read: the new file gets its own
        self._store_file(conn, ci_id, ci_type, stored, upload)
        new_token = str(uuid.uuid4())
        stamp = values.now_iso()
        result = conn.execute(update(cis).where(and_(cis.c.id == ci_id, cis.c.token == current.token)).values(
            token=new_token, modified_by=user, modified_at=stamp, properties=json.dumps(stored)))
        if result.rowcount != 1:
            raise Conflict(f"CI {ci_id} has been changed by another user meanwhile; read it again and retry.")
        rec = CiRecord(id=ci_id, type=ci_type, token=new_token, created_by=current.created_by,
                       created_at=current.created_at, modified_by=user, modified_at=stamp, properties=stored)
        self._write_refs(conn, ci_id, ci_type, stored)
        self._history(conn, rec, "UPDATE", user)
        return rec

    def update(self, ci_id: str, data: dict, user: str, upload: ArtifactUpload | None = None) -> CiRecord:
        with self._write_lock, self.engine.begin() as conn:
            rec = self._update(conn, ci_id, data, user, upload)
            self._check_composites(conn, [rec])
            return rec

    def update_many(self, items: list[dict], user: str) -> list[CiRecord]:
        if not isinstance(items, list):
            raise BadRequest("The body must be a JSON list of CIs.")
        with self._write_lock, self.engine.begin() as conn:
            out = []
            for item in items:
                if not isinstance(item, dict) or not item.get("id"):
                    raise BadRequest("Each CI in the list must be a JSON object with an id.")
                out.append(self._update(conn, item["id"], item, user))
            self._check_composites(conn, out)
            return out

    # -- delete --------------------------------------------------------------------------------
    def _delete(self, conn: Connection, ci_id: str, user: str, together: frozenset = frozenset(),
                keeping: frozenset = frozenset()) -> None:
        """Delete a CI and its children; `together` holds the other ids deleted in the same batch, `keeping`
        the ids created again in the same transaction (references to them from outside may stay)."""
        ci_id = check_id(ci_id)
        current = self._must_get(conn, ci_id)
        if current.type == ROOT_TYPE:
            raise BadRequest(f"The root {ci_id} cannot be deleted.")
        # Children may be referred to among themselves; only referrers outside the subtree count,
        # and outside the other CIs deleted in the same batch.
        referrers = conn.execute(
            select(ci_refs.c.source_id, ci_refs.c.target_id)
            .where(and_(subtree(ci_refs.c.target_id, ci_id), not_(subtree(ci_refs.c.source_id, ci_id))))
            .order_by(ci_refs.c.source_id)).all()
        outside = next((r for r in referrers if not _in_subtrees(r.source_id, together)
                        and r.target_id not in keeping), None)
        if outside:
            raise Conflict(f"Repository entity {outside.target_id} is still referenced by {outside.source_id}.")
        rows = conn.execute(select(cis).where(subtree(cis.c.id, ci_id))).all()
        stamp = values.now_iso()
        for row in sorted(rows, key=lambda r: r.id.count("/"), reverse=True):
            rec = _record(row)
            rec.modified_at, rec.modified_by = stamp, user
            self._history(conn, rec, "DELETE", user)
        conn.execute(delete(ci_refs).where(subtree(ci_refs.c.source_id, ci_id)))
        conn.execute(delete(artifact_files).where(subtree(artifact_files.c.ci_id, ci_id)))
        conn.execute(delete(cis).where(subtree(cis.c.id, ci_id)))
        if conn.execute(delete(role_permissions).where(subtree(role_permissions.c.ci_id, ci_id))).rowcount:
            self._permissions_touched.value = True

    def _notify_security(self) -> None:
        if getattr(self._permissions_touched, "value", False):
            self._permissions_touched.value = False
            if self.security_changed is not None:
                self.security_changed()

    def delete(self, ci_id: str, user: str) -> None:
        try:
            with self._write_lock, self.engine.begin() as conn:
                self._delete(conn, ci_id, user)
        finally:
            self._notify_security()

    def delete_many(self, ids: list[str], user: str) -> None:
        if not isinstance(ids, list):
            raise BadRequest("The body must be a JSON list of CI ids.")
        ids = [values.ref_id(ci_id, "Each entry") for ci_id in ids]
        together = frozenset(ids)
        try:
            with self._write_lock, self.engine.begin() as conn:
                for ci_id in ids:
                    if self._type_of(conn, ci_id) is not None:  # already gone with a deleted parent
                        self._delete(conn, ci_id, user, together)
                    elif not any(ci_id.startswith(i + "/") for i in ids if isinstance(i, str)):
                        raise NotFound(f"Repository entity {ci_id} not found.")
        finally:
            self._notify_security()

    def replace(self, roots: list[str], items: list[dict], user: str,
                uploads: dict[str, ArtifactUpload] | None = None) -> list[CiRecord]:
        """One transaction: delete each root (a repository root: its children) and everything below it, then
        create `items` (parents first) with their files, as an import of an exported subtree does. References
        from outside to CIs that are created again stay valid; any other reference refuses the whole change."""
        uploads = uploads or {}
        new_ids = frozenset(check_id(item.get("id")) for item in items)
        try:
            with self._write_lock, self.engine.begin() as conn:
                doomed = []
                for root in roots:
                    root = check_id(root)
                    current = self._type_of(conn, root)
                    if current == ROOT_TYPE:
                        doomed += [r.id for r in conn.execute(select(cis.c.id).where(cis.c.parent_id == root))]
                    elif current is not None:
                        doomed.append(root)
                together = frozenset(doomed)
                for ci_id in doomed:
                    if self._type_of(conn, ci_id) is not None:
                        self._delete(conn, ci_id, user, together, keeping=new_ids)
                return self._create_all(conn, items, user, uploads)
        finally:
            self._notify_security()

    def apply(self, user: str, saves: list[dict] = (), deletes: list[str] = (), also=None) -> None:
        """One transaction: create or update each CI of `saves` in order (a CI whose type changes is
        replaced), then delete the CIs of `deletes` that exist, then run `also(conn)`. The task engine
        commits checkpoints this way; `also` records the commit in the task's row."""
        saved = frozenset(check_id(data.get("id")) for data in saves)
        with self._write_lock, self.engine.begin() as conn:
            for data in saves:
                ci_id = check_id(data.get("id"))
                current_type = self._type_of(conn, ci_id)
                if current_type is not None and current_type != data.get("type"):
                    self._delete(conn, ci_id, user, together=saved)
                    current_type = None
                if current_type is None:
                    batch = _CreateBatch(self, conn)
                    self._create(batch, data, user)
                    batch.flush()
                else:
                    self._update(conn, ci_id, data, user)
            together = frozenset(deletes)
            for ci_id in deletes:
                if self._type_of(conn, check_id(ci_id)) is not None:
                    self._delete(conn, ci_id, user, together)
            if also is not None:
                also(conn)
        self._notify_security()

    # -- copy / move / rename ------------------------------------------------------------------
    def _check_target(self, conn: Connection, source: CiRecord, new_id: str, verb: str) -> str:
        new_id = check_id(new_id)
        if root_of(new_id) != root_of(source.id):
            raise BadRequest(f"Cannot {verb} {source.id} to {new_id}: a CI stays under the root it was created in.")
        if new_id == source.id or new_id.startswith(source.id + "/"):
            raise BadRequest(f"Cannot {verb} {source.id} to {new_id}: the target is inside the CI itself.")
        if self._type_of(conn, new_id) is not None:
            raise Conflict(f"Cannot {verb} {source.id} to {new_id}: repository entity {new_id} already exists.")
        parent = parent_of(new_id)
        parent_type = self._type_of(conn, parent)
        if parent_type is None:
            raise BadRequest(f"Cannot {verb} {source.id} to {new_id}: its parent {parent} does not exist.")
        check_placement(self.types, new_id, source.type, parent_type, parent)
        return new_id

    @staticmethod
    def _rebase(value: str, old: str, new: str) -> str:
        if value == old:
            return new
        if isinstance(value, str) and value.startswith(old + "/"):
            return new + value[len(old):]
        return value

    def _rewrite_refs(self, ci_type: str, props: dict, old: str, new: str) -> dict:
        desc = self.types.get(ci_type)
        if desc is None:
            return props
        props = dict(props)
        for prop in desc.properties.values():
            if prop.kind.is_reference and prop.name in props:
                value = props[prop.name]
                props[prop.name] = [self._rebase(v, old, new) for v in value] if isinstance(value, list) \
                    else self._rebase(value, old, new)
        return props

    def _point_at_parent(self, ci_type: str, props: dict, ci_id: str) -> None:
        """Containment pointers (as-containment CI properties) follow the CI's new parent."""
        desc = self.types.get(ci_type)
        if desc:
            for prop in desc.properties.values():
                if prop.kind == PropertyKind.CI and prop.as_containment and prop.name in props:
                    props[prop.name] = parent_of(ci_id)

    def copy(self, ci_id: str, new_id: str, user: str) -> CiRecord:
        with self._write_lock, self.engine.begin() as conn:
            source = self._must_get(conn, check_id(ci_id))
            if source.type == ROOT_TYPE:
                raise BadRequest(f"The root {ci_id} cannot be copied.")
            new_id = self._check_target(conn, source, new_id, "copy")
            rows = conn.execute(select(cis).where(subtree(cis.c.id, source.id)).order_by(cis.c.id)).all()
            files = {r.ci_id: r for r in conn.execute(
                select(artifact_files).where(subtree(artifact_files.c.ci_id, source.id))).all()}
            stamp = values.now_iso()
            for row in sorted(rows, key=lambda r: r.id.count("/")):
                rec = _record(row)
                copied_id = self._rebase(rec.id, source.id, new_id)
                props = self._rewrite_refs(rec.type, rec.properties, source.id, new_id)
                self._point_at_parent(rec.type, props, copied_id)
                copied = CiRecord(id=copied_id, type=rec.type, token=str(uuid.uuid4()), created_by=user,
                                  created_at=stamp, modified_by=user, modified_at=stamp, properties=props)
                conn.execute(insert(cis).values(
                    id=copied_id, type=rec.type, parent_id=parent_of(copied_id), name=name_of(copied_id),
                    token=copied.token, created_by=user, created_at=stamp, modified_by=user, modified_at=stamp,
                    properties=json.dumps(props)))
                self._write_refs(conn, copied_id, rec.type, props)
                if rec.id in files:
                    f = files[rec.id]
                    conn.execute(insert(artifact_files).values(ci_id=copied_id, sha1=f.sha1, filename=f.filename,
                                                               size=f.size))
                self._history(conn, copied, "CREATE", user, previous_id=rec.id)
            return self._must_get(conn, new_id)

    def _move(self, conn: Connection, source: CiRecord, new_id: str, user: str, action: str) -> CiRecord:
        old = source.id
        rows = conn.execute(select(cis).where(subtree(cis.c.id, old))).all()
        moved_ids = {r.id for r in rows}
        referrers = {r.source_id for r in conn.execute(
            select(ci_refs.c.source_id).where(subtree(ci_refs.c.target_id, old)).distinct())}
        stamp = values.now_iso()
        conn.execute(delete(ci_refs).where(subtree(ci_refs.c.source_id, old)))
        grants = conn.execute(select(role_permissions).where(subtree(role_permissions.c.ci_id, old))).all()
        for grant in grants:  # permissions set on moved directories go with them
            conn.execute(update(role_permissions).where(and_(
                role_permissions.c.role == grant.role, role_permissions.c.permission == grant.permission,
                role_permissions.c.ci_id == grant.ci_id)).values(ci_id=self._rebase(grant.ci_id, old, new_id)))
        if grants:
            self._permissions_touched.value = True
        for row in sorted(rows, key=lambda r: r.id.count("/")):
            rec = _record(row)
            rec.id = self._rebase(rec.id, old, new_id)
            rec.properties = self._rewrite_refs(rec.type, rec.properties, old, new_id)
            self._point_at_parent(rec.type, rec.properties, rec.id)
            rec.token, rec.modified_by, rec.modified_at = str(uuid.uuid4()), user, stamp
            conn.execute(update(cis).where(cis.c.id == row.id).values(
                id=rec.id, parent_id=parent_of(rec.id), name=name_of(rec.id), token=rec.token, modified_by=user,
                modified_at=stamp, properties=json.dumps(rec.properties)))
            conn.execute(update(artifact_files).where(artifact_files.c.ci_id == row.id).values(ci_id=rec.id))
            self._write_refs(conn, rec.id, rec.type, rec.properties)
            self._history(conn, rec, action, user, previous_id=row.id)
        for referrer_id in sorted(referrers - moved_ids):
            rec = self._must_get(conn, referrer_id)
            rec.properties = self._rewrite_refs(rec.type, rec.properties, old, new_id)
            rec.token, rec.modified_by, rec.modified_at = str(uuid.uuid4()), user, stamp
            conn.execute(update(cis).where(cis.c.id == referrer_id).values(
                token=rec.token, modified_by=user, modified_at=stamp, properties=json.dumps(rec.properties)))
            self._write_refs(conn, rec.id, rec.type, rec.properties)
            self._history(conn, rec, "UPDATE", user)
        return self._must_get(conn, new_id)

    def move(self, ci_id: str, new_id: str, user: str) -> CiRecord:
        with self._write_lock, self.engine.begin() as conn:
            source = self._must_get(conn, check_id(ci_id))
            if source.type == ROOT_TYPE:
                raise BadRequest(f"The root {ci_id} cannot be moved.")
            new_id = self._check_target(conn, source, new_id, "move")
            moved = self._move(conn, source, new_id, user, "MOVE")
        self._notify_security()
        return moved

    def rename(self, ci_id: str, new_name: str, user: str) -> CiRecord:
        with self._write_lock, self.engine.begin() as conn:
            source = self._must_get(conn, check_id(ci_id))
            if source.type == ROOT_TYPE:
                raise BadRequest(f"The root {ci_id} cannot be renamed.")
            if not new_name or "/" in new_name:
                raise BadRequest(f"Cannot rename {ci_id}: the new name '{new_name}' must be a single non-empty name.")
            new_id = self._check_target(conn, source, f"{parent_of(source.id)}/{new_name}", "rename")
            renamed = self._move(conn, source, new_id, user, "RENAME")
        self._notify_security()
        return renamed

    # -- history -------------------------------------------------------------------------------
    def history(self, ci_id: str) -> list[dict]:
        """Every recorded version of the CI now (or last) at ci_id, oldest first, across moves."""
        ci_id = check_id(ci_id)
        with self.engine.connect() as conn:
            rows = conn.execute(select(ci_history).where(ci_history.c.ci_id == ci_id)
                                .order_by(ci_history.c.revision)).all()
            if not rows:
                raise NotFound(f"Repository entity {ci_id} has no history.")
            lifetime = self._lifetime(rows)
            while lifetime[0].action in ("MOVE", "RENAME") and lifetime[0].previous_id:
                first = lifetime[0]
                earlier = conn.execute(select(ci_history).where(and_(
                    ci_history.c.ci_id == first.previous_id, ci_history.c.revision < first.revision))
                    .order_by(ci_history.c.revision)).all()
                if not earlier:
                    break
                lifetime = self._lifetime(earlier) + lifetime
        return [{"version": n, "revision": r.revision, "id": r.ci_id, "previousId": r.previous_id,
                 "action": r.action, "type": r.type, "token": r.token, "changedBy": r.changed_by,
                 "changedAt": r.changed_at, "_properties": r.properties}
                for n, r in enumerate(lifetime, start=1)]

    @staticmethod
    def _lifetime(rows):
        """The rows since the CI last came to this id (created, or arrived by a move or rename)."""
        arrivals = [i for i, r in enumerate(rows) if r.action in ("CREATE", "MOVE", "RENAME")]
        return list(rows[arrivals[-1]:] if arrivals else rows)

    def read_version(self, ci_id: str, version: int) -> CiRecord:
        entries = self.history(ci_id)
        if not 1 <= version <= len(entries):
            raise NotFound(f"CI {ci_id} has no version {version}; it has versions 1 to {len(entries)}.")
        e, first = entries[version - 1], entries[0]
        return CiRecord(id=e["id"], type=e["type"], token=e["token"] or "", created_by=first["changedBy"],
                        created_at=first["changedAt"], modified_by=e["changedBy"], modified_at=e["changedAt"],
                        properties=json.loads(e["_properties"] or "{}"))

    # -- query ---------------------------------------------------------------------------------
    def query(self, ci_type: str | None = None, parent: str | None = None, ancestor: str | None = None,
              name_pattern: str | None = None, id_pattern: str | None = None,
              modified_before: str | None = None, modified_after: str | None = None,
              page: int = 0, per_page: int = -1) -> list[CiRecord]:
        """CIs matching every given criterion, ordered by id. Types include their subtypes."""
        query = select(cis).where(cis.c.type != ROOT_TYPE)
        if ci_type:
            if ci_type not in self.types:
                raise BadRequest(f"Unknown type '{ci_type}' in query.")
            query = query.where(cis.c.type.in_(self.types.subtypes(ci_type)))
        if parent:
            query = query.where(cis.c.parent_id == parent.strip("/"))
        if ancestor:
            query = query.where(cis.c.id.like(like_escape(ancestor.strip("/")) + "/%", escape="\\"))
        if name_pattern:
            query = query.where(func.lower(cis.c.name).like(name_pattern.lower()))
        if id_pattern:
            query = query.where(func.lower(cis.c.id).like(id_pattern.lower()))
        if modified_before:
            query = query.where(cis.c.modified_at < values.parse_date(modified_before, "lastModifiedBefore"))
        if modified_after:
            query = query.where(cis.c.modified_at > values.parse_date(modified_after, "lastModifiedAfter"))
        query = query.order_by(cis.c.id)
        if per_page is not None and per_page > 0:
            query = query.limit(per_page).offset(max(page, 0) * per_page)
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(query).all()]


class _CreateBatch:
    """The rows of CIs created in one transaction, written together; ids already seen are cached."""

    def __init__(self, repo: Repository, conn: Connection):
        self.repo, self.conn = repo, conn
        self.known: dict[str, str | None] = {}
        self.records: list[CiRecord] = []
        self.cis, self.refs, self.history = [], [], []

    def type_of(self, ci_id: str) -> str | None:
        if ci_id not in self.known:
            self.known[ci_id] = self.repo._type_of(self.conn, ci_id)
        return self.known[ci_id]

    def add(self, rec: CiRecord, refs: list[dict]) -> None:
        self.known[rec.id] = rec.type
        self.records.append(rec)  # serialised at flush: storing a file may still set its checksum
        self.refs.extend(refs)

    def flush(self) -> None:
        for rec in self.records:
            props = json.dumps(rec.properties)
            self.cis.append(dict(id=rec.id, type=rec.type, parent_id=parent_of(rec.id), name=name_of(rec.id),
                                 token=rec.token, created_by=rec.created_by, created_at=rec.created_at,
                                 modified_by=rec.modified_by, modified_at=rec.modified_at, properties=props))
            self.history.append(dict(ci_id=rec.id, previous_id=None, action="CREATE", type=rec.type,
                                     token=rec.token, properties=props, changed_by=rec.created_by,
                                     changed_at=rec.created_at))
        self.records = []
        for table, rows in ((cis, self.cis), (ci_refs, self.refs), (ci_history, self.history)):
            if rows:
                self.conn.execute(insert(table), rows)
