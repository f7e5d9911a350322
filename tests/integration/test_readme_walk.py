"""README's "Your first deployment" stays true: its shell lines, typed into the real CLI against a fresh
server, answer what README shows (task ids, durations and the folder deployed to aside)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).parent / "deployit-cli")
PROMPT = "deployit> "
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# startTask returns at once; README asks to look a second later, a script waits for the task instead
WAIT = "import time\nwhile task2.get(task.id).state not in ('EXECUTED', 'FAILED'): time.sleep(0.1)\n\n"


def walk() -> tuple[list[str], list[str]]:
    """The lines typed after `deployit>` in the section's code blocks, and the lines answered."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Your first deployment\n", 1)[1].split("\n## ", 1)[0]
    typed, answered = [], []
    for block in re.findall(r"```\n(.*?)```", section, re.S):
        if PROMPT not in block:
            continue
        for line in block.splitlines():
            if line.startswith(PROMPT):
                typed.append(line[len(PROMPT):])
            else:
                answered.append(line)
    return typed, answered


def normal(lines: list[str], target: str) -> list[str]:
    out = []
    for line in lines:
        line = UUID.sub("<task>", line.replace(target, "/tmp/sample"))
        out.append(re.sub(r"in \d+\.\d s\)", "in <t> s)", line))
    return [line for line in out if line.strip()]  # print() of a file's text ends with an empty line


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = ServerProcess(tmp_path_factory.mktemp("walk") / "home").start()
    yield proc
    proc.stop()


def test_the_first_deployment_walk_answers_as_readme_shows(server, tmp_path):
    typed, answered = walk()
    assert typed[0].startswith("package = deployit.importPackage(") and typed[-1] == "quit"
    assert len(typed) > 20 and "deployit.startTask(task.id)" in typed
    target = str(tmp_path / "sample")
    source = ""
    for line in typed:
        source += line.replace("/tmp/sample", target) + "\n"
        if line == "deployit.startTask(task.id)":
            source += WAIT
    env = dict(os.environ, HOME=str(tmp_path), TERM="dumb")
    result = subprocess.run([CLI, "-q", "-host", "127.0.0.1", "-port", str(server.port), "-username", "admin",
                             "-password", "admin"], input=source, capture_output=True, text=True, cwd=ROOT,
                            env=env, timeout=120)
    assert result.returncode == 0 and result.stderr == "", result.stdout + result.stderr
    assert normal(result.stdout.splitlines(), target) == normal(answered, target)
    assert (tmp_path / "sample" / "docs" / "README.txt").read_text().startswith("Sample application, version 1.0.")
