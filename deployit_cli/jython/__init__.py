"""Jython compatibility for the shell: old CLI scripts (Python 2 syntax, Java classes, Java-style
collections) run unchanged on Python 3.

- `translate(source)` / `compile_source(source, filename, mode)` / `compile_command(...)`:
  Python 2 source translated with fissix (imported only when needed) and cached; tabs mixed with
  spaces read as Python 2 did.
- `install()`: `import java.util`, `org.joda.time`, `jarray`, `com.xebialabs...execution` work.
- `install_user_modules(script)`: the modules a script imports from its folder, JYTHONPATH or
  PYTHONPATH are read as Python 2 too (see `usermodules`).
- `jython_globals()`: names a script finds without importing them: `TaskExecutionState`,
  `StepExecutionState`, `DateTime`, Python 2's builtins (`unicode`, `xrange`, ...) and, under
  `__builtins__`, the builtins with Python 2's habits (`import string`/`urllib2`, `exec "..."`,
  `sorted(x, cmp)`). Use it as the base of the script namespace.
- `JavaList`, `JavaMap`, `JavaSet`, `MapEntry`, `wrap()`: collections that are Python's and answer
  Java's methods too.

Importing this package is cheap: the shims, fissix and the compat modules load on first use.
"""

from __future__ import annotations

from .javacollections import JavaIterator, JavaList, JavaMap, JavaSet, LinkedJavaSet, MapEntry, wrap
from .translator import compile_command, compile_source, expand_tabs, translate

__all__ = [
    "translate", "compile_source", "compile_command", "expand_tabs", "install", "install_user_modules",
    "jython_globals",
    "JavaList", "JavaMap", "JavaSet", "LinkedJavaSet", "MapEntry", "JavaIterator", "wrap",
]

_globals: dict | None = None


def install_user_modules(script: str | None = None) -> None:
    """The script's folder and JYTHONPATH on sys.path, and the user's modules found there or on
    PYTHONPATH translated as the script is (the shell process only: it changes how imports load)."""
    from .usermodules import install as _install

    _install(script)


def install() -> None:
    """Registers the Java shim modules (java.*, jarray, org.joda.time, com.xebialabs...) for import,
    lazily: each loads when a script first imports it. Safe to call more than once."""
    from .importer import install as _install

    _install()


def jython_globals() -> dict:
    """A new dict of the names the original CLI offered without import (to start a script
    namespace from). `true`/`false` are deliberately not defined, as in the original."""
    global _globals
    if _globals is None:
        from .py2builtins import script_builtins
        from .shims.joda_time import DateTime
        from .shims.xl_execution import StepExecutionState, TaskExecutionState

        table = script_builtins()
        names = {
            "__builtins__": table,
            "TaskExecutionState": TaskExecutionState,
            "StepExecutionState": StepExecutionState,
            "DateTime": DateTime,
        }
        for name in ("unicode", "basestring", "long", "raw_input", "xrange", "reduce", "unichr", "execfile",
                     "cmp", "file", "apply", "intern", "StandardError"):
            names[name] = table[name]
        _globals = names
    return dict(_globals)
