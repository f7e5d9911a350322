"""The Java classes old CLI scripts import: java.lang, java.util, java.io, java.text, jarray,
org.joda.time and the CLI's own state enums, used as scripts use them."""

from __future__ import annotations

import datetime
import os
import sys
import textwrap
import time

import pytest

from deployit_cli import jython


@pytest.fixture(autouse=True)
def installed(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPLOYIT_CLI_CACHE", str(tmp_path / "cache"))
    jython.install()


def run(source: str, capsys, **names) -> str:
    code = jython.compile_source(textwrap.dedent(source), "<test>")
    namespace = jython.jython_globals()
    namespace.update(__name__="__main__", **names)
    exec(code, namespace)
    return capsys.readouterr().out


# ---------------------------------------------------------------------------------- imports


def test_import_forms_jython_allowed(capsys):
    out = run(
        """
        import java
        from java.util import HashMap, ArrayList
        import java.util.HashSet as HashSet
        from java.lang import System
        import com.xebialabs.deployit.engine.api.execution.TaskExecutionState as TaskExecutionState
        from com.xebialabs.deployit.engine.api.execution import StepExecutionState
        from org.joda.time import DateTime
        from org.joda.time.format import DateTimeFormat
        from java.util import *
        import jarray
        print type(HashMap()).__name__, type(java.util.ArrayList()).__name__, HashSet is java.util.HashSet
        print TaskExecutionState.EXECUTED, StepExecutionState.DONE, Calendar.MONTH
        """,
        capsys,
    )
    assert out == "HashMap ArrayList True\nEXECUTED DONE 2\n"


def test_shim_modules_load_only_when_imported():
    import subprocess

    code = (
        "import sys, deployit_cli.jython as j; j.install(); j.jython_globals(); "
        "print(sorted(m for m in sys.modules if 'shims.java' in m))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_missing_java_class_is_an_import_error():
    with pytest.raises(ImportError):
        exec("from java.util import NoSuchThing", {})
    with pytest.raises(ImportError):
        exec("import java.nosuchpackage", {})


# ------------------------------------------------------------------------------- java.lang


def test_system(capsys, monkeypatch):
    from java.lang import System

    monkeypatch.setenv("DEPLOYIT_TEST_VAR", "value")
    assert System.getenv("DEPLOYIT_TEST_VAR") == "value"
    assert System.getenv("DEPLOYIT_NOT_SET") is None
    assert System.getenv().get("DEPLOYIT_TEST_VAR") == "value"
    assert System.getProperty("user.home") == os.path.expanduser("~")
    assert System.getProperty("user.dir") == os.getcwd()
    assert System.getProperty("no.such", "fallback") == "fallback"
    System.setProperty("my.prop", "x")
    assert System.getProperty("my.prop") == "x"
    before = int(time.time() * 1000)
    assert before - 5 <= System.currentTimeMillis() <= before + 1000
    System.out.println("println")
    System.out.print("print ")
    System.out.println(None)
    System.out.printf("%s=%d%n", "n", 3)
    assert capsys.readouterr().out == "println\nprint null\nn=3\n"
    System.err.println("err")
    assert capsys.readouterr().err == "err\n"
    with pytest.raises(SystemExit) as info:
        System.exit(3)
    assert info.value.code == 3


def test_string_integer_thread():
    from java.lang import Boolean, Integer, Long, Math, NumberFormatException, String, StringBuilder, Thread

    assert String("abc") == "abc" and isinstance(String("x"), str)
    assert String.valueOf(5) == "5" and String.valueOf(True) == "true" and String.valueOf(None) == "null"
    assert String.format("%s has %d", "list", 2) == "list has 2"
    assert Integer.parseInt("42") == 42 and Integer.parseInt("ff", 16) == 255
    assert Integer.valueOf("7") == 7 and Integer.MAX_VALUE == 2147483647 and Integer.MIN_VALUE == -2147483648
    assert Integer("3") == 3 and Integer.toString(255, 16) == "ff"
    assert Long.parseLong("9999999999") == 9999999999
    with pytest.raises(NumberFormatException):
        Integer.parseInt("abc")
    with pytest.raises(ValueError):  # a NumberFormatException is also a ValueError
        Integer.parseInt("99999999999")
    assert Boolean.parseBoolean("TRUE") is True and Boolean.parseBoolean("yes") is False
    assert Math.max(1, 2) == 2 and Math.round(2.5) == 3
    assert StringBuilder("a").append(1).append(None).toString() == "a1null"
    started = time.perf_counter()
    Thread.sleep(50)
    assert time.perf_counter() - started >= 0.045


def test_java_exceptions(capsys):
    out = run(
        """
        from java.lang import Exception, RuntimeException, IllegalArgumentException
        try:
            raise RuntimeException("went wrong")
        except Exception, e:
            print e.getMessage(), e.message, isinstance(e, RuntimeException)
        try:
            raise IllegalArgumentException("bad")
        except ValueError, e:
            print "also a ValueError:", e
        try:
            {}["k"]
        except Exception, e:
            print "java.lang.Exception catches every error, as scripts expect:", type(e).__name__
        import java.lang
        print issubclass(RuntimeException, java.lang.Throwable), RuntimeException("x").toString()
        """,
        capsys,
    )
    assert out == (
        "went wrong went wrong True\nalso a ValueError: bad\n"
        "java.lang.Exception catches every error, as scripts expect: KeyError\n"
        "True java.lang.RuntimeException: x\n"
    )


# ------------------------------------------------------------------------------- java.util


def test_java_util_collections(capsys):
    out = run(
        """
        from java.util import HashMap, ArrayList, HashSet, LinkedHashMap, TreeMap, List, Map, Collections, Arrays
        m = HashMap()
        m.put("one", 1)
        m.put("two", 2)
        l = ArrayList()
        l.add("x")
        l.add("y")
        s = HashSet()
        s.add("a")
        print m.size(), m.get("one"), l.size(), l.get(1), s.contains("a")
        print isinstance(l, List), isinstance([], List), isinstance(m, Map), isinstance({}, Map)
        t = TreeMap()
        t.put("b", 1)
        t.put("a", 2)
        print list(t.keySet()), ArrayList(l) == l, HashMap(16).isEmpty()
        Collections.sort(l, lambda a, b: cmp(b, a))
        print l, Arrays.asList(1, 2).size()
        """,
        capsys,
    )
    assert out == "2 1 2 y True\nTrue True True True\n['a', 'b'] True True\n['y', 'x'] 2\n"


def test_properties_load_from_file_like_and_java_streams(tmp_path):
    from java.io import FileInputStream, FileReader
    from java.util import Properties

    path = tmp_path / "app.properties"
    path.write_text(
        "# a comment\n! another\nhost = example.org\nport:8080\nname value with spaces\n"
        "multi = first \\\n    second\nescaped\\ key=tab\\tend\nunicode=\\u00e9\nempty=\n"
    )
    expected = {
        "host": "example.org", "port": "8080", "name": "value with spaces", "multi": "first second",
        "escaped key": "tab\tend", "unicode": "é", "empty": "",
    }
    for source in (open(path), FileInputStream(str(path)), FileReader(str(path))):
        props = Properties()
        props.load(source)
        source.close()
        assert dict(props) == expected
    props = Properties()
    with open(path) as handle:
        props.load(handle)
    assert props.getProperty("host") == "example.org"
    assert props.getProperty("missing") is None
    assert props.getProperty("missing", "default") == "default"
    assert props.setProperty("host", "other") == "example.org"
    assert props.getProperty("host") == "other"
    with_defaults = Properties(props)
    assert with_defaults.getProperty("port") == "8080"
    out = tmp_path / "out.properties"
    with open(out, "w") as handle:
        props.store(handle, "saved")
    again = Properties()
    with open(out) as handle:
        again.load(handle)
    assert dict(again) == dict(props)


def test_calendar():
    from java.util import Calendar, Date

    cal = Calendar.getInstance()
    now = datetime.datetime.now()
    assert abs(cal.get(Calendar.YEAR) - now.year) <= 1
    cal.set(2020, Calendar.JANUARY, 31, 10, 30, 0)
    assert (cal.get(Calendar.YEAR), cal.get(Calendar.MONTH), cal.get(Calendar.DAY_OF_MONTH)) == (2020, 0, 31)
    assert cal.get(Calendar.HOUR_OF_DAY) == 10 and cal.get(Calendar.MINUTE) == 30
    cal.add(Calendar.MONTH, 1)  # Jan 31 + 1 month = Feb 29 (clamped, 2020 is a leap year)
    assert (cal.get(Calendar.MONTH), cal.get(Calendar.DAY_OF_MONTH)) == (Calendar.FEBRUARY, 29)
    cal.add(Calendar.DAY_OF_MONTH, 1)
    assert (cal.get(Calendar.MONTH), cal.get(Calendar.DAY_OF_MONTH)) == (Calendar.MARCH, 1)
    cal.add(Calendar.HOUR_OF_DAY, -11)
    assert (cal.get(Calendar.DAY_OF_MONTH), cal.get(Calendar.HOUR_OF_DAY)) == (29, 23)
    cal.set(Calendar.DAY_OF_MONTH, 32)  # lenient: rolls into the next month
    assert (cal.get(Calendar.MONTH), cal.get(Calendar.DAY_OF_MONTH)) == (Calendar.MARCH, 3)
    assert cal.get(Calendar.DAY_OF_WEEK) == Calendar.TUESDAY
    date = cal.getTime()
    assert isinstance(date, Date) and date.getTime() == cal.getTimeInMillis()
    later = cal.clone()
    later.add(Calendar.SECOND, 1)
    assert later.after(cal) and cal.before(later)
    assert later.getTime().getTime() - date.getTime() == 1000


def test_date():
    from java.util import Date

    before = int(time.time() * 1000)
    now = Date()
    assert before <= now.getTime() <= before + 1000
    earlier = Date(0)
    assert earlier.before(now) and now.after(earlier) and earlier < now
    assert Date(5) == Date(5)
    assert str(Date(0)).endswith(time.strftime("%Y", time.localtime(0)))


# --------------------------------------------------------------------------------- java.io


def test_file(tmp_path):
    from java.io import File

    folder = File(str(tmp_path), "sub")
    assert not folder.exists()
    assert folder.mkdirs() and folder.isDirectory() and folder.exists()
    child = File(folder, "b.txt")
    assert child.createNewFile() and child.isFile()
    File(folder, "a.txt").createNewFile()
    assert child.getName() == "b.txt"
    assert child.getPath() == os.path.join(str(tmp_path), "sub", "b.txt")
    assert child.getParent() == str(tmp_path / "sub")
    assert child.getAbsolutePath() == os.path.abspath(child.getPath())
    assert [f.getName() for f in folder.listFiles()] == ["a.txt", "b.txt"]
    assert folder.list() == ["a.txt", "b.txt"]
    assert child.listFiles() is None  # not a directory: null, as in Java
    assert open(child).read() == ""  # a File is a path for Python too
    assert child.delete() and not child.exists()
    assert not child.delete()
    assert File("relative").getParent() is None


def test_readers_and_writers(tmp_path):
    from java.io import BufferedReader, BufferedWriter, FileReader, FileWriter, PrintWriter

    path = str(tmp_path / "lines.txt")
    writer = BufferedWriter(FileWriter(path))
    writer.write("first")
    writer.newLine()
    writer.write("second\n")
    writer.close()
    appender = PrintWriter(FileWriter(path, True))
    appender.println("third")
    appender.printf("%s%n", "fourth")
    appender.close()
    reader = BufferedReader(FileReader(path))
    lines = []
    line = reader.readLine()
    while line is not None:
        lines.append(line)
        line = reader.readLine()
    reader.close()
    assert lines == ["first", "second", "third", "fourth"]
    assert list(BufferedReader(FileReader(path))) == lines


def test_byte_streams(tmp_path):
    import jarray
    from java.io import BufferedReader, FileInputStream, FileNotFoundException, FileOutputStream, InputStreamReader

    path = str(tmp_path / "bytes.bin")
    out = FileOutputStream(path)
    out.write(b"abc")
    out.write(0xFF)
    out.close()
    stream = FileInputStream(path)
    assert stream.read() == ord("a")
    buffer = jarray.zeros(10, "b")
    assert stream.read(buffer) == 3
    assert buffer[:3] == [ord("b"), ord("c"), -1]  # Java bytes are signed
    assert stream.read(buffer) == -1
    stream.close()
    assert FileInputStream(path).readAllBytes() == b"abc\xff"
    text = tmp_path / "t.txt"
    text.write_text("one\ntwo\n")
    reader = BufferedReader(InputStreamReader(FileInputStream(str(text))))
    assert reader.readLine() == "one" and reader.readLine() == "two" and reader.readLine() is None
    with pytest.raises(FileNotFoundException):
        FileInputStream(str(tmp_path / "missing"))
    with pytest.raises(IOError):  # also a Python OSError
        FileInputStream(str(tmp_path / "missing"))


def test_jarray():
    import jarray
    from java.lang import String

    assert jarray.zeros(3, "i") == [0, 0, 0]
    assert jarray.array([1, 2], "i").size() == 2
    names = jarray.array(["a", "b"], String)
    assert names == ["a", "b"] and names.length == 2
    assert jarray.array([200], "b") == [-56]


# --------------------------------------------------------------------------- org.joda.time


def test_datetime_construction_and_fields():
    from org.joda.time import DateTime, DateTimeZone

    now = DateTime()
    assert abs(now.getMillis() - time.time() * 1000) < 2000
    dt = DateTime(2016, 5, 13, 10, 7, 25, DateTimeZone.UTC)
    assert (dt.getYear(), dt.getMonthOfYear(), dt.getDayOfMonth()) == (2016, 5, 13)
    assert (dt.getHourOfDay(), dt.getMinuteOfHour(), dt.getSecondOfMinute()) == (10, 7, 25)
    assert dt.getDayOfWeek() == 5  # Friday, ISO numbering
    assert dt.toString() == "2016-05-13T10:07:25.000Z"
    assert repr(dt) == "DateTime: 2016-05-13T10:07:25.000Z"
    local = DateTime(2016, 5, 13, 10, 7)
    assert (local.getHourOfDay(), local.getMinuteOfHour(), local.getSecondOfMinute()) == (10, 7, 0)
    assert DateTime(0, DateTimeZone.UTC).toString() == "1970-01-01T00:00:00.000Z"


def test_datetime_parses_server_dates_and_keeps_their_offset():
    from org.joda.time import DateTime

    assert DateTime("2016-05-13T10:07:25.312Z").toString() == "2016-05-13T10:07:25.312Z"
    plus_two = DateTime("2016-05-13T12:07:25.312+02:00")
    assert plus_two.toString() == "2016-05-13T12:07:25.312+02:00"
    assert plus_two.getMillis() == DateTime("2016-05-13T10:07:25.312Z").getMillis()
    assert DateTime("2016-05-13T10:07:25.312+0000").toString() == "2016-05-13T10:07:25.312Z"
    assert DateTime.parse("2016-05-13").getDayOfMonth() == 13


def test_datetime_arithmetic_and_comparison():
    from org.joda.time import DateTime, DateTimeZone

    start = DateTime(2020, 1, 31, 23, 30, DateTimeZone.UTC)
    assert start.plusHours(1).toString() == "2020-02-01T00:30:00.000Z"
    assert start.plusMinutes(45).getMinuteOfHour() == 15
    assert start.plusDays(1).getDayOfMonth() == 1
    assert start.plusMonths(1).toString() == "2020-02-29T23:30:00.000Z"
    assert start.minusDays(31).getMonthOfYear() == 12 and start.minusYears(1).getYear() == 2019
    assert start.plusSeconds(30).plusMillis(5).getMillisOfSecond() == 5
    assert start.isBefore(start.plusMinutes(1)) and start.plusMinutes(1).isAfter(start)
    assert not start.isAfter(start) and start.isEqual(DateTime(start.getMillis()))
    assert DateTime().plusHours(1).isAfterNow() and start.isBeforeNow()
    assert start < start.plusMillis(1) and start == DateTime(start.getMillis())
    assert start.withZone(DateTimeZone.forOffsetHours(2)).toString() == "2020-02-01T01:30:00.000+02:00"
    assert start.toString("yyyy/MM/dd HH:mm") == "2020/01/31 23:30"
    assert start.toDate().getTime() == start.getMillis()


def test_datetime_formatter():
    from org.joda.time import DateTimeZone
    from org.joda.time.format import DateTimeFormat

    formatter = DateTimeFormat.forPattern("dd-MM-yyyy HH:mm").withZone(DateTimeZone.UTC)
    parsed = formatter.parseDateTime("13-05-2016 10:07")
    assert parsed.toString() == "2016-05-13T10:07:00.000Z"
    assert getattr(formatter, "print")(parsed) == "13-05-2016 10:07"


def test_simple_date_format():
    from java.text import SimpleDateFormat
    from java.util import Date

    fmt = SimpleDateFormat("yyyy-MM-dd HH:mm:ss")
    date = fmt.parse("2021-03-04 05:06:07")
    assert isinstance(date, Date)
    assert fmt.format(date) == "2021-03-04 05:06:07"
    assert SimpleDateFormat("EEE, d MMM yyyy").format(date) == "Thu, 4 Mar 2021"


# ------------------------------------------------------------------------- task state enums


def test_task_execution_state_compares_with_strings(capsys):
    out = run(
        """
        class Task:
            state = "EXECUTED"
        task = Task()
        print task.state == TaskExecutionState.EXECUTED, TaskExecutionState.EXECUTED == "EXECUTED"
        print task.state != TaskExecutionState.FAILED, str(TaskExecutionState.FAILED)
        print task.state in (TaskExecutionState.EXECUTED, TaskExecutionState.DONE)
        print TaskExecutionState.valueOf("DONE") is TaskExecutionState.DONE, TaskExecutionState.DONE.name()
        print StepExecutionState.SKIPPED, StepExecutionState.PAUSED == "PAUSED"
        states = {TaskExecutionState.FAILED: "f"}
        print states["FAILED"], "%s" % TaskExecutionState.QUEUED
        """,
        capsys,
    )
    assert out == "True True\nTrue FAILED\nTrue\nTrue DONE\nSKIPPED True\nf QUEUED\n"


def test_task_execution_state_members_and_predicates():
    from com.xebialabs.deployit.engine.api.execution import StepExecutionState, TaskExecutionState

    names = [str(s) for s in TaskExecutionState.values()]
    assert names == [
        "PENDING", "QUEUED", "SCHEDULED", "EXECUTING", "EXECUTED", "STOPPING", "STOPPED", "FAILING", "FAILED",
        "ABORTING", "ABORTED", "CANCELLING", "CANCELLED", "DONE",
    ]
    assert [str(s) for s in StepExecutionState.values()] == [
        "PENDING", "SKIP", "EXECUTING", "PAUSED", "FAILED", "DONE", "SKIPPED",
    ]
    assert TaskExecutionState.EXECUTING.isActive() and not TaskExecutionState.EXECUTED.isActive()
    assert TaskExecutionState.STOPPED.isPassive() and TaskExecutionState.FAILED.isExecutionHalted()
    assert TaskExecutionState.DONE.isFinal() and not TaskExecutionState.PENDING.isFinal()
    assert TaskExecutionState.QUEUED.ordinal() == 1 and "DONE" in TaskExecutionState
    assert repr(TaskExecutionState.DONE) == "DONE"
    with pytest.raises(ValueError):
        TaskExecutionState.valueOf("NOPE")


def test_globals_offered_without_import():
    names = jython.jython_globals()
    for name in ("TaskExecutionState", "StepExecutionState", "DateTime", "unicode", "basestring", "long",
                 "raw_input", "xrange", "reduce", "unichr", "execfile", "cmp", "file"):
        assert name in names, name
    assert "true" not in names and "false" not in names
    assert "true" not in names["__builtins__"]
    assert names["long"] is int and names["xrange"] is range and names["unicode"] is str
    assert jython.jython_globals() is not jython.jython_globals()  # each caller gets its own dict


def test_python2_builtins_do_not_leak_into_the_process():
    import builtins

    assert not hasattr(builtins, "unicode") and not hasattr(builtins, "xrange")
    assert builtins.sorted is sorted and builtins.__import__.__module__ != "deployit_cli.jython.py2builtins"
