"""The garbage collector on its own: what it keeps (CIs' files, unfinished tasks' files, young files)."""

import os
import time

from sqlalchemy import insert

from server.engine.store import TaskStore
from server.maintenance.gc import GarbageCollector
from server.repository.artifacts import ArtifactStore
from server.repository.schema import artifact_files, make_engine, metadata


def _setup(tmp_path, grace=0.0):
    db = make_engine(f"sqlite:///{tmp_path / 'repo.db'}")
    metadata.create_all(db)
    store = ArtifactStore(tmp_path / "artifacts")
    return db, store, TaskStore(db), GarbageCollector(db, store, TaskStore(db), grace)


def _old(store, sha1):
    past = time.time() - 3600
    os.utime(store.path(sha1), (past, past))


def test_keeps_ci_files_and_files_of_unfinished_tasks_frees_the_rest(tmp_path):
    db, store, tasks, gc = _setup(tmp_path)
    used, by_task, by_archived, unused = (store.put(c)[0] for c in (b"used", b"task", b"archived", b"unused"))
    with db.begin() as conn:
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


def test_young_files_are_kept_and_storing_again_refreshes_a_file(tmp_path):
    db, store, tasks, gc = _setup(tmp_path, grace=600)
    sha1, _ = store.put(b"in flight")
    assert gc.collect().young == 1 and store.exists(sha1)
    _old(store, sha1)
    store.put(b"in flight")  # a second upload of the same content, its CI not committed yet
    assert gc.collect().files == 0 and store.exists(sha1)
    _old(store, sha1)
    assert gc.collect().files == 1 and not store.exists(sha1)
