"""The globals every script and prompt line runs in: the shell objects, `help`, `quit`, and the names the
Jython CLI offered without import (TaskExecutionState, DateTime, DescriptorRegistry, ...)."""

from __future__ import annotations

import builtins
import sys

BANNER = ("Welcome to the XL Deploy Jython CLI!\n"
          "Type 'help' to learn about the objects you can use to interact with XL Deploy.\n")


class HelpCommand:
    """`help` lists the objects; `help(obj)` is obj.help(); `help(anything else)` is Python's help."""

    def __init__(self, objects: dict):
        self._objects = objects

    def text(self) -> str:
        lines = ["XL Deploy Objects available on the CLI:", ""]
        for name in sorted(self._objects):
            lines.append(f"* {name}: {self._objects[name].description}")
        lines += ["", "To know more about a specific object, type <objectname>.help()",
                  'To get to know more about a specific method of an object, type <objectname>.help("<methodname>")']
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return self.text()

    def __call__(self, *args):
        if not args:
            sys.stdout.write(self.text())
            sys.stdout.flush()
            return None
        target = args[0]
        if callable(getattr(target, "help", None)) and not isinstance(target, type):
            return target.help(*args[1:])
        import pydoc
        return pydoc.help(target)


class QuitCommand:
    """`quit` at the prompt leaves the shell; `quit()` / `exit(n)` in a script end it."""

    def __repr__(self) -> str:
        return "Type quit (or press Ctrl-D) to leave the CLI."

    def __call__(self, code=None):
        raise SystemExit(code)


def build_namespace(session) -> dict:
    from . import compat
    from .client import DeployitException
    from .descriptors import SCRIPT_REGISTRY
    from .objects import build

    namespace = {"__name__": "__main__", "__doc__": None, "__builtins__": builtins}
    namespace.update(compat.install())
    objects = build(session)
    namespace.update(objects)
    namespace["DescriptorRegistry"] = SCRIPT_REGISTRY.bind(session.types)
    namespace["DeployitException"] = DeployitException
    namespace["help"] = HelpCommand(objects)
    namespace["quit"] = namespace["exit"] = QuitCommand()
    return namespace
