"""The deployit CLI: a Jython-compatible shell (REPL and `-f` scripts) over the XL Deploy REST API.

Start-up stays cheap: submodules import their heavy dependencies (requests, ptpython, fissix) only
when they need them.
"""



def __getattr__(name):
    """`__version__`, read from the installed distribution (setup.cfg holds it) only when asked for."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("deployit")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
