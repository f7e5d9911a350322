"""The pure parts of repository as code: the command line, reading YAML documents, property values."""

from __future__ import annotations

import pytest

from deployit_cli.ascode.command import parse_command
from deployit_cli.ascode.document import AsCodeError, guess_indent, load, read_cis
from deployit_cli.ascode.values import MASKED, Secret, SecretValues, from_json, from_yaml, same, secret_name
from deployit_cli.descriptors import PropertyDescriptor
from deployit_cli.options import UsageError, parse


def test_connection_options_before_and_after_the_command():
    opts = parse(["-host", "h", "apply", "-f", "x.yaml", "-username", "u", "--dry-run", "-port", "1234"])
    assert (opts.command, opts.host, opts.username, opts.port) == ("apply", "h", "u", 1234)
    assert opts.command_args == ["-f", "x.yaml", "--dry-run"] and opts.source is None
    command = parse_command(opts.command, opts.command_args)
    assert (command.file, command.dry_run) == ("x.yaml", True)


def test_generate_takes_several_paths():
    opts = parse(["generate", "-p", "Environments/DEV", "--path=Infrastructure/DEV", "-f", "out.yaml",
                  "--artifacts", "art", "-q"])
    command = parse_command(opts.command, opts.command_args)
    assert command.paths == ["Environments/DEV", "Infrastructure/DEV"]
    assert (command.file, command.artifacts, opts.quiet) == ("out.yaml", "art", True)


def test_a_script_named_before_the_word_keeps_it_as_an_argument():
    opts = parse(["-f", "script.py", "apply", "x"])
    assert opts.command is None and opts.source == "script.py" and opts.arguments == ["apply", "x"]
    assert parse(["--", "apply"]).command is None
    assert parse(["one", "apply"]).command is None


@pytest.mark.parametrize("name, args, message", [
    ("apply", [], "apply needs the YAML file to apply: -f FILE"),
    ("apply", ["-f", "x", "-p", "Environments"], '"-p" is not a valid option of apply'),
    ("generate", ["-f", "x"], "generate needs at least one id to generate: -p ID, such as -p Environments/DEV"),
    ("generate", ["-p"], 'Option "-p" takes an operand'),
    ("apply", ["-f", "x", "extra"], 'apply takes no argument "extra"'),
])
def test_command_usage_errors(name, args, message):
    with pytest.raises(UsageError) as info:
        parse_command(name, args)
    assert str(info.value) == message


def cis_of(text: str):
    return read_cis(load(text, "f.yaml"), "f.yaml", "/base")


def test_reading_nested_cis_with_ids_lines_and_files():
    cis = cis_of("""\
apiVersion: xl-deploy/v1
kind: Infrastructure
spec:
- directory: DEV
  children:
  - name: web1
    type: overthere.SshHost
    address: a
    password: !secret DEV_pw
- name: Infrastructure/other
  type: file.File
  file: !file art/x.txt
---
apiVersion: xl-deploy/v1
kind: Environments
metadata: {Author: me}
spec:
""")
    assert [(c.id, c.type, c.top) for c in cis] == [("Infrastructure/DEV", "core.Directory", True),
                                                   ("Infrastructure/DEV/web1", "overthere.SshHost", False),
                                                   ("Infrastructure/other", "file.File", True)]
    web1 = cis[1]
    assert web1.line == 6 and web1.lines["address"] == 8 and web1.where("password") == "f.yaml, line 9"
    assert list(web1.properties) == ["address", "password"]
    assert cis[2].file == "/base/art/x.txt" and cis[2].file_text == "art/x.txt" and "file" not in cis[2].properties


@pytest.mark.parametrize("spec, message", [
    ("- name: a/b\n  type: core.Directory\n  children:\n  - name: c/d\n    type: core.Directory\n",
     "f.yaml, line 7: the name 'c/d' of a CI under Infrastructure/a/b may not contain '/'; nested CIs under "
     "children have plain names."),
    ("- name: a\n", "f.yaml, line 4: CI Infrastructure/a has no type."),
    ("- type: core.Directory\n", "f.yaml, line 4: each CI needs a 'name' (or 'directory' for a core.Directory)."),
    ("- directory: a\n  type: core.Directory\n", "f.yaml, line 4: an entry with 'directory' is a core.Directory and "
     "takes no 'type'; write either 'directory: X' or 'name: X' with 'type'."),
    ("- directory: a\n- directory: Infrastructure/a\n",
     "f.yaml, line 5: CI Infrastructure/a is described twice (also at f.yaml, line 4)."),
    ("- directory: 'a*'\n", "f.yaml, line 4: the name 'a*' of CI Infrastructure/a* may not contain any of "
     "/ \\ : [ ] | * % \"."),
    ("- directory: Infrastructure\n", "f.yaml, line 4: the root Infrastructure itself cannot be described; list the "
     "CIs under it."),
    ("  name: x\n", "f.yaml, line 3: spec must be a list of CIs."),
])
def test_badly_shaped_entries(spec, message):
    with pytest.raises(AsCodeError) as info:
        cis_of("apiVersion: xl-deploy/v1\nkind: Infrastructure\nspec:\n" + spec)
    assert str(info.value) == message


def test_guess_indent():
    assert guess_indent("spec:\n- name: a\n  type: b\n") == (2, 0)
    assert guess_indent("# c\nspec:\n  - name: a\n    type: b\n") == (2, 2)
    assert guess_indent("a:\n    b: 1\nspec:\n    - x\n") == (4, 4)


def prop(kind, **kw):
    return PropertyDescriptor({"name": kw.pop("name", "p"), "kind": kind, **kw})


def yaml_value(text: str):
    return load(f"v: {text}\n", "f.yaml")[0]["v"]


@pytest.mark.parametrize("kind, text, expected", [
    ("STRING", "1.10", "1.10"),  # YAML would read a float: the text is kept
    ("STRING", "true", "true"),
    ("STRING", "''", None),
    ("INTEGER", "'22'", 22),
    ("BOOLEAN", "'TRUE'", True),
    ("SET_OF_STRING", "[a, 1]", ["a", "1"]),
    ("SET_OF_STRING", "single", ["single"]),
    ("LIST_OF_CI", "[/Infrastructure/a/]", ["Infrastructure/a"]),
    ("MAP_STRING_STRING", "{a: 1, b: ~}", {"a": "1", "b": ""}),
])
def test_values_from_yaml(kind, text, expected):
    assert from_yaml(prop(kind), yaml_value(text), "what", SecretValues(None, {})) == expected


def test_secrets_from_yaml_and_their_values():
    password = prop("STRING", password=True)
    environ = {"XL_VALUE_pw": "from-env"}
    assert from_yaml(password, yaml_value("!secret pw"), "w", SecretValues(None, environ)) == Secret("pw", "from-env")
    assert from_yaml(password, yaml_value("!secret other"), "w", SecretValues(None, environ)) == Secret("other", None)
    assert from_yaml(password, yaml_value("'********'"), "w", SecretValues(None, {})) == Secret(None, None)
    with pytest.raises(AsCodeError) as info:
        from_yaml(prop("STRING"), yaml_value("!secret x"), "f.yaml, line 3: property 'p' of CI X", SecretValues())
    assert str(info.value) == ("f.yaml, line 3: property 'p' of CI X is not a password, so it takes a plain value "
                               "rather than !secret.")


def test_xlvals_files_and_the_environment(tmp_path):
    (tmp_path / "a.xlvals").write_text("one=a\ntwo=a\n")
    (tmp_path / "b.xlvals").write_text("two=b\n")
    found = SecretValues(str(tmp_path), {"XL_VALUE_one": "env"})
    assert (found.get("one"), found.get("two"), found.get("three")) == ("env", "b", None)


def test_comparing_with_the_server():
    password = prop("STRING", password=True)
    assert from_json(password, "********") is MASKED and from_json(password, "{b64}abc") is MASKED
    assert same(password, Secret("x", None), MASKED)  # no value given: keep, nothing to do
    assert not same(password, Secret("x", "new"), MASKED)  # a value cannot be compared: written
    assert not same(password, None, MASKED)
    assert same(prop("SET_OF_STRING"), ["a", "b"], ["b", "a"])
    assert not same(prop("LIST_OF_STRING"), ["a", "b"], ["b", "a"])
    assert secret_name("Infrastructure/DEV/web-1", "password") == "DEV_web_1_password"
