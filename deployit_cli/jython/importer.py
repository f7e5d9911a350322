"""Makes `import java.util`, `from org.joda.time import DateTime`, `import jarray` and
`import com.xebialabs.deployit.engine.api.execution.TaskExecutionState as TaskExecutionState`
work, loading each shim module only when a script imports it.

A meta path finder answers the Java package names with the modules in `shims/`; package levels
(`java`, `org.joda`, `com.xebialabs`...) are empty packages that also import their children on
attribute access (`import java` then `java.util.HashMap()`), and a dotted name ending in a class
(Jython lets scripts import a class like a module) resolves to that class.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys

_SHIMS = "deployit_cli.jython.shims."

# Java name -> shim module (None: a package level with no classes of its own)
SHIM_MODULES: dict[str, str | None] = {
    "java": None,
    "java.lang": _SHIMS + "java_lang",
    "java.util": _SHIMS + "java_util",
    "java.io": _SHIMS + "java_io",
    "java.text": _SHIMS + "java_text",
    "jarray": _SHIMS + "jarray",
    "org": None,
    "org.joda": None,
    "org.joda.time": _SHIMS + "joda_time",
    "org.joda.time.format": _SHIMS + "joda_time",
    "com": None,
    "com.xebialabs": None,
    "com.xebialabs.deployit": None,
    "com.xebialabs.deployit.engine": None,
    "com.xebialabs.deployit.engine.api": None,
    "com.xebialabs.deployit.engine.api.execution": _SHIMS + "xl_execution",
    "com.xebialabs.deployit.plugin": None,
    "com.xebialabs.deployit.plugin.api": None,
    "com.xebialabs.deployit.plugin.api.reflect": _SHIMS + "xl_reflect",
    "com.xebialabs.deployit.plugin.api.udm": _SHIMS + "xl_udm",
    "com.xebialabs.deployit.plugin.api.udm.artifact": _SHIMS + "xl_udm_artifact",
    "com.xebialabs.deployit.engine.api.dto": _SHIMS + "xl_dto",
    "com.xebialabs.deployit.booter": None,
    "com.xebialabs.deployit.booter.remote": None,
    "com.xebialabs.deployit.booter.remote.resteasy": _SHIMS + "xl_errors",
    "com.xebialabs.deployit.security": None,
    "com.xebialabs.deployit.security.authentication": _SHIMS + "xl_errors",
    "javax": None,
    "javax.script": _SHIMS + "javax_script",
}


def _package_getattr(package_name: str):
    def __getattr__(attr):
        child = f"{package_name}.{attr}"
        if child in SHIM_MODULES:
            return importlib.import_module(child)
        raise AttributeError(f"module '{package_name}' has no attribute '{attr}'")

    return __getattr__


class _ShimLoader:
    """Fills a Java package module: the shim module's public names (the same objects), or a class
    standing in for a module (Jython's `import a.b.Class`)."""

    def __init__(self, target):
        self._target = target  # a shim module name, a class, or None (an empty package level)

    def create_module(self, spec):
        return None  # the default module object

    def exec_module(self, module):
        name = module.__name__
        _loaded.add(name)
        if self._target is None or isinstance(self._target, str):
            module.__path__ = []  # a package, so `import java.util.HashMap` can find the class
            module.__getattr__ = _package_getattr(name)
            if self._target is not None:
                shim = importlib.import_module(self._target)
                public = getattr(shim, "__all__", None) or [k for k in vars(shim) if not k.startswith("_")]
                for key in public:
                    setattr(module, key, getattr(shim, key))
                module.__all__ = list(public)
                module.__doc__ = shim.__doc__
        else:
            sys.modules[name] = self._target


_loaded: set = set()


class JavaShimFinder:
    """Finds the Java shim modules (see SHIM_MODULES)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in SHIM_MODULES:
            if "." not in fullname and self._real_top_level(fullname):
                return None  # a real package of that name (e.g. an `org` namespace): leave it be
            spec_target = SHIM_MODULES[fullname]
            return importlib.machinery.ModuleSpec(fullname, _ShimLoader(spec_target), is_package=True)
        parent, _, leaf = fullname.rpartition(".")
        if parent in SHIM_MODULES and SHIM_MODULES[parent] is not None:
            module = importlib.import_module(SHIM_MODULES[parent])
            value = getattr(module, leaf, None)
            if value is not None:
                return importlib.machinery.ModuleSpec(fullname, _ShimLoader(value))
        return None

    @staticmethod
    def _real_top_level(name: str) -> bool:
        if name in ("java", "javax", "jarray"):
            return False
        return importlib.machinery.PathFinder.find_spec(name) is not None


_finder = JavaShimFinder()


def install() -> None:
    """Registers the finder (first on sys.meta_path, once) and the helpers translated code calls."""
    if not any(isinstance(f, JavaShimFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _finder)
    from .py2builtins import install_runtime_helpers

    install_runtime_helpers()


def uninstall() -> None:
    """Removes the finder and forgets the shim modules it loaded (for tests)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, JavaShimFinder)]
    for name in list(_loaded):
        sys.modules.pop(name, None)
    _loaded.clear()


__all__ = ["install", "uninstall", "JavaShimFinder", "SHIM_MODULES"]
