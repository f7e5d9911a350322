"""Python 2's md5 module."""

from hashlib import md5 as new  # noqa: F401

md5 = new
digest_size = 16
