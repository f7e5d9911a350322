"""Python 2's commands module."""

from subprocess import getoutput, getstatusoutput  # noqa: F401
