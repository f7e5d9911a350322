"""The deployment service over REST: prepare, map, validate, dictionaries, delta, plan and task creation.

Deployed applications of earlier deployments are created directly through the repository API here,
as the task engine will store them after a run.
"""

from __future__ import annotations

import pytest
import xldeploy
from xldeploy.domain.Deployment import Deployment

from tests.integration.helpers import unique


def create_all(api, cis: list[dict]) -> None:
    response = api.post("/repository/cis", json=cis)
    assert response.status_code == 200, response.text


class Scenario:
    """An application with one or more versions, hosts and an environment, under unique names."""

    def __init__(self, api, hosts=("h1",), host_type="overthere.SshHost", **host_props):
        self.api = api
        self.name = unique("app")
        self.app = f"Applications/{self.name}"
        self.env = f"Environments/{unique('env')}"
        self.folder = f"Infrastructure/{unique('hosts')}"
        self.hosts = [f"{self.folder}/{h}" for h in hosts]
        props = {"address": "10.0.0.1", "username": "deploy"} if host_type == "overthere.SshHost" else {}
        props.update(host_props)
        create_all(api, [{"id": self.app, "type": "udm.Application"},
                         {"id": self.folder, "type": "core.Directory"}] +
                   [dict({"id": h, "type": host_type}, **props) for h in self.hosts])
        self.dictionaries: list[str] = []
        self.set_env()

    def set_env(self, **props):
        body = {"id": self.env, "type": "udm.Environment", "members": self.hosts, "dictionaries": self.dictionaries}
        body.update(props)
        exists = self.api.get(f"/repository/exists/{self.env}").json()["boolean"]
        response = (self.api.put if exists else self.api.post)(f"/repository/ci/{self.env}", json=body)
        assert response.status_code == 200, response.text

    def version(self, version: str, deployables: dict, **props) -> str:
        version_id = f"{self.app}/{version}"
        cis = [dict({"id": version_id, "type": "udm.DeploymentPackage"}, **props)]
        for name, (ci_type, values) in deployables.items():
            cis.append(dict({"id": f"{version_id}/{name}", "type": ci_type}, **values))
        create_all(self.api, cis)
        return version_id

    def dictionary(self, entries: dict, ci_type="udm.Dictionary", **props) -> str:
        dictionary_id = f"Environments/{unique('dict')}"
        create_all(self.api, [dict({"id": dictionary_id, "type": ci_type, "entries": entries}, **props)])
        self.dictionaries.append(dictionary_id)
        self.set_env()
        return dictionary_id

    @property
    def deployed_application(self) -> str:
        return f"{self.env}/{self.name}"

    def deployed_before(self, version_id: str, deployeds: list[dict], **props) -> None:
        """Store a deployed application as the task engine will after a deployment."""
        create_all(self.api, deployeds + [dict({
            "id": self.deployed_application, "type": "udm.DeployedApplication", "version": version_id,
            "environment": self.env, "deployeds": [d["id"] for d in deployeds]}, **props)])

    # REST calls
    def initial(self, version_id: str) -> dict:
        response = self.api.get("/deployment/prepare/initial", params={"version": version_id, "environment": self.env})
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, deployment: dict, expect: int = 200, **params):
        response = self.api.post(path, json=deployment, params=params)
        assert response.status_code == expect, response.text
        return response.json()

    def auto(self, deployment: dict) -> dict:
        return self.post("/deployment/prepare/deployeds", deployment)


def cmd(line="echo hi", **props):
    return ("cmd.Command", dict({"commandLine": line}, **props))


def file_(path="/opt/app", **props):
    return ("file.File", dict({"targetPath": path}, **props))


def by_id(deployment):
    return {d["id"]: d for d in deployment["deployeds"]}


# -- the SDK ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sdk(server_process):
    return xldeploy.Client(xldeploy.Config(host="127.0.0.1", port=server_process.port, context_path="deployit",
                                           username="admin", password="admin"))


def test_sdk_deployment_service(process_api, sdk):
    s = Scenario(process_api)
    version = s.version("1.0", {"commandCI": cmd("sleep 5")})
    deployment = sdk.deployment
    depl = deployment.prepare_initial(version, s.env)
    assert type(depl) is Deployment and depl.type == "INITIAL" and depl.deployeds == []
    assert depl.application["id"] == s.deployed_application and depl.application["version"] == version
    auto = deployment.prepare_auto_deployeds(depl)
    assert [d["id"] for d in auto.deployeds] == [f"{s.hosts[0]}/commandCI"]
    assert auto.deployeds[0]["type"] == "cmd.DeployedCommand" and auto.deployeds[0]["commandLine"] == "sleep 5"
    valid = deployment.validate(auto)
    assert valid.deployeds[0]["validation-messages"] == []
    task = deployment.create_task(valid)
    stored = sdk.tasks.get_task(task.task_id)
    assert stored["id"] == task.task_id and stored["state"] == "PENDING" and stored["owner"] == "admin"
    assert stored["description"] == f"Initial deployment of {s.deployed_application}"
    assert stored["metadata"]["application"] == s.name and stored["metadata"]["taskType"] == "INITIAL"
    block = task.get_steps("0_1_1")
    assert block["description"] == f"Deploy {s.name} 1.0 on {s.env.split('/')[-1]}"
    [step] = block["steps"]
    assert step["type"] == "command" and step["state"] == "PENDING" and step["parameters"]["command-line"] == "sleep 5"
    assert step["checkpoint"] == {"delta": 0, "deployed": f"{s.hosts[0]}/commandCI", "operation": "CREATE"}
    assert deployment.is_deployed(s.app, s.env) is False
    with pytest.raises(xldeploy.errors.APIError):
        deployment.prepare_initial("dummy-package", "dummy-env")


def test_sdk_prepare_update_undeploy_and_dictionary(process_api, sdk):
    s = Scenario(process_api)
    v1 = s.version("1.0", {"job": cmd("run 1")})
    v2 = s.version("2.0", {"job": cmd("run 2")})
    s.dictionary({"KEY": "value", "SECRET_REF": "{{PW}}"})
    s.dictionary({"PW": "s3cret"}, ci_type="udm.EncryptedDictionary")
    s.deployed_before(v1, [{"id": f"{s.hosts[0]}/job", "type": "cmd.DeployedCommand", "deployable": f"{v1}/job",
                            "container": s.hosts[0], "commandLine": "run 1"}])
    assert sdk.deployment.is_deployed(s.app, s.env) is True
    update = sdk.deployment.prepare_update(v2, s.deployed_application)
    assert update.type == "UPDATE" and [d["commandLine"] for d in update.deployeds] == ["run 2"]
    undeploy = sdk.deployment.prepare_undeploy(s.deployed_application)
    assert undeploy.type == "UNDEPLOYMENT" and undeploy.deployeds == []
    assert sdk.deployment.effective_dictionary(s.env) == {"KEY": "value", "SECRET_REF": "********", "PW": "********"}


# -- mapping, validation and tasks over REST -------------------------------------------------------
def test_prepare_initial_errors(api):
    s = Scenario(api)
    version = s.version("1.0", {"job": cmd()})
    missing = api.get("/deployment/prepare/initial", params={"version": f"{s.app}/9.9", "environment": s.env})
    assert missing.status_code == 404 and f"{s.app}/9.9" in missing.json()["message"]
    wrong = api.get("/deployment/prepare/initial", params={"version": s.app, "environment": s.env})
    assert wrong.status_code == 400 and "not an application version" in wrong.json()["message"]
    no_env = api.get("/deployment/prepare/initial", params={"version": version})
    assert no_env.status_code == 400 and no_env.json()["message"] == "Query parameter 'environment' is required."
    s.deployed_before(version, [])
    again = api.get("/deployment/prepare/initial", params={"version": version, "environment": s.env})
    assert again.status_code == 409 and "prepare an update" in again.json()["message"]


def test_invalid_deployments_are_refused_with_their_validation_messages(api):
    s = Scenario(api)
    version = s.version("1.0", {"conf": file_("{{DIR}}", placeholders=["DB_URL"])})
    deployment = s.auto(s.initial(version))
    [conf] = deployment["deployeds"]
    assert conf["targetPath"] == "{{DIR}}" and conf["placeholders"] == {"DB_URL": ""}
    messages = {m["property"]: m["message"] for m in conf["validation-messages"]}
    assert set(messages) == {"targetPath", "placeholders"}
    refused = api.post("/deployment/", json=deployment)
    assert refused.status_code == 400
    body = refused.json()
    assert body["message"].startswith(f"The deployment is not valid: {conf['id']}: ")
    assert body["message"].endswith("(and 1 more)") and len(body["validation-messages"]) == 2
    conf["targetPath"] = "/etc/app"
    conf["placeholders"]["DB_URL"] = "<empty>"
    valid = s.post("/deployment/validate", deployment)
    assert valid["deployeds"][0]["validation-messages"] == []
    assert "string" in s.post("/deployment", valid)


def test_dictionaries_through_rest(api):
    s = Scenario(api, hosts=("a", "b"))
    other = Scenario(api)
    s.dictionary({"DIR": "/only/a"}, restrictToContainers=[s.hosts[0]])
    s.dictionary({"DIR": "/other/app"}, restrictToApplications=[other.app])
    s.dictionary({"DIR": "/b/and/app"}, restrictToContainers=[s.hosts[1]], restrictToApplications=[s.app])
    s.dictionary({"DIR": "/default", "GREETING": "Hello {{NAME}}", "NAME": "world"})
    version = s.version("1.0", {"conf": file_("{{DIR}}/conf", placeholders=["GREETING"])})
    paths = {d["container"]: (d["targetPath"], d["placeholders"]) for d in s.auto(s.initial(version))["deployeds"]}
    assert paths == {s.hosts[0]: ("/only/a/conf", {"GREETING": "Hello world"}),
                     s.hosts[1]: ("/b/and/app/conf", {"GREETING": "Hello world"})}

    def effective(**params):
        response = api.get("/deployment/dictionary", params=dict(environment=s.env, **params))
        assert response.status_code == 200, response.text
        return response.json()
    assert effective(container=s.hosts[0]) == {"DIR": "/only/a", "GREETING": "Hello world", "NAME": "world"}
    assert effective()["DIR"] == "/default"
    assert effective(container=s.hosts[1])["DIR"] == "/default"  # the application restriction does not hold
    assert effective(container=s.hosts[1], application=s.app)["DIR"] == "/b/and/app"
    assert effective(application=other.app)["DIR"] == "/other/app"
    assert api.get("/deployment/dictionary").status_code == 400


def test_encrypted_dictionary_values_leave_encrypted_and_come_back(api):
    s = Scenario(api)
    s.dictionary({"PASSWORD": "hunter2"}, ci_type="udm.EncryptedDictionary")
    version = s.version("1.0", {"conf": file_("/etc", placeholders=["PASSWORD"])})
    deployment = s.auto(s.initial(version))
    value = deployment["deployeds"][0]["placeholders"]["PASSWORD"]
    assert value.startswith("{b64}") and "hunter2" not in str(deployment)
    task_id = s.post("/deployment", deployment)["string"]
    task = api.get(f"/tasks/v2/{task_id}").json()
    assert "hunter2" not in str(task)
    assert api.get("/deployment/dictionary", params={"environment": s.env}).json() == {"PASSWORD": "********"}


def test_generate_selected_single_and_all(api):
    s = Scenario(api, hosts=("h1", "h2"))
    version = s.version("1.0", {"a": cmd(), "b": cmd()})
    initial = s.initial(version)
    selected = s.post("/deployment/generate/selected", initial, deployables=[f"{version}/a"])
    assert sorted(by_id(selected)) == [f"{s.hosts[0]}/a", f"{s.hosts[1]}/a"]
    single = s.post("/deployment/generate/single", selected, deployable=f"{version}/b", container=s.hosts[1],
                    deployedtype="cmd.DeployedCommand")
    assert sorted(by_id(single)) == [f"{s.hosts[0]}/a", f"{s.hosts[1]}/a", f"{s.hosts[1]}/b"]
    wrong = api.post("/deployment/generate/single", json=single,
                     params={"deployable": f"{version}/b", "container": s.hosts[0], "deployedtype": "file.DeployedFile"})
    assert wrong.status_code == 400 and "cannot map" in wrong.json()["message"]
    everything = s.post("/deployment/generate/all", initial)
    assert len(everything["deployeds"]) == 4
    assert s.post("/deployment/generate/selected/deployables", initial, deployables=[f"{version}/b"])["deployeds"]


def test_update_plans_only_what_changed_and_previews_the_changes(api):
    s = Scenario(api, hosts=("h1",))
    v1 = s.version("1.0", {"same": cmd("same"), "changed": cmd("old"), "removed": cmd("bye", undoCommandLine="undo")})
    v2 = s.version("2.0", {"same": cmd("same"), "changed": cmd("new"), "added": cmd("hello")})
    host = s.hosts[0]
    s.deployed_before(v1, [
        {"id": f"{host}/same", "type": "cmd.DeployedCommand", "deployable": f"{v1}/same", "container": host,
         "commandLine": "same"},
        {"id": f"{host}/changed", "type": "cmd.DeployedCommand", "deployable": f"{v1}/changed", "container": host,
         "commandLine": "old"},
        {"id": f"{host}/removed", "type": "cmd.DeployedCommand", "deployable": f"{v1}/removed", "container": host,
         "commandLine": "bye", "undoCommandLine": "undo"}])
    response = api.get("/deployment/prepare/update", params={"version": v2, "deployedApplication": s.deployed_application})
    assert response.status_code == 200, response.text
    update = s.auto(response.json())
    assert update["type"] == "UPDATE" and sorted(by_id(update)) == [f"{host}/added", f"{host}/changed", f"{host}/same"]
    preview = s.post("/deployment/preview-changes", update)
    operations = {d["id"]: (d["operation"], d["changes"]) for d in preview["deltas"]}
    assert operations == {
        f"{host}/same": ("NOOP", []),
        f"{host}/changed": ("MODIFY", [{"property": "commandLine", "previous": "old", "new": "new"}]),
        f"{host}/added": ("CREATE", []),
        f"{host}/removed": ("DESTROY", []),
    }
    steps = preview["block"]["blocks"][0]["blocks"][0]["steps"]
    assert [(st["description"], st["metadata"]["operation"]) for st in steps] == [
        ("Undo removed on h1", "DESTROY"), ("Execute added on h1", "CREATE"), ("Execute changed on h1", "MODIFY")]
    task_id = s.post("/deployment", update)["string"]
    task = api.get(f"/tasks/v2/{task_id}").json()
    assert task["metadata"]["taskType"] == "UPGRADE" and task["description"].startswith("Update deployment of")
    undeploy = api.get("/deployment/prepare/undeploy", params={"deployedApplication": s.deployed_application}).json()
    preview = s.post("/deployment/previewblock", undeploy)
    steps = preview["block"]["blocks"][0]["blocks"][0]["steps"]
    assert sorted(st["description"] for st in steps) == [
        "Remove changed from h1 (no undo command)", "Remove same from h1 (no undo command)", "Undo removed on h1"]
    assert preview["description"] == f"Undeployment of {s.deployed_application}"
    step = s.post("/deployment/previewblock/0_1_1/1", undeploy)
    assert step["description"] == steps[0]["description"]
    missing = api.post("/deployment/previewblock/0_1_1/99", json=undeploy)
    assert missing.status_code == 404


def test_orchestrators_through_rest(api):
    s = Scenario(api, hosts=("b-host", "a-host"))
    version = s.version("1.0", {"job": cmd()}, orchestrator=["sequential-by-container"])
    deployment = s.auto(s.initial(version))
    assert deployment["application"]["orchestrator"] == ["sequential-by-container"]
    task_id = s.post("/deployment", deployment)["string"]
    plan = api.get(f"/tasks/v2/{task_id}/block/0_1_1").json()
    assert plan["type"] == "serial" and [b["description"] for b in plan["blocks"]] == ["Deploy on a-host",
                                                                                      "Deploy on b-host"]
    assert "steps" not in plan["blocks"][0]
    assert api.get(f"/tasks/v2/{task_id}/step/0_1_1_1_1").json()["description"] == "Execute job on a-host"
    deployment["application"]["orchestrator"] = "parallel-by-container"  # a string, as CLI scripts set it
    plan = s.post("/deployment/previewblock", deployment)["block"]["blocks"][0]["blocks"][0]
    assert plan["type"] == "parallel"
    deployment["application"]["orchestrator"] = ["no-such-orchestrator"]
    refused = api.post("/deployment/previewblock", json=deployment)
    assert refused.status_code == 400 and "Unknown orchestrator 'no-such-orchestrator'" in refused.json()["message"]


def test_current_tasks_and_missing_tasks(api):
    s = Scenario(api)
    version = s.version("1.0", {"job": cmd()})
    task_id = s.post("/deployment/", s.auto(s.initial(version)))["string"]
    current = api.get("/tasks/v2/current").json()
    assert task_id in [t["id"] for t in current] and all("block" not in t for t in current)
    assert api.get("/tasks/v2/no-such-task").status_code == 404
    assert api.get(f"/tasks/v2/{task_id}/block/0_7").status_code == 404


def test_bad_deployment_bodies(api):
    assert api.post("/deployment/prepare/deployeds", data="not json").status_code == 400
    response = api.post("/deployment/prepare/deployeds", json={"type": "INITIAL"})
    assert response.status_code == 400 and "udm.DeployedApplication" in response.json()["message"]
    response = api.get("/deployment/exists", params={"application": "Applications/x"})
    assert response.status_code == 400


def test_composite_packages_and_undeploy_tasks(api):
    s = Scenario(api, hosts=("h1", "h2"))
    front, back = Scenario(api, hosts=()), Scenario(api, hosts=())
    fe = front.version("1.0", {"fe": cmd("start fe")})
    be = back.version("2.0", {"be": cmd("start be")})
    create_all(api, [{"id": f"{s.app}/3.0", "type": "udm.CompositePackage", "packages": [fe, be],
                      "orchestrator": ["sequential-by-composite-package", "parallel-by-container"]}])
    deployment = s.auto(s.initial(f"{s.app}/3.0"))
    assert [d["deployable"] for d in deployment["deployeds"]] == [f"{fe}/fe", f"{fe}/fe", f"{be}/be", f"{be}/be"]
    plan = s.post("/deployment/previewblock", deployment)["block"]["blocks"][0]["blocks"][0]
    assert plan["type"] == "serial"
    assert [(b["description"], b["type"], [c["description"] for c in b["blocks"]]) for b in plan["blocks"]] == [
        (f"Deploy {front.name} 1.0", "parallel", ["Deploy on h1", "Deploy on h2"]),
        (f"Deploy {back.name} 2.0", "parallel", ["Deploy on h1", "Deploy on h2"])]
    assert [b["id"] for b in plan["blocks"][1]["blocks"]] == ["0_1_1_2_1", "0_1_1_2_2"]
    s.deployed_before(f"{s.app}/3.0", [
        {"id": f"{h}/{name}", "type": "cmd.DeployedCommand", "deployable": f"{pkg}/{name}", "container": h,
         "commandLine": "x", "undoCommandLine": f"stop {name}"}
        for pkg, name in ((fe, "fe"), (be, "be")) for h in s.hosts], orchestrator=["sequential-by-composite-package"])
    undeploy = api.get("/deployment/prepare/undeploy", params={"deployedApplication": s.deployed_application}).json()
    task_id = s.post("/deployment", undeploy)["string"]
    task = api.get(f"/tasks/v2/{task_id}").json()
    assert task["metadata"]["taskType"] == "UNDEPLOY" and task["totalSteps"] == 4
    plan = task["block"]["blocks"][0]["blocks"][0]
    assert [b["description"] for b in plan["blocks"]] == [f"Undeploy {back.name} 2.0", f"Undeploy {front.name} 1.0"]
