"""Helpers for the end-to-end deployment tests: the sample packages in a server home, an environment for them
on real hosts, and deployments driven through REST as a client would (prepare, auto deployeds, task, start)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.integration.helpers import path as url_path
from tests.integration.helpers import unique
from tests.integration.tasks_helpers import create_all, post, steps_of, task, wait_state

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "dar"
APP = "Applications/Sample"

VISITS = "CREATE TABLE visits (id INTEGER PRIMARY KEY, pet INTEGER NOT NULL, day VARCHAR(10) NOT NULL);\n"
VISITS_ROLLBACK = "DROP TABLE visits;\n"


def sample_home(home: Path, plugins: dict | None = None) -> Path:
    """A server home whose importablePackages hold Sample 1.0 and 2.0 as DARs (built by samples/dar/build.py)
    and an exploded Sample/3.0: 2.0 plus a third SQL script (and its rollback) that creates `visits`;
    `plugins` are {file name: text} for the home's plugins folder."""
    for name, text in (plugins or {}).items():
        (home / "plugins").mkdir(parents=True, exist_ok=True)
        (home / "plugins" / name).write_text(text)
    import importlib.util
    spec = importlib.util.spec_from_file_location("sample_dar_build", SAMPLES / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    importable = home / "importablePackages"
    importable.mkdir(parents=True, exist_ok=True)
    for folder in (SAMPLES / "Sample" / "1.0", SAMPLES / "Sample" / "2.0"):
        build.zip_folder(folder, importable / f"Sample-{folder.name}.dar")
    third = importable / "Sample" / "3.0"
    shutil.copytree(SAMPLES / "Sample" / "2.0", third)
    manifest = third / "deployit-manifest.xml"
    manifest.write_text(manifest.read_text().replace('version="2.0"', 'version="3.0"'))
    (third / "sql" / "03-visits.sql").write_text(VISITS)
    (third / "sql" / "03-visits-rollback.sql").write_text(VISITS_ROLLBACK)
    return home


def import_samples(api) -> None:
    for name in ("Sample-1.0.dar", "Sample-2.0.dar", "Sample/3.0"):
        response = api.post(f"/package/import/{name}")
        assert response.status_code == 200, response.text


def dictionary(app_home: Path | str, **more) -> dict:
    entries = {"APP_HOME": str(app_home), "APP_HOST": "sample.example", "APP_PORT": "8080", "GREETING": "Hello there",
               "DB_URL": "jdbc:sqlite:sample.db", "DB_USER": "<empty>"}
    entries.update(more)
    return entries


class SampleEnv:
    """An environment for the sample: `web` (tagged web: readme, config), `app` (untagged: the command) and a
    database client under `app` (tagged db: the SQL scripts). CIs get unique names so tests share a server."""

    def __init__(self, api, web: dict, app: dict, client: dict, entries: dict):
        self.api = api
        self.web = f"Infrastructure/{unique('web')}"
        self.app = f"Infrastructure/{unique('app')}"
        self.client = f"{self.app}/{unique('db')}"
        self.dictionary = f"Environments/{unique('dict')}"
        self.env = f"Environments/{unique('env')}"
        create_all(api, [
            dict(web, id=self.web, tags=["web"]),
            dict(app, id=self.app),
            dict(client, id=self.client, host=self.app, tags=["db"]),
            {"id": self.dictionary, "type": "udm.Dictionary", "entries": entries},
            {"id": self.env, "type": "udm.Environment", "members": [self.web, self.app, self.client],
             "dictionaries": [self.dictionary]},
        ])

    @property
    def deployed_application(self) -> str:
        return f"{self.env}/Sample"

    def exists(self, ci_id: str) -> bool:
        return self.api.get(f"/repository/exists/{url_path(ci_id)}").json()["boolean"]

    def read(self, ci_id: str) -> dict | None:
        response = self.api.get(f"/repository/ci/{url_path(ci_id)}")
        return response.json() if response.status_code == 200 else None

    # -- deployments --------------------------------------------------------------------------
    def prepare(self, version: str) -> dict:
        """The deployment of version (initial or update), with its deployeds generated."""
        version_id = f"{APP}/{version}"
        if self.exists(self.deployed_application):
            prepared = self.api.get("/deployment/prepare/update",
                                    params={"version": version_id, "deployedApplication": self.deployed_application})
        else:
            prepared = self.api.get("/deployment/prepare/initial",
                                    params={"version": version_id, "environment": self.env})
        assert prepared.status_code == 200, prepared.text
        deployment = self.api.post("/deployment/prepare/deployeds", json=prepared.json())
        assert deployment.status_code == 200, deployment.text
        return deployment.json()

    def operations(self, deployment: dict) -> dict:
        """{deployed name: operation} of a deployment, as preview-changes sees it."""
        changes = self.api.post("/deployment/preview-changes", json=deployment)
        assert changes.status_code == 200, changes.text
        return {d["id"].rsplit("/", 1)[1]: d["operation"] for d in changes.json()["deltas"]}

    def create_task(self, deployment: dict) -> str:
        created = self.api.post("/deployment", json=deployment)
        assert created.status_code == 200, created.text
        return created.json()["string"]

    def undeploy_task(self) -> str:
        prepared = self.api.get("/deployment/prepare/undeploy",
                                params={"deployedApplication": self.deployed_application})
        assert prepared.status_code == 200, prepared.text
        return self.create_task(prepared.json())

    def rollback_task(self, task_id: str) -> str:
        response = self.api.post(f"/deployment/rollback/{task_id}")
        assert response.status_code == 200, response.text
        return response.json()["string"]

    def run(self, task_id: str, timeout: float = 60.0) -> dict:
        post(self.api, f"/tasks/v2/{task_id}/start")
        return wait_state(self.api, task_id, timeout=timeout)

    # -- what the repository says -------------------------------------------------------------
    def deployeds(self) -> dict:
        """{deployed id: its CI} of every deployed the repository holds under this environment's containers."""
        found = {}
        for container in (self.web, self.app, self.client):
            for ref in self.api.get("/repository/query", params={"type": "udm.Deployed", "parent": container}).json():
                found[ref["ref"]] = self.read(ref["ref"])
        return found

    def state(self) -> tuple:
        """(version, sorted deployed ids of the application, {deployed id: deployable id}) from the repository."""
        app = self.read(self.deployed_application)
        deployeds = self.deployeds()
        return (app["version"] if app else None, sorted(app["deployeds"]) if app else None,
                {ci_id: ci["deployable"] for ci_id, ci in deployeds.items()})


def logs(done: dict) -> dict:
    """{step description: log} of a finished task."""
    return {s["description"]: s["log"] for s in steps_of(done["block"])}


def plan_of(done: dict) -> list[tuple[str, str]]:
    return [(s["type"], s["description"]) for s in steps_of(done["block"])]


def expect_done(api, task_id: str, done: dict, archive: bool = True) -> dict:
    """The task EXECUTED (else the steps that are not DONE, with the end of their logs), then archived unless
    it is to be rolled back (only tasks not archived can be)."""
    assert done["state"] == "EXECUTED", (done["state"], [(s["description"], s["state"], s["log"][-500:])
                                                         for s in steps_of(done["block"]) if s["state"] != "DONE"])
    if archive:
        post(api, f"/tasks/v2/{task_id}/archive")
        assert task(api, task_id)["state"] == "DONE"
    return done


def files_under(root: Path) -> dict:
    """{relative path: text} of every file below root."""
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}
