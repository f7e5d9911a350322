"""java.lang for scripts: System, String, Integer/Long/Double/Boolean, Math, Thread and the usual
exception classes.

Java exceptions are Python exceptions with Java's methods (`getMessage()`, `printStackTrace()`).
`java.lang.Exception` and `java.lang.Throwable` *are* Python's Exception: in the Jython CLI a
script's `except Exception, e` (with or without `from java.lang import Exception`) caught the
errors the CLI objects raised, and here those are Python exceptions, so both names must catch
them. `RuntimeException` and the rest are real subclasses (`JavaThrowable`), so scripts can raise
and catch them and call `getMessage()`.
"""

from __future__ import annotations

import builtins
import os
import sys
import time
import traceback

from ..beans import JavaBean
from ..javacollections import JavaMap, java_string


# ---------------------------------------------------------------------------------- exceptions

class JavaThrowable(JavaBean, builtins.Exception):
    """Base of the Java exception classes: Java's accessors on a Python exception."""

    def __init__(self, message=None, cause=None, *args):
        if isinstance(message, builtins.BaseException) and cause is None:
            message, cause = str(message), message
        super().__init__(*((message,) if message is not None else ()), *args)
        self._message = None if message is None else str(message)
        self._cause = cause

    @property
    def message(self):
        return self._message

    def getMessage(self):
        return self._message

    def getLocalizedMessage(self):
        return self._message

    def getCause(self):
        return self._cause if self._cause is not None else self.__cause__

    def initCause(self, cause):
        self._cause = cause
        return self

    def toString(self):
        name = f"java.lang.{type(self).__name__}" if type(self).__module__ == __name__ else type(self).__name__
        return name if self._message is None else f"{name}: {self._message}"

    def printStackTrace(self, stream=None):
        text = "".join(traceback.format_exception(type(self), self, self.__traceback__))
        target = stream if stream is not None else sys.stderr
        write = getattr(target, "write", None) or getattr(target, "print")
        write(text)

    def getStackTrace(self):
        return traceback.extract_tb(self.__traceback__)

    def __str__(self):
        return self._message if self._message is not None else ""


Throwable = builtins.Exception
Exception = builtins.Exception  # noqa: A001 - Java's name; see the module docstring


class Error(JavaThrowable):
    pass


class RuntimeException(JavaThrowable):
    pass


class IllegalArgumentException(RuntimeException, ValueError):
    pass


class IllegalStateException(RuntimeException):
    pass


class NumberFormatException(IllegalArgumentException):
    pass


class NullPointerException(RuntimeException, TypeError):
    pass


class UnsupportedOperationException(RuntimeException):
    pass


class IndexOutOfBoundsException(RuntimeException, IndexError):
    pass


class ArrayIndexOutOfBoundsException(IndexOutOfBoundsException):
    pass


class ClassCastException(RuntimeException, TypeError):
    pass


class ArithmeticException(RuntimeException, ZeroDivisionError):
    pass


class InterruptedException(JavaThrowable):
    pass


class CloneNotSupportedException(JavaThrowable):
    pass


class ClassNotFoundException(JavaThrowable):
    pass


class ReflectiveOperationException(JavaThrowable):
    pass


# ------------------------------------------------------------------------------------- System

class _PrintStream:
    """System.out / System.err: follows sys.stdout / sys.stderr as they are at each call (so
    redirected or captured output stays in order with print)."""

    def __init__(self, which: str):
        self._which = which

    @property
    def _stream(self):
        return getattr(sys, self._which)

    def println(self, value=""):
        self._stream.write(java_string(value) + "\n")

    def print(self, value):
        self._stream.write(java_string(value))

    def printf(self, fmt, *args):
        self._stream.write(String.format(fmt, *args))
        return self

    format = printf

    def write(self, data):
        if isinstance(data, int):
            data = chr(data & 0xFF)
        elif isinstance(data, (bytes, bytearray)):
            data = bytes(data).decode("utf-8", "replace")
        self._stream.write(data)

    def flush(self):
        self._stream.flush()

    def close(self):
        pass


class _StdIn:
    """System.in: an InputStream over the process's standard input."""

    def read(self, *args):
        stream = getattr(sys.stdin, "buffer", None)
        if not args:
            data = stream.read(1) if stream is not None else sys.stdin.read(1).encode()
            return data[0] if data else -1
        raise UnsupportedOperationException("System.in.read(buffer) is not supported")

    def _text_stream(self):
        return sys.stdin

    def close(self):
        pass


_PROPERTY_OVERRIDES: dict[str, str] = {}


def _system_properties() -> dict[str, str]:
    import platform
    import tempfile

    return {
        "user.home": os.path.expanduser("~"),
        "user.dir": os.getcwd(),
        "user.name": os.environ.get("USER") or os.environ.get("USERNAME") or "",
        "os.name": {"Linux": "Linux", "Darwin": "Mac OS X", "Windows": "Windows"}.get(platform.system(), platform.system()),
        "os.arch": platform.machine(),
        "os.version": platform.release(),
        "line.separator": os.linesep,
        "file.separator": os.sep,
        "path.separator": os.pathsep,
        "java.io.tmpdir": tempfile.gettempdir(),
        "java.version": "1.8.0",
        "java.vendor": "deployit-cli (Python " + platform.python_version() + ")",
        "file.encoding": "UTF-8",
    }


class System:
    out = _PrintStream("stdout")
    err = _PrintStream("stderr")
    # `System.in` is a keyword in Python: scripts can only reach it as getattr(System, "in")

    @staticmethod
    def getProperty(key, default=None):
        if key in _PROPERTY_OVERRIDES:
            return _PROPERTY_OVERRIDES[key]
        return _system_properties().get(key, default)

    @staticmethod
    def setProperty(key, value):
        previous = System.getProperty(key)
        _PROPERTY_OVERRIDES[key] = value
        return previous

    @staticmethod
    def clearProperty(key):
        return _PROPERTY_OVERRIDES.pop(key, None)

    @staticmethod
    def getProperties():
        props = JavaMap(_system_properties())
        props.update(_PROPERTY_OVERRIDES)
        return props

    @staticmethod
    def getenv(name=None):
        if name is None:
            return JavaMap(os.environ)
        return os.environ.get(name)

    @staticmethod
    def currentTimeMillis() -> int:
        return int(time.time() * 1000)

    @staticmethod
    def nanoTime() -> int:
        return time.perf_counter_ns()

    @staticmethod
    def exit(status=0):
        sys.exit(status)

    @staticmethod
    def lineSeparator():
        return os.linesep

    @staticmethod
    def identityHashCode(obj):
        return id(obj)

    @staticmethod
    def gc():
        import gc

        gc.collect()

    @staticmethod
    def arraycopy(src, src_pos, dest, dest_pos, length):
        dest[dest_pos:dest_pos + length] = src[src_pos:src_pos + length]


setattr(System, "in", _StdIn())


# ------------------------------------------------------------------------------ value classes

def _java_format(fmt: str, *args) -> str:
    """String.format: Java's %s/%d/%f/%x/%n/%% conversions (close enough to Python's %)."""
    fmt = fmt.replace("%n", "\n")
    converted = []
    for arg in args:
        converted.append(java_string(arg) if isinstance(arg, (bool, type(None))) else arg)
    # %b and %s of non-strings follow Java's rendering
    fmt = fmt.replace("%b", "%s")
    try:
        return fmt % tuple(converted)
    except TypeError:
        return fmt % tuple(java_string(a) for a in converted)


class String(str):
    """java.lang.String: `String("x")` is a Python str; the static helpers are Java's."""

    def __new__(cls, value="", *args):
        if isinstance(value, (bytes, bytearray)):
            encoding = args[0] if args and isinstance(args[0], str) else "utf-8"
            return str(bytes(value), encoding)
        if isinstance(value, (list, tuple)):  # new String(char[])
            return "".join(value)
        return str(value)

    @staticmethod
    def valueOf(value):
        if isinstance(value, (list, tuple)):
            return "".join(value)
        return java_string(value)

    @staticmethod
    def format(fmt, *args):
        return _java_format(fmt, *args)

    @staticmethod
    def join(sep, *items):
        if len(items) == 1 and not isinstance(items[0], str):
            items = items[0]
        return sep.join(java_string(i) for i in items)


class _Number:
    MIN_VALUE = 0
    MAX_VALUE = 0

    @classmethod
    def parse(cls, text, radix=10):
        try:
            value = int(str(text).strip() if radix == 10 else str(text), radix)
        except (TypeError, ValueError):
            raise NumberFormatException(f'For input string: "{text}"') from None
        if not cls.MIN_VALUE <= value <= cls.MAX_VALUE:
            raise NumberFormatException(f'For input string: "{text}"')
        return value

    @classmethod
    def valueOf(cls, value, radix=10):
        return cls.parse(value, radix) if isinstance(value, str) else int(value)

    @staticmethod
    def toString(value, radix=10):
        if radix == 10:
            return str(int(value))
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        n, out = abs(int(value)), ""
        while True:
            n, r = divmod(n, radix)
            out = digits[r] + out
            if n == 0:
                break
        return ("-" if value < 0 else "") + out

    @staticmethod
    def compare(a, b):
        return (a > b) - (a < b)

    @staticmethod
    def toHexString(value):
        return format(value & 0xFFFFFFFF, "x")

    @staticmethod
    def toBinaryString(value):
        return format(value & 0xFFFFFFFF, "b")


class Integer(_Number, int):
    MIN_VALUE = -(2 ** 31)
    MAX_VALUE = 2 ** 31 - 1
    SIZE = 32

    def __new__(cls, value=0):
        return int(cls.parse(value) if isinstance(value, str) else value)

    @classmethod
    def parseInt(cls, text, radix=10):
        return cls.parse(text, radix)


class Long(_Number, int):
    MIN_VALUE = -(2 ** 63)
    MAX_VALUE = 2 ** 63 - 1
    SIZE = 64

    def __new__(cls, value=0):
        return int(cls.parse(value) if isinstance(value, str) else value)

    @classmethod
    def parseLong(cls, text, radix=10):
        return cls.parse(text, radix)


class Short(Integer):
    MIN_VALUE = -(2 ** 15)
    MAX_VALUE = 2 ** 15 - 1

    @classmethod
    def parseShort(cls, text, radix=10):
        return cls.parse(text, radix)


class Double(float):
    MAX_VALUE = sys.float_info.max
    MIN_VALUE = 5e-324

    def __new__(cls, value=0.0):
        return float(cls.parseDouble(value) if isinstance(value, str) else value)

    @staticmethod
    def parseDouble(text):
        try:
            return float(str(text).strip())
        except ValueError:
            raise NumberFormatException(f'For input string: "{text}"') from None

    @staticmethod
    def valueOf(value):
        return Double.parseDouble(value) if isinstance(value, str) else float(value)

    @staticmethod
    def toString(value):
        return repr(float(value))

    @staticmethod
    def isNaN(value):
        return value != value


Float = Double


class Boolean:
    TRUE = True
    FALSE = False

    def __new__(cls, value=False):
        return Boolean.parseBoolean(value) if isinstance(value, str) else bool(value)

    @staticmethod
    def parseBoolean(text):
        return text is not None and str(text).lower() == "true"

    @staticmethod
    def valueOf(value):
        return Boolean.parseBoolean(value) if isinstance(value, str) else bool(value)

    @staticmethod
    def toString(value):
        return "true" if value else "false"


class Character:
    @staticmethod
    def isDigit(c):
        return c.isdigit()

    @staticmethod
    def isLetter(c):
        return c.isalpha()

    @staticmethod
    def isLetterOrDigit(c):
        return c.isalnum()

    @staticmethod
    def isWhitespace(c):
        return c.isspace()

    @staticmethod
    def isUpperCase(c):
        return c.isupper()

    @staticmethod
    def isLowerCase(c):
        return c.islower()

    @staticmethod
    def toUpperCase(c):
        return c.upper()

    @staticmethod
    def toLowerCase(c):
        return c.lower()


class Math:
    PI = 3.141592653589793
    E = 2.718281828459045

    @staticmethod
    def max(a, b):
        return a if a >= b else b

    @staticmethod
    def min(a, b):
        return a if a <= b else b

    @staticmethod
    def abs(a):
        return abs(a)

    @staticmethod
    def round(a):
        import math

        return int(math.floor(a + 0.5))

    @staticmethod
    def floor(a):
        import math

        return float(math.floor(a))

    @staticmethod
    def ceil(a):
        import math

        return float(math.ceil(a))

    @staticmethod
    def sqrt(a):
        return a ** 0.5

    @staticmethod
    def pow(a, b):
        return float(a) ** b

    @staticmethod
    def random():
        import random

        return random.random()


class StringBuilder(JavaBean):
    """StringBuilder / StringBuffer: append(), insert(), toString(), length()."""

    def __init__(self, initial=""):
        self._parts = [] if isinstance(initial, int) else [java_string(initial)]

    def append(self, value):
        self._parts.append(java_string(value))
        return self

    def insert(self, offset, value):
        text = self.toString()
        self._parts = [text[:offset], java_string(value), text[offset:]]
        return self

    def length(self):
        return len(self.toString())

    def reverse(self):
        self._parts = [self.toString()[::-1]]
        return self

    def setLength(self, length):
        self._parts = [self.toString()[:length].ljust(length, "\0")]

    def toString(self):
        return "".join(self._parts)

    __str__ = toString

    def __repr__(self):
        return repr(self.toString())


StringBuffer = StringBuilder


class _CurrentThread(JavaBean):
    def __init__(self):
        import threading

        self._thread = threading.current_thread()

    def getName(self):
        return self._thread.name

    def getId(self):
        return self._thread.ident

    def isInterrupted(self):
        return False

    def interrupt(self):
        pass


class Thread(JavaBean):
    """Thread.sleep(millis) and Thread.currentThread(); Thread(runnable).start() runs in a thread."""

    def __init__(self, target=None, name=None):
        import threading

        run = getattr(target, "run", target) if target is not None else self.run
        self._thread = threading.Thread(target=run, name=name, daemon=True)

    def run(self):
        pass

    def start(self):
        self._thread.start()

    def join(self, millis=None):
        self._thread.join(None if millis is None else millis / 1000.0)

    def isAlive(self):
        return self._thread.is_alive()

    def setDaemon(self, flag):
        self._thread.daemon = flag

    def getName(self):
        return self._thread.name

    @staticmethod
    def sleep(millis, nanos=0):
        time.sleep(max(millis, 0) / 1000.0 + nanos / 1e9)

    @staticmethod
    def currentThread():
        return _CurrentThread()


class Runnable:
    def run(self):
        raise NotImplementedError


class Object:
    def toString(self):
        return f"{type(self).__name__}@{id(self):x}"

    def equals(self, other):
        return self == other

    def hashCode(self):
        return hash(self)

    def getClass(self):
        return type(self)


class Class:
    @staticmethod
    def forName(name):
        raise ClassNotFoundException(name)


__all__ = [
    "Throwable", "Exception", "JavaThrowable", "Error", "RuntimeException", "IllegalArgumentException", "IllegalStateException",
    "NumberFormatException", "NullPointerException", "UnsupportedOperationException", "IndexOutOfBoundsException",
    "ArrayIndexOutOfBoundsException", "ClassCastException", "ArithmeticException", "InterruptedException",
    "CloneNotSupportedException", "ClassNotFoundException", "System", "String", "Integer", "Long", "Short",
    "Double", "Float", "Boolean", "Character", "Math", "StringBuilder", "StringBuffer", "Thread", "Runnable",
    "Object", "Class",
]
