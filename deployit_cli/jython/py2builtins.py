"""The names a Jython 2.7 script finds without importing them, for the script namespace.

`script_builtins()` is a copy of Python 3's builtins plus Python 2's (`unicode`, `long`, `xrange`,
`raw_input`, `reduce`, `cmp`, `execfile`, `file`...), with `exec`, `sorted` and `__import__`
taught Python 2's habits: `exec "code"` strings in Python 2 syntax, `sorted(x, cmp)`, and
`import string` / `urllib2` / `cStringIO` / `StringIO` / `commands`... answered by compat modules.
It is the script namespace's `__builtins__`, so none of this leaks into the rest of the process.
`true`/`false` are deliberately absent, as in the original CLI.
"""

from __future__ import annotations

import builtins
import functools
import sys

# Python 2 module names and what answers them (loaded on first import)
PY2_MODULES = {
    "string": "deployit_cli.jython.py2mods.string",
    "urllib2": "deployit_cli.jython.py2mods.urllib2",
    "urllib": "deployit_cli.jython.py2mods.urllib",
    "urlparse": "urllib.parse",
    "cStringIO": "deployit_cli.jython.py2mods.stringio",
    "StringIO": "deployit_cli.jython.py2mods.stringio",
    "commands": "deployit_cli.jython.py2mods.commands",
    "ConfigParser": "configparser",
    "Queue": "queue",
    "httplib": "http.client",
    "cPickle": "pickle",
    "__builtin__": "builtins",
    "HTMLParser": "html.parser",
    "cookielib": "http.cookiejar",
    "Cookie": "http.cookies",
    "SocketServer": "socketserver",
    "Tkinter": "tkinter",
    "thread": "_thread",
    "dummy_thread": "_thread",
    "copy_reg": "copyreg",
    "repr": "reprlib",
    "anydbm": "dbm",
    "xmlrpclib": "xmlrpc.client",
    "BaseHTTPServer": "http.server",
    "SimpleHTTPServer": "http.server",
    "htmlentitydefs": "html.entities",
    "md5": "deployit_cli.jython.py2mods.md5",
    "sha": "deployit_cli.jython.py2mods.sha",
    "sets": "deployit_cli.jython.py2mods.sets",
}

_real_import = builtins.__import__
_real_exec = builtins.exec
_real_sorted = builtins.sorted


def __import__(name, globals=None, locals=None, fromlist=(), level=0):  # noqa: A001 - the hook
    """Python 2 module names answered by their Python 3 homes or compat modules."""
    if level == 0:
        target = PY2_MODULES.get(name)
        if target is not None:
            # `import string` must not shadow the real module for everyone else: only scripts see this
            return _real_import(target, None, None, ("*",), 0)
    return _real_import(name, globals, locals, fromlist, level)


def exec(source, globals=None, locals=None, /, **kwargs):  # noqa: A001
    """exec() that also takes Python 2 source text (the exec statement's usual argument)."""
    if globals is None:
        frame = sys._getframe(1)
        globals = frame.f_globals
        if locals is None:
            locals = frame.f_locals
    if isinstance(source, (bytes, bytearray)):
        source = bytes(source).decode("utf-8")
    if isinstance(source, str):
        from .translator import compile_source

        source = compile_source(source, "<string>", "exec")
    if locals is None:
        return _real_exec(source, globals, **kwargs)
    return _real_exec(source, globals, locals, **kwargs)


def execfile(filename, globals=None, locals=None):
    """Python 2's execfile: runs a file (Python 2 or 3) in the caller's namespace by default."""
    if globals is None:
        frame = sys._getframe(1)
        globals = frame.f_globals
        if locals is None:
            locals = frame.f_locals
    if locals is None:
        locals = globals
    from .translator import compile_source

    with open(filename, encoding="utf-8") as handle:
        code = compile_source(handle.read(), str(filename), "exec")
    globals.setdefault("__file__", str(filename))
    _real_exec(code, globals, locals)


def sorted(iterable, *args, cmp=None, key=None, reverse=False):  # noqa: A001
    """sorted() that also takes Python 2's cmp function (by keyword or as 2nd argument)."""
    if args:  # py2 signature: sorted(iterable, cmp=None, key=None, reverse=False)
        names = ("cmp", "key", "reverse")
        given = dict(zip(names, args))
        cmp = given.get("cmp", cmp)
        key = given.get("key", key)
        reverse = given.get("reverse", reverse)
    if cmp is not None:
        key = functools.cmp_to_key(cmp)
    return _real_sorted(iterable, key=key, reverse=reverse)


def py2print(*items, sep=" ", end="\n", file=None):
    """A print statement with Python 2's soft space (see fixers/fix_print_softspace.py): `end=" "`
    (a trailing comma) leaves a pending space that the next print statement writes before its
    first item; a newline clears it."""
    stream = sys.stdout if file is None else file
    if stream is None:
        return
    soft = _softspace(stream)
    parts = []
    for item in items:
        text = item if isinstance(item, str) else str(item)
        if soft:
            parts.append(" ")
        parts.append(text)
        soft = not (text and text[-1].isspace() and text[-1] != " ")
    if end == " ":
        pending = soft if items else _softspace(stream)
    else:
        parts.append(end)
        pending = False
    stream.write("".join(parts))
    _set_softspace(stream, pending)


_softspaces: dict = {}


def _softspace(stream) -> bool:
    value = getattr(stream, "softspace", None)
    if value is None:
        value = _softspaces.get(id(stream), False)
    return bool(value)


def _set_softspace(stream, value: bool) -> None:
    try:
        stream.softspace = value
    except (AttributeError, TypeError):
        _softspaces[id(stream)] = value


def cmp(a, b) -> int:
    return (a > b) - (a < b)


def apply(function, args=(), kwargs=None):
    return function(*args, **(kwargs or {}))


def raw_input(prompt=""):
    return input(prompt)


def py2div(a, b):
    """Python 2's `/`: floor division for two integers, true division otherwise."""
    if isinstance(a, int) and isinstance(b, int):
        return a // b
    return a / b


def _reload(module):
    import importlib

    return importlib.reload(module)


_EXTRA = {
    "unicode": str,
    "basestring": str,
    "long": int,
    "raw_input": raw_input,
    "xrange": range,
    "reduce": functools.reduce,
    "unichr": chr,
    "execfile": execfile,
    "cmp": cmp,
    "file": open,
    "apply": apply,
    "intern": sys.intern,
    "reload": _reload,
    "StandardError": Exception,
    "coerce": lambda a, b: (a, b) if type(a) is type(b) else (type(a + b)(a), type(a + b)(b)),
    "buffer": memoryview,
    "sorted": sorted,
    "exec": exec,
    "__import__": __import__,
    "__py2div__": py2div,
    "__py2print__": py2print,
    "__cmp_to_key__": functools.cmp_to_key,
}

_script_builtins: dict | None = None


def script_builtins() -> dict:
    """The `__builtins__` dict for script namespaces (one shared dict, made once)."""
    global _script_builtins
    if _script_builtins is None:
        table = dict(builtins.__dict__)
        table.update(_EXTRA)
        _script_builtins = table
    return _script_builtins


def install_runtime_helpers() -> None:
    """The dunder helpers translated code calls, also in the real builtins, so translated code
    runs even in a namespace that lacks our `__builtins__`. Dunder names collide with nothing."""
    builtins.__py2div__ = py2div
    builtins.__py2print__ = py2print
    builtins.__cmp_to_key__ = functools.cmp_to_key
