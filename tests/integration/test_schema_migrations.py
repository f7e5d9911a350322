"""The repository schema is versioned (server/store/): a server brings a home made before schema versioning up
to date with everything in it, refuses a schema newer than it knows, and several servers starting together on
an empty PostgreSQL database all come up."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from server.store.schema_version import head_revision, schema_differences
from tests.conftest import Api
from tests.integration.tasks_helpers import wait_state
from tests.support.postgres import PostgresServer, _bin
from tests.support.server import ServerProcess

DATA = Path(__file__).resolve().parents[1] / "data" / "pre_alembic"  # made by make.py there, with 60a7c1f's code
USER, USER_PASSWORD = "olduser", "Old-Pa55word"
DB_PASSWORD = "db-Secret-91c2"


@pytest.fixture(scope="module")
def postgres():
    pg = PostgresServer().start()
    yield pg
    pg.stop()


def old_home(tmp_path: Path) -> Path:
    """A copy of the SQLite home made by the release before schema versioning: key, database, artifact files."""
    home = tmp_path / "home"
    shutil.copytree(DATA / "home", home)
    return home


def revision_of(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
    finally:
        engine.dispose()


def check_everything_is_intact(server: ServerProcess, task_id: str, target: Path) -> None:
    admin, url = server.session(), server.url
    host = admin.get(url + "/repository/ci/Infrastructure/old-dir/ssh-renamed").json()
    assert (host["address"], host["username"], host["password"]) == ("10.0.0.2", "deployer", "********")
    history = admin.get(url + "/repository/history/Infrastructure/old-dir/ssh-renamed").json()
    assert [v["action"] for v in history] == ["CREATE", "UPDATE", "RENAME"]
    old_task = admin.get(url + f"/tasks/v2/{task_id}").json()
    assert old_task["state"] == "DONE" and old_task["metadata"]["application"] == "old-app"
    day = old_task["completionDate"][:10]  # found by the index on completion dates that the upgrade made
    assert [r["taskId"] for r in admin.get(url + "/internal/reports/tasks", params={"begin": day, "end": day}).json()] \
        == [task_id]
    assert "hello from 1.0" in admin.get(url + f"/tasks/v2/{task_id}/step-log/0_1_1_1").text
    # The user logs in with the password set before, and the role's grants hold.
    user = server.session(USER, USER_PASSWORD)
    assert user.get(url + "/security/check/deploy%23upgrade/Environments").json() == {"boolean": True}
    assert user.get(url + "/security/check/read/Infrastructure").json() == {"boolean": False}
    assert user.get(url + "/repository/ci/Environments/old-env").status_code == 200
    # The encrypted dictionary value still decrypts with the home's key: 2.0 writes it into its file.
    settings = admin.get(url + "/repository/ci/Environments/old-settings").json()
    assert admin.put(url + "/repository/ci/Environments/old-settings",
                     json=dict(settings, entries={"TARGET": str(target)})).status_code == 200
    prepared = admin.get(url + "/deployment/prepare/update", params={
        "version": "Applications/old-app/2.0", "deployedApplication": "Environments/old-env/old-app"}).json()
    mapped = admin.post(url + "/deployment/prepare/deployeds", json=prepared).json()
    new_task = admin.post(url + "/deployment", json=mapped).json()["string"]
    assert admin.post(url + f"/tasks/v2/{new_task}/start").status_code == 204
    assert wait_state(Api(server), new_task)["state"] == "EXECUTED"
    assert (target / "db.conf").read_text() == f"password={DB_PASSWORD}\n"


def test_a_sqlite_home_made_before_schema_versioning_is_brought_up_to_date_intact(tmp_path):
    server = ServerProcess(old_home(tmp_path)).start()
    try:
        check_everything_is_intact(server, (DATA / "sqlite-task").read_text().strip(), tmp_path / "target")
    finally:
        server.stop()
    url = f"sqlite:///{server.home / 'repository' / 'repository.db'}"
    assert revision_of(url) == [head_revision()]
    assert schema_differences(url) == []


def test_a_postgresql_database_made_before_schema_versioning_is_brought_up_to_date_intact(tmp_path, postgres):
    url = postgres.create_database("before_versioning")
    subprocess.run([*postgres.as_user, _bin("psql"), "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres",
                    "-q", "-v", "ON_ERROR_STOP=1", "-d", "before_versioning", "-f", str(DATA / "postgres.sql")],
                   check=True, capture_output=True)
    home = old_home(tmp_path)
    (home / "repository" / "repository.db").unlink()  # the same key and artifact files, the database elsewhere
    server = ServerProcess(home, conf={"repository.database.url": url}).start()
    try:
        check_everything_is_intact(server, (DATA / "postgres-task").read_text().strip(), tmp_path / "target")
    finally:
        server.stop()
    assert revision_of(url) == [head_revision()]
    assert schema_differences(url) == []


def test_three_servers_starting_together_on_an_empty_postgresql_database_all_come_up(tmp_path, postgres):
    url = postgres.create_database("empty")
    servers = [ServerProcess(tmp_path / f"home{n}", conf={"repository.database.url": url}) for n in range(3)]
    key = servers[0].home / "conf" / "repository.key"
    key.parent.mkdir(parents=True)
    key.write_bytes((DATA / "home" / "conf" / "repository.key").read_bytes())
    for other in servers[1:]:
        (other.home / "conf").mkdir(parents=True)
        shutil.copy(key, other.home / "conf")
    failures = []

    def start(server):
        try:
            server.start()
        except RuntimeError as exc:
            failures.append(str(exc))

    threads = [threading.Thread(target=start, args=(server,)) for server in servers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert all(server.session().get(server.url + "/server/info").status_code == 200 for server in servers)
    finally:
        for server in servers:
            server.stop()
    assert revision_of(url) == [head_revision()]
    assert schema_differences(url) == []


def test_a_schema_newer_than_the_server_knows_is_refused_with_one_sentence(tmp_path):
    server = ServerProcess(tmp_path / "home").start()
    assert server.stop() == 0
    db = sqlite3.connect(server.home / "repository" / "repository.db")
    with db:
        db.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        db.execute("DELETE FROM alembic_version")
        db.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    db.close()
    with pytest.raises(RuntimeError, match="server exited with 2") as refused:
        server.start()
    server.stop()
    assert ("Cannot start: the repository database has schema revision 9999_from_the_future, newer than this "
            f"server knows (its latest is {head_revision()}); run the release that upgraded it, or a later one."
            in str(refused.value))
    # Nothing was changed.
    db = sqlite3.connect(server.home / "repository" / "repository.db")
    assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999_from_the_future",)]
    db.close()


def test_an_empty_database_gets_the_schema_the_code_declares(tmp_path):
    from server.store.schema_version import upgrade
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    upgrade(url)  # a second start finds nothing to do
    assert revision_of(url) == [head_revision()]
    assert schema_differences(url) == []
