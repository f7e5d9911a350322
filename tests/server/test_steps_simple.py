"""noop, wait, manual, jython, check-connection, and what every step shares (unknown types, abort before start)."""

import threading
import time

import pytest

from server.engine.context import DONE, PAUSE, StepAborted, StepFailed
from tests.server.steps_helpers import Harness, ref
from tests.support.server import free_port

HOST = "Infrastructure/local"


@pytest.fixture
def scripts(tmp_path):
    folder = tmp_path / "ext"
    folder.mkdir()
    return folder


@pytest.fixture
def h(tmp_path, scripts):
    harness = Harness(tmp_path, script_paths=[scripts])
    harness.local_host()
    harness.add({"id": f"{HOST}/cmd", "type": "cmd.DeployedCommand", "container": HOST, "commandLine": "echo",
                 "deployable": "Applications/app/1.0/cmd"})
    return harness


def test_noop_does_nothing(h):
    assert h.run("noop") == DONE
    assert h.lines == []


def test_wait_sleeps_and_abort_interrupts_it(h):
    started = time.monotonic()
    assert h.run("wait", seconds=1) == DONE
    assert time.monotonic() - started >= 0.95
    assert h.log == "Waiting 1 second"

    threading.Timer(0.2, h.cancel.set).start()
    started = time.monotonic()
    with pytest.raises(StepAborted):
        h.run("wait", seconds=60)
    assert time.monotonic() - started < 5


def test_an_aborted_task_runs_no_more_steps(h):
    h.cancel.set()
    with pytest.raises(StepAborted):
        h.run("noop")


def test_an_unknown_step_type_fails(h):
    with pytest.raises(StepFailed, match="Unknown step type 'teleport'; the step types are check-connection, command"):
        h.run("teleport")


def test_manual_logs_the_rendered_instructions_pauses_then_continues(h, scripts):
    (scripts / "instructions.txt.ftl").write_text("Please restart ${deployed.container.name}.\nThen go on.\n")
    params = dict(message_template="instructions.txt", freemarker_context={"deployed": ref(f"{HOST}/cmd", "deployed")})
    assert h.run("manual", step_path="0_1_3", **params) == PAUSE
    assert h.lines == ["Please restart local.", "Then go on."]
    assert h.run("manual", step_path="0_1_3", **params) == DONE
    assert h.lines == ["Continuing after the manual step"]
    assert h.run("manual", message_template="Call ${who} now", freemarker_context={"who": "Bob"}) == PAUSE
    assert h.lines == ["Call Bob now"]


def test_jython_runs_with_the_context_and_shares_attributes(h, scripts):
    (scripts / "checks").mkdir()
    (scripts / "checks" / "first.py").write_text(
        "print('deployed is', deployed.name, 'on', deployed.container.id, deployed.type.instanceOf('udm.Deployed'))\n"
        "context.setAttribute('seen', [limit, deployed.commandLine])\n"
        "logger.info('limit %d', limit)\n")
    (scripts / "checks" / "second.py").write_text("print(context.getAttribute('seen'))\n")
    context = {"deployed": ref(f"{HOST}/cmd", "deployed"), "limit": 3}
    assert h.run("jython", script="checks/first.py", jython_context=context) == DONE
    assert h.lines == [f"deployed is cmd on {HOST} True", "limit 3"]
    assert h.run("jython", script="checks/second") == DONE
    assert h.lines == ["[3, 'echo']"]


def test_a_failing_jython_script_fails_the_step_with_its_line(h, scripts):
    (scripts / "bad.py").write_text("x = 1\nraise ValueError('no good')\n")
    with pytest.raises(StepFailed, match=r"^Script bad failed: ValueError: no good$"):
        h.run("jython", script="bad")
    assert h.lines == ['  File "bad.py", line 2, in <module>', "    raise ValueError('no good')"]
    (scripts / "syntax.py").write_text("print 'python 2'\n")
    with pytest.raises(StepFailed, match="Script syntax has a syntax error at line 1"):
        h.run("jython", script="syntax")
    (scripts / "exit.py").write_text("import sys\nsys.exit(2)\n")
    with pytest.raises(StepFailed, match="Script exit exited with code 2"):
        h.run("jython", script="exit")
    (scripts / "ok.py").write_text("import sys\nsys.exit(0)\n")
    assert h.run("jython", script="ok") == DONE


def test_check_connection_on_the_local_host(h):
    assert h.run("check-connection", target_host=ref(HOST)) == DONE
    assert h.lines[0] == f"Connected to {HOST} (local)"
    assert h.lines[1].startswith("Wrote and read back ") and h.lines[1].endswith("/deployit-check.txt")
    assert h.lines[2:] == ["Hello from XL Deploy", "Ran a command (echo)", f"The connection to {HOST} works"]


def test_check_connection_over_ssh_and_to_nowhere(tmp_path):
    from tests.support.sshd import TEST_PASSWORD, SshServer, require_root
    require_root()
    h = Harness(tmp_path)
    with SshServer() as sshd:
        h.add(sshd.host(password=TEST_PASSWORD, id="Infrastructure/ssh"))
        assert h.run("check-connection", target_host=ref("Infrastructure/ssh")) == DONE
        assert h.lines[0] == "Connected to Infrastructure/ssh (ssh)"
        assert h.lines[-1] == "The connection to Infrastructure/ssh works"
        h.add(sshd.host(password="wrong password", id="Infrastructure/wrong"))
        with pytest.raises(StepFailed, match="Infrastructure/wrong"):
            h.run("check-connection", target_host=ref("Infrastructure/wrong"))
    h.add({"id": "Infrastructure/nowhere", "type": "overthere.SshHost", "protocol": "ssh", "os": "UNIX",
           "address": "127.0.0.1", "port": free_port(), "username": "x", "password": "y",
           "connectionTimeoutMillis": 3000})
    with pytest.raises(StepFailed, match="Infrastructure/nowhere"):
        h.run("check-connection", target_host=ref("Infrastructure/nowhere"))
