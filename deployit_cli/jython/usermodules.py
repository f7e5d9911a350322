"""The user's own modules that scripts import (`from tools import *`), translated like the scripts.

Jython read the modules a script imports as Python 2, from the script's folder, JYTHONPATH and
PYTHONPATH. `install(script)` puts the script's folder and the JYTHONPATH entries at the front of
sys.path (PYTHONPATH is there already) and adds a finder, just before Python's own path finder,
that finds modules exactly as Python does and only changes how a user's source file is loaded:
through `compile_source` (tabs as Python 2 read them, Python 2 syntax translated, the same cache),
in a namespace whose builtins are the script's (`unicode`, `import string`, `exec "..."`...), as
in Jython, the shell objects (`repository`, `deployit`...) are not among them. Files of the
standard library, of installed packages and of the shell itself load as usual.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys

__all__ = ["install", "uninstall", "module_path", "UserModuleFinder"]


def module_path(script: str | None, environ=os.environ) -> list[str]:
    """The folders a script's modules come from before sys.path: its own folder, then JYTHONPATH."""
    folders = [os.path.dirname(os.path.abspath(script))] if script else []
    folders += [p for p in environ.get("JYTHONPATH", "").split(os.pathsep) if p]
    return folders


def _library_dirs() -> tuple[str, ...]:
    import sysconfig

    dirs = {os.path.dirname(os.path.dirname(os.path.realpath(__file__)))}  # deployit_cli itself
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            dirs.add(os.path.realpath(path))
    return tuple(d + os.sep for d in sorted(dirs))


class UserSourceLoader(importlib.machinery.SourceFileLoader):
    """Loads a user's .py file through the translator, without writing or reading .pyc files (a .pyc
    of the translation would be taken for the file's own by plain Python)."""

    def get_code(self, fullname):
        from .translator import compile_source

        path = self.get_filename(fullname)
        data = self.get_data(path)
        try:
            text = importlib.util.decode_source(data)
        except (UnicodeDecodeError, SyntaxError):
            text = data.decode("latin-1")  # an old file without a coding line
        return compile_source(text.lstrip("\ufeff"), path, "exec")

    def exec_module(self, module):
        from . import jython_globals

        module.__dict__.setdefault("__builtins__", jython_globals()["__builtins__"])
        super().exec_module(module)


class UserModuleFinder:
    """Python's path finder, with the user's source files loaded by UserSourceLoader."""

    def __init__(self):
        self._library = _library_dirs()

    def find_spec(self, fullname, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return spec
        if os.path.realpath(spec.origin).startswith(self._library):
            return spec
        spec.loader = UserSourceLoader(fullname, spec.origin)
        return spec

    def invalidate_caches(self):
        pass  # PathFinder's caches are PathFinder's own, and it is still on sys.meta_path


def install(script: str | None = None) -> None:
    """Puts the script's folder and JYTHONPATH on sys.path and the finder before Python's path finder."""
    for folder in reversed(module_path(script)):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    if any(isinstance(f, UserModuleFinder) for f in sys.meta_path):
        return
    finders = sys.meta_path
    at = next((i for i, f in enumerate(finders) if f is importlib.machinery.PathFinder), len(finders))
    finders.insert(at, UserModuleFinder())


def uninstall() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, UserModuleFinder)]
