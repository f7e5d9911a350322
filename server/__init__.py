"""The deployit server: repository, type system, planning and task engine behind XL Deploy's REST API."""

from importlib.metadata import PackageNotFoundError, version

try:  # setup.cfg holds the version; the installed distribution's metadata carries it
    __version__ = version("deployit")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
