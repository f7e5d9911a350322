"""Python 2's sha module."""

from hashlib import sha1 as new  # noqa: F401

sha = new
digest_size = 20
