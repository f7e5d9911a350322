"""The store's contract, run against SQLite and a real PostgreSQL: the one write path (a write commits everything
or nothing; one writer at a time on SQLite, writers side by side on PostgreSQL; reads never wait for a write; a
write inside a write joins it) and the services' stores on it (several services' methods in one unit of work,
grants that follow the directories the repository moves and deletes)."""

import threading
import time

import pytest
from sqlalchemy import event, insert, select

from server.config import init_home, load_config
from server.errors import Conflict
from server.services import build_services
from server.store import schema_version
from server.store.database import Database
from server.store.tables.security import roles
from tests.support.postgres import PostgresServer

BACKENDS = ["sqlite", "postgresql"]
WAIT = 0.5  # how long a writer that is not held back certainly takes to start


@pytest.fixture(scope="module")
def postgres():
    pg = PostgresServer().start()
    yield pg
    pg.stop()


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'repository.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"contract_{tmp_path.name[-40:].lower()}")
    schema_version.upgrade(url)
    return url


@pytest.fixture
def db(url):
    database = Database(url)
    yield database
    database.dispose()


@pytest.fixture
def services(url, tmp_path):
    home = tmp_path / "home"
    init_home(home)
    config = load_config(home)
    config.database_url = url
    built = build_services(config)
    yield built
    built.audit.close()
    built.db.dispose()


def role_names(db: Database) -> set:
    with db.read() as conn:
        return {row.name for row in conn.execute(select(roles.c.name))}


class HeldWrite:
    """A write on another thread that adds a role and stays open until released."""

    def __init__(self, db: Database, name: str):
        self.entered, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, args=(db, name))
        self.thread.start()
        assert self.entered.wait(10)

    def _run(self, db, name):
        with db.write() as tx:
            tx.execute(insert(roles).values(name=name))
            self.entered.set()
            self.release.wait(10)

    def end(self):
        self.release.set()
        self.thread.join(10)


# -- the write path ---------------------------------------------------------------------------------

def test_a_write_commits_everything_or_nothing(db):
    committed = []
    with pytest.raises(RuntimeError):
        with db.write() as tx:
            tx.execute(insert(roles).values(name="first"))
            tx.execute(insert(roles).values(name="second"))
            tx.on_commit(lambda: committed.append("failed write"))
            raise RuntimeError("refused half-way")
    assert role_names(db) == set() and committed == []
    with db.write() as tx:
        tx.execute(insert(roles).values(name="first"))
        tx.execute(insert(roles).values(name="second"))
        tx.on_commit(lambda: committed.append("write"))
        assert committed == []  # not before the commit
    assert role_names(db) == {"first", "second"} and committed == ["write"]


def test_one_writer_at_a_time_on_sqlite_side_by_side_on_postgresql(db):
    held = HeldWrite(db, "held")
    second_in = threading.Event()

    def second():
        with db.write() as tx:
            second_in.set()
            tx.execute(insert(roles).values(name="second"))

    thread = threading.Thread(target=second)
    thread.start()
    try:
        assert second_in.wait(WAIT) == (not db.serialised)
        assert db.serialised == (db.engine.dialect.name == "sqlite")
    finally:
        held.end()
        thread.join(10)
    assert second_in.is_set() and role_names(db) == {"held", "second"}


def test_reads_do_not_wait_for_a_write_in_progress(db):
    held = HeldWrite(db, "uncommitted")
    try:
        started = time.monotonic()
        assert role_names(db) == set()  # what was committed before the write
        assert time.monotonic() - started < WAIT
    finally:
        held.end()
    assert role_names(db) == {"uncommitted"}


def test_a_write_inside_a_write_joins_it_and_reads_through_it(db):
    with pytest.raises(RuntimeError):
        with db.write() as outer:
            with db.write() as inner:
                assert inner is outer
                inner.execute(insert(roles).values(name="inner"))
            assert role_names(db) == {"inner"}  # a read inside the write sees what it wrote so far
            raise RuntimeError("the outer write fails")
    assert role_names(db) == set()


# -- the services' stores on it ----------------------------------------------------------------------

def test_several_services_write_one_unit_of_work(services):
    """What the task engine does at a checkpoint: the repository's CIs and the task's record of the commit, together."""
    tasks, repository = services.tasks, services.repository
    task_id = tasks.create(task_type="DEPLOYMENT", description="d", owner="admin", metadata={},
                           block={"id": "0", "blocks": []}, specification={})
    commits = {"applied": [[0, "CREATE"]], "final": False}
    with pytest.raises(Conflict):
        with services.db.write():
            repository.apply("admin", [{"id": "Environments/Dev", "type": "udm.Environment"}])
            tasks.record_commits(task_id, commits)
            raise Conflict("refused by a check after both wrote")
    assert not repository.exists("Environments/Dev")
    assert tasks.get(task_id)["commits"] == {"applied": [], "final": False}
    with services.db.write():
        repository.apply("admin", [{"id": "Environments/Dev", "type": "udm.Environment"}])
        tasks.record_commits(task_id, commits)
    assert repository.exists("Environments/Dev") and tasks.get(task_id)["commits"] == commits


def test_the_same_key_written_side_by_side_is_a_conflict(services):
    users, db = services.users, services.db
    first_in, release, failures = threading.Event(), threading.Event(), []

    def first():
        with db.write():
            users.create("twin", "Pw-one-1")
            first_in.set()
            release.wait(10)

    def second():
        try:
            users.create("twin", "Pw-two-2")
        except Conflict as exc:
            failures.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_in.wait(10)
    threads[1].start()
    time.sleep(WAIT)  # the second writer waits: for the lock (SQLite) or for the first to take the key (PostgreSQL)
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(failures) == 1 and users.authenticate("twin", "Pw-one-1")


def test_grants_follow_the_directories_the_repository_moves_and_deletes(services):
    repository, security = services.repository, services.security
    repository.create_many([{"id": "Environments/team", "type": "core.Directory"},
                            {"id": "Environments/team/apps", "type": "core.Directory"},
                            {"id": "Environments/other", "type": "core.Directory"}], "admin")
    security.create_role("admin", "devs")
    security.assign("admin", "devs", "alice")
    security.grant("admin", "read", "devs")
    security.grant("admin", "repo#edit", "devs", "Environments/team/apps")
    assert security.has("alice", "repo#edit", "Environments/team/apps")

    repository.rename("Environments/team", "squad", "admin")
    # the snapshot is refreshed once the move has committed, not a second later
    assert security.has("alice", "repo#edit", "Environments/squad/apps")
    assert not security.has("alice", "repo#edit", "Environments/team/apps")
    assert set(security.store.load().grants) == {"", "Environments/squad/apps"}

    with pytest.raises(Conflict):  # a move refused: the grants stay where they are
        repository.move("Environments/squad", "Environments/other", "admin")
    assert set(security.store.load().grants) == {"", "Environments/squad/apps"}

    repository.delete("Environments/squad", "admin")
    assert set(security.store.load().grants) == {""}
    assert not security.has("alice", "repo#edit", "Environments/squad/apps")


def test_a_batch_create_checks_its_cis_in_a_few_statements(services):
    """Ids, parents and references of a whole batch are looked up together, and its rows written together: the
    number of statements does not grow with the number of CIs."""
    repository = services.repository
    repository.create({"id": "Infrastructure/old", "type": "overthere.LocalHost", "os": "UNIX"}, "admin")
    hosts = [{"id": f"Infrastructure/host-{i}", "type": "overthere.LocalHost", "os": "UNIX"} for i in range(200)]
    env = {"id": "Environments/env", "type": "udm.Environment",
           "members": ["Infrastructure/old"] + [h["id"] for h in hosts]}  # refers to CIs later in the batch too
    statements = []

    def count(conn, cursor, statement, *rest):
        statements.append(statement)
    event.listen(services.db.engine, "before_cursor_execute", count)
    try:
        repository.create_many([env] + hosts, "admin")
    finally:
        event.remove(services.db.engine, "before_cursor_execute", count)
    assert len(statements) <= 10, statements
    assert repository.referrers("Infrastructure/host-7") == ["Environments/env"]
    assert [e["action"] for e in repository.history("Infrastructure/host-199")] == ["CREATE"]


def test_a_batch_read_looks_up_its_cis_and_their_children_together(services):
    """A batch read is what reading each CI alone gives (the deployables of a package in the database's order), in
    one statement for the CIs and one for the children of the packages among them."""
    repository = services.repository
    repository.create_many([{"id": "Applications/app", "type": "udm.Application"}]
                           + [{"id": f"Applications/app/{v}", "type": "udm.DeploymentPackage"} for v in range(3)]
                           + [{"id": f"Applications/app/{v}/cmd-{c}", "type": "cmd.Command", "commandLine": "true"}
                              for v in range(2) for c in (2, 10, 1)], "admin")
    ids = ["Applications/app/1", "Applications/app", "Applications/app/0/cmd-10", "Applications/app/2",
           "Applications/app/0", "Applications/app/1"]
    statements = []

    def count(conn, cursor, statement, *rest):
        statements.append(statement)
    event.listen(services.db.engine, "before_cursor_execute", count)
    try:
        together = repository.to_json_many(repository.read_many(ids))
    finally:
        event.remove(services.db.engine, "before_cursor_execute", count)
    assert len(statements) == 2, statements
    assert together == [repository.to_json(repository.read(ci_id)) for ci_id in ids]
    assert together[0]["deployables"] == ["Applications/app/1/cmd-1", "Applications/app/1/cmd-10",
                                          "Applications/app/1/cmd-2"]


def test_a_report_reads_only_the_tasks_of_its_period_through_an_index(services):
    """The deployments report picks the tasks completed in its period (whole days in UTC, both ends included,
    archived or not) in the database, by the index on the completion date, not by reading every task."""
    store = services.tasks

    def deployment(completed: str | None, state: str = "EXECUTED", **more) -> str:
        task_id = store.create(task_type="INITIAL", description="Initial deployment", owner="admin", block={"id": "0"},
                               specification={}, metadata={"taskType": "INITIAL", "application": "app"})
        store.update(task_id, state=state, completed_at=completed, **more)
        return task_id

    deployment("2019-02-28T23:59:59.999+0000")
    first = deployment("2019-03-01T00:00:00.000+0000", state="DONE", archived=1,
                       archived_at="2019-03-02T00:00:00.000+0000")
    middle = deployment("2019-03-15T12:00:00.000+0000", state="FAILED")
    last = deployment("2019-03-31T23:59:59.999+0000")
    deployment("2019-04-01T00:00:00.000+0000")
    deployment(None, state="PENDING")
    selects = []

    def record(conn, cursor, statement, parameters, *rest):
        if statement.lstrip().upper().startswith("SELECT") and " tasks" in statement:
            selects.append((statement, parameters))
    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        rows = services.reports.deployments("2019-03-01", "2019-03-31")
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)
    assert [(r["taskId"], r["status"]) for r in rows] == [(first, "DONE"), (middle, "FAILED"), (last, "EXECUTED")]
    assert [r["taskId"] for r in services.reports.deployments("2019-03-31", "2019-03-31")] == [last]
    assert [r["taskId"] for r in services.reports.deployments("2019-03-15T12:00:00Z", "2019-03-31")] == [middle, last]
    assert [r["taskId"] for r in services.reports.deployments(None, "2019-03-01")][-1] == first

    assert len(selects) == 1, selects
    statement, parameters = selects[0]
    plan = _plan(services.db.engine, statement, parameters)
    assert "ix_tasks_completed_at" in plan, plan


def test_archived_tasks_of_a_period_are_read_through_an_index(services):
    """The archived tasks of a period (/tasks/v2/query, /export: whole days in UTC, both ends included) are picked
    by their completion date, which every archived task has (archiving and cancelling keep it or set it), so the
    index on it serves both the page and the total."""
    store, engine = services.tasks, services.task_engine

    def task(completed: str, state: str = "EXECUTED", end=None) -> str:
        task_id = store.create(task_type="INITIAL", description="Initial deployment", owner="admin", block={"id": "0"},
                               specification={}, metadata={"taskType": "INITIAL", "application": "app"})
        store.update(task_id, state=state, completed_at=completed)
        if end is not None:
            end(task_id)
        return task_id

    task("2019-02-28T23:59:59.999+0000", end=engine.archive)
    first = task("2019-03-01T00:00:00.000+0000", end=engine.archive)
    task("2019-03-10T00:00:00.000+0000")  # completed in the period, not archived
    middle = task("2019-03-15T12:00:00.000+0000", state="FAILED", end=engine.cancel)
    last = task("2019-03-31T23:59:59.999+0000", end=engine.archive)
    task("2019-04-01T00:00:00.000+0000", end=engine.archive)
    assert store.get(middle)["state"] == "CANCELLED"
    assert all(store.get(t)["completed_at"] and store.get(t)["archived_at"] for t in (first, middle, last))
    selects = []

    def record(conn, cursor, statement, parameters, *rest):
        if statement.lstrip().upper().startswith("SELECT") and " tasks" in statement:
            selects.append((statement, parameters))
    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        found, total = services.task_views.archived("2019-03-01", "2019-03-31", 1, 2, False)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)
    assert [t["id"] for t in found] == [first, middle] and total == 3
    found, total = services.task_views.archived("2019-03-01", "2019-03-31", 2, 2, False)
    assert [t["id"] for t in found] == [last] and total == 3
    assert [t["id"] for t in services.task_views.archived("2019-03-31", None, 1, 0, False)[0]][0] == last
    assert [t["id"] for t in services.task_views.archived(None, "2019-03-01", 1, 0, False)[0]][-1] == first

    assert len(selects) == 2, selects  # the total and the page
    for statement, parameters in selects:
        assert "ix_tasks_completed_at" in _plan(services.db.engine, statement, parameters), statement


def _plan(engine, statement: str, parameters) -> str:
    """The database's plan for a statement, as one line."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # a table this small is read whole unless told otherwise
            cursor.execute("EXPLAIN " + statement, parameters)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return " ".join(str(part) for row in cursor.fetchall() for part in row)
    finally:
        raw.close()


def test_every_write_of_a_running_task_holds_only_under_its_claim(services):
    """The fencing token: a server's writes for a task (progress, log lines, its commands' records, a checkpoint's
    commit) are refused once another server failed the task, or any server claimed it again (the same one too);
    nothing is written."""
    from server.engine import recovery
    from server.engine.checkpoints import Committer
    from server.engine.store import ClaimLost

    tasks, repository = services.tasks, services.repository
    repository.apply("admin", [{"id": "Environments/Dev", "type": "udm.Environment"}])
    task_id = tasks.create(task_type="DEPLOYMENT", description="d", owner="admin", metadata={},
                           block={"id": "0", "steps": [{"type": "noop"}]}, specification={})
    tasks.update(task_id, state="QUEUED")
    (first,) = tasks.claim_queued("node1", 1, "2999-01-01T00:00:00.000+0000", "2000-01-01T00:00:00.000+0000").values()
    tasks.set_progress(task_id, {"0_1": {"state": "EXECUTING"}}, claim=first)
    tasks.append_log(task_id, "0_1", "running\n", first)
    tasks.add_process("tag1", task_id, "0_1", "Infrastructure/h", 1, "{}", first)

    assert recovery.fail_task(tasks, task_id)  # another server, finding the lease expired
    late = [lambda: tasks.set_progress(task_id, {"0_1": {"state": "DONE"}}, claim=first),
            lambda: tasks.append_log(task_id, "0_1", "late\n", first),
            lambda: tasks.add_process("tag2", task_id, "0_1", "Infrastructure/h", 2, "{}", first),
            lambda: tasks.remove_process("tag1", task_id, first)]
    for write in late:
        with pytest.raises(ClaimLost):
            write()
    assert tasks.update_if(task_id, ("FAILED",), state="QUEUED")
    (second,) = tasks.claim_queued("node1", 1, "2999-01-01T00:00:00.000+0000", "2000-01-01T00:00:00.000+0000").values()
    assert second.node == "node1" and second.number > first.number
    undeploy = {"type": "UNDEPLOYMENT", "deltas": [], "deployedApplication": {"id": "Environments/Dev"}}
    for write in late + [Committer(repository, services.types, tasks, task_id, undeploy, None, "admin", first).final]:
        with pytest.raises(ClaimLost):
            write()
    assert tasks.progress(task_id)["0_1"]["state"] == "FAILED" and [p["tag"] for p in tasks.processes(task_id)] == ["tag1"]
    assert tasks.log(task_id, "0_1").startswith("running\nThe server stopped") and "late" not in tasks.log(task_id, "0_1")
    assert repository.exists("Environments/Dev") and tasks.get(task_id)["commits"] == {"applied": [], "final": False}

    Committer(repository, services.types, tasks, task_id, undeploy, None, "admin", second).final()
    tasks.set_progress(task_id, {"0_1": {"state": "DONE"}}, claim=second)
    assert not repository.exists("Environments/Dev") and tasks.get(task_id)["commits"]["final"]
    assert tasks.progress(task_id)["0_1"]["state"] == "DONE"
