"""Access to the Jython-compatibility layer (`deployit_cli.jython`), tolerated absent.

`wrap` turns lists, dicts and sets into the Java-style collections scripts expect (`size()`, `get()`,
`keySet()`...); `compile_source` compiles Python 2 or 3 source. Without the layer both fall back to
plain Python.
"""

from __future__ import annotations

_UNSET = object()
_module = _UNSET


def jython():
    """The deployit_cli.jython module, or None when it cannot be imported."""
    global _module
    if _module is _UNSET:
        try:
            from . import jython as module
        except ImportError:
            module = None
        # Until the layer is complete (e.g. while it is being written) it counts as absent.
        if module is not None and not all(hasattr(module, name) for name in
                                          ("compile_source", "install", "jython_globals", "wrap")):
            module = None
        _module = module
    return _module


def wrap(value):
    module = jython()
    return module.wrap(value) if module is not None else value


def compile_source(source: str, filename: str, mode: str = "exec"):
    module = jython()
    if module is not None:
        return module.compile_source(source, filename, mode)
    return compile(source, filename, mode, dont_inherit=True)


def install() -> dict:
    """Register the java.* shim modules; the globals the original CLI offered without import."""
    module = jython()
    if module is None:
        return {}
    module.install()
    return dict(module.jython_globals())


def install_user_modules(script: str | None) -> None:
    """The modules a script imports from its folder, JYTHONPATH or PYTHONPATH load as Python 2 or 3."""
    module = jython()
    if module is not None:
        module.install_user_modules(script)


def java_type(name: str):
    """A CI type name as com.xebialabs...reflect.Type (a str with getPrefix()/getName()), else the str."""
    if jython() is None:
        return str(name)
    from .jython.shims.xl_reflect import Type
    return Type(name)


def java_map_type():
    module = jython()
    return getattr(module, "JavaMap", dict) if module is not None else dict
