"""Release pipelines, deployment checklists, notifications and reports through REST, on a real server,
with a real SMTP server (aiosmtpd) receiving the notifications."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.conftest import Api
from tests.integration.helpers import unique
from tests.integration.security_helpers import PASSWORD, assign, create_user, grant
from tests.integration.tasks_helpers import LocalApp, create_all, run
from tests.support.smtp import SmtpServer, free_port

TODAY = datetime.now(UTC).strftime("%Y-%m-%d")


@pytest.fixture(scope="module")
def smtp():
    box = SmtpServer(username="notifier", password="s3cret-pw").start()
    yield box
    box.stop()


def _update(api, ci_id: str, **changes) -> dict:
    ci = api.get(f"/repository/ci/{ci_id}").json()
    ci.update(changes)
    response = api.put(f"/repository/ci/{ci_id}", json=ci)
    assert response.status_code == 200, response.text
    return response.json()


def _deploy(app: LocalApp, version_id: str, expect: int = 200):
    prepared = app.api.get("/deployment/prepare/initial", params={"version": version_id, "environment": app.env})
    deployment = app.api.post("/deployment/prepare/deployeds", json=prepared.json()).json()
    return app.api.post("/deployment", json=deployment)


# -- deployment checklists ---------------------------------------------------------------------
def test_a_version_that_does_not_satisfy_the_checklist_is_refused_with_one_sentence(api):
    app = LocalApp(api, requiresReleaseNotes=True, requiresChangeTicketNumber=True)
    version = app.version("1.0", {"hello": "echo hello"})
    refused = _deploy(app, version)
    assert refused.status_code == 400
    assert refused.json()["message"] == (
        f"The deployment is not valid: {version} does not satisfy the deployment checklist of {app.env}: set "
        f"satisfiesReleaseNotes, satisfiesChangeTicketNumber on the version first.")
    prepared = api.get("/deployment/prepare/initial", params={"version": version, "environment": app.env}).json()
    validated = api.post("/deployment/validate", json=api.post("/deployment/prepare/deployeds", json=prepared).json())
    assert [m["property"] for m in validated.json()["application"]["validation-messages"]] == ["version"]
    _update(api, version, satisfiesReleaseNotes=True, satisfiesChangeTicketNumber="CHG-1234")
    created = _deploy(app, version)
    assert created.status_code == 200, created.text
    assert run(api, created.json()["string"])["state"] == "EXECUTED"


def test_checklist_items_with_roles_may_be_satisfied_only_by_members(server, api, tmp_path_factory):
    from tests.support.server import InProcessServer
    home = tmp_path_factory.mktemp("roles") / "server"
    (home / "plugins").mkdir(parents=True)
    (home / "plugins" / "checklist.xml").write_text(
        '<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">'
        '<type-modification type="udm.Version">'
        '<property name="rolesReleaseNotes" kind="set_of_string" hidden="true" default="senior-deployer"/>'
        '</type-modification></synthetic>')
    proc = InProcessServer(home).start()
    try:
        admin = Api(proc)
        for name in ("junior", "senior"):
            create_user(admin, name)
        assign(admin, "deployers", "junior", "senior")
        assign(admin, "senior-deployer", "senior")
        grant(admin, "login", "deployers")
        for perm in ("read", "repo#edit"):
            grant(admin, perm, "deployers", "Applications")
        create_all(admin, [{"id": "Applications/Shop", "type": "udm.Application"},
                           {"id": "Applications/Shop/1.0", "type": "udm.DeploymentPackage"}])
        junior, senior = Api(proc, "junior", PASSWORD), Api(proc, "senior", PASSWORD)
        ci = junior.get("/repository/ci/Applications/Shop/1.0").json()
        refused = junior.put("/repository/ci/Applications/Shop/1.0", json=dict(ci, satisfiesReleaseNotes=True))
        assert refused.status_code == 403
        assert refused.json()["message"] == ("User junior may not change satisfiesReleaseNotes on Applications/Shop/1.0: "
                                             "only members of senior-deployer may satisfy that checklist item.")
        # other properties stay free to change, and members of the role may satisfy the item
        _update(junior, "Applications/Shop/1.0", satisfiesPerformanceTested=True)
        _update(senior, "Applications/Shop/1.0", satisfiesReleaseNotes=True)
        assert admin.get("/repository/ci/Applications/Shop/1.0").json()["satisfiesReleaseNotes"] is True
        # on create only when the application asks for it (verifyChecklistPermissionsOnCreate)
        new = {"id": "Applications/Shop/2.0", "type": "udm.DeploymentPackage", "satisfiesReleaseNotes": True}
        assert junior.post("/repository/ci/Applications/Shop/2.0", json=new).status_code == 200
        _update(admin, "Applications/Shop", verifyChecklistPermissionsOnCreate=True)
        new["id"] = "Applications/Shop/3.0"
        assert junior.post("/repository/ci/Applications/Shop/3.0", json=new).status_code == 403
    finally:
        proc.stop()


# -- notifications -----------------------------------------------------------------------------
def _notifications(api, smtp, env_prop: dict, subject: str, body: str, port: int | None = None) -> LocalApp:
    mail_server, done, failed = (f"Configuration/{unique('smtp')}", f"Configuration/{unique('mail')}",
                                 f"Configuration/{unique('mail')}")
    create_all(api, [
        {"id": mail_server, "type": "mail.SmtpServer", "host": "127.0.0.1", "port": port or smtp.port,
         "username": "notifier", "password": "s3cret-pw", "fromAddress": "xld@example.com"},
        {"id": done, "type": "trigger.EmailNotification", "mailServer": mail_server,
         "toAddresses": ["team@example.com"], "subject": subject, "body": body},
        {"id": failed, "type": "trigger.EmailNotification", "mailServer": mail_server,
         "toAddresses": ["oncall@example.com"], "subject": "FAILED ${step.description}",
         "body": "${step.state}: ${step.log}"}])
    task_trigger, step_trigger = f"Configuration/{unique('trigger')}", f"Configuration/{unique('trigger')}"
    create_all(api, [{"id": task_trigger, "type": "trigger.TaskTrigger", "fromState": "ANY", "toState": "EXECUTED",
                      "actions": [done]},
                     {"id": step_trigger, "type": "trigger.StepTrigger", "fromState": "EXECUTING",
                      "toState": "FAILED", "actions": [failed]}])
    return LocalApp(api, triggers=[task_trigger, step_trigger], **env_prop)


def test_a_task_that_changes_state_sends_the_mail_of_the_environment_trigger(api, smtp):
    app = _notifications(api, smtp, {}, "Deployed ${deployedApplication.version.application.name} to "
                                        "${deployedApplication.environment.name}",
                         "Task ${task.id} of ${task.owner} is ${task.state} after ${task.nrSteps} step(s).")
    version = app.version("1.0", {"hello": "echo hello"})
    task_id = _deploy(app, version).json()["string"]
    assert run(api, task_id)["state"] == "EXECUTED"
    subject = f"Deployed {app.name} to {app.env.split('/')[-1]}"
    got = smtp.wait_for(lambda m: m["mail"]["Subject"] == subject)
    assert got["to"] == ["team@example.com"] and got["from"] == "xld@example.com" and got["authenticated"]
    assert got["mail"].get_content().strip() == f"Task {task_id} of admin is EXECUTED after 1 step(s)."
    # a failing step fires the step trigger, with the step's log in the body
    broken = app.version("2.0", {"boom": "sh -c 'echo going down; exit 3'"})
    update = api.get("/deployment/prepare/update", params={"version": broken,
                                                             "deployedApplication": app.deployed_application}).json()
    task_id = api.post("/deployment", json=api.post("/deployment/prepare/deployeds", json=update).json()).json()["string"]
    assert run(api, task_id)["state"] == "FAILED"
    got = smtp.wait_for(lambda m: m["to"] == ["oncall@example.com"] and "boom" in m["mail"]["Subject"]
                        and "going down" in m["mail"].get_content())
    assert got["mail"].get_content().startswith("FAILED: ")


def test_triggers_given_to_an_environment_fire_for_its_next_task_at_once(api, smtp):
    """The engine asks whether a task's environment lists triggers at the task's first transition (tasks of
    environments without any skip the notifier entirely): triggers set after one task fire for the next."""
    app = LocalApp(api)
    assert run(api, _deploy(app, app.version("1.0", {"hello": "echo hello"})).json()["string"])["state"] == "EXECUTED"
    mail_server, action, trigger = (f"Configuration/{unique('smtp')}", f"Configuration/{unique('mail')}",
                                    f"Configuration/{unique('trigger')}")
    create_all(api, [
        {"id": mail_server, "type": "mail.SmtpServer", "host": "127.0.0.1", "port": smtp.port,
         "fromAddress": "xld@example.com"},
        {"id": action, "type": "trigger.EmailNotification", "mailServer": mail_server,
         "toAddresses": ["team@example.com"], "subject": "now ${task.id}"},
        {"id": trigger, "type": "trigger.StepTrigger", "fromState": "EXECUTING", "toState": "DONE",
         "actions": [action]}])
    _update(api, app.env, triggers=[trigger])
    update = api.get("/deployment/prepare/update", params={"version": app.version("2.0", {"hello": "echo again"}),
                                                             "deployedApplication": app.deployed_application}).json()
    task_id = api.post("/deployment", json=api.post("/deployment/prepare/deployeds", json=update).json()).json()["string"]
    assert run(api, task_id)["state"] == "EXECUTED"
    smtp.wait_for(lambda m: m["mail"]["Subject"] == f"now {task_id}")


def test_a_mail_that_cannot_be_sent_is_logged_on_the_task_which_still_succeeds(api, smtp):
    app = _notifications(api, smtp, {}, "never", "never", port=free_port())  # nothing listens there
    task_id = _deploy(app, app.version("1.0", {"hello": "echo hello"})).json()["string"]
    assert run(api, task_id)["state"] == "EXECUTED"
    from tests.integration.tasks_helpers import wait_for
    log = wait_for(lambda: "was not sent" in api.get(f"/tasks/v2/{task_id}/step/0_1_1_1").json()["log"] and
                   api.get(f"/tasks/v2/{task_id}/step/0_1_1_1").json()["log"], what="the failed send in the log")
    assert "Notification Configuration/mail-" in log and "ConnectionRefusedError" in log


def test_starttls_to_a_mail_server_whose_certificate_is_trusted_by_smtp_properties(api, tmp_path):
    box = SmtpServer(tls_folder=tmp_path).start()
    try:
        mail_server, action, trigger = (f"Configuration/{unique('smtp')}", f"Configuration/{unique('mail')}",
                                        f"Configuration/{unique('trigger')}")
        props = {"mail.smtp.starttls.enable": "true", "mail.smtp.ssl.trust": "127.0.0.1"}
        create_all(api, [
            {"id": mail_server, "type": "mail.SmtpServer", "host": "127.0.0.1", "port": box.port,
             "fromAddress": "xld@example.com", "smtpProperties": props},
            {"id": action, "type": "trigger.EmailNotification", "mailServer": mail_server,
             "toAddresses": ["${task.owner}@example.com"], "subject": "over TLS: ${task.state}"},
            {"id": trigger, "type": "trigger.TaskTrigger", "toState": "EXECUTED", "actions": [action]}])
        app = LocalApp(api, triggers=[trigger])
        assert run(api, _deploy(app, app.version("1.0", {"hello": "echo hello"})).json()["string"])["state"] == "EXECUTED"
        got = box.wait_for(lambda m: m["mail"]["Subject"] == "over TLS: EXECUTED")
        assert got["to"] == ["admin@example.com"]
    finally:
        box.stop()


# -- pipeline view -----------------------------------------------------------------------------
def test_the_pipeline_view_shows_each_environment_with_its_version_and_the_next_promotion(api):
    dev = LocalApp(api)
    test_env = f"Environments/{unique('test')}"
    prod_env = f"Environments/{unique('prod')}"
    test_host = f"Infrastructure/{unique('local')}"
    create_all(api, [{"id": test_host, "type": "overthere.LocalHost", "os": "UNIX"},
                     {"id": test_env, "type": "udm.Environment", "members": [test_host]},
                     {"id": prod_env, "type": "udm.Environment", "members": [dev.host], "requiresReleaseNotes": True}])
    pipeline = f"Configuration/{unique('pipeline')}"
    create_all(api, [{"id": pipeline, "type": "release.DeploymentPipeline", "pipeline": [dev.env, test_env, prod_env]}])
    _update(api, dev.app, pipeline=pipeline)
    version = dev.version("1.0", {"hello": "echo hello"})
    assert run(api, _deploy(dev, version).json()["string"])["state"] == "EXECUTED"
    test = LocalApp.__new__(LocalApp)
    test.api, test.name, test.app, test.host, test.env = api, dev.name, dev.app, test_host, test_env
    assert run(api, _deploy(test, version).json()["string"])["state"] == "EXECUTED"

    view = api.get(f"/release/pipeline/{dev.app}").json()
    assert view["application"] == dev.app and view["pipeline"] == pipeline
    stages = {s["environment"]: s for s in view["environments"]}
    assert [s["environment"] for s in view["environments"]] == [dev.env, test_env, prod_env]
    assert stages[dev.env]["version"] == "1.0" and stages[dev.env]["deployedBy"] == "admin"
    assert stages[dev.env]["deployedAt"].startswith(TODAY)
    assert stages[dev.env]["promotionAllowed"] is True and stages[dev.env]["nextEnvironment"] == test_env
    assert stages[test_env]["promotionAllowed"] is False
    assert stages[test_env]["promotionBlockedBy"] == ["satisfiesReleaseNotes"]
    assert stages[prod_env]["version"] is None and stages[prod_env]["checklist"] == ["satisfiesReleaseNotes"]
    assert api.get(f"/release/pipeline/{dev.app}/1.0").status_code == 400
    no_pipeline = api.get(f"/release/pipeline/{LocalApp(api).app}")
    assert no_pipeline.status_code == 400 and "has no deployment pipeline" in no_pipeline.json()["message"]


# -- reports -----------------------------------------------------------------------------------
def test_the_deployments_and_environments_reports_with_csv_and_report_view(server, api):
    app = LocalApp(api)
    version = app.version("1.0", {"hello": "echo hello"})
    task_id = _deploy(app, version).json()["string"]
    assert run(api, task_id)["state"] == "EXECUTED"
    rows = api.get("/internal/reports/tasks", params={"begin": TODAY, "end": TODAY, "filterType": "application",
                                                       "filter": app.app}).json()
    assert len(rows) == 1
    row = rows[0]
    assert (row["taskId"], row["type"], row["application"], row["version"], row["environmentId"], row["user"],
            row["status"]) == (task_id, "Initial", app.name, "1.0", app.env, "admin", "EXECUTED")
    assert row["completionDate"].startswith(TODAY) and row["duration"].startswith("0:00:")
    posted = api.post("/internal/reports/tasks", params={"begin": TODAY, "end": TODAY, "filterType": "environment"},
                      json=[{"id": app.env, "type": "udm.Environment"}]).json()
    assert [r["taskId"] for r in posted] == [task_id]
    assert api.get("/internal/reports/tasks", params={"begin": "2000-01-01", "end": "2000-01-02"}).json() == []
    bad = api.get("/internal/reports/tasks", params={"begin": "yesterday"})
    assert bad.status_code == 400 and "begin" in bad.json()["message"]

    text = api.get("/internal/reports/tasks", params={"begin": TODAY, "filterType": "user", "filter": "admin"},
                   headers={"Accept": "text/csv"})
    assert text.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(text.text)))
    assert any(r["taskId"] == task_id and r["status"] == "EXECUTED" for r in table)

    now = api.get("/internal/reports/environments", params={"environment": app.env}).json()
    assert [(r["environment"], r["application"], r["version"], r["deployedBy"]) for r in now] == [
        (app.env, app.name, "1.0", "admin")]
    assert "environment,application,version,deployedBy,deployedAt" in api.get(
        "/internal/reports/environments", headers={"Accept": "text/csv"}).text

    create_user(api, "noreports")
    assign(api, "loginonly", "noreports")
    grant(api, "login", "loginonly")
    other = Api(server, "noreports", PASSWORD)
    for path in ("/internal/reports/tasks", "/internal/reports/environments"):
        refused = other.get(path)
        assert refused.status_code == 403
        assert refused.json()["message"] == "User noreports does not have permission report#view."
    # report#view alone lists nothing the user may not read
    grant(api, "report#view", "loginonly")
    assert other.get("/internal/reports/tasks", params={"begin": TODAY}).json() == []
    assert other.get("/internal/reports/environments").json() == []
