"""The command step (cmd.DeployedCommand) locally and over SSH: the exact log, dependencies, failures, abort."""

import os
import shutil
import threading
import time

import pytest

from server.engine.context import DONE, StepAborted, StepFailed
from tests.server.steps_helpers import Harness, ref

APP = "Applications/app/1.0"
HOST = "Infrastructure/local"


@pytest.fixture
def h(tmp_path):
    harness = Harness(tmp_path)
    harness.local_host()
    return harness


def test_the_log_is_the_command_line_then_its_output(h):
    assert h.run("command", command_line="echo hello", target_host=ref(HOST)) == DONE
    assert h.log == "Executing command line : 'echo hello'\nhello"


def test_the_command_line_is_split_on_spaces_and_not_given_to_a_shell(h):
    h.run("command", command_line="echo  a   $HOME;  'b'", target_host=ref(HOST))
    assert h.lines[1] == "a $HOME; 'b'"


def test_dependencies_are_uploaded_and_named_by_their_ci_names(h):
    h.file_artifact(f"{APP}/setup", "file.File", "setup.sh", "#!/bin/sh\necho \"setup {{NOT_REPLACED}} $1\"\n")
    h.folder_artifact(f"{APP}/data", "file.Folder", {"one.txt": "1", "two/three.txt": "3"})
    result = h.run("command", command_line="sh ${setup} ${data}", target_host=ref(HOST),
                   dependencies=[ref(f"{APP}/setup"), f"{APP}/data"])
    assert result == DONE
    executed = h.lines[0]
    assert executed.startswith("Executing command line : 'sh ") and "${" not in executed
    folder = executed.split("'")[1].split()[1].rsplit("/", 1)[0]
    assert executed == f"Executing command line : 'sh {folder}/setup.sh {folder}/data'"
    assert h.lines[1] == f"setup {{{{NOT_REPLACED}}}} {folder}/data"
    assert not os.path.exists(folder)  # the temporary folder went with the connection


def test_the_command_runs_in_the_folder_of_its_dependencies(h):
    h.file_artifact(f"{APP}/data", "file.File", "data.txt", "content")
    h.run("command", command_line="cat data.txt", target_host=ref(HOST), dependencies=[ref(f"{APP}/data")])
    assert h.lines[1:] == ["content"]


def test_a_non_zero_exit_fails_the_step(h):
    h.file_artifact(f"{APP}/fail", "file.File", "fail.sh", "echo failing\nexit 3\n")
    with pytest.raises(StepFailed) as failure:
        h.run("command", command_line="sh ${fail}", target_host=ref(HOST), dependencies=[ref(f"{APP}/fail")])
    assert str(failure.value).startswith("Command line 'sh /")
    assert str(failure.value).endswith("/fail.sh' on host Infrastructure/local exited with code 3.")
    assert h.lines[1:] == ["failing"]
    with pytest.raises(StepFailed, match="exited with code 127"):
        h.run("command", command_line="no-such-program-here", target_host=ref(HOST))


def test_stderr_goes_to_the_log_too(h):
    h.file_artifact(f"{APP}/s", "file.File", "s.sh", "echo out; echo err >&2\n")
    h.run("command", command_line="sh ${s}", target_host=ref(HOST), dependencies=[ref(f"{APP}/s")])
    assert sorted(h.lines[1:]) == ["err", "out"]


def test_abort_interrupts_a_running_command(h):
    timer = threading.Timer(0.3, h.cancel.set)
    timer.start()
    started = time.monotonic()
    with pytest.raises(StepAborted):
        h.run("command", command_line="sleep 30", target_host=ref(HOST))
    assert time.monotonic() - started < 10
    timer.cancel()


def test_a_missing_host_parameter_is_one_sentence(h):
    with pytest.raises(StepFailed, match="has no target host"):
        h.run("command", command_line="echo x")


@pytest.fixture(scope="module")
def sshd():
    from tests.support.sshd import SshServer, require_root
    require_root()
    with SshServer() as server:
        yield server


def test_the_same_over_ssh(tmp_path, sshd):
    from tests.support.sshd import TEST_PASSWORD, TEST_USER, make_shared_dir
    shared = make_shared_dir()
    try:
        h = Harness(tmp_path)
        h.add(sshd.host(password=TEST_PASSWORD, temporaryDirectoryPath=shared, id="Infrastructure/ssh"))
        assert h.run("command", command_line="echo hello", target_host=ref("Infrastructure/ssh")) == DONE
        assert h.log == "Executing command line : 'echo hello'\nhello"
        h.file_artifact(f"{APP}/who", "file.File", "who.sh", "id -un\npwd\n")
        h.run("command", command_line="sh ${who}", target_host=ref("Infrastructure/ssh"),
              dependencies=[ref(f"{APP}/who")])
        assert h.lines[1] == TEST_USER
        assert h.lines[2].startswith(shared + "/deployit-")
        with pytest.raises(StepFailed, match="on host Infrastructure/ssh exited with code 1"):
            h.run("command", command_line="false", target_host=ref("Infrastructure/ssh"))
    finally:
        shutil.rmtree(shared, ignore_errors=True)
