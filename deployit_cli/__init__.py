"""The deployit CLI: a Jython-compatible shell (REPL and `-f` scripts) over the XL Deploy REST API.

Start-up stays cheap: submodules import their heavy dependencies (requests, ptpython, fissix) only
when they need them.
"""

__version__ = "0.1.0"
