"""Python 2's StringIO and cStringIO modules."""

from io import BytesIO, StringIO  # noqa: F401

InputType = OutputType = StringIO
