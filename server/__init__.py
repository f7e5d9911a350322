"""The deployit server: repository, type system, planning and task engine behind XL Deploy's REST API."""

__version__ = "0.1.0"
