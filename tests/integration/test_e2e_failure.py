"""End to end, a deployment that fails: a file is copied to an overthere.LocalHost (with a staging directory),
then a cmd.Command exits 1. The task is FAILED, the repository holds exactly the deployeds whose checkpoints
passed, and the staged copies stay until the deployment succeeds. Once the cause is fixed on the host (or the
failed step is skipped) the task is started again and ends EXECUTED.
"""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.integration.e2e_helpers import expect_done, files_under, logs
from tests.integration.helpers import unique
from tests.integration.tasks_helpers import create_all, post, script, steps_of, task, wait_state
from tests.support.server import InProcessServer

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<udm.DeploymentPackage version="1.0" application="{app}">
  <deployables>
    <file.File name="notes" file="notes.txt">
      <targetPath>{target}</targetPath>
    </file.File>
    <cmd.Command name="check">
      <commandLine>{check}</commandLine>
      <order>80</order>
    </cmd.Command>
    <cmd.Command name="after">
      <commandLine>echo after the check</commandLine>
      <order>95</order>
    </cmd.Command>
  </deployables>
</udm.DeploymentPackage>
"""


class Case:
    """A package `<app>/1.0` whose `check` command fails until `ok` exists, and an environment for it."""

    def __init__(self, home, root, app):
        self.app, self.root = app, root / app
        self.target, self.stage, self.ok = self.root / "notes", self.root / "stage", self.root / "ok"
        self.stage.mkdir(parents=True)
        check = script(self.root, "check.sh", f'if [ -e {self.ok} ]; then echo all good; exit 0; fi\n'
                                              f'echo "missing {self.ok}" >&2; exit 1\n')
        package = home / "importablePackages" / app / "1.0"
        package.mkdir(parents=True)
        (package / "notes.txt").write_text("notes for the host\n")
        (package / "deployit-manifest.xml").write_text(MANIFEST.format(app=app, target=self.target, check=check))

    def set_up(self, api):
        response = api.post(f"/package/import/{self.app}/1.0")
        assert response.status_code == 200, response.text
        self.api = api
        self.host = f"Infrastructure/{unique('local')}"
        self.env = f"Environments/{unique('env')}"
        create_all(api, [{"id": self.host, "type": "overthere.LocalHost", "os": "UNIX",
                          "stagingDirectoryPath": str(self.stage)},
                         {"id": self.env, "type": "udm.Environment", "members": [self.host]}])
        prepared = api.get("/deployment/prepare/initial",
                           params={"version": f"Applications/{self.app}/1.0", "environment": self.env}).json()
        deployment = api.post("/deployment/prepare/deployeds", json=prepared).json()
        created = api.post("/deployment", json=deployment)
        assert created.status_code == 200, created.text
        self.task_id = created.json()["string"]
        return self

    def start(self):
        post(self.api, f"/tasks/v2/{self.task_id}/start")
        return wait_state(self.api, self.task_id)

    def repository(self):
        """(deployeds listed by the deployed application or None, deployeds under the host)."""
        app = self.api.get(f"/repository/ci/{self.env}/{self.app}")
        listed = sorted(app.json()["deployeds"]) if app.status_code == 200 else None
        found = sorted(r["ref"] for r in self.api.get("/repository/query",
                                                      params={"type": "udm.Deployed", "parent": self.host}).json())
        return listed, found


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    home = tmp_path_factory.mktemp("e2e-fail") / "home"
    root = tmp_path_factory.mktemp("targets")
    made = {name: Case(home, root, name) for name in ("Fixed", "Skipped")}
    proc = InProcessServer(home).start()
    api = Api(proc)
    yield {name: case.set_up(api) for name, case in made.items()}
    proc.stop()


def failed_state(case):
    failed = case.start()
    assert failed["state"] == "FAILED"
    states = [(s["description"], s["state"]) for s in steps_of(failed["block"])]
    host = case.host.rsplit("/", 1)[1]
    assert states == [(f"Stage notes on {host}", "DONE"),
                      (f"Copy notes to {case.target} on {host}", "DONE"),
                      (f"Execute check on {host}", "FAILED"),
                      (f"Execute after on {host}", "PENDING"),
                      (f"Clean up staged artifacts on {host}", "PENDING")]
    assert failed["currentSteps"] == ["0_1_1_2_2"]
    step = task(case.api, case.task_id)
    log = logs(step)[f"Execute check on {host}"]
    assert f"missing {case.ok}" in log and "exited with code 1" in log
    # the file step's checkpoint passed, the command's did not
    assert case.repository() == ([f"{case.host}/notes"], [f"{case.host}/notes"])
    assert files_under(case.target) == {"notes.txt": "notes for the host\n"}
    # no cleanup after a failure: the staged copy is still there for the next attempt
    assert (case.stage / case.task_id).is_dir()
    return failed


def test_a_failed_command_fails_the_task_and_a_fix_on_the_host_lets_it_finish(cases):
    case = cases["Fixed"]
    failed_state(case)
    case.ok.write_text("")
    done = expect_done(case.api, case.task_id, case.start())
    assert [(s["state"], s["failureCount"]) for s in steps_of(done["block"])] == [
        ("DONE", 0), ("DONE", 0), ("DONE", 1), ("DONE", 0), ("DONE", 0)]
    assert "all good" in logs(done)[f"Execute check on {case.host.rsplit('/', 1)[1]}"]
    everything = sorted(f"{case.host}/{n}" for n in ("notes", "check", "after"))
    assert case.repository() == (everything, everything)
    assert list(case.stage.iterdir()) == []


def test_a_skipped_failed_step_lets_the_task_finish(cases):
    case = cases["Skipped"]
    failed_state(case)
    skipped = post(case.api, f"/tasks/v2/{case.task_id}/skip", expect=200, json=["0_1_1_2_2"]).json()
    assert [s["state"] for s in steps_of(skipped["block"])] == ["DONE", "DONE", "SKIP", "PENDING", "PENDING"]
    done = expect_done(case.api, case.task_id, case.start())
    assert [s["state"] for s in steps_of(done["block"])] == ["DONE", "DONE", "SKIPPED", "DONE", "DONE"]
    # a successful task stores its whole specification, the skipped command's deployed included (as XL Deploy does)
    everything = sorted(f"{case.host}/{n}" for n in ("notes", "check", "after"))
    assert case.repository() == (everything, everything)
    assert list(case.stage.iterdir()) == []
