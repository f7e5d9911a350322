"""What every shell object shares: its name and one-line description, and `help()` in the CLI's format.

A method joins the help by carrying `@signature("(String id) : ConfigurationItem", ...)`; its docstring is
the extended help `obj.help('method')` prints.
"""

from __future__ import annotations

import inspect
import sys
import textwrap


def signature(*overloads: str, deprecated: bool = False):
    """Declare the Java-style signatures of a method, one per overload: "(String id, Map values) : Type"."""

    def mark(func):
        func.__signatures__ = overloads
        func.__deprecated__ = deprecated
        return func

    return mark


class CliObject:
    """Base of `repository`, `factory`, `deployit`, `security`...: help and a readable repr."""

    name = "object"
    description = ""

    def __init__(self, session):
        self._session = session

    @property
    def _client(self):
        return self._session.client

    @property
    def _types(self):
        return self._session.types

    def _methods(self):
        found = {}
        for attr in dir(type(self)):
            func = getattr(type(self), attr, None)
            if callable(func) and getattr(func, "__signatures__", None):
                found[attr] = func
        return found

    def _signature_lines(self, method: str, func) -> list[str]:
        suffix = " - DEPRECATED" if func.__deprecated__ else ""
        lines = []
        for overload in func.__signatures__:
            params, _, returns = overload.partition(":")
            text = f"{self.name}.{method}{params.strip()}"
            lines.append(f"{text} : {returns.strip() or 'void'}{suffix}")
        return lines

    def help(self, method=None):
        out = sys.stdout
        methods = self._methods()
        if method is None:
            out.write(f"{self.name}: {self.description}\n\nThe methods available are:\n")
            for name in sorted(methods, key=lambda n: (n.lower(), n)):
                for line in self._signature_lines(name, methods[name]):
                    out.write(f"* {line}\n")
            out.write("\n")
        else:
            method = str(method).strip().rstrip("()")
            func = methods.get(method)
            if func is None:
                known = ", ".join(sorted(methods))
                out.write(f"There is no method '{method}' on {self.name}. Its methods are: {known}.\n")
                return
            for line in self._signature_lines(method, func):
                out.write(f"{line}\n")
            doc = inspect.getdoc(func)
            if doc:
                out.write("\n" + textwrap.indent(doc, "    ") + "\n")
            out.write("\n")
        out.flush()

    def __repr__(self) -> str:
        return f"{self.name}: {self.description} (type {self.name}.help() for its methods)"
