"""Deployeds are never shared: a deployed id that belongs to another deployed application is refused.

Two applications with a deployable of the same name on one host, one application in two environments that
share a container, and a composite package whose members collide would all map to the same deployed id.
Validation, task creation, previews refuse such a deployment before any step runs; an upgrade of the same
deployed application keeps its deployeds.
"""

from __future__ import annotations

from tests.integration.helpers import unique
from tests.integration.tasks_helpers import create_all, run, steps_of

OWNED = "Deployed {deployed} already belongs to deployed application {owner}; rename the deployable or " \
        "deploy to another container."


class Setup:
    """A local host, environments on it and applications with a cmd.Command named `run`."""

    def __init__(self, api):
        self.api = api
        self.host = f"Infrastructure/{unique('local')}"
        create_all(api, [{"id": self.host, "type": "overthere.LocalHost", "os": "UNIX"}])

    def environment(self, *members) -> str:
        env = f"Environments/{unique('env')}"
        create_all(self.api, [{"id": env, "type": "udm.Environment", "members": list(members or [self.host])}])
        return env

    def application(self, version="1.0", line="echo hi") -> str:
        app = f"Applications/{unique('app')}"
        create_all(self.api, [{"id": app, "type": "udm.Application"},
                              {"id": f"{app}/{version}", "type": "udm.DeploymentPackage"},
                              {"id": f"{app}/{version}/run", "type": "cmd.Command", "commandLine": line}])
        return f"{app}/{version}"

    def composite(self, *members) -> str:
        app = f"Applications/{unique('suite')}"
        create_all(self.api, [{"id": app, "type": "udm.Application"},
                              {"id": f"{app}/1.0", "type": "udm.CompositePackage", "packages": list(members)}])
        return f"{app}/1.0"

    def prepared(self, version: str, env: str) -> dict:
        prepared = self.api.get("/deployment/prepare/initial", params={"version": version, "environment": env})
        assert prepared.status_code == 200, prepared.text
        mapped = self.api.post("/deployment/prepare/deployeds", json=prepared.json())
        assert mapped.status_code == 200, mapped.text
        return mapped.json()

    def upgrade(self, version: str, deployed_application: str) -> dict:
        prepared = self.api.get("/deployment/prepare/update",
                                params={"version": version, "deployedApplication": deployed_application})
        assert prepared.status_code == 200, prepared.text
        mapped = self.api.post("/deployment/prepare/deployeds", json=prepared.json())
        assert mapped.status_code == 200, mapped.text
        return mapped.json()

    def deploy(self, deployment: dict) -> dict:
        created = self.api.post("/deployment", json=deployment)
        assert created.status_code == 200, created.text
        done = run(self.api, created.json()["string"])
        assert done["state"] == "EXECUTED", done
        return done

    def deployed(self, deployed_id: str) -> dict:
        return self.api.get(f"/repository/ci/{deployed_id}").json()


def assert_refused(api, deployment: dict, deployed: str, owner: str) -> None:
    """Validation marks the deployed; task creation and previews answer 400 with the sentence; no task is made."""
    sentence = OWNED.format(deployed=deployed, owner=owner)
    tasks_before = api.get("/tasks/v2/current/all").json()
    validated = api.post("/deployment/validate", json=deployment)
    assert validated.status_code == 200, validated.text
    messages = [m for d in validated.json()["deployeds"] for m in d["validation-messages"]]
    assert {"ci": deployed, "property": None, "message": sentence, "level": "ERROR"} in messages, messages
    for path in ("/deployment", "/deployment/previewblock", "/deployment/preview-changes"):
        response = api.post(path, json=deployment)
        assert response.status_code == 400, (path, response.text)
        body = response.json()
        assert body["message"] == f"The deployment is not valid: {sentence}", (path, body)
        assert any(m["message"] == sentence for m in body["validation-messages"]), (path, body)
    assert api.get("/tasks/v2/current/all").json() == tasks_before


def test_two_applications_on_one_host(api):
    s = Setup(api)
    first, second = s.application(line="echo first"), s.application(line="echo second")
    env_a, env_b = s.environment(), s.environment()
    s.deploy(s.prepared(first, env_a))
    deployed, owner = f"{s.host}/run", f"{env_a}/{first.split('/')[1]}"
    assert s.deployed(deployed)["deployable"] == f"{first}/run"
    assert_refused(api, s.prepared(second, env_b), deployed, owner)
    # The first application's deployed is untouched and it still undeploys cleanly.
    assert s.deployed(deployed)["deployable"] == f"{first}/run"
    undeploy = api.get("/deployment/prepare/undeploy", params={"deployedApplication": owner}).json()
    s.deploy(undeploy)
    assert api.get(f"/repository/exists/{deployed}").json()["boolean"] is False


def test_one_application_in_two_environments_sharing_a_container(api):
    s = Setup(api)
    version = s.application()
    env_a, env_b = s.environment(), s.environment()
    s.deploy(s.prepared(version, env_a))
    app = version.split("/")[1]
    assert_refused(api, s.prepared(version, env_b), f"{s.host}/run", f"{env_a}/{app}")


def test_a_composite_package_whose_members_collide(api):
    s = Setup(api)
    first, second = s.application(line="echo first"), s.application(line="echo second")
    suite = s.composite(first, second)
    env = s.environment()
    deployment = s.prepared(suite, env)
    sentence = f"Deployed {s.host}/run is also mapped from {first}/run in this deployment; rename the " \
               f"deployable or deploy to another container."
    validated = api.post("/deployment/validate", json=deployment).json()
    errors = [m["message"] for d in validated["deployeds"] for m in d["validation-messages"]]
    assert sentence in errors, validated
    for path in ("/deployment", "/deployment/previewblock", "/deployment/preview-changes"):
        response = api.post(path, json=deployment)
        assert response.status_code == 400, response.text
        assert response.json()["message"] == f"The deployment is not valid: {sentence}", response.text


def test_a_composite_member_deployed_elsewhere_on_the_same_host(api):
    s = Setup(api)
    first, second = s.application(line="echo first"), s.application(line="echo second")
    env_a, env_b = s.environment(), s.environment()
    s.deploy(s.prepared(first, env_a))
    suite = s.composite(second)
    assert_refused(api, s.prepared(suite, env_b), f"{s.host}/run", f"{env_a}/{first.split('/')[1]}")


def test_an_upgrade_of_the_same_deployed_application_keeps_working(api):
    s = Setup(api)
    first = s.application(line="echo one")
    app = first.split("/")[1]
    create_all(api, [{"id": f"Applications/{app}/2.0", "type": "udm.DeploymentPackage"},
                     {"id": f"Applications/{app}/2.0/run", "type": "cmd.Command", "commandLine": "echo two"}])
    env = s.environment()
    s.deploy(s.prepared(first, env))
    upgrade = s.upgrade(f"Applications/{app}/2.0", f"{env}/{app}")
    validated = api.post("/deployment/validate", json=upgrade).json()
    assert [m for d in validated["deployeds"] for m in d["validation-messages"]] == []
    s.deploy(upgrade)
    assert s.deployed(f"{s.host}/run")["deployable"] == f"Applications/{app}/2.0/run"


def test_two_deployments_racing_past_validation(api):
    """Both tasks are created while the host is empty; the second one's checkpoint refuses to take over."""
    s = Setup(api)
    first, second = s.application(line="echo first"), s.application(line="echo second")
    env_a, env_b = s.environment(), s.environment()
    tasks = []
    for version, env in ((first, env_a), (second, env_b)):
        created = api.post("/deployment", json=s.prepared(version, env))
        assert created.status_code == 200, created.text
        tasks.append(created.json()["string"])
    assert run(api, tasks[0])["state"] == "EXECUTED"
    failed = run(api, tasks[1])
    assert failed["state"] == "FAILED", failed
    owner = f"{env_a}/{first.split('/')[1]}"
    sentence = OWNED.format(deployed=f"{s.host}/run", owner=owner)
    [step] = steps_of(failed["block"])
    assert step["state"] == "FAILED" and sentence in step["log"], step["log"]
    assert s.deployed(f"{s.host}/run")["deployable"] == f"{first}/run"
    assert api.get(f"/repository/exists/{env_b}/{second.split('/')[1]}").json()["boolean"] is False
    undeploy = api.get("/deployment/prepare/undeploy", params={"deployedApplication": owner}).json()
    s.deploy(undeploy)


def test_a_forged_deployed_application_id_is_refused(api):
    """The deployed application's id is the environment and the application's name, never the client's choice:
    a deployment of App2 that claims App1's deployed application id cannot take over App1's deployeds."""
    s = Setup(api)
    first, second = s.application(line="echo first"), s.application(line="echo second")
    env = s.environment()
    s.deploy(s.prepared(first, env))
    owner = f"{env}/{first.split('/')[1]}"
    forged = s.prepared(second, env)
    forged["application"]["id"] = owner
    expected = f"{env}/{second.split('/')[1]}"
    for path in ("/deployment/validate", "/deployment", "/deployment/previewblock"):
        response = api.post(path, json=forged)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["message"] == \
            f"The deployed application of {second} on {env} is {expected}, not {owner}.", response.text
    upgrade = s.upgrade(first, owner)
    upgrade["application"]["version"] = second
    response = api.post("/deployment", json=upgrade)
    assert response.status_code == 400, response.text
    assert s.deployed(f"{s.host}/run")["deployable"] == f"{first}/run"
