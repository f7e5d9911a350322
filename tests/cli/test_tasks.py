"""Running tasks from the shell: `deployit` (startTaskAndWait, waitForTask, stop, abort, cancel, archive,
assign, retrieveTaskInfo, control tasks), `task2`, the deprecated `tasks`, the task archive on
`repository`, and `deployment.rollback`, through scripts run by the real CLI against the real server
with real tasks: cmd.Command deployments to an overthere.LocalHost."""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pexpect

from tests.cli.conftest import CLI, SAMPLES, cli_env
from tests.cli.sample_packages import run_ok, unique
from tests.integration.tasks_helpers import LocalApp, task as rest_task, wait_state

PROMPT = "deployit>"
TASK_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def created_task(api, app: LocalApp, commands: dict) -> str:
    """A PENDING deployment task of the app's version 1.0 made of these commands."""
    return app.deploy_task(app.version("1.0", commands))


def test_doc_session_deploys_waits_and_reads_the_task_back(cli, api):
    """spec §2.9 session 1 and §6b: startTaskAndWait archives a task that ends EXECUTED, so
    retrieveTaskInfo(id).state reads DONE; XL Deploy's own integration test reads the step log."""
    app = LocalApp(api)
    version = app.version("1.0", {"hello": "echo hello"})
    out = run_ok(cli, f"""
package = repository.read('{version}')
environment = repository.read('{app.env}')
deploymentRef = deployment.prepareInitial(package.id, environment.id)
depl = deployment.prepareAutoDeployeds(deploymentRef)
task = deployment.createDeployTask(depl)
print('result', deployit.startTaskAndWait(task.id))
info = deployit.retrieveTaskInfo(task.id)
print(info.state == "DONE", info.state == TaskExecutionState.DONE, info.nrOfSteps, info.currentStepNr)
print(task2.getStepLog(task.id, "0_1_1_1").log() == "Executing command line : 'echo hello'\\nhello")
t = task2.get(task.id)
print(t.id == task.id, t.state, t.owner, t.failureCount, t.nrSteps, t.metadata['application'] == '{app.name}')
print(t.startDate.isBefore(t.completionDate), t.completionDate.toString().endswith('Z'), task.state)
print(t.description == info.label == 'Initial deployment of {app.deployed_application}')
block = t.get_step_blocks()[0]
step = block.getSteps()[0]
print(block.id, step.path, step.state == StepExecutionState.DONE, step.getDescription() == info.steps[0].description)
print(task2.step(task.id, '0_1_1_1').log == step.log, task2.steps(task.id, '0_1_1').steps[0].state)
undeployId = deployment.createUndeployTask('{app.deployed_application}').id
print('result', deployit.startTaskAndWait(undeployId))
print(deployit.retrieveTaskInfo(undeployId).state, repository.exists('{app.deployed_application}'))
""")
    lines = out.splitlines()
    deploy_id = re.match(rf"Task ({TASK_ID}): ", lines[0]).group(1)
    assert lines[:4] == [
        f"Task {deploy_id}: Initial deployment of {app.deployed_application} (1 step)",
        f"  1/1 DONE      Execute hello on {app.host.split('/')[-1]}",
        lines[2],
        "result None",
    ]
    assert re.fullmatch(rf"Task {deploy_id} EXECUTED \(1 step in \d+\.\d s\) and archived\.", lines[2])
    assert lines[4:11] == ["True True 1 1", "True", "True DONE admin 0 1 True", "True True DONE", "True",
                           "0_1_1 0_1_1_1 True True", "True DONE"]
    assert re.fullmatch(rf"Task {TASK_ID}: Undeployment of {app.deployed_application} \(1 step\)", lines[11])
    assert lines[-2:] == ["result None", "DONE False"]
    assert rest_task(api, deploy_id)["state"] == "DONE"


def test_a_failed_task_is_reported_stays_failed_and_restarts_after_a_fix(cli, api):
    app = LocalApp(api)
    marker = cli.cwd / "fixed"
    task_id = created_task(api, app, {"check": (f"test -f {marker}", 40), "after": ("echo after", 60)})
    result = cli.script(f"""
result = deployit.startTaskAndWait('{task_id}')
print('result %s %s' % (result, result == TaskExecutionState.FAILED))
info = deployit.retrieveTaskInfo('{task_id}')
print(info.state, info.currentStepNr, info.nrOfSteps, info.failureCount, info.steps[1].state)
open('{marker}', 'w').close()
print('again', deployit.startTaskAndWait('{task_id}'))
print(deployit.retrieveTaskInfo('{task_id}').state)
""")
    assert result.returncode == 0, result.stdout + result.stderr
    host = app.host.split("/")[-1]
    lines = result.stdout.splitlines()
    assert lines[:9] == [
        f"Task {task_id}: Initial deployment of {app.deployed_application} (2 steps)",
        f"  1/2 FAILED    Execute check on {host}",
        f"Task {task_id} FAILED at step 1 of 2: Execute check on {host}",
        "  Log of step 0_1_1_1:",
        f"    Executing command line : 'test -f {marker}'",
        f"    Command line 'test -f {marker}' on host {app.host} exited with code 1.",
        f"  Start it again with deployit.startTaskAndWait('{task_id}') to continue from the failed step, "
        f"or cancel it with deployit.cancelTask('{task_id}').",
        "result FAILED True",
        "FAILED 1 2 1 PENDING",
    ]
    assert lines[9:12] == [f"Task {task_id}: Initial deployment of {app.deployed_application} (2 steps)",
                           f"  1/2 DONE      Execute check on {host}", f"  2/2 DONE      Execute after on {host}"]
    assert lines[-2:] == ["again None", "DONE"]


def test_stop_after_the_current_step_then_abort_and_cancel(cli, api):
    app = LocalApp(api)
    stop_id = created_task(api, app, {"nap": ("sleep 2", 40), "after": ("echo after", 60)})
    other = LocalApp(api)
    abort_id = created_task(api, other, {"long": "sleep 30"})
    out = run_ok(cli, f"""
import time
def wait_for(task_id, state):
    deadline = time.time() + 10
    while task2.get(task_id).state != state and time.time() < deadline:
        time.sleep(0.05)
    return task2.get(task_id).state

deployit.startTask('{stop_id}')
print(wait_for('{stop_id}', 'EXECUTING'))
deployit.stopTask('{stop_id}')
print(task2.get('{stop_id}').state in ('STOPPING', 'STOPPED'))
print('waited', deployit.waitForTask('{stop_id}'))
t = task2.get('{stop_id}')
print(t.state, [str(s.state) for s in t.steps])
print('restarted', deployit.startTaskAndWait('{stop_id}'), task2.get('{stop_id}').state)

task2.start('{abort_id}')
print(wait_for('{abort_id}', 'EXECUTING'))
deployit.abortTask('{abort_id}')
print('waited', deployit.waitForTask('{abort_id}'))
deployit.cancelTask('{abort_id}')
print(deployit.retrieveTaskInfo('{abort_id}').state)
""")
    lines = out.splitlines()
    assert lines[:3] == ["EXECUTING", "True", f"  1/2 DONE      Execute nap on {app.host.split('/')[-1]}"]
    assert lines[3] == f"Task {stop_id} STOPPED after step 1 of 2."
    assert lines[5:7] == ["waited STOPPED", "STOPPED ['DONE', 'PENDING']"]
    assert f"  2/2 DONE      Execute after on {app.host.split('/')[-1]}" in lines
    assert "restarted None DONE" in lines
    aborted = lines[lines.index("restarted None DONE") + 1:]
    assert aborted[0] == "EXECUTING"
    # abortTask returns once the step is interrupted: waitForTask finds the task ABORTED and reports it
    assert aborted[1] == f"Task {abort_id} ABORTED at step 1 of 1: Execute long on {other.host.split('/')[-1]}"
    assert aborted[-2:] == ["waited ABORTED", "CANCELLED"]


def test_schedule_with_joda_datetime_and_reschedule(cli, api):
    """spec §2.9 session 6: task2.schedule(task.id, DateTime().plusHours(2)); the server answers UTC."""
    app = LocalApp(api)
    task_id = created_task(api, app, {"later": "echo later"})
    out = run_ok(cli, f"""
from org.joda.time import DateTime
when = DateTime().plusHours(2)
task2.schedule('{task_id}', when)
t = task2.get('{task_id}')
print(t.state, t.state == TaskExecutionState.SCHEDULED, t.scheduledDate.getMillis() == when.getMillis())
print(t.scheduledDate.toString().endswith('Z'))
tomorrow = DateTime().plusDays(1)
later = DateTime(tomorrow.getYear(), tomorrow.getMonthOfYear(), tomorrow.getDayOfMonth(), 23, 34)
tasks.schedule('{task_id}', later)
print(task2.get('{task_id}').scheduledDate.getMillis() == later.getMillis())
print('waited', deployit.waitForTask('{task_id}'))
try:
    task2.schedule('{task_id}', DateTime().minusHours(1))
except Exception as e:
    print('refused: %s' % ('in the past' in str(e)))
task2.schedule('{task_id}', DateTime().plusDays(2).toString())  # ISO text is taken too
deployit.cancelTask('{task_id}')
print(task2.get('{task_id}').state)
""")
    lines = out.splitlines()
    assert lines[:3] == ["SCHEDULED True True", "True", "True"]
    assert lines[3].startswith(f"Task {task_id} is SCHEDULED for ") and lines[3].endswith(
        f", not running: start it with deployit.startTaskAndWait('{task_id}').")
    assert lines[4:] == ["waited SCHEDULED", "refused: True", "CANCELLED"]
    stored = rest_task(api, task_id)
    assert stored["state"] == "CANCELLED" and stored["scheduledDate"].endswith("+0000")


def test_add_pause_skip_and_unskip(cli, api):
    app = LocalApp(api)
    pause_id = created_task(api, app, {"one": ("echo one", 40), "two": ("echo two", 60)})
    other = LocalApp(api)
    skip_id = created_task(api, other, {"one": ("echo one", 40), "two": ("echo two", 60)})
    out = run_ok(cli, f"""
t = task2.addPause('{pause_id}', '0_1_1_2')
print(t.nrSteps, [s.description for s in t.steps][1])
print('paused', deployit.startTaskAndWait('{pause_id}'))
print(task2.step('{pause_id}', '0_1_1_2').state, task2.get('{pause_id}').state)
print('resumed', deployit.startTaskAndWait('{pause_id}'))
print(task2.getStepLog('{pause_id}', '0_1_1_3').log())

print([str(s.state) for s in task2.skip('{skip_id}', ['0_1_1_1']).steps])
print([str(s.state) for s in task2.unskip('{skip_id}', '0_1_1_1').steps])
print([str(s.state) for s in tasks.skip('{skip_id}', [1]).steps])
print('skipped', deployit.startTaskAndWait('{skip_id}'))
info = deployit.retrieveTaskInfo('{skip_id}')
print([str(s.state) for s in info.steps], repr(task2.getStepLog('{skip_id}', '0_1_1_1').log()))
""")
    lines = out.splitlines()
    host = app.host.split("/")[-1]
    assert lines[0].startswith("3 ") and "ause" in lines[0]
    assert lines[1:4] == [f"Task {pause_id}: Initial deployment of {app.deployed_application} (3 steps)",
                          f"  1/3 DONE      Execute one on {host}", lines[3]]
    assert lines[3].startswith("  2/3 PAUSED    ")
    assert lines[4].startswith(f"Task {pause_id} is paused (STOPPED) at step 2 of 3: ")
    assert "paused STOPPED" in lines and "PAUSED STOPPED" in lines
    after = lines[lines.index("PAUSED STOPPED") + 1:]
    assert after[1:3] == [lines[3].replace("PAUSED   ", "DONE     "), f"  3/3 DONE      Execute two on {host}"]
    assert after[4:7] == ["resumed None", "Executing command line : 'echo two'", "two"]
    skipped = after[7:]
    assert skipped[:3] == ["['SKIP', 'PENDING']", "['PENDING', 'PENDING']", "['SKIP', 'PENDING']"]
    other_host = other.host.split("/")[-1]
    assert skipped[4:6] == [f"  1/2 SKIPPED   Execute one on {other_host}",
                            f"  2/2 DONE      Execute two on {other_host}"]
    assert skipped[-2:] == ["skipped None", "['SKIPPED', 'DONE'] ''"]


def test_rollback_of_an_executed_and_of_a_failed_deployment(cli, api):
    app = LocalApp(api)
    good_id = created_task(api, app, {"hello": "echo hello"})
    other = LocalApp(api)
    bad_id = created_task(api, other, {"hello": ("echo hello", 40), "broken": ("false", 60)})
    out = run_ok(cli, f"""
import time
task2.start('{good_id}')
while not task2.get('{good_id}').state.isPassive():
    time.sleep(0.05)
print(task2.get('{good_id}').state, repository.exists('{app.deployed_application}'))
rollback = deployment.rollback('{good_id}')
print(rollback.id != '{good_id}', rollback.description, rollback.state)
print('result', deployit.startTaskAndWait(rollback.id))
print(task2.get('{good_id}').state, repository.exists('{app.deployed_application}'))

print('failed', deployit.startTaskAndWait('{bad_id}'))
print(repository.exists('{other.host}/hello'))
undo = deployment.createRollbackTask('{bad_id}')
deployit.startTaskAndWait(undo)
print(task2.get(undo).state, task2.get('{bad_id}').state, repository.exists('{other.host}/hello'))
""")
    lines = out.splitlines()
    assert lines[0] == "EXECUTED True"
    assert lines[1].startswith("True ") and lines[1].endswith(" PENDING") and "ollback" in lines[1]
    assert "result None" in lines
    assert lines[lines.index("result None") + 1] == "DONE False"
    assert "failed FAILED" in lines
    assert lines[lines.index("failed FAILED") + 1] == "True"
    assert lines[-1] == "DONE CANCELLED False"


def test_control_tasks(cli, api):
    """spec §2.9 session 5: executeControlTask, and prepare/create/startTaskAndWait by hand."""
    host = f"Infrastructure/{unique('control')}"
    assert api.post("/repository/cis", json=[{"id": host, "type": "overthere.LocalHost", "os": "UNIX"}]).ok
    out = run_ok(cli, f"""
host = repository.read('{host}')
print('result', deployit.executeControlTask('checkConnection', host))
control = deployit.prepareControlTask(host, 'checkConnection')
print(control.controlName, control.ci, control.parameters)
taskId = deployit.createControlTask(control)
deployit.startTaskAndWait(taskId)
print(task2.get(taskId).state == TaskExecutionState.DONE, task2.get(taskId).metadata['taskType'])
try:
    deployit.prepareControlTask(host, 'reboot')
except Exception as e:
    print('refused: ' + str(e))
""")
    lines = out.splitlines()
    assert re.fullmatch(rf"Task {TASK_ID}: Check connection on {host} \(1 step\)", lines[0])
    assert lines[1] == f"  1/1 DONE      Check connection to {host}"
    assert lines[3] == "result None"
    assert lines[4] == f"checkConnection {host} None"
    assert lines[-2] == "True CONTROL"
    assert lines[-1].startswith("refused: ") and "reboot" in lines[-1] and "checkConnection" in lines[-1]


def test_assign_takeover_unfinished_tasks_and_the_old_task_api(cli, api):
    """The 3.x/4.0 forms old scripts use, in Python 2 syntax: deployment.deploy(d).id,
    deployment.undeploy(id).taskId, tasks.step(id, n), tasks.start/archive/cancel."""
    app = LocalApp(api)
    version = app.version("1.0", {"hello": ("echo hello", 40), "bye": ("echo bye", 60)})
    out = run_ok(cli, f"""
import time
depl = deployment.prepareAutoDeployeds(deployment.prepareInitial('{version}', '{app.env}'))
taskId = deployment.deploy(depl).id
print deployit.assignTask(taskId, 'bob').owner
mine, everyone = deployit.listUnfinishedTasks(), deployit.listAllUnfinishedTasks()
print taskId in [t.id for t in mine], taskId in [t.id for t in everyone]
print [t.user for t in task2.getAllCurrentTasks() if t.id == taskId]
print task2.takeover(taskId, 'bob').owner, taskId in [t.id for t in task2.getMyCurrentTasks()]
print tasks.step(taskId, 2).description, tasks.step(taskId, 2).nr, len(tasks.steps(taskId))
tasks.start(taskId)
while deployit.retrieveTaskInfo(taskId).state != 'EXECUTED':
    time.sleep(0.05)
info = tasks.get(taskId)
print info.state, info.nrOfSteps, info.currentStepNr, info.label == info.description, info.steps[1].nr
tasks.archive(taskId)
print deployit.retrieveTaskInfo(taskId).state
undeployId = deployment.undeploy('{app.deployed_application}').taskId
tasks.cancel(undeployId)
print undeployId in [t.id for t in deployit.listUnfinishedTasks()]
""")
    host = app.host.split("/")[-1]
    assert out.splitlines() == ["bob", "False True", "['bob']", "admin True", f"Execute bye on {host} 2 2",
                                "EXECUTED 2 2 True 2", "DONE", "False"]


def test_the_task_archive(cli, api):
    """spec §2.9 session 9: repository.getArchivedTaskList(), getArchivedTasksList(mm/dd/yyyy, ...),
    task2.query/export with paging, repository.exportArchivedTasks to XML."""
    app = LocalApp(api)
    task_id = created_task(api, app, {"hello": "echo hello"})
    today = datetime.now(timezone.utc)
    us_day, iso_day = today.strftime("%m/%d/%Y"), today.strftime("%Y-%m-%d")
    export = cli.cwd / "tasks.xml"
    out = run_ok(cli, f"""
deployit.startTaskAndWait('{task_id}')
archivedTasks = repository.getArchivedTaskList()
mine = [t for t in archivedTasks if t.id == '{task_id}'][0]
print(mine.metadata['application'] == '{app.name}', mine.get_step_blocks()[0].getSteps()[0].description)
print('{task_id}' in [t.id for t in repository.getArchivedTasksList('{us_day}', '{us_day}')])
print('{task_id}' in [t.id for t in repository.getArchivedTasksList('01/01/2000', '01/02/2000')])
page = task2.query('{iso_day}', '{iso_day}', 1, 1)
everything = task2.export(None, None)
print(len(page), len(task2.query('{iso_day}', '{iso_day}')) >= 1, len(everything) == len(archivedTasks))
exported = task2.export('{us_day}', '{us_day}')
print(task2.query('{iso_day}', '{iso_day}')[0].get_step_blocks(), len(exported[0].get_step_blocks()))
repository.exportArchivedTasks('{export}', '{us_day}', '{us_day}')
""")
    lines = out.splitlines()
    assert lines[-5:] == [f"True Execute hello on {app.host.split('/')[-1]}", "True", "False", "1 True True", "[] 1"]
    text = export.read_text()
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<tasks>")
    assert f'<task id="{task_id}" state="DONE" owner="admin" currentStep="1" totalSteps="1"' in text
    assert "<log>Executing command line : 'echo hello'\nhello\n</log>" in text


def test_help_of_the_task_objects(cli):
    out = run_ok(cli, """
help()
task2.help()
tasks.help('step')
deployit.help('startTaskAndWait')
""")
    assert "* task2: Access to the task block engine of XL Deploy.\n" in out
    assert "* tasks: Access to the task engine of XL Deploy. Deprecated: use task2 instead.\n" in out
    assert "task2: Access to the task block engine of XL Deploy.\n\nThe methods available are:\n" in out
    for line in ("* task2.schedule(String taskId, DateTime dateTime) : void",
                 "* task2.getStepLog(String taskId, String stepPath) : StepLog",
                 "* task2.skip(String taskId, List<String> stepPaths) : TaskWithBlock",
                 "* task2.steps(String taskId, String blockPath) : StepBlockState",
                 "tasks.step(String taskId, int stepNumber) : StepInfo",
                 "deployit.startTaskAndWait(String taskId) : void"):
        assert line + "\n" in out, line
    assert "retrieveTaskInfo(taskId).state reads DONE" in out


def test_python2_samples_run_a_deployment_and_schedule_a_task(cli):
    name = unique("RunApp")
    result = cli.run("-q", "-f", str(SAMPLES / "run_deployment.py"), name)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert f"Initial deployment of Environments/{name}-env/{name}: DONE at step 1 of 1" in lines
    assert lines[lines.index("The log of step 0_1_1_1:") + 1:][:2] == ["    Executing command line : 'echo hello'",
                                                                      "    hello"]
    assert lines[-1] == f"Undeployed Environments/{name}-env/{name}"

    failing = unique("FailApp")
    result = cli.run("-q", "-f", str(SAMPLES / "run_deployment.py"), failing, "false")
    assert result.returncode == 1
    assert f"Initial deployment of Environments/{failing}-env/{failing}: FAILED at step 1 of 1" in result.stdout
    assert result.stderr == f"The deployment of {failing} is FAILED; cancelling it.\n"

    later = unique("LaterApp")
    result = cli.run("-q", "-f", str(SAMPLES / "schedule_task.py"), later, "3")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(rf"Initial deployment of Environments/{later}-env/{later}: SCHEDULED in 3 hours, "
                        r"at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", lines[0])
    assert lines[1].startswith("Rescheduled for tomorrow at 23:34 local time: ") and lines[1].endswith(":00.000Z")
    assert lines[2] == "Cancelled: CANCELLED"


def test_deploy_sample_start_mode(cli, api):
    env_name = unique("StartEnv")
    target = Path(tempfile.gettempdir()) / "deployit-sample" / env_name  # where the sample deploys to
    try:
        result = cli.run("-q", "-f", str(SAMPLES / "deploy_sample.py"), env_name, "1.0", "start")
    finally:
        shutil.rmtree(target, ignore_errors=True)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    created = [line for line in lines if line.startswith("Created task ")]
    task_id = created[0].split()[2]
    assert f"Task {task_id}: Initial deployment of Environments/{env_name}/Sample (4 steps)" in lines
    assert sum(1 for line in lines if re.fullmatch(r"  \d/4 DONE      .*", line)) == 4
    assert lines[-1] == f"Task {task_id}: DONE"
    assert api.get(f"/repository/exists/Environments/{env_name}/Sample").json()["boolean"] is True


def terminal(cli, *args: str, **env) -> pexpect.spawn:
    """The real CLI in a pseudo-terminal of 160 columns, with colours unless NO_COLOR is given."""
    environment = cli_env(cli.home, **env)
    if "NO_COLOR" not in env:
        environment.pop("NO_COLOR", None)
    return pexpect.spawn(CLI, cli.connection_args() + list(args), env=environment, cwd=str(cli.cwd),
                         encoding="utf-8", timeout=20, dimensions=(40, 160))


def test_progress_display_at_the_prompt(cli, api):
    """In a terminal: a bar with steps done of total, percentage and elapsed time, the block and step
    running, finished steps in colour (failures in red), then the outcome; task states coloured at the prompt."""
    app = LocalApp(api)
    task_id = created_task(api, app, {"nap": ("sleep 1", 40), "broken": ("exit 3", 60)})
    host = app.host.split("/")[-1]
    child = terminal(cli)
    try:
        child.expect(PROMPT)
        child.sendline(f"deployit.startTaskAndWait('{task_id}')")
        child.expect(f"Task {task_id}: Initial deployment of ")
        child.expect(r"0/2 steps +0%  0:00:0\d")
        child.expect(f"Deploy[^\r\n]* › [^\r\n]*1. Execute nap on {host}")
        child.expect(f"1/2 \x1b\\[32mDONE\x1b\\[0m +Execute nap on {host}")
        child.expect(f"2/2 \x1b\\[31mFAILED\x1b\\[0m +Execute broken on {host}")
        child.expect(f"Task {task_id} \x1b\\[31mFAILED\x1b\\[0m at step 2 of 2: Execute broken")
        child.expect(PROMPT)
        child.sendline(f"task2.get('{task_id}')")
        child.expect(f"Task {task_id}: Initial deployment of [^\r\n]*\\(\x1b\\[31mFAILED\x1b\\[0m, step 2 of 2")
        child.expect(PROMPT)
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_no_colour_with_no_color_and_no_display_with_q(cli, api):
    app = LocalApp(api)
    first = created_task(api, app, {"nap": ("sleep 1", 40), "hello": ("echo hello", 60)})
    host = app.host.split("/")[-1]
    child = terminal(cli, NO_COLOR="1")
    try:
        child.expect(PROMPT)
        child.sendline(f"deployit.startTaskAndWait('{first}')")
        child.expect(r"0/2 steps +0%")  # the display is there
        child.expect(f"1/2 DONE      Execute nap on {host}")  # without colours
        child.expect(f"Task {first} EXECUTED \\(2 steps in ")
        child.expect(PROMPT)
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    other = LocalApp(api)
    second = created_task(api, other, {"nap": ("sleep 1", 40), "hello": ("echo hello", 60)})
    (cli.cwd / "wait.py").write_text(f"deployit.startTaskAndWait('{second}')\n")
    child = terminal(cli, "-q", "-f", "wait.py")
    try:
        child.expect(pexpect.EOF)
        shown = child.before
    finally:
        child.close(force=True)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)
    assert plain.splitlines()[1:] == [f"  1/2 DONE      Execute nap on {other.host.split('/')[-1]}",
                                      f"  2/2 DONE      Execute hello on {other.host.split('/')[-1]}",
                                      plain.splitlines()[-1]]
    assert not re.search(r"\d/2 steps", plain) and "━" not in plain  # -q: the lines only
    assert "\x1b[32mDONE\x1b[0m" in shown  # coloured: it is a terminal


def test_waiting_polls_the_summary_without_logs(api):
    """What the shell polls: states and descriptions, no logs or parameters."""
    app = LocalApp(api)
    task_id = created_task(api, app, {"hello": ("echo hello", 40)})
    api.post(f"/tasks/v2/{task_id}/start")
    wait_state(api, task_id)
    summary = api.get(f"/tasks/v2/{task_id}/summary")
    assert summary.status_code == 200
    body = summary.json()
    step = body["block"]["blocks"][0]["blocks"][0]["steps"][0]
    assert body["state"] == "EXECUTED" and body["nrSteps"] == 1
    assert step == {"path": "0_1_1_1", "description": step["description"], "state": "DONE", "failureCount": 0,
                    "startDate": step["startDate"], "completionDate": step["completionDate"]}
    assert "log" not in summary.text and "hello" not in summary.text.replace("Execute hello", "")