"""Jython's bean properties on the Java stand-ins: `f.name` reads `f.getName()`, `m.empty` reads
`m.isEmpty()`, and `cal.timeInMillis = 0` calls `cal.setTimeInMillis(0)`.

A class gets them by deriving from `JavaBean` (no instance layout of its own, so it mixes with
list, dict, str and exceptions). Real attributes and methods always win, as in Jython: `f.length`
is the method `length()`, and only getters without arguments count.
"""

from __future__ import annotations

import types

__all__ = ["JavaBean"]

_accessors: dict = {}


def _accessor(cls, name: str, prefixes: tuple[str, ...], arguments: int):
    """The plain method `<prefix><Name>` of cls taking `arguments` arguments besides self, or None."""
    key = (cls, name, prefixes)
    try:
        return _accessors[key]
    except KeyError:
        pass
    found = None
    if name and not name.startswith("_"):
        capitalised = name[0].upper() + name[1:]
        for prefix in prefixes:
            method = _class_attribute(cls, prefix + capitalised)
            if isinstance(method, types.FunctionType) and _takes(method, arguments):
                found = method
                break
    _accessors[key] = found
    return found


def _class_attribute(cls, name: str):
    """What `name` is on the class itself (not on an instance), without calling any descriptor."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def _takes(function, arguments: int) -> bool:
    code = function.__code__
    required = code.co_argcount - len(function.__defaults__ or ())
    varargs = code.co_flags & 0x04  # inspect.CO_VARARGS
    return required <= 1 + arguments <= code.co_argcount or bool(varargs)


class JavaBean:
    """Mixin: bean properties for the getX()/isX()/setX(v) methods of a Java stand-in."""

    __slots__ = ()

    def __getattr__(self, name):
        getter = _accessor(type(self), name, ("get", "is"), 0)
        if getter is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        return getter(self)

    def __setattr__(self, name, value):
        if not name.startswith("_") and _class_attribute(type(self), name) is None:
            setter = _accessor(type(self), name, ("set",), 1)
            if setter is not None:
                setter(self, value)
                return
        super().__setattr__(name, value)
