"""Makes the homes in this folder with the code of the release before schema versioning (commit 60a7c1f).

    git archive 60a7c1f | tar -x -C /tmp/deployit-old
    cd /tmp && PYTHONPATH=<repo> python <repo>/tests/data/pre_alembic/make.py /tmp/deployit-old

It starts that release's server on a SQLite home, then on a PostgreSQL database with the same key, and fills
both the same way (see `fill`): `home/` keeps the SQLite home's database, key and artifact files, and
`postgres.sql` a plain dump of the PostgreSQL database. tests/integration/test_schema_migrations.py reads what
`fill` wrote. Run it from outside the repository, so the server subprocess imports the old code.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from tests.support.postgres import PostgresServer, _bin
from tests.support.server import ServerProcess

HERE = Path(__file__).resolve().parent
USER, USER_PASSWORD = "olduser", "Old-Pa55word"
SSH_PASSWORD, DB_PASSWORD = "ssh-Secret-7f3a", "db-Secret-91c2"


def ok(response):
    assert response.status_code in (200, 204), f"{response.request.method} {response.url}: {response.text}"
    return response


def fill(server: ServerProcess) -> str:
    """CIs (a password property, an encrypted dictionary, an artifact), history (update, rename), an executed and
    archived deployment task, a user with a role and grants."""
    s, url = server.session(), server.url
    ok(s.post(url + "/repository/cis", json=[
        {"id": "Infrastructure/old-dir", "type": "core.Directory"},
        {"id": "Infrastructure/old-dir/ssh", "type": "overthere.SshHost", "os": "UNIX", "address": "10.0.0.1",
         "username": "deployer", "password": SSH_PASSWORD},
        {"id": "Infrastructure/old-dir/local", "type": "overthere.LocalHost", "os": "UNIX"},
        {"id": "Environments/old-secrets", "type": "udm.EncryptedDictionary", "entries": {"DB_PASSWORD": DB_PASSWORD}},
        {"id": "Environments/old-settings", "type": "udm.Dictionary", "entries": {"TARGET": "/nonexistent"}},
        {"id": "Environments/old-env", "type": "udm.Environment", "members": ["Infrastructure/old-dir/local"],
         "dictionaries": ["Environments/old-secrets", "Environments/old-settings"]},
        {"id": "Applications/old-app", "type": "udm.Application"},
        {"id": "Applications/old-app/1.0", "type": "udm.DeploymentPackage"},
        {"id": "Applications/old-app/1.0/hello", "type": "cmd.Command", "commandLine": "echo hello from 1.0"},
        {"id": "Applications/old-app/2.0", "type": "udm.DeploymentPackage"},
    ]))
    ok(s.post(url + "/repository/ci/Applications/old-app/2.0/config", files={
        "configurationItem": (None, '{"id": "Applications/old-app/2.0/config", "type": "file.File", '
                                    '"targetPath": "{{TARGET}}", "placeholders": ["DB_PASSWORD"]}', "application/json"),
        "file": ("db.conf", b"password={{DB_PASSWORD}}\n", "text/plain")}, headers={"Content-Type": None}))
    host = ok(s.get(url + "/repository/ci/Infrastructure/old-dir/ssh")).json()
    ok(s.put(url + "/repository/ci/Infrastructure/old-dir/ssh", json=dict(host, address="10.0.0.2")))
    ok(s.post(url + "/repository/rename/Infrastructure/old-dir/ssh", params={"newName": "ssh-renamed"}))

    prepared = ok(s.get(url + "/deployment/prepare/initial",
                        params={"version": "Applications/old-app/1.0", "environment": "Environments/old-env"})).json()
    mapped = ok(s.post(url + "/deployment/prepare/deployeds", json=prepared)).json()
    task_id = ok(s.post(url + "/deployment", json=mapped)).json()["string"]
    ok(s.post(url + f"/tasks/v2/{task_id}/start"))
    for _ in range(300):
        if ok(s.get(url + f"/tasks/v2/{task_id}")).json()["state"] == "EXECUTED":
            break
        time.sleep(0.1)
    ok(s.post(url + f"/tasks/v2/{task_id}/archive"))

    ok(s.post(url + f"/security/user/{USER}", json={"username": USER, "password": USER_PASSWORD}))
    ok(s.put(url + "/security/role/deployers"))
    ok(s.put(url + f"/security/role/deployers/{USER}"))
    for permission, ci in (("login", ""), ("read", "/Environments"), ("read", "/Applications"),
                           ("deploy#upgrade", "/Environments")):
        ok(s.put(url + f"/security/permission/{quote(permission)}/deployers{ci}"))
    return task_id


def make_sqlite(old: str, work: Path) -> bytes:
    server = ServerProcess(work / "home", env={"PYTHONPATH": old}).start()
    try:
        task_id = fill(server)
    finally:
        assert server.stop() == 0
    (HERE / "sqlite-task").write_text(task_id + "\n")
    target = HERE / "home"
    shutil.rmtree(target, ignore_errors=True)
    (target / "conf").mkdir(parents=True)
    shutil.copy(server.home / "conf" / "repository.key", target / "conf")
    shutil.copytree(server.home / "repository", target / "repository")
    db = sqlite3.connect(target / "repository" / "repository.db")
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("PRAGMA page_size=1024")  # small pages: a few rows in many tables
    db.execute("VACUUM")
    db.close()
    return (target / "conf" / "repository.key").read_bytes()


def make_postgres(old: str, work: Path, key: bytes) -> None:
    pg = PostgresServer().start()
    try:
        url = pg.create_database("deployit")
        home = work / "pg-home"
        (home / "conf").mkdir(parents=True)
        (home / "conf" / "repository.key").write_bytes(key)  # one key for both homes: the same files decrypt
        server = ServerProcess(home, conf={"repository.database.url": url}, env={"PYTHONPATH": old}).start()
        try:
            task_id = fill(server)
        finally:
            assert server.stop() == 0
        (HERE / "postgres-task").write_text(task_id + "\n")
        dump = subprocess.run([*pg.as_user, _bin("pg_dump"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres",
                               "--no-owner", "--no-privileges", "deployit"], check=True, capture_output=True, text=True)
        # psql 15.14 and later guard a dump with \restrict; older ones do not know it, and the dump is ours.
        lines = [line for line in dump.stdout.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))]
        (HERE / "postgres.sql").write_text("\n".join(lines) + "\n")
    finally:
        pg.stop()


if __name__ == "__main__":
    old_code = str(Path(sys.argv[1]).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        make_postgres(old_code, Path(tmp), make_sqlite(old_code, Path(tmp)))
