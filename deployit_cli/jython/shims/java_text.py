"""java.text for scripts: SimpleDateFormat (format/parse with Java patterns) and a little of
DecimalFormat."""

from __future__ import annotations

from ..beans import JavaBean


class ParseException(Exception):
    def getMessage(self):
        return str(self)


class SimpleDateFormat(JavaBean):
    def __init__(self, pattern="yyyy-MM-dd'T'HH:mm:ss", _locale=None):
        self._pattern = pattern
        self._utc = False

    def toPattern(self):
        return self._pattern

    def applyPattern(self, pattern):
        self._pattern = pattern

    def setTimeZone(self, zone):
        self._utc = getattr(zone, "getID", lambda: "")() in ("UTC", "GMT")

    def format(self, value) -> str:
        from .joda_time import DateTime, DateTimeZone

        instant = value if isinstance(value, DateTime) else DateTime(value)
        if self._utc:
            instant = instant.withZone(DateTimeZone.UTC)
        return instant.toString(self._pattern)

    def parse(self, text):
        from .java_util import Date
        from .joda_time import DateTimeFormat, DateTimeZone

        formatter = DateTimeFormat.forPattern(self._pattern)
        if self._utc:
            formatter = formatter.withZone(DateTimeZone.UTC)
        try:
            return Date(formatter.parseDateTime(text).getMillis())
        except ValueError as err:
            raise ParseException(str(err)) from None


class DecimalFormat(JavaBean):
    """DecimalFormat('#,##0.00') style patterns: grouping and a fixed number of decimals."""

    def __init__(self, pattern="#,##0.###"):
        self._pattern = pattern

    def format(self, value) -> str:
        integer, _, fraction = self._pattern.partition(".")
        decimals = len(fraction)
        required = fraction.count("0")
        text = f"{value:{',' if ',' in integer else ''}.{decimals}f}"
        if decimals > required and "." in text:
            text = text.rstrip("0")
            head, _, tail = text.partition(".")
            tail = tail.ljust(required, "0")
            text = head + ("." + tail if tail else "")
        return text


__all__ = ["SimpleDateFormat", "ParseException", "DecimalFormat"]
