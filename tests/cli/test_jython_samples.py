"""The sample CLI scripts in samples/cli/ that need no server, run through the Jython layer as the
shell runs a `-f` script (translation, script globals, sys.argv), compared with the output the
Jython 2.7 CLI printed for them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from deployit_cli import jython

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "cli"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPLOYIT_CLI_CACHE", str(tmp_path / "cache"))
    jython.install()


def run_script(name: str, capsys, monkeypatch, *args) -> str:
    path = SAMPLES / name
    monkeypatch.setattr(sys, "argv", [str(path), *args])
    namespace = jython.jython_globals()
    namespace.update(__name__="__main__", __file__=str(path))
    exec(jython.compile_source(path.read_text(), str(path)), namespace)
    return capsys.readouterr().out


def test_py2_collections_sample_mixes_tabs_and_spaces():
    source = (SAMPLES / "py2_collections.py").read_text()
    indents = {line[: len(line) - len(line.lstrip())] for line in source.splitlines()}
    assert any("\t" in i for i in indents) and any(i.startswith("    ") for i in indents)
    with pytest.raises(SyntaxError):
        compile(source, "py2_collections.py", "exec")  # not Python 3 as it stands


def test_py2_collections_sample(capsys, monkeypatch):
    assert run_script("py2_collections.py", capsys, monkeypatch) == (
        "hosts: 3\n"
        "  first of its kind: Infrastructure/web-1\n"
        "  other: Infrastructure/web-2\n"
        "  first of its kind: Infrastructure/db-1\n"
        "http port 8080\n"
        "keys: http, https\n"
        "http   -> 8080\n"
        "https  -> 8443\n"
        "average port: 8261\n"
        "no such port: None\n"
        "db 1 web 2\n"
        "done 3\n"
    )


def test_py2_args_sample(capsys, monkeypatch):
    out = run_script("py2_args.py", capsys, monkeypatch, "-some-argument", "two words")
    path = str(SAMPLES / "py2_args.py")
    assert out == f"{[path, '-some-argument', 'two words']}\n3\narg 1: -some-argument\narg 2: two words\n"


def test_py3_style_sample_is_not_translated(capsys, monkeypatch):
    source = (SAMPLES / "py3_style.py").read_text()
    assert jython.translate(source) == source
    assert run_script("py3_style.py", capsys, monkeypatch, "x") == (
        "web-1  -> 8080\nweb-2  -> 8081\n2 hosts, total 16161\nkeys: web-1\nargs: ['x'] | 3.5 | 3\n"
    )
