"""The pure parts of the shell: option parsing, deployit.conf, completion context, statement completeness."""

import pytest

from deployit_cli.completion import string_context
from deployit_cli.config import read_properties
from deployit_cli.console import is_incomplete
from deployit_cli.options import UsageError, context_path, parse, usage


def test_defaults():
    opts = parse([])
    assert opts.base_url == "http://127.0.0.1:4516/deployit"
    assert opts.arguments == [] and not opts.quiet and opts.source is None


def test_all_options():
    opts = parse(["-host", "h", "-port", "1234", "-username", "u", "-password", "p", "-context", "ctx",
                  "-proxyHost", "proxy", "-proxyPort", "3128", "-socketTimeout", "5000", "-configuration",
                  "/etc/x", "-source", "s.py", "-quiet"])
    assert opts.base_url == "http://h:1234/ctx/deployit"
    assert (opts.username, opts.password, opts.source, opts.quiet) == ("u", "p", "s.py", True)
    assert opts.proxy_url == "http://proxy:3128"
    assert opts.socket_timeout == 5000 and opts.configuration == "/etc/x"


def test_secure_defaults_to_4517():
    assert parse(["-secure"]).base_url == "https://127.0.0.1:4517/deployit"
    assert parse(["-secure", "-port", "443"]).base_url == "https://127.0.0.1:443/deployit"


@pytest.mark.parametrize("context, path", [
    ("", "/deployit"), ("newcontext", "/newcontext/deployit"), ("/newcontext/", "/newcontext/deployit"),
    ("/deployit", "/deployit"), ("/deployit/deployit", "/deployit/deployit"), ("a/b", "/a/b/deployit"),
])
def test_context(context, path):
    assert context_path(context) == path


def test_arguments_after_double_dash_as_the_docs_show():
    opts = parse(["-username", "User", "--", "-some-argument", "there", "are", "six", "arguments", "-one"])
    assert opts.username == "User"
    assert opts.arguments == ["-some-argument", "there", "are", "six", "arguments", "-one"]


def test_arguments_and_options_mix_like_args4j():
    opts = parse(["-f", "s.py", "one", "-q", "two"])
    assert opts.source == "s.py" and opts.quiet and opts.arguments == ["one", "two"]


@pytest.mark.parametrize("argv, message", [
    (["-nope"], '"-nope" is not a valid option'),
    (["-port", "x"], '"x" is not a valid value for "-port"'),
    (["-host"], 'Option "-host" takes an operand'),
])
def test_usage_errors(argv, message):
    with pytest.raises(UsageError) as info:
        parse(argv)
    assert str(info.value) == message


def test_usage_text_lists_every_option():
    text = usage()
    assert text.startswith("Usage: ") and "[options] [[--] arguments]" in text
    for option in ("-configuration VAL", "-context VAL", "-f (-source) VAL", "-help", "-host VAL",
                   "-password VAL", "-port N", "-proxyHost VAL", "-proxyPort N", "-q (-quiet)", "-secure",
                   "-socketTimeout N", "-username VAL"):
        assert f" {option} " in text


def test_read_properties(tmp_path):
    conf = tmp_path / "deployit.conf"
    conf.write_text("# comment\n! other comment\ncli.username = admin\ncli.password:se\\\n  cret\n"
                    "other=a=b\n\nspaced value\n")
    props = read_properties(conf)
    assert props == {"cli.username": "admin", "cli.password": "secret", "other": "a=b", "spaced": "value"}
    assert read_properties(tmp_path / "missing.conf") == {}


@pytest.mark.parametrize("text, expected", [
    ("repository.read('Infrastructure/ho", ("Infrastructure/ho", "repository.read", 0)),
    ("factory.configurationItem('Infrastructure/h', 'overthere.", ("overthere.", "factory.configurationItem", 1)),
    ('x = repository.read("Env', ("Env", "repository.read", 0)),
    ("repository.read('a')", None),
    ("print 'Infra", ("Infra", None, None)),
    ("f(g('a', 'b'), 'c", ("c", "f", 1)),
    ("s = 'it\\'s", ("it\\'s", None, None)),
    ("# 'not a string", None),
])
def test_string_context(text, expected):
    assert string_context(text) == expected


@pytest.mark.parametrize("source, incomplete", [
    ("x = 1", False),
    ("for i in range(3):", True),
    ("for i in range(3):\n    print(i)", True),
    ("for i in range(3):\n    print i", True),
    ("for i in range(3):\n    print i\n", False),
    ("x = [1,", True),
    ('print "x"', False),
])
def test_is_incomplete(source, incomplete):
    assert is_incomplete(source) is incomplete


def test_python2_continued_lines_are_incomplete():
    from deployit_cli import compat
    if compat.jython() is None:
        pytest.skip("the jython compatibility layer is not installed yet")
    assert is_incomplete('print "a", (1,')
    assert not is_incomplete('print "a", (1,\n 2)')
