"""The `deployment` object and the Deployment it hands out, through scripts run by the real CLI against the
real server: the documented sessions up to creating the task, upgrades previewed against a deployed
application stored as the task engine will store it, validation messages, selected and single deployeds,
plan previews, and the shell at the prompt."""

from __future__ import annotations

import pexpect
import pytest

from tests.cli.sample_packages import Infrastructure, package_dar, package_folder, run_ok, unique

PROMPT = "deployit>"

# What the task engine stores after running a deployment: its deployeds and the deployed application.
STORE = '''
def store(depl):
    stored = repository.create(list(depl.deployeds))
    app = depl.deployedApplication
    app.deployeds = [d.id for d in stored]
    return repository.create(app)
'''


@pytest.fixture
def sample(cli, api):
    """A uniquely named copy of the sample application, versions 1.0 and 2.0 imported, and infrastructure."""
    app = unique("Sample")
    for version in ("1.0", "2.0"):
        dar = package_dar(cli.cwd / f"{app}-{version}.dar", app, version)
        with open(dar, "rb") as handle:
            response = api.session.post(f"{cli.server.url}/package/upload/{dar.name}",
                                        files={"fileData": (dar.name, handle)},
                                        headers={"Content-Type": None})
        assert response.status_code == 200, response.text
    infra = Infrastructure(api)
    infra.app_name = app
    infra.v1, infra.v2 = f"Applications/{app}/1.0", f"Applications/{app}/2.0"
    infra.deployed_app = infra.deployed(app)
    return infra


def task(api, task_id) -> dict:
    response = api.get(f"/tasks/v2/{task_id}")
    assert response.status_code == 200, response.text
    return response.json()


def test_doc_session_simple_deployment(cli, api, sample):
    """spec §2.9, session 1 (5.x+), with the orchestrator variant; then the undeployment."""
    out = run_ok(cli, STORE + f"""
package = repository.read('{sample.v1}')
environment = repository.read('{sample.env}')
deploymentRef = deployment.prepareInitial(package.id, environment.id)
print(deploymentRef.deploymentType, len(deploymentRef.deployeds), deploymentRef.deployedApplication.id)
depl = deployment.prepareAutoDeployeds(deploymentRef)
print(depl.id == deploymentRef.id, len(depl.deployeds), sorted(d.type for d in depl.deployeds))
depl.deployedApplication.values['orchestrator'] = 'parallel-by-container'
task = deployment.createDeployTask(depl)
print(task.id == task.taskId == task, task.state)
print(task.description)
store(depl)
print(deployment.isDeployed('Applications/{sample.app_name}', environment.id))
taskID = deployment.createUndeployTask('{sample.deployed_app}').id
print(taskID != task.id)
""")
    lines = out.splitlines()
    assert lines[0] == f"INITIAL 0 {sample.deployed_app}"
    assert lines[1] == ("True 4 ['cmd.DeployedCommand', 'file.DeployedFile', 'file.DeployedFolder', "
                        "'sql.ExecutedSqlScripts']")
    assert lines[2] == "True PENDING"
    assert lines[3] == f"Initial deployment of {sample.deployed_app}"
    assert lines[4:] == ["True", "True"]
    deploy_id = [t["id"] for t in api.get("/tasks/v2/current").json()
                 if t["description"] == f"Initial deployment of {sample.deployed_app}"][0]
    deploy_task = task(api, deploy_id)
    assert deploy_task["state"] == "PENDING" and deploy_task["metadata"]["version_id"] == sample.v1
    # the orchestrator set in the shell reached the plan: one parallel block per container
    block = api.get(f"/tasks/v2/{deploy_id}/block/0_1_1").json()
    assert block["type"] == "parallel" and len(block["blocks"]) == 3
    undeploy = [t for t in api.get("/tasks/v2/current").json()
                if t["description"] == f"Undeployment of {sample.deployed_app}"]
    assert len(undeploy) == 1 and undeploy[0]["state"] == "PENDING"


def test_undeploy_methods_take_a_deployment_where_it_makes_sense_and_say_what_they_want(cli, api, sample):
    """createUndeployTask takes the Deployment prepareUndeploy returned; given another Deployment (whose own
    id, deployment-..., is no CI id) it and prepareUndeploy say what they take."""
    out = run_ok(cli, STORE + f"""
depl = deployment.prepareAutoDeployeds(deployment.prepareInitial('{sample.v1}', '{sample.env}'))
for call in (lambda: deployment.createUndeployTask(depl), lambda: deployment.prepareUndeploy(depl)):
    try:
        call()
    except DeployitException as e:
        print(e)
store(depl)
undeployment = deployment.prepareUndeploy(repository.read('{sample.deployed_app}'))
task = deployment.createUndeployTask(undeployment)
print(task.description, task.state)
""")
    expected = (f"takes the id of a deployed application, such as '{sample.deployed_app}' "
                f"(depl.deployedApplication.id), not a Deployment.")
    assert out.splitlines() == [f"deployment.createUndeployTask {expected}", f"deployment.prepareUndeploy {expected}",
                                f"Undeployment of {sample.deployed_app} PENDING"]


def test_doc_session_old_api_in_python2(cli, api):
    """spec §2.9, session 2 (3.x/4.0): importPackage by name, generateAllDeployeds, deploy().id, and
    undeploy().taskId, in Python 2 syntax as those scripts were written."""
    app = unique("demo-application")
    package_folder(cli.server.home / "importablePackages" / app / "1.0", app)
    infra = Infrastructure(api)
    out = run_ok(cli, STORE + f"""
package = deployit.importPackage('{app}/1.0')
print "imported", package.id
deploymentRef = deployment.prepareInitial(package.id, '{infra.env}')
deploymentRef = deployment.generateAllDeployeds(deploymentRef)
print "deployeds", deploymentRef.getDeployeds().size(), deploymentRef.getDeploymentType()
taskID = deployment.deploy(deploymentRef).id
print "deploy task", len(taskID), deployit.__class__ is not None
store(deploymentRef)
undeployTask = deployment.undeploy('{infra.env}/{app}')
print "undeploy task", undeployTask.taskId == undeployTask.id, undeployTask.state
""")
    lines = out.splitlines()
    assert lines[0] == f"imported Applications/{app}/1.0"
    assert lines[1] == "deployeds 4 INITIAL"
    assert lines[2] == "deploy task 36 True"
    assert lines[3] == "undeploy task True PENDING"


def test_upgrade_preview_shows_what_changes(cli, sample):
    out = run_ok(cli, STORE + f"""
depl = deployment.prepareAutoDeployeds(deployment.prepareInitial('{sample.v1}', '{sample.env}'))
schema = [d for d in depl.deployeds if d.name == 'schema'][0]
schema.username = 'sa'
schema.password = 'old-secret'
store(depl)
upgrade = deployment.prepareUpgrade('{sample.v2}', repository.read('{sample.deployed_app}'))
print(upgrade)
print(upgrade.deploymentType, len(upgrade.deployeds))
schema = [d for d in upgrade.deployeds if d.name == 'schema'][0]
print(schema.password.startswith('{{b64}}'))
schema.password = 'new-secret'
config = [d for d in upgrade.deployeds if d.name == 'config'][0]
config.placeholders['APP_PORT'] = '9090'
deployment.preview(upgrade)
changes = deployment.previewChanges(upgrade)
print(sorted((d.operation, d.id.split('/')[-1]) for d in changes.deltas))
""")
    assert "old-secret" not in out and "new-secret" not in out
    lines = out.splitlines()
    assert lines[0].startswith("Deployment deployment-") and lines[0].endswith(
        f": update of {sample.deployed_app} to {sample.v2} (4 deployeds)")
    assert lines[1:3] == ["UPDATE 4", "True"]
    preview = "\n".join(lines[3:-1])
    web, app, db = sample.web, sample.app, sample.db
    assert preview.startswith(f"Update deployment of {sample.deployed_app}\n\n"
                              "Changes (0 to create, 4 to modify, 0 to destroy, 0 unchanged):\n")
    assert (f"  MODIFY   {app}/announce (cmd.DeployedCommand)\n"
            '             commandLine: "echo Sample 1.0 installed" -> "echo Sample 2.0 installed"\n') in preview
    assert (f"  MODIFY   {web}/config (file.DeployedFolder)\n"
            '             placeholders.APP_PORT: "8080" -> "9090"\n') in preview
    assert f"  MODIFY   {db}/schema (sql.ExecutedSqlScripts)\n             password: ******** -> ********\n" in preview
    assert f"  MODIFY   {web}/readme (file.DeployedFile)\n             checksum: \"" in preview
    assert preview.endswith("\n\nPlan (7 steps):\n"
                            f"  [0] Update {sample.app_name} 2.0 on {sample.name} (serial)\n"
                            "    [0_1] Update (serial)\n"
                            f"      [0_1_1] Update {sample.app_name} 2.0 on {sample.name}\n"
                            "        1. Delete config from /opt/sample/config on web (order 30)\n"
                            "        2. Delete readme from /opt/sample/docs on web (order 30)\n"
                            "        3. Undo announce on app (order 49)\n"
                            "        4. Run schema on sqlite (order 50)\n"
                            "        5. Copy config to /opt/sample/config on web (order 70)\n"
                            "        6. Copy readme to /opt/sample/docs on web (order 70)\n"
                            "        7. Execute announce on app (order 90)")
    assert lines[-1] == str(sorted(("MODIFY", n) for n in ("announce", "config", "readme", "schema")))


def test_validation_messages_on_deployeds(cli, sample):
    out = run_ok(cli, f"""
depl = deployment.prepareAutoDeployeds(deployment.prepareInitial('{sample.v1}', '{sample.env}'))
readme = [d for d in depl.deployeds if d.name == 'readme'][0]
readme.targetPath = None
checked = deployment.validate(depl)
for d in checked.deployeds:
    for v in d.validations:
        print(v.ciId, v.propertyName, v.level, v.message)
print(len(checked.validations), [len(d.validations) for d in checked.deployeds].count(0))
try:
    deployment.createDeployTask(checked)
except DeployitException as e:
    print('refused: ' + str(e))
    print(' | '.join(str(v) for v in e.validations))
""")
    readme = f"{sample.web}/readme"
    assert out.splitlines() == [
        f"{readme} targetPath ERROR Property 'targetPath' is required.",
        "1 3",
        f"refused: The deployment is not valid: {readme}: Property 'targetPath' is required.",
        f"{readme}.targetPath: Property 'targetPath' is required.",
    ]


def test_selected_and_single_deployeds(cli, sample):
    out = run_ok(cli, f"""
depl = deployment.prepareInitial('{sample.v1}', '{sample.env}')
print([c.id for c in depl.containers], '{sample.web}' in depl.containers)
print([(d.id.split('/')[-1], d.type) for d in depl.deployables])
depl = deployment.generateSelectedDeployeds(['{sample.v1}/readme', repository.read('{sample.v1}/schema')], depl)
print(sorted(d.id for d in depl.deployeds))
depl = deployment.generateSingleDeployed('{sample.v1}/announce', '{sample.web}', None, depl)
depl = deployment.generateSingleDeployed('{sample.v1}/config', '{sample.web}', 'file.DeployedFolder', depl)
print(sorted((d.id, d.type) for d in depl.deployeds))
for args in [('{sample.v1}/announce', '{sample.web}', 'file.DeployedFile'),
             ('{sample.v1}/announce', 'Infrastructure/elsewhere', None)]:
    try:
        deployment.generateSingleDeployed(args[0], args[1], args[2], depl)
    except DeployitException as e:
        print(e)
""")
    web, db, v1 = sample.web, sample.db, sample.v1
    assert out.splitlines() == [
        f"[{web!r}, {sample.app!r}, {db!r}] True",
        "[('announce', 'cmd.Command'), ('config', 'file.Folder'), ('readme', 'file.File'), "
        "('schema', 'sql.SqlScripts')]",
        str(sorted([f"{web}/readme", f"{db}/schema"])),
        str(sorted([(f"{web}/readme", "file.DeployedFile"), (f"{db}/schema", "sql.ExecutedSqlScripts"),
                    (f"{web}/announce", "cmd.DeployedCommand"), (f"{web}/config", "file.DeployedFolder")])),
        f"A file.DeployedFile cannot map {v1}/announce (cmd.Command) onto {web} (overthere.SshHost).",
        f"The container Infrastructure/elsewhere is not a member of {sample.env}.",
    ]


def test_task_preview_block(cli, sample):
    out = run_ok(cli, f"""
depl = deployment.prepareAutoDeployeds(deployment.prepareInitial('{sample.v1}', '{sample.env}'))
preview = deployment.taskPreviewBlock(depl)
print(preview)
root = preview.block
print(root.id, root.type, root.getBlocks().size(), root.blocks[0].blocks[0].id)
steps = root.blocks[0].blocks[0].steps
print(len(steps), steps[0].description, steps[0].order, steps.get(0).getMetadata()['operation'])
step = deployment.taskPreviewBlock(depl, root.blocks[0].blocks[0].id, 2)
print(step.description)
try:
    root.nothing
except AttributeError as e:
    print(e)
""")
    name = sample.name
    assert out.splitlines() == [
        f"Initial deployment of {sample.deployed_app}",
        f"  [0] Deploy {sample.app_name} 1.0 on {name} (serial)",
        "    [0_1] Deploy (serial)",
        f"      [0_1_1] Deploy {sample.app_name} 1.0 on {name}",
        "        1. Run schema on sqlite (order 50)",
        "        2. Copy config to /opt/sample/config on web (order 70)",
        "        3. Copy readme to /opt/sample/docs on web (order 70)",
        "        4. Execute announce on app (order 90)",
        "0 serial 1 0_1_1",
        "4 Run schema on sqlite 50 CREATE",
        "Copy config to /opt/sample/config on web",
        "This object has no 'nothing'; it has: blocks, description, id, root, state, type.",
    ]


def test_deployment_object_round_trips_the_servers_json():
    """Everything the server sent comes back, unknown fields included, with the shell's changes."""
    from deployit_cli.deployment import ConfigurationItemId, Deployment
    data = {
        "id": "deployment-1", "type": "INITIAL", "deploymentGroupIndex": 2, "somethingNew": {"a": [1, 2]},
        "application": {"id": "Environments/E/App", "type": "udm.DeployedApplication",
                        "version": "Applications/App/1.0", "environment": "Environments/E", "orchestrator": [],
                        "deployeds": ["Infrastructure/h/f"], "validation-messages": [
                            {"ci": "Applications/App/1.0/x", "property": None, "message": "ambiguous",
                             "level": "WARNING"}]},
        "deployeds": [{"id": "Infrastructure/h/f", "type": "file.DeployedFile",
                       "deployable": "Applications/App/1.0/f", "container": "Infrastructure/h",
                       "placeholders": {"A": "{b64}xyz"}, "targetPath": "/opt",
                       "validation-messages": [{"ci": "Infrastructure/h/f", "property": "targetPath",
                                                "message": "bad", "level": "ERROR"}]}],
        "deployables": [{"id": "Applications/App/1.0/f", "type": "file.File"}],
        "containers": [{"ci": "Infrastructure/h", "type": "overthere.SshHost"}],
        "requiredDeployments": [],
    }
    depl = Deployment(data)
    assert (depl.id, depl.deploymentType, depl.deployedApplication.id) == ("deployment-1", "INITIAL", "Environments/E/App")
    assert [(v.ciId, v.propertyName, v.level) for v in depl.validations] == [
        ("Applications/App/1.0/x", None, "WARNING"), ("Infrastructure/h/f", "targetPath", "ERROR")]
    assert "Infrastructure/h" in depl.containers and depl.containers.get(0).type == "overthere.SshHost"
    assert depl.deployables[0] == ConfigurationItemId("Applications/App/1.0/f")
    expected = {k: v for k, v in data.items()}
    expected["application"] = {k: v for k, v in data["application"].items() if k != "validation-messages"}
    expected["deployeds"] = [{k: v for k, v in data["deployeds"][0].items() if k != "validation-messages"}]
    expected["containers"] = [{"id": "Infrastructure/h", "type": "overthere.SshHost"}]
    assert depl.to_json() == expected
    depl.deployedApplication.values["orchestrator"] = "parallel-by-container"
    depl.deployeds[0].targetPath = "/srv"
    depl.deployeds = [d for d in depl.deployeds] + [data["deployeds"][0]]
    sent = depl.to_json()
    assert sent["application"]["orchestrator"] == "parallel-by-container"
    assert [d["targetPath"] for d in sent["deployeds"]] == ["/srv", "/opt"]
    assert sent["somethingNew"] == {"a": [1, 2]} and sent["deploymentGroupIndex"] == 2
    with pytest.raises(AttributeError):
        depl.nothing = 1


def test_orchestrator_reads_back_as_a_list(cli, sample):
    out = run_ok(cli, f"""
depl = deployment.prepareAutoDeployeds(deployment.prepareInitial('{sample.v1}', '{sample.env}'))
depl.deployedApplication.values['orchestrator'] = 'parallel-by-container'
depl = deployment.validate(depl)
print(depl.deployedApplication.values['orchestrator'].get(0), depl.deployedApplication.orchestrator.size())
depl.deployedApplication.orchestrator = ['sequential-by-deployment-group', 'parallel-by-container']
print(list(deployment.validate(depl).deployedApplication.orchestrator))
""")
    assert out.splitlines() == ["parallel-by-container 1",
                                "['sequential-by-deployment-group', 'parallel-by-container']"]


def test_deployment_at_the_prompt(shell, sample):
    child = shell("-q")
    child.expect(PROMPT)
    child.sendline(f"depl = deployment.prepareAutoDeployeds(deployment.prepareInitial('{sample.v1}', '{sample.env}'))")
    child.expect(PROMPT)
    child.sendline("depl")
    child.expect(f"initial deployment of {sample.v1} to {sample.env} \\(4 deployeds\\)")
    child.expect(PROMPT)
    child.sendline("len(depl.deployeds), depl.deployeds[0].validations")
    child.expect(r"\(4, \[\]\)")
    child.expect(PROMPT)
    child.sendline("deployment.preview(depl)")
    child.expect(r"Changes \(4 to create, 0 to modify, 0 to destroy, 0 unchanged\):")
    child.expect(f"CREATE   {sample.app}/announce \\(cmd.DeployedCommand\\)")
    child.expect(r"Plan \(4 steps\):")
    child.expect(PROMPT)
    child.sendline("deployment.help()")
    child.expect("deployment: Perform tasks related to setting up deployments")
    child.expect(r"\* deployment.prepareInitial\(String versionId, String environmentId\) : Deployment")
    child.expect(PROMPT)
    child.sendline("task = deployment.createDeployTask(depl); task.state")
    child.expect("PENDING")
    child.expect(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_the_preview_text_starts_with_the_servers_warnings():
    from deployit_cli.plan import changes_text
    warning = "{{DB_USER}} comes from encrypted dictionary Environments/Secrets and is blank in ..."
    text = changes_text({"description": "Initial deployment of Environments/Dev/App", "deltas": [],
                         "warnings": [{"ci": "Infrastructure/h/cmd", "property": "commandLine", "message": warning,
                                       "level": "WARNING"}], "block": None})
    assert text.splitlines()[:5] == ["Initial deployment of Environments/Dev/App", "", "Warnings:", f"  {warning}", ""]
