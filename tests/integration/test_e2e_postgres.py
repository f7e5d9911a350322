"""End to end against a real PostgreSQL: the sample's SQL scripts deployed through REST with a
sql.PostgreSqlClient (psql on the local host, a role with a password checked by the server), then undeployed.
A wrong password fails the step without the password showing in the log.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import Api
from tests.integration.e2e_helpers import APP, expect_done, import_samples, logs, sample_home
from tests.integration.helpers import unique
from tests.integration.tasks_helpers import create_all, post, steps_of, wait_state
from tests.support.postgres import PostgresServer, _bin
from tests.support.server import InProcessServer

ROLE, PASSWORD, DATABASE = "deployer", "Deployer-Pw-7%x", "clinic"


@pytest.fixture(scope="module")
def postgres():
    if not shutil.which("psql"):
        pytest.skip("psql is not installed; scripts/setup.sh installs the postgresql package")
    pg = PostgresServer().start()
    try:
        psql(pg, f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
        psql(pg, f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
        # initdb trusts everyone: make TCP logins of the role prove their password
        hba = os.path.join(pg.data, "pg_hba.conf")
        with open(hba) as current:
            rules = current.read()
        with open(hba, "w") as new:
            new.write(f"host all {ROLE} 127.0.0.1/32 scram-sha-256\n" + rules)
        pg._run(_bin("pg_ctl"), "-D", pg.data, "reload")
        yield pg
    finally:
        pg.stop()


def psql(pg, sql: str, database: str = "postgres") -> str:
    return pg._run(_bin("psql"), "-h", pg.dir, "-p", str(pg.port), "-U", "postgres", "-d", database, "-At",
                   "-v", "ON_ERROR_STOP=1", "-c", sql).stdout


def tables(pg) -> dict:
    names = psql(pg, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", DATABASE).split()
    return {n: psql(pg, f"SELECT * FROM {n} ORDER BY 1", DATABASE).splitlines() for n in names}


@pytest.fixture(scope="module")
def api(postgres, tmp_path_factory):
    proc = InProcessServer(sample_home(tmp_path_factory.mktemp("e2e-pg") / "home")).start()
    client = Api(proc)
    import_samples(client)
    yield client
    proc.stop()


def environment(api, pg, password: str) -> tuple[str, str]:
    """An environment whose only member is a PostgreSqlClient (tagged db: the sample's schema maps to it)."""
    host, env = f"Infrastructure/{unique('local')}", f"Environments/{unique('env')}"
    client = f"{host}/psql"
    create_all(api, [
        {"id": host, "type": "overthere.LocalHost", "os": "UNIX"},
        {"id": client, "type": "sql.PostgreSqlClient", "host": host, "tags": ["db"], "username": ROLE,
         "password": password, "databaseName": DATABASE, "additionalOptions": f"-h 127.0.0.1 -p {pg.port}"},
        {"id": env, "type": "udm.Environment", "members": [client]}])
    return env, client


def deploy(api, env: str) -> tuple[str, dict]:
    prepared = api.get("/deployment/prepare/initial", params={"version": f"{APP}/1.0", "environment": env}).json()
    deployment = api.post("/deployment/prepare/deployeds", json=prepared).json()
    assert [d["type"] for d in deployment["deployeds"]] == ["sql.ExecutedSqlScripts"]
    task_id = api.post("/deployment", json=deployment).json()["string"]
    post(api, f"/tasks/v2/{task_id}/start")
    return task_id, wait_state(api, task_id)


def test_sql_scripts_run_through_psql_with_the_roles_password(api, postgres):
    env, client = environment(api, postgres, PASSWORD)
    task_id, done = deploy(api, env)
    expect_done(api, task_id, done)
    step_log = logs(done)["Run schema on psql"]
    assert "Executing 01-create.sql" in step_log and "Executing 02-insert.sql" in step_log
    assert PASSWORD not in step_log
    assert tables(postgres) == {"pets": ["1|Leo|cat", "2|Basil|hamster"]}
    assert psql(postgres, "SELECT tableowner FROM pg_tables WHERE tablename = 'pets'", DATABASE).strip() == ROLE
    assert api.get(f"/repository/exists/{client}/schema").json()["boolean"]

    prepared = api.get("/deployment/prepare/undeploy", params={"deployedApplication": f"{env}/Sample"}).json()
    undeploy_id = api.post("/deployment", json=prepared).json()["string"]
    post(api, f"/tasks/v2/{undeploy_id}/start")
    undone = expect_done(api, undeploy_id, wait_state(api, undeploy_id))
    assert "Executing 01-create-rollback.sql" in logs(undone)["Rollback schema on psql"]
    assert tables(postgres) == {}
    assert not api.get(f"/repository/exists/{env}/Sample").json()["boolean"]


def test_a_wrong_password_fails_the_step_without_showing_it(api, postgres):
    wrong = "Not-The-Password-42"
    env, client = environment(api, postgres, wrong)
    _task_id, failed = deploy(api, env)
    assert failed["state"] == "FAILED"
    [step] = steps_of(failed["block"])
    assert step["state"] == "FAILED"
    assert "authentication failed" in step["log"] and "01-create.sql failed" in step["log"]
    assert wrong not in step["log"]
    assert tables(postgres) == {}
    assert not api.get(f"/repository/exists/{client}/schema").json()["boolean"]
