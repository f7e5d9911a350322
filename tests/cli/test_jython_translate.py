"""Python 2 source in the shell: each construct old scripts use is translated and then runs with the
output Python 2 gave; tabs mixed with spaces; translations cached; Python 3 source untouched."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from deployit_cli import jython
from deployit_cli.jython import translator


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Each test starts with empty caches and its own disk cache folder."""
    monkeypatch.setenv("DEPLOYIT_CLI_CACHE", str(tmp_path / "cache"))
    translator.clear_memory_cache()
    jython.install()
    return tmp_path / "cache"


def run(source: str, capsys, mode: str = "exec", **names) -> str:
    """Compiles `source` as the shell does and runs it in a script namespace; returns stdout."""
    code = jython.compile_source(textwrap.dedent(source), "<test>", mode)
    namespace = jython.jython_globals()
    namespace.update(__name__="__main__", **names)
    exec(code, namespace)
    return capsys.readouterr().out


# ---------------------------------------------------------------------------------- print


def test_print_statement_forms(capsys):
    out = run(
        """
        print "hello", 42
        print
        print "a",
        print "b"
        print("one argument in parentheses")
        print "%s-%d" % ("x", 1)
        """,
        capsys,
    )
    assert out == "hello 42\n\na b\none argument in parentheses\nx-1\n"


def test_print_soft_space_matches_python2(capsys):
    """After `print x,` the next print writes the space; a bare print ends the line without a
    trailing space; a string ending in a newline or tab leaves no pending space."""
    out = run(
        """
        print "a",
        print "b",
        print
        print "line\\n",
        print "next"
        for i in range(3):
            print i,
        print
        print "x",
        import sys
        print >>sys.stdout, "y"
        """,
        capsys,
    )
    assert out == "a b\nline\nnext\n0 1 2\nx y\n"


def test_keywords_as_attribute_names_as_jython_allowed(capsys):
    """Jython let scripts call `deployit.print(ci)`; Python 2's grammar alone would not."""

    class Deployit:
        def print(self, value):
            sys.stdout.write(f"printed {value}\n")

        def exec(self):
            return "exec ran"

    out = run(
        """
        print "before"
        deployit.print("ci")
        deployit . print("spaced")
        print deployit.exec(), "x.print() in a string"
        """,
        capsys,
        deployit=Deployit(),
    )
    assert out == "before\nprinted ci\nprinted spaced\nexec ran x.print() in a string\n"


def test_print_chevron_to_a_file(capsys, tmp_path):
    out = run(
        """
        import sys
        print >>sys.stderr, "to stderr"
        f = open(target, "w")
        print >>f, "line", 1
        print >> f, "second"
        f.close()
        print open(target).read(),
        """,
        capsys,
        target=str(tmp_path / "out.txt"),
    )
    assert (tmp_path / "out.txt").read_text() == "line 1\nsecond\n"
    assert out.startswith("line 1\nsecond\n")


def test_print_statements_that_python3_also_parses_are_python2(capsys):
    """`print >>f, x`, a bare `print` and `print -1` compile as Python 3 expressions; they are
    still Python 2 print statements."""
    out = run(
        """
        import sys
        print >>sys.stdout, "chevron"
        print
        print -1
        """,
        capsys,
    )
    assert out == "chevron\n\n-1\n"


# ------------------------------------------------------------------------- other constructs


def test_except_comma_and_raise_comma(capsys):
    out = run(
        """
        try:
            raise ValueError, "bad value"
        except (KeyError, ValueError), e:
            print "caught", e
        """,
        capsys,
    )
    assert out == "caught bad value\n"


def test_dict_methods_of_python2(capsys):
    out = run(
        """
        d = {"b": 2, "a": 1}
        print d.has_key("a"), d.has_key("z")
        for k, v in sorted(d.iteritems()):
            print k, v
        print sorted(d.iterkeys()), sorted(d.itervalues())
        keys = d.keys()
        keys.sort()
        print keys, d.items()[0][0] in d
        """,
        capsys,
    )
    assert out == "True False\na 1\nb 2\n['a', 'b'] [1, 2]\n['a', 'b'] True\n"


def test_backticks_ne_long_octal_and_ur_literals(capsys):
    out = run(
        """
        x = 10L
        print `x`, `"s"`, 1 <> 2, 2 <> 2, 0777, 0x10L, x * 2L
        print ur'raw\\n', u'unicode', type(u'x') is str
        """,
        capsys,
    )
    assert out == "10 's' True False 511 16 20\nraw\\n unicode True\n"


def test_exec_statement(capsys):
    out = run(
        """
        exec "x = 6 * 7"
        print x
        ns = {}
        exec "y = 1" in ns
        print ns["y"]
        exec 'print "py2 inside exec"'
        """,
        capsys,
    )
    assert out == "42\n1\npy2 inside exec\n"


def test_raw_input_unicode_basestring(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("typed\n"))
    out = run(
        """
        name = raw_input("name? ")
        print name, unicode(5), isinstance("s", basestring), isinstance(u"s", unicode), unichr(65)
        """,
        capsys,
    )
    assert out == "name? typed 5 True True A\n"


def test_string_module_functions(capsys):
    out = run(
        """
        import string
        print string.join(["a", "b", "c"], "/"), string.join(["x", "y"])
        print string.split("a,b", ","), string.upper("up"), string.lower("LO")
        print "[" + string.strip("  s  ") + "]", string.replace("aXa", "X", "-"), string.atoi("12") + 1
        print string.letters[:3], string.digits, string.find("hello", "l"), string.zfill("7", 3)
        print string.Template("$who").substitute(who="template still works")
        """,
        capsys,
    )
    assert out == (
        "a/b/c x y\n['a', 'b'] UP lo\n[s] a-a 13\nabc 0123456789 2 007\ntemplate still works\n"
    )


def test_string_module_functions_in_python3_source(capsys):
    """Valid Python 3 that calls Python 2's string functions runs too (the import is answered by
    the compat module, not by translation)."""
    out = run(
        """
        import string
        print(string.join(["a", "b"], "+"))
        """,
        capsys,
    )
    assert out == "a+b\n"


def test_real_string_module_is_untouched():
    import string

    assert not hasattr(string, "join")


def test_urllib2_cstringio_stringio_imports(capsys):
    out = run(
        """
        import urllib2, urllib
        import cStringIO
        from StringIO import StringIO
        buf = cStringIO.StringIO()
        buf.write("abc")
        print buf.getvalue(), StringIO("x").read()
        print urllib.quote("a b"), urllib.urlencode({"k": "v w"})
        print urllib2.Request("http://localhost/x").get_full_url()
        print issubclass(urllib2.HTTPError, urllib2.URLError)
        """,
        capsys,
    )
    assert out == "abc x\na%20b k=v+w\nhttp://localhost/x\nTrue\n"


def test_other_renamed_modules(capsys):
    out = run(
        """
        from urlparse import urljoin
        import ConfigParser, Queue, commands
        print urljoin("http://h/a/", "b"), ConfigParser.ConfigParser is not None, Queue.Queue().empty()
        print commands.getoutput("echo hi")
        """,
        capsys,
    )
    assert out == "http://h/a/b True True\nhi\n"


def test_py2_module_names_in_python3_source(capsys):
    out = run(
        """
        import urllib2
        from cStringIO import StringIO
        print(StringIO("ok").read(), urllib2.urlopen is not None)
        """,
        capsys,
    )
    assert out == "ok True\n"


def test_classic_division(capsys):
    out = run(
        """
        total = 7
        print total / 2, 7.0 / 2, -7 / 2, 2 * 5 / 3, total % 4 / 2
        n = 9
        n /= 2
        print n, range(10 / 3)
        """,
        capsys,
    )
    assert out == "3 3.5 -4 3 1\n4 [0, 1, 2]\n"


def test_future_division_keeps_true_division(capsys):
    out = run(
        """
        from __future__ import division
        print 7 / 2
        """,
        capsys,
    )
    assert out == "3.5\n"


def test_xrange_reduce_cmp_sorted_with_cmp_and_apply(capsys):
    out = run(
        """
        print list(xrange(3)), reduce(lambda a, b: a + b, [1, 2, 3]), cmp(1, 2), cmp("b", "a")
        print sorted([3, 1, 2], lambda a, b: cmp(b, a))
        items = [1, 3, 2]
        items.sort(lambda a, b: cmp(b, a))
        print items, apply(max, (4, 9))
        """,
        capsys,
    )
    assert out == "[0, 1, 2] 6 -1 1\n[3, 2, 1]\n[3, 2, 1] 9\n"


def test_map_filter_zip_return_lists(capsys):
    out = run(
        """
        print map(str, [1, 2]), filter(None, [0, 1]), zip("ab", [1, 2])
        print sys.maxint > 0
        """,
        capsys,
        sys=sys,
    )
    assert out == "['1', '2'] [1] [('a', 1), ('b', 2)]\nTrue\n"


def test_py2_class_idioms(capsys):
    out = run(
        """
        class Counter:
            __metaclass__ = type
            def __init__(self):
                self.n = 0
            def __iter__(self):
                return self
            def next(self):
                self.n += 1
                if self.n > 2:
                    raise StopIteration
                return self.n
            def __nonzero__(self):
                return False
        print list(Counter()), bool(Counter())
        def f((a, b)):
            return a + b
        print f((1, 2)), f.func_name
        """,
        capsys,
    )
    assert out == "[1, 2] False\n3 f\n"


def test_execfile_runs_python2_file(capsys, tmp_path):
    helper = tmp_path / "helper.py"
    helper.write_text('def greet(who):\n    print "hello", who\n')
    out = run(
        """
        execfile(path)
        greet("world")
        """,
        capsys,
        path=str(helper),
    )
    assert out == "hello world\n"


def test_line_numbers_are_kept(capsys):
    source = 'import string\nx = reduce(lambda a, b: a + b, [1])\nprint "a"\nprint sorted([2, 1], cmp)\nraise ValueError, "line five"\n'
    translated = jython.translate(source)
    assert len(translated.splitlines()) == len(source.splitlines())
    with pytest.raises(ValueError) as info:
        run(source, capsys)
    assert info.traceback[-1].lineno + 1 == 5


# ------------------------------------------------------------------------------- Python 3


def test_python3_source_is_returned_unchanged():
    source = 'name = "x"\nprint(f"{name!r:>5}", end="")\nd = {}\nprint(d.keys() & {"a"})\n'
    assert jython.translate(source) == source


def test_python3_print_function_with_several_arguments_is_not_a_tuple(capsys):
    out = run('print("a", "b", sep="-")\n', capsys)
    assert out == "a-b\n"


def test_python3_source_with_has_key_gets_only_that_rewritten(capsys):
    source = 'd = {"k": 1}\nprint(d.has_key("k"), list(d.iteritems()), d.keys() & {"k"}, "a", "b")\nit = d.itervalues()\n'
    translated = jython.translate(source)
    assert '"k" in d' in translated and "list(d.items())" in translated and "it = iter(d.values())" in translated
    assert "d.keys() & {" in translated
    assert run(source, capsys) == "True [('k', 1)] {'k'} a b\n"


def test_code_objects_of_python3_source_do_not_need_fissix(monkeypatch):
    monkeypatch.setattr(translator, "_run_fissix", lambda *a: pytest.fail("fissix ran for Python 3 source"))
    jython.compile_source("import os\nprint(os.sep)\n", "<t>")


# ---------------------------------------------------------------------------- tabs / spaces


def test_tabs_mixed_with_spaces_indent_as_python2(capsys):
    source = "if True:\n        x = 1\n\tif x:\n\t    print 'tab + 4 spaces'\n  \tprint 'spaces then tab'\n"
    # Python 3 alone refuses this
    with pytest.raises(SyntaxError):
        compile(source.replace("print '", "print('").replace("'\n", "')\n"), "<t>", "exec")
    assert run(source, capsys) == "tab + 4 spaces\nspaces then tab\n"


def test_tabs_inside_strings_are_kept(capsys):
    source = 'if True:\n\tx = """\n\tkept\ttab"""\n        print repr(x)\n'
    assert run(source, capsys) == "'\\n\\tkept\\ttab'\n"


def test_expand_tabs_only_touches_indentation():
    assert jython.expand_tabs("a = 1\t# tab\n") == "a = 1\t# tab\n"
    assert jython.expand_tabs("if x:\n \ty = '\t'\n") == "if x:\n        y = '\t'\n"
    assert jython.expand_tabs("s = 'a\\\n\tb'\n") == "s = 'a\\\n\tb'\n"


def test_python3_with_tabs_only_is_unchanged_except_indentation():
    source = "def f():\n\treturn 1\n"
    assert jython.translate(source) == "def f():\n        return 1\n"


# ------------------------------------------------------------------------------ the prompt


def test_single_mode_statement_at_the_prompt(capsys):
    assert run('print "hello"\n', capsys, mode="single") == "hello\n"


def test_multi_line_block_at_the_prompt(capsys):
    out = run("for i in range(2):\n    print i,\n    print 'x'\n\n", capsys, mode="single")
    assert out == "0 x\n1 x\n"


def test_compile_command_tells_complete_from_incomplete():
    assert jython.compile_command('print "hi"') is not None
    assert jython.compile_command("for i in range(2):") is None
    assert jython.compile_command("for i in range(2):\n    print i") is None
    assert jython.compile_command("for i in range(2):\n    print i\n") is not None
    assert jython.compile_command('print "a" + (') is None
    assert jython.compile_command("x = (1,") is None
    with pytest.raises(SyntaxError):
        jython.compile_command("x = = 1")


def test_eval_mode():
    assert eval(jython.compile_source("`6 * 7` + 'L'", "<e>", "eval"), jython.jython_globals()) == "42L"
    assert eval(jython.compile_source("1 <> 2", "<e>", "eval")) is True


def test_expression_echo_in_single_mode(capsys):
    code = jython.compile_source("`1 + 1`", "<stdin>", "single")
    exec(code, jython.jython_globals())
    assert capsys.readouterr().out == "'2'\n"


# --------------------------------------------------------------------------------- errors


def test_invalid_source_raises_syntax_error_at_the_real_mistake():
    source = 'print "fine"\nprint "also fine"\nx = = 2\n'
    with pytest.raises(SyntaxError) as info:
        jython.compile_source(source, "broken.py")
    assert info.value.lineno == 3
    assert info.value.filename == "broken.py"


def test_python2_indentation_mistake_is_named():
    with pytest.raises(SyntaxError) as info:
        jython.compile_source('print "a"\n  print "b"\n', "indent.py")
    assert (info.value.msg, info.value.lineno) == ("unexpected indent", 2)


def test_python3_mistake_reports_python3_message():
    with pytest.raises(SyntaxError) as info:
        jython.compile_source("print(x\n", "broken.py")
    assert "never closed" in str(info.value.msg)


# -------------------------------------------------------------------------------- caching


def test_translation_runs_fissix_once_per_source(cache, monkeypatch):
    runs = []
    real = translator._run_fissix
    monkeypatch.setattr(translator, "_run_fissix", lambda *a: runs.append(1) or real(*a))
    source = 'print "cached"\n'
    first = jython.translate(source)
    jython.compile_source(source, "<t>")
    assert jython.translate(source) == first
    assert len(runs) == 1
    # a new process (empty memory) finds it on disk
    translator.clear_memory_cache()
    assert jython.translate(source) == first
    assert len(runs) == 1
    assert list(cache.rglob("*.py"))


def test_second_translation_is_fast():
    import time

    source = "\n".join(f'print "line {i}", {i}L' for i in range(300)) + "\n"
    started = time.perf_counter()
    jython.translate(source)
    first = time.perf_counter() - started
    started = time.perf_counter()
    jython.translate(source)
    second = time.perf_counter() - started
    assert second < first / 5


def test_disk_cache_can_be_switched_off(monkeypatch, tmp_path):
    monkeypatch.setenv("DEPLOYIT_CLI_CACHE", "off")
    assert translator.cache_dir() is None
    assert jython.translate('print "x"\n') == '__py2print__("x")\n'


def test_unwritable_cache_folder_is_not_an_error(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DEPLOYIT_CLI_CACHE", str(blocker / "cache"))
    assert jython.translate('print "y"\n') == '__py2print__("y")\n'


def test_default_cache_folder_is_under_home(monkeypatch, tmp_path):
    monkeypatch.delenv("DEPLOYIT_CLI_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert translator.cache_dir() == str(tmp_path / ".deployit-cli" / "cache")


# -------------------------------------------------------------------------------- start-up


def test_import_is_cheap_and_does_not_load_fissix():
    """`import deployit_cli.jython` under 30 ms; with install() and the script globals (which load
    the joda and enum shims) under 60 ms; fissix and the java.* shims are not loaded by either."""
    code = (
        "import sys, time; t = time.perf_counter(); import deployit_cli.jython as j; i = time.perf_counter() - t; "
        "j.compile_source('print(1)', '<t>'); j.install(); j.jython_globals(); "
        "print(i, time.perf_counter() - t, 'fissix' in sys.modules, 'java.util' in sys.modules)"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        for _ in range(3)
    ]
    assert all(run[2:] == ["False", "False"] for run in runs)
    assert min(float(run[0]) for run in runs) < 0.030
    assert min(float(run[1]) for run in runs) < 0.060
