"""sql and executed-folder: install, update and rollback against a real SQLite database (sqlite3 CLI) and a real
PostgreSQL server (psql), and a generic folder of shell scripts."""

import sqlite3
import subprocess

import pytest

from server.engine.context import DONE, StepFailed
from tests.server.steps_helpers import Harness, ref

HOST = "Infrastructure/local"
CLIENT = "Infrastructure/local/sqlite"
DEPLOYED = f"{CLIENT}/db"

V1 = {
    "01-create.sql": "create table items(name text);\ncreate table log(entry text);\n",
    "01-create-rollback.sql": "drop table items;\ndrop table log;\n",
    "02-insert.sql": "insert into items values('{{GREETING}}');\n",
    "02-insert-rollback.sql": "delete from items;\n",
    "04-extra.sql": "create table extra(x int);\n",
    "04-extra-rollback.sql": "drop table extra;\n",
    "common/readme.txt": "not a script",
}
V2 = {
    "01-create.sql": V1["01-create.sql"],
    "01-create-rollback.sql": V1["01-create-rollback.sql"],
    "02-insert.sql": "insert into items values('v2 {{GREETING}}');\n",
    "02-insert-rollback.sql": "delete from items;\n",
    "03-new.sql": "insert into log values('three');\nselect 'log has ' || count(*) from log;\n",
    "03-new-rollback.sql": "delete from log;\n",
}


def sql_deployed(version: str, client: str = CLIENT, **props) -> dict:
    return {"id": f"{client}/db", "type": "sql.ExecutedSqlScripts", "deployable": f"Applications/app/{version}/db",
            "container": client, "placeholders": {"GREETING": "hello"},
            "scriptRecognitionRegex": r"([0-9]*-.*)\.sql", "rollbackScriptRecognitionRegex": r"([0-9]*-.*)-rollback\.sql",
            "rollbackScriptPostfix": "-rollback.sql", "executeModifiedScripts": True,
            "executeRollbackForModifiedScripts": True, **props}


@pytest.fixture
def h(tmp_path):
    harness = Harness(tmp_path)
    harness.local_host()
    harness.add({"id": CLIENT, "type": "sql.SqliteClient", "host": HOST, "databaseFile": str(tmp_path / "db" / "app.db"),
                 "sqlScriptExecutor": "sql/sqlite"})
    harness.folder_artifact("Applications/app/1.0/db", "sql.SqlScripts", V1)
    harness.folder_artifact("Applications/app/2.0/db", "sql.SqlScripts", V2)
    return harness


def run_sql(h, mode, client=CLIENT, previous=False, executor="sql/sqlite"):
    params = dict(mode=mode, artifact=ref(f"{client}/db", "previous" if mode == "rollback" else "deployed"),
                  sql_client=ref(client), target_host=ref(HOST), executor_script=executor)
    if previous:
        params["previous_artifact"] = ref(f"{client}/db", "previous")
    return h.run("sql", **params)


def executed(h):
    return [line.split(" ", 1)[1] for line in h.lines if line.startswith("Executing ")]


def query(path, sql):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def tables(path):
    return sorted(r[0] for r in query(path, "select name from sqlite_master where type='table'"))


def test_install_update_and_rollback_against_sqlite(h, tmp_path):
    database = tmp_path / "db" / "app.db"
    h.add(sql_deployed("1.0"))
    assert run_sql(h, "install") == DONE
    assert executed(h) == ["01-create.sql", "02-insert.sql", "04-extra.sql"]
    assert tables(database) == ["extra", "items", "log"]
    assert query(database, "select name from items") == [("hello",)]

    h.add(sql_deployed("1.0"), "previous")
    h.add(sql_deployed("2.0"))
    assert run_sql(h, "update", previous=True) == DONE
    assert executed(h) == ["04-extra-rollback.sql", "02-insert-rollback.sql", "02-insert.sql", "03-new.sql"]
    assert "log has 1" in h.lines
    assert tables(database) == ["items", "log"]
    assert query(database, "select name from items") == [("v2 hello",)]

    h.add(sql_deployed("2.0"), "previous")
    assert run_sql(h, "rollback") == DONE
    assert executed(h) == ["03-new-rollback.sql", "02-insert-rollback.sql", "01-create-rollback.sql"]
    assert tables(database) == []


def test_update_without_modified_scripts_runs_only_new_ones(h, tmp_path):
    h.add(sql_deployed("1.0"))
    run_sql(h, "install")
    h.add(sql_deployed("1.0"), "previous")
    h.add(sql_deployed("2.0", executeModifiedScripts=False))
    run_sql(h, "update", previous=True)
    assert executed(h) == ["04-extra-rollback.sql", "03-new.sql"]
    assert query(tmp_path / "db" / "app.db", "select name from items") == [("hello",)]


def test_nothing_to_run_is_fine(h):
    h.add(sql_deployed("1.0"), "previous")
    h.add(sql_deployed("1.0"))
    assert run_sql(h, "update", previous=True) == DONE
    assert h.lines == ["No SQL scripts to run"]


def test_a_failing_script_fails_the_step_naming_it(h, tmp_path):
    h.folder_artifact("Applications/app/3.0/db", "sql.SqlScripts",
                      {"01-ok.sql": "create table ok(x);\n", "02-bad.sql": "insert into nosuch values(1);\n",
                       "03-never.sql": "create table never(x);\n"})
    h.add(sql_deployed("3.0"))
    with pytest.raises(StepFailed, match=r"^The SQL script 02-bad.sql failed on Infrastructure/local: sql/sqlite exited "
                                         r"with code 1\.$"):
        run_sql(h, "install")
    assert executed(h) == ["01-ok.sql", "02-bad.sql"]
    assert any("no such table: nosuch" in line for line in h.lines)
    assert tables(tmp_path / "db" / "app.db") == ["ok"]


def test_bad_parameters_are_one_sentence(h):
    h.add(sql_deployed("1.0"))
    with pytest.raises(StepFailed, match="has mode 'upgrade'; the modes are install, update and rollback"):
        run_sql(h, "upgrade")
    with pytest.raises(StepFailed, match="has no previous-artifact"):
        run_sql(h, "update")
    with pytest.raises(StepFailed, match=r"Cannot find the executor script 'sql/nosuch'"):
        run_sql(h, "install", executor="sql/nosuch")
    h.add(sql_deployed("1.0", scriptRecognitionRegex="(["))
    with pytest.raises(StepFailed, match="Property 'scriptRecognitionRegex' of .* is not a valid regular expression"):
        run_sql(h, "install")


def test_the_client_executor_is_used_when_the_step_names_none(h, tmp_path):
    h.add(sql_deployed("1.0"))
    run_sql(h, "install", executor=None)
    assert tables(tmp_path / "db" / "app.db") == ["extra", "items", "log"]


# ----------------------------------------------------------------------------------------------- PostgreSQL

@pytest.fixture(scope="module")
def postgres():
    from tests.support.postgres import PostgresServer, _bin
    server = PostgresServer().start()
    try:
        server.create_database("appdb")
        psql = [_bin("psql"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres"]
        server._run(*psql, "-c", "create role app login password 'pg-Secret-42'")
        server._run(*psql, "-c", "alter database appdb owner to app")
        # Make the app role prove its password; everything else stays trusted for the test's own queries.
        hba = f"{server.data}/pg_hba.conf"
        with open(hba) as f:
            rules = f.read()
        with open(hba, "w") as f:
            f.write("host all app 127.0.0.1/32 scram-sha-256\n" + rules)
        server._run(_bin("pg_ctl"), "-D", server.data, "reload")
        server.psql = psql
        yield server
    finally:
        server.stop()


def pg(server, sql):
    result = subprocess.run([*server.psql, "-d", "appdb", "-At", "-c", sql], capture_output=True, text=True, check=True)
    return result.stdout.split()


def test_install_update_and_rollback_against_postgresql(h, postgres):
    client = "Infrastructure/local/pg"
    h.add({"id": client, "type": "sql.PostgreSqlClient", "host": HOST, "username": "app", "password": "pg-Secret-42",
           "databaseName": "appdb", "additionalOptions": f"-h 127.0.0.1 -p {postgres.port}",
           "sqlScriptExecutor": "sql/postgresql"})
    h.add(sql_deployed("1.0", client))
    run_sql(h, "install", client, executor="sql/postgresql")
    assert executed(h) == ["01-create.sql", "02-insert.sql", "04-extra.sql"]
    assert "CREATE TABLE" in h.lines and "INSERT 0 1" in h.lines
    assert pg(postgres, "select name from items") == ["hello"]
    assert all("pg-Secret-42" not in line for line in h.lines)

    h.add(sql_deployed("1.0", client), "previous")
    h.add(sql_deployed("2.0", client))
    run_sql(h, "update", client, previous=True, executor="sql/postgresql")
    assert executed(h) == ["04-extra-rollback.sql", "02-insert-rollback.sql", "02-insert.sql", "03-new.sql"]
    assert pg(postgres, "select name from items") == ["v2", "hello"]

    # A wrong password on the deployed (it overrides the client's) fails the first script, naming it.
    h.add(sql_deployed("2.0", client, password="wrong-password"), "previous")
    with pytest.raises(StepFailed, match="The SQL script 03-new-rollback.sql failed"):
        run_sql(h, "rollback", client, executor="sql/postgresql")
    assert any("password authentication failed" in line for line in h.lines)

    h.add(sql_deployed("2.0", client), "previous")
    run_sql(h, "rollback", client, executor="sql/postgresql")
    assert executed(h) == ["03-new-rollback.sql", "02-insert-rollback.sql", "01-create-rollback.sql"]
    assert pg(postgres, "select count(*) from pg_tables where schemaname = 'public'") == ["0"]


def test_a_failing_postgresql_script_stops_at_its_first_error(h, postgres):
    client = "Infrastructure/local/pg"
    h.add({"id": client, "type": "sql.PostgreSqlClient", "host": HOST, "username": "postgres", "databaseName": "appdb",
           "additionalOptions": f"-h 127.0.0.1 -p {postgres.port}"})
    h.folder_artifact("Applications/app/3.0/db", "sql.SqlScripts",
                      {"01-bad.sql": "create table half(x int);\ninsert into nosuch values(1);\ncreate table after(x int);\n"})
    h.add(sql_deployed("3.0", client))
    with pytest.raises(StepFailed, match="The SQL script 01-bad.sql failed"):
        run_sql(h, "install", client, executor="sql/postgresql")
    assert pg(postgres, "select tablename from pg_tables where tablename in ('half', 'after')") == ["half"]
    pg(postgres, "drop table half")


# ----------------------------------------------------------------------------------------------- executed-folder

def test_an_executed_folder_runs_each_script_through_the_executor(tmp_path):
    scripts = tmp_path / "ext"
    (scripts / "folder").mkdir(parents=True)
    (scripts / "folder" / "run.sh").write_text(
        "#!/bin/sh\necho \"running ${scriptName} for ${deployed.name} on ${container.name}\"\nexec sh ${scriptToExecute|sh_quote}\n")
    out = tmp_path / "out.txt"
    h = Harness(tmp_path, script_paths=[scripts])
    h.local_host()
    h.folder_artifact("Applications/app/1.0/jobs", "generic.Folder", {
        "01-a.sh": "echo a {{X}} >> " + str(out) + "\n", "01-a-rollback.sh": "echo undo-a >> " + str(out) + "\n",
        "02-b.sh": "echo b; cat lib/shared.txt\n", "lib/shared.txt": "shared"},
        textFileNamesRegex=r".+\.sh")
    h.add({"id": f"{HOST}/jobs", "type": "generic.ExecutedFolder", "deployable": "Applications/app/1.0/jobs",
           "container": HOST, "executorScript": "folder/run", "placeholders": {"X": "x"}})
    h.add({"id": f"{HOST}/jobs", "type": "generic.ExecutedFolder", "deployable": "Applications/app/1.0/jobs",
           "container": HOST, "executorScript": "folder/run"}, "previous")
    assert h.run("executed-folder", mode="install", artifact=ref(f"{HOST}/jobs", "deployed"), target_host=ref(HOST),
                 executor_script="folder/run") == DONE
    assert h.lines == ["Executing 01-a.sh", "running 01-a.sh for jobs on local", "Executing 02-b.sh",
                       "running 02-b.sh for jobs on local", "b", "shared"]
    h.run("executed-folder", mode="rollback", artifact=ref(f"{HOST}/jobs", "previous"), target_host=ref(HOST),
          executor_script="folder/run")
    assert out.read_text() == "a x\nundo-a\n"
    with pytest.raises(StepFailed, match="^The script 01-a.sh failed on Infrastructure/local: folder/run exited"):
        (scripts / "folder" / "run.sh").write_text("exit 9\n")
        h.run("executed-folder", mode="install", artifact=ref(f"{HOST}/jobs", "deployed"), target_host=ref(HOST),
              executor_script="folder/run")


def test_sqlite_over_ssh(tmp_path):
    from tests.support.sshd import TEST_PASSWORD, SshServer, make_shared_dir, require_root
    require_root()
    shared = make_shared_dir()
    try:
        with SshServer() as sshd:
            h = Harness(tmp_path)
            h.add(sshd.host(password=TEST_PASSWORD, temporaryDirectoryPath=shared, id="Infrastructure/ssh"))
            client = "Infrastructure/ssh/sqlite"
            h.add({"id": client, "type": "sql.SqliteClient", "host": "Infrastructure/ssh",
                   "databaseFile": f"{shared}/db/app.db"})
            h.folder_artifact("Applications/app/1.0/db", "sql.SqlScripts", V1)
            h.add(sql_deployed("1.0", client))
            h.run("sql", mode="install", artifact=ref(f"{client}/db", "deployed"), sql_client=ref(client),
                  target_host=ref("Infrastructure/ssh"), executor_script="sql/sqlite")
            assert executed(h) == ["01-create.sql", "02-insert.sql", "04-extra.sql"]
            assert query(f"{shared}/db/app.db", "select name from items") == [("hello",)]
    finally:
        import shutil
        shutil.rmtree(shared, ignore_errors=True)


@pytest.mark.parametrize("client", ["sqlite", "postgresql", "mysql", "oracle", "mssql", "db2", "generic"])
def test_every_builtin_executor_renders_to_valid_shell_without_the_password(tmp_path, client):
    from server.engine.steps.base import Run
    from server.engine.steps.cis import CiView
    from server.engine.steps.render import render
    from tests.server.steps_helpers import BUILTIN_SCRIPTS
    h = Harness(tmp_path)
    run = Run({"type": "sql", "parameters": {}}, h.context())
    container = {"id": "Infrastructure/h/db", "type": "sql.PostgreSqlClient", "host": "Infrastructure/h",
                 "clientHome": "/opt/client", "additionalOptions": "-h db -p 1", "databaseName": "app",
                 "databaseFile": "/var/db/app.db", "password": "Secret-pw-9"}
    scope = {"container": CiView(run, ci=container), "deployed": CiView(run, ci={"id": "Infrastructure/h/db/s",
                                                                              "type": "sql.ExecutedSqlScripts"}),
             "username": "app user", "passwordFile": "/tmp/x/.password", "databaseName": "app",
             "sqlScriptToExecute": "/tmp/x/new/01 create.sql", "scriptToExecute": "/tmp/x/new/01 create.sql",
             "scriptName": "01 create.sql", "step": type("S", (), {"remoteWorkingDirectory": "/tmp/x"})()}
    text = render(run, (BUILTIN_SCRIPTS / "sql" / f"{client}.sh").read_text(), scope, client)
    assert "Secret-pw-9" not in text
    assert subprocess.run(["sh", "-n"], input=text, text=True).returncode == 0
    if client not in ("generic", "sqlite"):
        assert "/tmp/x/.password" in text and "'/tmp/x/new/01 create.sql'" in text


@pytest.mark.parametrize("client, home, command", [
    ("mysql", "mySqlHome", "/opt/mysql/bin/mysql"), ("postgresql", "postgreSqlHome", "/opt/mysql/bin/psql"),
    ("oracle", "oraHome", "/opt/mysql/bin/sqlplus"), ("db2", "db2Home", "/opt/mysql/bin/db2")])
def test_the_install_home_xl_deploy_names_picks_the_client(tmp_path, client, home, command):
    from server.engine.steps.base import Run
    from server.engine.steps.cis import CiView
    from server.engine.steps.render import render
    from tests.server.steps_helpers import BUILTIN_SCRIPTS
    h = Harness(tmp_path)
    run = Run({"type": "sql", "parameters": {}}, h.context())
    container = {"id": "Infrastructure/h/db", "type": "sql.PostgreSqlClient", "host": "Infrastructure/h",
                 "clientHome": "/opt/other", home: "/opt/mysql", "sid": "ORCL"}
    scope = {"container": CiView(run, ci=container), "username": "u", "passwordFile": None, "databaseName": None,
             "sqlScriptToExecute": "/tmp/x/01.sql", "step": type("S", (), {"remoteWorkingDirectory": "/tmp/x"})()}
    text = render(run, (BUILTIN_SCRIPTS / "sql" / f"{client}.sh").read_text(), scope, client)
    assert command in text and "/opt/other" not in text
    if client == "oracle":
        assert "ORACLE_HOME=/opt/mysql" in text and "@ORCL" in text


@pytest.mark.parametrize("server, expected", [("db1\\SQLEXPRESS", "-S 'db1\\SQLEXPRESS' "), (None, None)])
def test_mssql_connects_to_the_server_name_xl_deploy_names(tmp_path, server, expected):
    """sql.MsSqlClient's serverName (XL Deploy's Database plugin) goes to sqlcmd as -S; without it sqlcmd's default."""
    from server.engine.steps.base import Run
    from server.engine.steps.cis import CiView
    from server.engine.steps.render import render
    from tests.server.steps_helpers import BUILTIN_SCRIPTS
    h = Harness(tmp_path)
    run = Run({"type": "sql", "parameters": {}}, h.context())
    container = {"id": "Infrastructure/h/db", "type": "sql.MsSqlClient", "host": "Infrastructure/h"}
    if server:
        container["serverName"] = server
    scope = {"container": CiView(run, ci=container), "username": "u", "passwordFile": None, "databaseName": "app",
             "sqlScriptToExecute": "/tmp/x/01.sql", "step": type("S", (), {"remoteWorkingDirectory": "/tmp/x"})()}
    text = render(run, (BUILTIN_SCRIPTS / "sql" / "mssql.sh").read_text(), scope, "mssql")
    assert subprocess.run(["sh", "-n"], input=text, text=True).returncode == 0
    assert (expected in text) if expected else ("-S" not in text)
