"""The repository service: create, read, update, delete, copy, move and rename CIs, with history.

Every public method that changes something runs in one database transaction: either all of it is
written or nothing is. References between CIs are kept in `ci_refs`, so a delete can be refused
while something still refers to a CI, and a move or rename carries the references along.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import BinaryIO, Callable

from sqlalchemy import String, and_, bindparam, delete, func, insert, literal_column, not_, null, or_, select, update
from sqlalchemy.engine import Connection, Engine

from ..errors import BadRequest, Conflict, NotFound
from ..jsontext import dumps_text, loads
from ..refs import body_id, ref_ids
from ..store.database import IN_CHUNK, Database, like_escape, subtree
from ..store.dates import now_iso, parse_date
from ..store.secrets import Secrets
from ..text import check_file_name
from ..types import PropertyKind, TypeRegistry
from ..store.tables.repository import artifact_files, ci_history, ci_refs, cis
from . import values
from .artifacts import ArtifactStore, Received
from .ids import ROOT_TYPE, ROOTS, check_id, check_placement, name_of, parent_of, root_of


ARRIVALS = ("CREATE", "MOVE", "RENAME")  # what starts a lifetime at an id (so does anything after its end)
MOVES = ("MOVE", "RENAME")


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


class StillReferenced(Conflict):
    """A delete refused because CIs outside what is deleted refer to it: `pairs` are (referrer, target)."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self.pairs = pairs
        source, target = pairs[0]
        super().__init__(f"Repository entity {target} is still referenced by {source}.")

    def seen_by(self, may_read) -> Conflict:
        """The refusal as told to a caller who may read the referrers for which `may_read(id)` holds."""
        visible = [(s, t) for s, t in self.pairs if may_read(s)]
        if visible:
            return StillReferenced(visible)
        hidden = len({s for s, _ in self.pairs})
        who = "a CI" if hidden == 1 else f"{hidden} CIs"
        return Conflict(f"Repository entity {self.pairs[0][1]} is still referenced by {who} you cannot read.")


@dataclass
class ArtifactUpload:
    """The file sent with an artifact CI."""
    filename: str
    stream: object


@dataclass
class _File:
    """An upload received into the artifact store, waiting to be stored with its CI."""
    filename: str
    received: Received


def _in_subtrees(ci_id: str, roots: frozenset) -> bool:
    """Whether ci_id is one of `roots` or below one of them."""
    parts = ci_id.split("/")
    return any("/".join(parts[:n]) in roots for n in range(1, len(parts) + 1))


def _history_row(rec: CiRecord, action: str, user: str, previous_id: str | None = None,
                 properties: str | None = None) -> dict:
    return dict(ci_id=rec.id, previous_id=previous_id, action=action, type=rec.type, token=rec.token,
                properties=properties if properties is not None else dumps_text(rec.properties), changed_by=user,
                changed_at=rec.modified_at, created_by=rec.created_by, created_at=rec.created_at)


# Built once: the statement most requests run (building it is most of a one-row read's cost).
_BY_ID = select(cis).where(cis.c.id == bindparam("ci_id"))
# The columns of a CiRecord, in the order of its fields (properties, the JSON text, last).
_RECORD_COLUMNS = ("id", "type", "token", "created_by", "created_at", "modified_by", "modified_at", "properties")
_CHILDREN_OF = (select(cis.c.id, cis.c.type, cis.c.parent_id)
                .where(cis.c.parent_id.in_(bindparam("parents", expanding=True))).order_by(cis.c.id))


class _ReadById:
    """One CI row by id through the pool's DBAPI connection, the statement compiled once for the database:
    SQLAlchemy's work for each execution was most of the cost of reading one CI (GET /repository/ci)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        compiled = _BY_ID.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.positional = compiled.positional

    def __call__(self, ci_id: str) -> CiRecord | None:
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(self.sql, (ci_id,) if self.positional else {"ci_id": ci_id})
                row = cursor.fetchone()
                names = [column[0] for column in cursor.description]
            finally:
                cursor.close()
        finally:
            raw.close()  # back to the pool, which ends any transaction the driver began
        return None if row is None else _record(SimpleNamespace(**dict(zip(names, row))))


def _record(row) -> CiRecord:
    return CiRecord(id=row.id, type=row.type, token=row.token, created_by=row.created_by,
                    created_at=row.created_at, modified_by=row.modified_by, modified_at=row.modified_at,
                    properties=loads(row.properties))


class Repository:
    def __init__(self, db: Database, types: TypeRegistry, secrets: Secrets, artifacts: ArtifactStore,
                 check_file: Callable[[str, str, str, BinaryIO], None] | None = None):
        self.db = db
        self._read_by_id = _ReadById(db.engine)
        self.types = types
        self.secrets = secrets
        self.artifacts = artifacts
        # check_file(ci_id, ci_type, filename, stream) may refuse an artifact's file before it is stored:
        # the package limits for archives and folders (packages.archives), whichever way the file comes.
        self.check_file = check_file
        # check_change(user, ci_id, ci_type, before | None, after, lookup) may refuse a create or an update
        # for who makes it (the deployment checklist's roles, security.policy); lookup reads in the transaction.
        self.check_change = None
        # may_refer(user) -> predicate(ci_id): the CIs a writer's references may point at (security.policy: those
        # the writer may read). A reference to any other is refused as one to a CI that does not exist, so that a
        # write tells nothing of what its writer may not read.
        self.may_refer = None
        # Told of every move, rename and delete inside the transaction that makes it, to keep what they store about
        # CIs in step (the grants set on directories follow them): listener.ci_moved(old_id, new_id) and
        # listener.ci_deleted(ci_id), with the id of the subtree's top CI; a listener that raises refuses the change.
        self.listeners: list = []

    # -- set-up --------------------------------------------------------------------------------
    def init_roots(self) -> None:
        try:
            with self.db.write() as conn:
                for root in ROOTS:
                    if conn.execute(select(cis.c.id).where(cis.c.id == root)).first() is None:
                        stamp = now_iso()
                        conn.execute(insert(cis).values(
                            id=root, type=ROOT_TYPE, parent_id=None, name=root, token=str(uuid.uuid4()),
                            created_by="system", created_at=stamp, modified_by="system", modified_at=stamp,
                            properties="{}"))
        except Conflict:  # another server sharing the database created them at the same moment
            pass

    # -- reading -------------------------------------------------------------------------------
    def _get(self, conn: Connection, ci_id: str) -> CiRecord | None:
        row = conn.execute(_BY_ID, {"ci_id": ci_id}).first()
        return _record(row) if row else None

    def _must_get(self, conn: Connection, ci_id: str) -> CiRecord:
        rec = self._get(conn, ci_id)
        if rec is None:
            raise NotFound(f"Repository entity {ci_id} not found.")
        return rec

    def read(self, ci_id: str) -> CiRecord:
        ci_id = check_id(ci_id)
        if self.db.writing:  # inside a write on this thread: read through it
            with self.db.read() as conn:
                return self._must_get(conn, ci_id)
        rec = self._read_by_id(ci_id)
        if rec is None:
            raise NotFound(f"Repository entity {ci_id} not found.")
        return rec

    def read_many(self, ids: list) -> list[CiRecord]:
        """The CIs of a list of references (server/refs.py), in order, looked up in one query per IN_CHUNK ids. The
        first id that is malformed or names no CI is refused, as reading them one by one would refuse it."""
        checked, refused = [], None
        for ci_id in ref_ids(ids):
            try:
                checked.append(check_id(ci_id))
            except BadRequest as exc:
                refused = exc
                break
        rows = self.db.select_in(cis, _RECORD_COLUMNS, "id", list(dict.fromkeys(checked)))
        found = {row[0]: CiRecord(*row[:-1], loads(row[-1])) for row in rows}
        for ci_id in checked:
            if ci_id not in found:
                raise NotFound(f"Repository entity {ci_id} not found.")
        if refused is not None:
            raise refused
        return [found[ci_id] for ci_id in checked]

    def secrets_match(self, checks: list) -> list[bool]:
        """For each check {"id", "property", ["key",] "value"}: whether the CI's stored secret (a password
        property, or one key of a password map) equals the value. Lets a client leave an unchanged secret
        alone without the secret ever leaving the server."""
        import hmac
        out = []
        with self.db.read() as conn:
            for index, check in enumerate(checks):
                what = f"Secret check {index + 1}"
                if not isinstance(check, dict) or not isinstance(check.get("id"), str):
                    raise BadRequest(f"{what} must be an object with id, property and value.")
                rec = self._must_get(conn, check_id(check["id"]))
                desc = self.types.get(rec.type)
                name = check.get("property")
                prop = desc.property(name) if desc is not None and isinstance(name, str) else None
                if prop is None or not prop.password:
                    raise BadRequest(f"{what}: {rec.type} {rec.id} has no password property '{name}'.")
                value, key = check.get("value"), check.get("key")
                if not isinstance(value, str) or (key is not None and not isinstance(key, str)):
                    raise BadRequest(f"{what}: the value (and the key) of property '{name}' of {rec.id} must be text.")
                stored = rec.properties.get(name)
                if isinstance(stored, dict):
                    stored = stored.get(key) if key is not None else None
                elif key is not None:
                    stored = None
                clear = self.secrets.decrypt(stored) if isinstance(stored, str) and stored else None
                out.append(clear is not None and hmac.compare_digest(clear.encode(), value.encode()))
        return out

    def exists(self, ci_id: str) -> bool:
        try:
            ci_id = check_id(ci_id)
        except BadRequest:
            return False
        with self.db.read() as conn:
            return conn.execute(select(cis.c.id).where(cis.c.id == ci_id)).first() is not None

    def ids_below(self, ci_id: str | None) -> list[str]:
        """The ids of a CI and of everything below it (None: of every CI, the roots included), in order."""
        query = select(cis.c.id) if ci_id is None else select(cis.c.id).where(subtree(cis.c.id, ci_id))
        with self.db.read() as conn:
            return sorted(row.id for row in conn.execute(query))

    def children(self, ci_id: str) -> list[CiRecord]:
        with self.db.read() as conn:
            rows = conn.execute(select(cis).where(cis.c.parent_id == ci_id).order_by(cis.c.id)).all()
            return [_record(r) for r in rows]

    def referrers(self, ci_id: str) -> list[str]:
        with self.db.read() as conn:
            rows = conn.execute(select(ci_refs.c.source_id).where(ci_refs.c.target_id == ci_id).distinct())
            return sorted(r.source_id for r in rows)

    def referrers_through(self, prop: str, source_type: str, targets: list[str] | None = None,
                          parents: list[str] | None = None) -> list[tuple[str, str]]:
        """(source, target) of every reference through property `prop` from a CI of `source_type` (or a
        subtype) to one of `targets`, or to a CI stored directly under one of `parents`, ordered (inside a
        write: as that write has it so far)."""
        if not targets and not parents:
            return []
        target = cis.alias("target")
        source = cis.alias("source")
        query = (select(ci_refs.c.source_id, ci_refs.c.target_id)
                 .join(source, source.c.id == ci_refs.c.source_id)
                 .where(ci_refs.c.property == prop, source.c.type.in_(self.types.subtypes(source_type))))
        if targets:
            query = query.where(ci_refs.c.target_id.in_(list(targets)))
        if parents:
            query = query.join(target, target.c.id == ci_refs.c.target_id).where(target.c.parent_id.in_(list(parents)))
        query = query.order_by(ci_refs.c.target_id, ci_refs.c.source_id)
        with self.db.read() as conn:
            return [(r.source_id, r.target_id) for r in conn.execute(query)]

    def artifact_file(self, ci_id: str) -> tuple[str, str, int] | None:
        """(sha1, filename, size) of the file behind an artifact CI, if it has one."""
        with self.db.read() as conn:
            row = conn.execute(select(artifact_files).where(artifact_files.c.ci_id == ci_id)).first()
            return (row.sha1, row.filename, row.size) if row else None

    def to_json(self, rec: CiRecord) -> dict:
        """The CI in XL Deploy's JSON form: id, type, `$` meta fields and every property."""
        return self.to_json_many([rec])[0]

    def to_json_many(self, recs: list[CiRecord]) -> list[dict]:
        """`to_json` of each CI, the children of those that hold them (containment collections, such as a
        package's deployables) looked up together."""
        shapes = {}  # type -> (descriptor, its containment collections), looked up once per type
        for ci_type in {rec.type for rec in recs}:
            desc = None if ci_type == ROOT_TYPE else self.types.get(ci_type)
            shapes[ci_type] = desc, (values.containments(desc) if desc is not None else ())
        holders = [rec.id for rec in recs if shapes[rec.type][1]]
        kids = self._children_of(holders) if holders else {}
        is_a = self.types.is_a
        out = []
        for rec in recs:
            meta = (rec.id, rec.type, rec.token, rec.created_by, rec.created_at, rec.modified_by, rec.modified_at)
            desc, contained = shapes[rec.type]
            if desc is None:
                ci = dict(zip(values.CLIENT_META, meta))
                ci.update(rec.properties)
            else:
                ci = values.for_client(desc, rec.properties, meta)
                for prop in contained:
                    ci[prop.name] = [kid_id for kid_id, kid_type in kids.get(rec.id, ())
                                     if is_a(kid_type, prop.referenced_type)]
            out.append(ci)
        return out

    def _children_of(self, parents: list[str]) -> dict[str, list[tuple[str, str]]]:
        """(id, type) of the children of each parent, ordered by id as the database orders them."""
        kids: dict[str, list] = {}
        parents = list(dict.fromkeys(parents))
        with self.db.read() as conn:
            for start in range(0, len(parents), IN_CHUNK):  # a parent's children all come in its chunk's answer
                rows = conn.execute(_CHILDREN_OF, {"parents": parents[start:start + IN_CHUNK]})
                for kid_id, kid_type, parent in rows:
                    kids.setdefault(parent, []).append((kid_id, kid_type))
        return kids

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
    @contextmanager
    def _writing(self, uploads: dict):
        """One change with files: the uploads are received into the artifact store first (registered as in
        flight, outside the write lock), then the write lock and one transaction; yields (conn, files) with
        the uploads' keys mapped to `_File`s. The files stay registered until the transaction has ended."""
        streams = {key: upload.stream for key, upload in uploads.items()}
        with self.artifacts.receiving(streams) as received, self.db.write() as conn:
            yield conn, {key: _File(uploads[key].filename, received[key]) for key in uploads}

    def _type_of(self, conn: Connection, ci_id: str) -> str | None:
        row = conn.execute(select(cis.c.type).where(cis.c.id == ci_id)).first()
        return row.type if row else None

    def _prepare(self, type_of, ci_id: str, data: dict, ci_type: str, check_refs: bool = True, seen=None) -> dict:
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
        stored = values.checked_properties(desc, ci_id, parent, data, self.secrets)
        if check_refs:
            self._check_refs(type_of, ci_id, ci_type, stored, seen)
        return stored

    def _seen_by(self, user: str, kept=frozenset()):
        """The predicate of `may_refer` for the writer (None: every CI), letting through the targets in `kept`
        (those the CI referred to already: a reference an admin set stays when the writer changes the CI)."""
        if self.may_refer is None:
            return None
        may_read = self.may_refer(user)
        return (lambda ci_id: ci_id in kept or may_read(ci_id)) if kept else may_read

    def _check_refs(self, type_of, ci_id: str, ci_type: str, stored: dict, seen=None) -> None:
        """Every reference must point at an existing CI of the property's referenced type; one that `seen`
        refuses counts as missing."""
        desc = self.types.get(ci_type)
        for prop_name, target in values.references(desc, stored):
            target_type = type_of(target) if seen is None or seen(target) else None
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
        conn.execute(insert(ci_history).values(_history_row(rec, action, user, previous_id)))

    def _store_file(self, conn: Connection, ci_id: str, ci_type: str, stored: dict, file: _File | None):
        if file is None:
            return
        if not self.types.is_a(ci_type, "udm.Artifact"):
            raise BadRequest(f"CI {ci_id} of type {ci_type} is not an artifact and cannot carry a file.")
        filename = check_file_name(file.filename or name_of(ci_id), f"The file name of CI {ci_id}")
        sha1, size = file.received.sha1, file.received.size
        if self.check_file is not None:
            with open(file.received.temp, "rb") as stream:
                self.check_file(ci_id, ci_type, filename, stream)
        self.artifacts.land(file.received)
        if not stored.get("checksum"):
            stored["checksum"] = sha1
        conn.execute(delete(artifact_files).where(artifact_files.c.ci_id == ci_id))
        conn.execute(insert(artifact_files).values(ci_id=ci_id, sha1=sha1, filename=filename, size=size))

    # -- create / update -----------------------------------------------------------------------
    @staticmethod
    def _id_and_type(data, checked: dict | None = None) -> tuple[str, str]:
        """The CI's id, checked (`checked`: ids as sent mapped to what check_id made of them), and its type."""
        sent = data.get("id") if checked and data.__class__ is dict else None
        ci_id = checked.get(sent) if sent.__class__ is str else None
        if ci_id is None:
            ci_id = check_id(body_id(data))
        ci_type = data.get("type")
        if not ci_type:
            raise BadRequest(f"CI {ci_id} has no type.")
        return ci_id, ci_type

    def _create(self, batch: "_Batch", data: dict, user: str, file: _File | None = None,
                check_refs: bool = True, action: str = "CREATE", created: tuple | None = None) -> CiRecord:
        """Create a CI in the batch; `created` is its (createdBy, createdAt) when it keeps earlier ones."""
        ci_id, ci_type = self._id_and_type(data, batch.checked)
        known, parent = batch.known, parent_of(ci_id)
        if ci_id not in known or parent not in known:  # known already in a batch of many
            batch.learn((ci_id, parent))
        if known[ci_id] is not None:
            raise Conflict(f"Repository entity {ci_id} already exists.")
        stored = self._prepare(batch.type_of, ci_id, data, ci_type, check_refs,
                               self._seen_by(user) if check_refs else None)
        if self.check_change is not None:
            self.check_change(user, ci_id, ci_type, None, stored, batch.read)
        self._store_file(batch.conn, ci_id, ci_type, stored, file)
        stamp = batch.stamp
        created_by, created_at = created or (user, stamp)
        rec = CiRecord(id=ci_id, type=ci_type, token=batch.token(), created_by=created_by,
                       created_at=created_at, modified_by=user, modified_at=stamp, properties=stored)
        batch.add(rec, self._refs(rec), action)
        return rec

    def _refs(self, rec: CiRecord) -> list[tuple]:
        """The CI's rows of `ci_refs` (source_id, property, target_id)."""
        return [(rec.id, p, t) for p, t in values.references(self.types.get(rec.type), rec.properties)]

    def _import(self, batch: "_Batch", data: dict, user: str, created: dict) -> CiRecord:
        """A CI written by an import, as an IMPORT version: one that is there (with the same type) is updated
        in place and keeps its history and creation; another is created, with its (createdBy, createdAt)
        from `created` if the archive knows them (see `replace`)."""
        ci_id, ci_type = self._id_and_type(data)
        current = self._get(batch.conn, ci_id)
        if current is None:
            return self._create(batch, data, user, check_refs=False, action="IMPORT", created=created.get(ci_id))
        stored = self._prepare(batch.type_of, ci_id, data, ci_type, check_refs=False)
        rec = CiRecord(id=ci_id, type=ci_type, token=batch.token(), created_by=current.created_by,
                       created_at=current.created_at, modified_by=user, modified_at=batch.stamp,
                       properties=stored)
        batch.add(rec, self._refs(rec), "IMPORT", existing=True)
        return rec

    def create(self, data: dict, user: str, upload: ArtifactUpload | None = None) -> CiRecord:
        with self._writing({"": upload} if upload else {}) as (conn, files):
            batch = _Batch(self, conn)
            rec = self._create(batch, data, user, files.get(""))
            self._check_composites(conn, [rec])
            batch.flush()
            return rec

    def create_many(self, items: list[dict], user: str,
                    uploads: dict[str, ArtifactUpload] | None = None) -> list[CiRecord]:
        """Create CIs in one transaction; `uploads` maps the ids of artifact CIs to their files."""
        if not isinstance(items, list):
            raise BadRequest("The body must be a JSON list of CIs.")
        with self._writing(uploads or {}) as (conn, files):
            return self._create_all(conn, items, user, files)

    def _create_all(self, conn: Connection, items: list[dict], user: str, files: dict[str, _File],
                    imported: dict | None = None) -> list[CiRecord]:
        """Create a list of CIs with their files inside the caller's transaction; with `imported` (ids mapped
        to their creation meta data in the archive), write them as an import does (see `replace`)."""
        batch = _Batch(self, conn)
        ids = batch.check_ids(items)
        batch.learn(ids + [parent_of(i) for i in ids])
        # References are checked once the whole batch is known: its CIs may refer to each other in any order.
        if imported is None:
            written = [self._create(batch, item, user, check_refs=False) for item in items]
        else:
            written = [self._import(batch, item, user, imported) for item in items]
        batch.learn(target for _, _, target in batch.refs)
        kept = frozenset() if imported is None else \
            frozenset(target for _, target in conn.select_in(ci_refs, ("source_id", "target_id"), "source_id", ids))
        seen = self._seen_by(user, kept)
        for rec in written:
            self._check_refs(batch.type_of, rec.id, rec.type, rec.properties, seen)
        self._check_composites(conn, written)
        # Files are stored with their CIs only once every CI of the batch is known to be valid.
        for item, rec in zip(items, written):
            file = self._upload_for(item, files)
            if file is not None:
                self._store_file(conn, rec.id, rec.type, rec.properties, file)
            elif imported is not None:  # an imported CI has the archive's file or none
                conn.execute(delete(artifact_files).where(artifact_files.c.ci_id == rec.id))
        batch.flush()
        return written

    @staticmethod
    def _upload_for(item, files: dict) -> _File | None:
        return files.get(body_id(item)) if files else None

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

    def _update(self, conn: Connection, ci_id: str, data: dict, user: str, file: _File | None = None) -> CiRecord:
        if not isinstance(data, dict):
            raise BadRequest("A CI must be a JSON object with an id and a type.")
        ci_id = check_id(ci_id)
        given = data.get("id")
        if given is not None and str(given).strip("/") != ci_id:
            raise BadRequest(f"The id in the body ({given}) does not match the id in the path ({ci_id}).")
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
        kept = frozenset(target for _, target in values.references(self.types.get(ci_type), current.properties))
        stored = self._prepare(lambda i: self._type_of(conn, i), ci_id, data, ci_type, seen=self._seen_by(user, kept))
        if self.check_change is not None:
            self.check_change(user, ci_id, ci_type, current.properties, stored, lambda i: self._get(conn, i))
        keep_file = file is None and "checksum" not in data
        if keep_file and "checksum" in current.properties:
            stored["checksum"] = current.properties["checksum"]
        if file is not None and stored.get("checksum") == current.properties.get("checksum"):
            stored.pop("checksum", None)  # the checksum of the old file, sent back as read: the new file gets its own
        self._store_file(conn, ci_id, ci_type, stored, file)
        new_token = str(uuid.uuid4())
        stamp = now_iso()
        result = conn.execute(update(cis).where(and_(cis.c.id == ci_id, cis.c.token == current.token)).values(
            token=new_token, modified_by=user, modified_at=stamp, properties=dumps_text(stored)))
        if result.rowcount != 1:
            raise Conflict(f"CI {ci_id} has been changed by another user meanwhile; read it again and retry.")
        rec = CiRecord(id=ci_id, type=ci_type, token=new_token, created_by=current.created_by,
                       created_at=current.created_at, modified_by=user, modified_at=stamp, properties=stored)
        self._write_refs(conn, ci_id, ci_type, stored)
        self._history(conn, rec, "UPDATE", user)
        return rec

    def update(self, ci_id: str, data: dict, user: str, upload: ArtifactUpload | None = None) -> CiRecord:
        with self._writing({"": upload} if upload else {}) as (conn, files):
            rec = self._update(conn, ci_id, data, user, files.get(""))
            self._check_composites(conn, [rec])
            return rec

    def update_many(self, items: list[dict], user: str) -> list[CiRecord]:
        if not isinstance(items, list):
            raise BadRequest("The body must be a JSON list of CIs.")
        with self.db.write() as conn:
            out = []
            for item in items:
                out.append(self._update(conn, body_id(item), item, user))
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
        outside = [(r.source_id, r.target_id) for r in referrers
                   if not _in_subtrees(r.source_id, together) and r.target_id not in keeping]
        if outside:
            raise StillReferenced(outside)
        rows = conn.execute(select(cis).where(subtree(cis.c.id, ci_id))).all()
        stamp = now_iso()
        for row in sorted(rows, key=lambda r: r.id.count("/"), reverse=True):
            rec = _record(row)
            rec.modified_at, rec.modified_by = stamp, user
            self._history(conn, rec, "DELETE", user)
        conn.execute(delete(ci_refs).where(subtree(ci_refs.c.source_id, ci_id)))
        conn.execute(delete(artifact_files).where(subtree(artifact_files.c.ci_id, ci_id)))
        conn.execute(delete(cis).where(subtree(cis.c.id, ci_id)))
        for listener in self.listeners:
            listener.ci_deleted(ci_id)

    def delete(self, ci_id: str, user: str) -> None:
        with self.db.write() as conn:
            self._delete(conn, ci_id, user)

    def delete_many(self, ids: list, user: str) -> None:
        """Delete the CIs of a list of references (server/refs.py) and everything below them, together."""
        ids = ref_ids(ids)
        together = frozenset(ids)
        with self.db.write() as conn:
            for ci_id in ids:
                if self._type_of(conn, ci_id) is not None:  # already gone with a deleted parent
                    self._delete(conn, ci_id, user, together)
                elif not any(ci_id.startswith(i + "/") for i in ids if isinstance(i, str)):
                    raise NotFound(f"Repository entity {ci_id} not found.")

    def replace(self, roots: list[str], items: list[dict], user: str,
                uploads: dict[str, ArtifactUpload] | None = None, created: dict | None = None) -> list[CiRecord]:
        """One transaction, as importing an exported subtree: make each location of `roots` (a repository root:
        its content) hold exactly `items` (parents first) with their files. A CI that is there with the same
        type is updated in place, keeping its history and creation; one that is not is created, with the
        (createdBy, createdAt) of `created` when given; either way the import is its new version (IMPORT).
        CIs not in `items` are deleted. References from outside to CIs that are there afterwards stay valid;
        any other reference refuses the whole change."""
        wanted = dict(self._id_and_type(item) for item in items)
        with self._writing(uploads or {}) as (conn, files):
            present = {}
            for root in roots:
                rows = conn.execute(select(cis.c.id, cis.c.type).where(subtree(cis.c.id, check_id(root))))
                present.update({r.id: r.type for r in rows if r.type != ROOT_TYPE})
            together = frozenset(present)
            for ci_id in sorted(present, key=lambda i: i.count("/")):
                if wanted.get(ci_id) != present[ci_id] and self._type_of(conn, ci_id) is not None:
                    self._delete(conn, ci_id, user, together, keeping=frozenset(wanted))
            return self._create_all(conn, items, user, files, imported=created or {})

    def apply(self, user: str, saves: list[dict] = (), deletes: list[str] = ()) -> None:
        """One transaction: create or update each CI of `saves` in order (a CI whose type changes is
        replaced), then delete the CIs of `deletes` that exist. The task engine commits checkpoints this
        way, inside a write of its own that also records the commit in the task's row."""
        saved = frozenset(check_id(data.get("id")) for data in saves)
        with self.db.write() as conn:
            for data in saves:
                ci_id = check_id(data.get("id"))
                current_type = self._type_of(conn, ci_id)
                if current_type is not None and current_type != data.get("type"):
                    self._delete(conn, ci_id, user, together=saved)
                    current_type = None
                if current_type is None:
                    batch = _Batch(self, conn)
                    self._create(batch, data, user)
                    batch.flush()
                else:
                    self._update(conn, ci_id, data, user)
            together = frozenset(deletes)
            for ci_id in deletes:
                if self._type_of(conn, check_id(ci_id)) is not None:
                    self._delete(conn, ci_id, user, together)

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
        with self.db.write() as conn:
            source = self._must_get(conn, check_id(ci_id))
            if source.type == ROOT_TYPE:
                raise BadRequest(f"The root {ci_id} cannot be copied.")
            new_id = self._check_target(conn, source, new_id, "copy")
            rows = conn.execute(select(cis).where(subtree(cis.c.id, source.id)).order_by(cis.c.id)).all()
            files = {r.ci_id: r for r in conn.execute(
                select(artifact_files).where(subtree(artifact_files.c.ci_id, source.id))).all()}
            stamp = now_iso()
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
                    properties=dumps_text(props)))
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
        stamp = now_iso()
        conn.execute(delete(ci_refs).where(subtree(ci_refs.c.source_id, old)))
        for listener in self.listeners:
            listener.ci_moved(old, new_id)
        for row in sorted(rows, key=lambda r: r.id.count("/")):
            rec = _record(row)
            rec.id = self._rebase(rec.id, old, new_id)
            rec.properties = self._rewrite_refs(rec.type, rec.properties, old, new_id)
            self._point_at_parent(rec.type, rec.properties, rec.id)
            rec.token, rec.modified_by, rec.modified_at = str(uuid.uuid4()), user, stamp
            conn.execute(update(cis).where(cis.c.id == row.id).values(
                id=rec.id, parent_id=parent_of(rec.id), name=name_of(rec.id), token=rec.token, modified_by=user,
                modified_at=stamp, properties=dumps_text(rec.properties)))
            conn.execute(update(artifact_files).where(artifact_files.c.ci_id == row.id).values(ci_id=rec.id))
            self._write_refs(conn, rec.id, rec.type, rec.properties)
            self._history(conn, rec, action, user, previous_id=row.id)
        for referrer_id in sorted(referrers - moved_ids):
            rec = self._must_get(conn, referrer_id)
            rec.properties = self._rewrite_refs(rec.type, rec.properties, old, new_id)
            rec.token, rec.modified_by, rec.modified_at = str(uuid.uuid4()), user, stamp
            conn.execute(update(cis).where(cis.c.id == referrer_id).values(
                token=rec.token, modified_by=user, modified_at=stamp, properties=dumps_text(rec.properties)))
            self._write_refs(conn, rec.id, rec.type, rec.properties)
            self._history(conn, rec, "UPDATE", user)
        return self._must_get(conn, new_id)

    def move(self, ci_id: str, new_id: str, user: str) -> CiRecord:
        with self.db.write() as conn:
            source = self._must_get(conn, check_id(ci_id))
            if source.type == ROOT_TYPE:
                raise BadRequest(f"The root {ci_id} cannot be moved.")
            new_id = self._check_target(conn, source, new_id, "move")
            return self._move(conn, source, new_id, user, "MOVE")

    def rename(self, ci_id: str, new_name: str, user: str) -> CiRecord:
        with self.db.write() as conn:
            source = self._must_get(conn, check_id(ci_id))
            if source.type == ROOT_TYPE:
                raise BadRequest(f"The root {ci_id} cannot be renamed.")
            if not new_name or "/" in new_name:
                raise BadRequest(f"Cannot rename {ci_id}: the new name '{new_name}' must be a single non-empty name.")
            new_id = self._check_target(conn, source, f"{parent_of(source.id)}/{new_name}", "rename")
            return self._move(conn, source, new_id, user, "RENAME")

    # -- history -------------------------------------------------------------------------------
    def history(self, ci_id: str) -> list[dict]:
        """Every recorded version at ci_id, oldest first: each lifetime of a CI there (created, or arrived by
        a move or rename, until deleted or moved away), a lifetime that arrived by a move preceded by its
        versions under the earlier id. Versions are numbered 1..n over the whole list, so they only grow."""
        ci_id = check_id(ci_id)
        with self.db.read() as conn:
            lifetimes = [self._with_past(conn, lifetime) for lifetime in self._lifetimes(conn, ci_id)]
        if not lifetimes:
            raise NotFound(f"Repository entity {ci_id} has no history.")
        entries, listed = [], set()
        for lifetime in lifetimes:
            born = lifetime[0]
            for r in lifetime:
                if r.revision in listed:  # a CI that comes back: its past here is listed already
                    continue
                listed.add(r.revision)
                entries.append({
                    "version": len(entries) + 1, "revision": r.revision, "id": r.ci_id, "previousId": r.previous_id,
                    "action": r.action, "type": r.type, "token": r.token, "changedBy": r.changed_by,
                    "changedAt": r.changed_at, "_properties": r.properties,
                    # rows written before history kept the creation meta: the lifetime's first version
                    "_createdBy": r.created_by or born.changed_by, "_createdAt": r.created_at or born.changed_at})
        return entries

    @staticmethod
    def _lifetimes(conn: Connection, ci_id: str, before: int | None = None) -> list[list]:
        """The rows at ci_id (and the moves away from it), split into lifetimes, oldest first."""
        query = select(ci_history).where(or_(ci_history.c.ci_id == ci_id, and_(
            ci_history.c.previous_id == ci_id, ci_history.c.action.in_(MOVES))))
        if before is not None:
            query = query.where(ci_history.c.revision < before)
        lifetimes: list[list] = []
        for row in conn.execute(query.order_by(ci_history.c.revision)):
            arrived = row.ci_id == ci_id and row.action in ARRIVALS
            ended = bool(lifetimes) and (lifetimes[-1][-1].action == "DELETE" or lifetimes[-1][-1].ci_id != ci_id)
            if not lifetimes or arrived or ended:
                lifetimes.append([row])
            else:
                lifetimes[-1].append(row)
        return lifetimes

    def _with_past(self, conn: Connection, lifetime: list) -> list:
        """A lifetime that began with a move or rename, preceded by the CI's versions at its earlier ids."""
        while lifetime[0].action in MOVES and lifetime[0].previous_id:
            first = lifetime[0]
            earlier = self._lifetimes(conn, first.previous_id, before=first.revision)
            if not earlier or earlier[-1][-1].action == "DELETE" or earlier[-1][-1].ci_id != first.previous_id:
                break
            lifetime = earlier[-1] + lifetime
        return lifetime

    def read_version(self, ci_id: str, version: int) -> CiRecord:
        entries = self.history(ci_id)
        if not 1 <= version <= len(entries):
            raise NotFound(f"CI {ci_id} has no version {version}; it has versions 1 to {len(entries)}.")
        e = entries[version - 1]
        return CiRecord(id=e["id"], type=e["type"], token=e["token"] or "", created_by=e["_createdBy"],
                        created_at=e["_createdAt"], modified_by=e["changedBy"], modified_at=e["changedAt"],
                        properties=loads(e["_properties"] or "{}"))

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
            query = query.where(cis.c.modified_at < parse_date(modified_before, "lastModifiedBefore"))
        if modified_after:
            query = query.where(cis.c.modified_at > parse_date(modified_after, "lastModifiedAfter"))
        query = query.order_by(cis.c.id)
        if per_page is not None and per_page > 0:
            query = query.limit(per_page).offset(max(page, 0) * per_page)
        with self.db.read() as conn:
            return [_record(r) for r in conn.execute(query).all()]


# The first hex digit of a uuid's 4th group: its top two bits are the variant (10), the other two stay random.
_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


class _Batch:
    """The rows of CIs created (or re-written by an import) in one transaction, written together, all with the
    same time; the types of ids already seen are cached."""

    def __init__(self, repo: Repository, conn: Connection):
        self.repo, self.conn = repo, conn
        self.stamp = now_iso()
        self._random, self._used = "", 0
        self.known: dict[str, str | None] = {}
        self.checked: dict[str, str] = {}  # ids as sent that passed check_id, and what it made of them
        self.records: list[tuple[CiRecord, str, bool]] = []
        self.refs: list[tuple] = []  # rows of ci_refs (_REF_COLUMNS)

    def read(self, ci_id: str) -> CiRecord | None:
        """The CI as this batch's transaction has it so far (not counting the rows still to be flushed)."""
        return self.repo._get(self.conn, ci_id)

    def check_ids(self, items: list) -> list[str]:
        """The ids of the CIs of a list that are well formed, remembered in `checked` (the others are refused in
        turn as they come)."""
        ids = []
        for item in items:
            try:
                ci_id = check_id(body_id(item))
            except BadRequest:
                continue
            ids.append(ci_id)
            self.checked[item["id"]] = ci_id
        return ids

    def type_of(self, ci_id: str) -> str | None:
        if ci_id not in self.known:
            self.known[ci_id] = self.repo._type_of(self.conn, ci_id)
        return self.known[ci_id]

    def token(self) -> str:
        """A new token (a random UUID, as uuid4 makes it: the version and variant bits set, the rest random). The
        random bytes are read for a thousand tokens at once: each read lets go of the GIL, and getting it back can
        wait for the server's other threads. Written out from the hex digits: uuid.UUID's checks cost more than the
        rest."""
        if self._used == len(self._random):
            self._random, self._used = os.urandom(16 * 1024).hex(), 0
        h = self._random[self._used:self._used + 32]
        self._used += 32
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"

    def learn(self, ids) -> None:
        """Look up the types of many ids at once (`SELECT ... WHERE id IN`), so that `type_of` need not ask
        one at a time; ids that are not text are left to the checks that refuse them."""
        wanted = list({i for i in ids if isinstance(i, str) and i not in self.known})
        self.known.update(dict.fromkeys(wanted))
        self.known.update(self.conn.select_in(cis, ("id", "type"), "id", wanted))

    def add(self, rec: CiRecord, refs: list[tuple], action: str = "CREATE", existing: bool = False) -> None:
        """A new CI, or with `existing` new content for the CI there (its row is updated)."""
        self.known[rec.id] = rec.type
        self.records.append((rec, action, existing))  # serialised at flush: storing a file may still set its checksum
        self.refs.extend(refs)

    def flush(self) -> None:
        records, self.records = self.records, []
        texts = [dumps_text(rec.properties) for rec, _, _ in records]
        new, rewritten = [], []
        for (rec, _, existing), props in zip(records, texts):
            if existing:
                rewritten.append({"b_id": rec.id, "b_token": rec.token, "b_by": rec.modified_by,
                                  "b_at": rec.modified_at, "b_properties": props})
            else:
                parent, _, name = rec.id.rpartition("/")
                new.append((rec.id, rec.type, parent or None, name, rec.token, rec.created_by, rec.created_at,
                            rec.modified_by, rec.modified_at, props))
        if rewritten:
            self.conn.execute(update(cis).where(cis.c.id == bindparam("b_id")).values(
                token=bindparam("b_token"), modified_by=bindparam("b_by"), modified_at=bindparam("b_at"),
                properties=bindparam("b_properties")), rewritten)
            self.conn.execute(delete(ci_refs).where(ci_refs.c.source_id.in_([r["b_id"] for r in rewritten])))
        actions = {action for _, action, _ in records}
        if new and not rewritten and len(actions) == 1 and self.conn.connection.dialect.name == "sqlite":
            # The history rows are copies of the rows just written, which SQLite numbers one after the other from
            # the largest rowid there was: SQLite copies them, in order, in half the time of taking them again.
            after = self.conn.execute(_LAST_ROWID).scalar() or 0
            self.conn.insert_rows(cis, _CI_COLUMNS, new)
            self.conn.execute(_HISTORY_OF_NEW, {"action": actions.pop(), "after": after})
        else:
            self.conn.insert_rows(cis, _CI_COLUMNS, new)
            self.conn.insert_rows(ci_history, _HISTORY_COLUMNS, [
                (rec.id, None, action, rec.type, rec.token, props, rec.modified_by, rec.modified_at, rec.created_by,
                 rec.created_at) for (rec, action, _), props in zip(records, texts)])
        self.conn.insert_rows(ci_refs, _REF_COLUMNS, self.refs)
        self.refs = []


# The columns of the rows _Batch writes, in the order it makes them.
_CI_COLUMNS = ("id", "type", "parent_id", "name", "token", "created_by", "created_at", "modified_by", "modified_at",
               "properties")
_REF_COLUMNS = ("source_id", "property", "target_id")
_HISTORY_COLUMNS = ("ci_id", "previous_id", "action", "type", "token", "properties", "changed_by", "changed_at",
                    "created_by", "created_at")
_ROWID = literal_column("cis.rowid")
_LAST_ROWID = select(func.max(_ROWID)).select_from(cis)
_HISTORY_OF_NEW = insert(ci_history).from_select(
    _HISTORY_COLUMNS, select(cis.c.id, null(), bindparam("action", type_=String), cis.c.type, cis.c.token,
                             cis.c.properties, cis.c.modified_by, cis.c.modified_at, cis.c.created_by, cis.c.created_at)
    .where(_ROWID > bindparam("after")).order_by(_ROWID))
