"""The garbage collector on its own: what it keeps (CIs' files, unfinished tasks' files, uploads in flight,
young files when a grace period is set) and what it frees."""

import os
import time

import pytest
from sqlalchemy import insert

from server.engine.store import TaskStore
from server.maintenance.gc import GarbageCollector
from server.repository.artifacts import ArtifactStore, DatabaseArtifactStore
from server.store.database import Database
from server.store.schema import metadata
from server.store.tables.repository import artifact_files


def _setup(tmp_path, grace=0.0, kind=ArtifactStore):
    db = Database(f"sqlite:///{tmp_path / 'repo.db'}")
    metadata.create_all(db.engine)
    store = kind(tmp_path / "artifacts", db, node="test")
    return db, store, TaskStore(db), GarbageCollector(store, TaskStore(db), grace)


def _put(store, content: bytes) -> str:
    with store.receiving({"f": content}) as received:
        store.land(received["f"])
    return received["f"].sha1


def _old(store, sha1):
    past = time.time() - 3600
    os.utime(store.path(sha1), (past, past))


STORES = pytest.mark.parametrize("kind", [ArtifactStore, DatabaseArtifactStore], ids=["file", "database"])


@STORES
def test_keeps_ci_files_and_files_of_unfinished_tasks_frees_the_rest(tmp_path, kind):
    db, store, tasks, gc = _setup(tmp_path, kind=kind)
    used, by_task, by_archived, unused = (_put(store, c) for c in (b"used", b"task", b"archived", b"unused"))
    with db.write() as conn:
        conn.execute(insert(artifact_files).values(ci_id="Applications/A/1.0/f", sha1=used, filename="f", size=4))
    block = {"id": "0", "blocks": []}
    tasks.create(task_type="DEPLOYMENT", description="d", owner="admin", metadata={}, block=block,
                 specification={"deltas": [{"deployed": {"id": "Infrastructure/h/f", "checksum": by_task}}]})
    archived = tasks.create(task_type="DEPLOYMENT", description="d", owner="admin", metadata={}, block=block,
                            specification={"deltas": [{"deployed": {"checksum": by_archived}}]})
    tasks.update(archived, state="DONE", archived=1)
    result = gc.collect()
    assert (result.files, result.bytes, result.kept) == (2, len(b"archived") + len(b"unused"), 2)
    assert store.exists(used) and store.exists(by_task)
    assert not store.exists(by_archived) and not store.exists(unused)


@STORES
def test_uploads_in_flight_are_kept_until_their_transaction_ends(tmp_path, kind):
    db, store, tasks, gc = _setup(tmp_path, kind=kind)
    with store.receiving({"landed": b"landed", "waiting": b"not landed yet"}) as received:
        store.land(received["landed"])
        assert gc.collect().files == 0
        assert store.exists(received["landed"].sha1) and received["waiting"].temp.exists()
    assert not received["waiting"].temp.exists()  # never landed: removed when the block ends
    assert store.in_flight() == (set(), set())
    # (the database store keeps what it receives at once: the content that never landed goes too)
    assert gc.collect().files == (2 if store.in_database else 1) and not store.exists(received["landed"].sha1)


def test_an_interrupted_collection_is_finished_or_undone(tmp_path):
    db, store, tasks, gc = _setup(tmp_path)
    used, unused = _put(store, b"used"), _put(store, b"unused")
    with db.write() as conn:
        conn.execute(insert(artifact_files).values(ci_id="Applications/A/1.0/f", sha1=used, filename="f", size=4))
    for sha1 in (used, unused):  # moved aside, then the collection stopped
        os.replace(store.path(sha1), store.root / f".collect-{sha1}")
    result = gc.collect()
    assert (result.files, result.kept) == (1, 1)
    assert store.exists(used) and not store.exists(unused)
    assert sorted(p.name for p in store.root.iterdir() if p.is_file()) == []


def test_young_files_are_kept_when_a_grace_period_is_set(tmp_path):
    db, store, tasks, gc = _setup(tmp_path, grace=600)
    sha1 = _put(store, b"recent")
    assert gc.collect().young == 1 and store.exists(sha1)
    _old(store, sha1)
    assert gc.collect().files == 1 and not store.exists(sha1)
