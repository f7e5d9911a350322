"""org.joda.time for scripts: DateTime (what `task2.schedule` takes), DateTimeZone, Duration,
Period-less arithmetic and DateTimeFormat.

A DateTime is an instant (epoch millis) in a zone. `DateTime()` is now in the default zone (the
machine's); `DateTime(y, m, d, h, min[, s[, ms]][, zone])` as in Joda (months 1-based);
`DateTime(millis)`, `DateTime(date)` and `DateTime("2016-05-13T10:07:25.312Z")`. Unlike Joda's
String constructor, a parsed text keeps the offset it was written with (as `DateTime.parse` does),
so a server date reads back as the server wrote it. `toString()` is ISO-8601 with milliseconds
and the offset (`Z` for UTC); the REPL echoes `DateTime: <iso>` as the Jython CLI did.
"""

from __future__ import annotations

import datetime as _dt
import time as _time

from ..beans import JavaBean
from . import _datefmt

_EPOCH = _dt.datetime(1970, 1, 1)


def _utc_naive(millis: int) -> _dt.datetime:
    return _EPOCH + _dt.timedelta(milliseconds=millis)


def _millis_of_utc_naive(moment: _dt.datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


class DateTimeZone(JavaBean):
    """A zone: UTC, a fixed offset, a named (tz database) zone or the machine's default."""

    UTC: "DateTimeZone"

    def __init__(self, zone_id: str, offset_millis: int | None = None, tzinfo=None):
        self._id = zone_id
        self._offset = offset_millis
        self._tzinfo = tzinfo

    # -- construction
    @staticmethod
    def forID(zone_id):
        if zone_id is None:
            return DateTimeZone.getDefault()
        if zone_id in ("UTC", "Z", "GMT", "Etc/UTC"):
            return DateTimeZone.UTC
        if zone_id[:1] in "+-":
            return DateTimeZone.forOffsetMillis(_datefmt.parse_offset(zone_id))
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return DateTimeZone(zone_id, tzinfo=ZoneInfo(zone_id))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"The datetime zone id '{zone_id}' is not recognised") from None

    @staticmethod
    def forOffsetMillis(millis: int):
        if millis == 0:
            return DateTimeZone.UTC
        sign = "+" if millis >= 0 else "-"
        hh, mm = divmod(abs(millis) // 60000, 60)
        return DateTimeZone(f"{sign}{hh:02d}:{mm:02d}", offset_millis=millis)

    @staticmethod
    def forOffsetHours(hours: int):
        return DateTimeZone.forOffsetMillis(hours * 3_600_000)

    @staticmethod
    def forOffsetHoursMinutes(hours: int, minutes: int):
        sign = -1 if hours < 0 else 1
        return DateTimeZone.forOffsetMillis(hours * 3_600_000 + sign * minutes * 60_000)

    @staticmethod
    def getDefault():
        return _DEFAULT

    @staticmethod
    def forTimeZone(_tz):
        return _DEFAULT

    # -- behaviour
    def getID(self) -> str:
        return self._id

    def getOffset(self, instant=None) -> int:
        millis = _now_millis() if instant is None else _millis_of(instant)
        return _millis_of_utc_naive(self._to_local(millis)) - millis

    def _to_local(self, millis: int) -> _dt.datetime:
        if self._offset is not None:
            return _utc_naive(millis + self._offset)
        if self._tzinfo is not None:
            aware = _dt.datetime.fromtimestamp(millis // 1000, self._tzinfo)
            return aware.replace(tzinfo=None, microsecond=(millis % 1000) * 1000)
        seconds, ms = divmod(millis, 1000)
        return _dt.datetime(*_time.localtime(seconds)[:6], ms * 1000)

    def _from_local(self, moment: _dt.datetime) -> int:
        if self._offset is not None:
            return _millis_of_utc_naive(moment) - self._offset
        if self._tzinfo is not None:
            seconds = moment.replace(tzinfo=self._tzinfo, microsecond=0).timestamp()
            return int(seconds) * 1000 + moment.microsecond // 1000
        return int(_time.mktime(moment.replace(microsecond=0).timetuple())) * 1000 + moment.microsecond // 1000

    def _short_name(self, millis: int) -> str:
        if self is _DEFAULT:
            return _time.strftime("%Z", _time.localtime(millis / 1000))
        return "UTC" if self._offset == 0 else self._id

    def toString(self) -> str:
        return self._id

    __str__ = toString

    def __repr__(self):
        return self._id

    def __eq__(self, other):
        return isinstance(other, DateTimeZone) and other._id == self._id

    def __hash__(self):
        return hash(self._id)


DateTimeZone.UTC = DateTimeZone("UTC", offset_millis=0)
_DEFAULT = DateTimeZone(_time.tzname[0] if _time.tzname and _time.tzname[0] else "default")


def _now_millis() -> int:
    return _time.time_ns() // 1_000_000


def _millis_of(value) -> int:
    if isinstance(value, DateTime):
        return value._millis
    if isinstance(value, int):
        return value
    get_millis = getattr(value, "getMillis", None) or getattr(value, "getTime", None) or getattr(
        value, "getTimeInMillis", None)
    if get_millis is not None:
        return get_millis()
    if isinstance(value, _dt.datetime):
        return DateTime(value)._millis
    raise TypeError(f"not an instant: {value!r}")


class DateTime(JavaBean):
    __slots__ = ("_millis", "_zone")

    def __init__(self, *args):
        zone = None
        if args and isinstance(args[-1], DateTimeZone):
            zone, args = args[-1], args[:-1]
        self._zone = zone or _DEFAULT
        if not args:
            self._millis = _now_millis()
        elif len(args) == 1:
            value = args[0]
            if isinstance(value, DateTime):
                self._millis = value._millis
                if zone is None:
                    self._zone = value._zone
            elif isinstance(value, bool):
                raise TypeError("DateTime(bool) is not an instant")
            elif isinstance(value, (int, float)):
                self._millis = int(value)
            elif isinstance(value, str):
                moment, offset = _datefmt.parse_iso(value)
                if offset is not None:
                    parsed_zone = DateTimeZone.forOffsetMillis(offset)
                    self._millis = parsed_zone._from_local(moment)
                    if zone is None:
                        self._zone = parsed_zone
                else:
                    self._millis = self._zone._from_local(moment)
            elif isinstance(value, _dt.datetime):
                if value.tzinfo is not None:
                    offset = value.utcoffset()
                    self._millis = _millis_of_utc_naive(value.replace(tzinfo=None) - offset)
                    if zone is None:
                        self._zone = DateTimeZone.forOffsetMillis(int(offset.total_seconds() * 1000))
                else:
                    self._millis = self._zone._from_local(value)
            elif isinstance(value, _dt.date):
                self._millis = self._zone._from_local(_dt.datetime(value.year, value.month, value.day))
            else:
                self._millis = _millis_of(value)
        elif 5 <= len(args) <= 7:
            year, month, day, hour, minute, *rest = args
            second = rest[0] if rest else 0
            millis = rest[1] if len(rest) > 1 else 0
            moment = _dt.datetime(year, month, day, hour, minute, second, millis * 1000)
            self._millis = self._zone._from_local(moment)
        else:
            raise TypeError(
                "DateTime(), DateTime(zone), DateTime(millis), DateTime(text) or "
                "DateTime(year, month, day, hour, minute[, second[, millis]][, zone])"
            )

    # -- factories
    @staticmethod
    def now(zone=None):
        return DateTime(zone) if zone is not None else DateTime()

    @staticmethod
    def parse(text, formatter=None):
        if formatter is not None:
            return formatter.parseDateTime(text)
        return DateTime(text)

    def _with_millis(self, millis: int) -> "DateTime":
        result = DateTime.__new__(DateTime)
        result._millis = millis
        result._zone = self._zone
        return result

    def _local(self) -> _dt.datetime:
        return self._zone._to_local(self._millis)

    def _with_local(self, moment: _dt.datetime) -> "DateTime":
        return self._with_millis(self._zone._from_local(moment))

    # -- fields
    def getMillis(self) -> int:
        return self._millis

    def getZone(self) -> DateTimeZone:
        return self._zone

    def getYear(self) -> int:
        return self._local().year

    def getMonthOfYear(self) -> int:
        return self._local().month

    def getDayOfMonth(self) -> int:
        return self._local().day

    def getDayOfWeek(self) -> int:
        return self._local().isoweekday()

    def getDayOfYear(self) -> int:
        return self._local().timetuple().tm_yday

    def getWeekOfWeekyear(self) -> int:
        return self._local().isocalendar()[1]

    def getHourOfDay(self) -> int:
        return self._local().hour

    def getMinuteOfHour(self) -> int:
        return self._local().minute

    def getMinuteOfDay(self) -> int:
        moment = self._local()
        return moment.hour * 60 + moment.minute

    def getSecondOfMinute(self) -> int:
        return self._local().second

    def getMillisOfSecond(self) -> int:
        return self._local().microsecond // 1000

    def getMillisOfDay(self) -> int:
        moment = self._local()
        return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1000 + moment.microsecond // 1000

    # -- arithmetic: calendar units keep the local time of day, exact units add a duration
    def _plus_months(self, months: int) -> "DateTime":
        import calendar

        moment = self._local()
        total = moment.year * 12 + moment.month - 1 + months
        year, month0 = divmod(total, 12)
        day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
        return self._with_local(moment.replace(year=year, month=month0 + 1, day=day))

    def plusYears(self, n):
        return self._plus_months(12 * n)

    def plusMonths(self, n):
        return self._plus_months(n)

    def plusWeeks(self, n):
        return self._with_local(self._local() + _dt.timedelta(weeks=n))

    def plusDays(self, n):
        return self._with_local(self._local() + _dt.timedelta(days=n))

    def plusHours(self, n):
        return self._with_millis(self._millis + n * 3_600_000)

    def plusMinutes(self, n):
        return self._with_millis(self._millis + n * 60_000)

    def plusSeconds(self, n):
        return self._with_millis(self._millis + n * 1000)

    def plusMillis(self, n):
        return self._with_millis(self._millis + n)

    def plus(self, amount):
        return self._with_millis(self._millis + _duration_millis(amount))

    def minusYears(self, n):
        return self.plusYears(-n)

    def minusMonths(self, n):
        return self.plusMonths(-n)

    def minusWeeks(self, n):
        return self.plusWeeks(-n)

    def minusDays(self, n):
        return self.plusDays(-n)

    def minusHours(self, n):
        return self.plusHours(-n)

    def minusMinutes(self, n):
        return self.plusMinutes(-n)

    def minusSeconds(self, n):
        return self.plusSeconds(-n)

    def minusMillis(self, n):
        return self.plusMillis(-n)

    def minus(self, amount):
        return self._with_millis(self._millis - _duration_millis(amount))

    # -- with
    def _with_fields(self, **fields) -> "DateTime":
        return self._with_local(self._local().replace(**fields))

    def withYear(self, year):
        return self._with_fields(year=year)

    def withMonthOfYear(self, month):
        return self._with_fields(month=month)

    def withDayOfMonth(self, day):
        return self._with_fields(day=day)

    def withHourOfDay(self, hour):
        return self._with_fields(hour=hour)

    def withMinuteOfHour(self, minute):
        return self._with_fields(minute=minute)

    def withSecondOfMinute(self, second):
        return self._with_fields(second=second)

    def withMillisOfSecond(self, millis):
        return self._with_fields(microsecond=millis * 1000)

    def withTime(self, hour, minute, second=0, millis=0):
        return self._with_fields(hour=hour, minute=minute, second=second, microsecond=millis * 1000)

    def withDate(self, year, month, day):
        return self._with_fields(year=year, month=month, day=day)

    def withTimeAtStartOfDay(self):
        return self.withTime(0, 0, 0, 0)

    def withMillis(self, millis):
        return self._with_millis(int(millis))

    def withZone(self, zone):
        result = self._with_millis(self._millis)
        result._zone = zone or _DEFAULT
        return result

    def withZoneRetainFields(self, zone):
        return self.withZone(zone)._with_local(self._local())

    def toDateTime(self, zone=None):
        return self.withZone(zone) if zone is not None else self

    def toDateTimeISO(self):
        return self

    # -- comparison
    def isBefore(self, other=None) -> bool:
        return self._millis < (_now_millis() if other is None else _millis_of(other))

    def isAfter(self, other=None) -> bool:
        return self._millis > (_now_millis() if other is None else _millis_of(other))

    def isEqual(self, other=None) -> bool:
        return self._millis == (_now_millis() if other is None else _millis_of(other))

    def isBeforeNow(self) -> bool:
        return self._millis < _now_millis()

    def isAfterNow(self) -> bool:
        return self._millis > _now_millis()

    def isEqualNow(self) -> bool:
        return self._millis == _now_millis()

    def compareTo(self, other) -> int:
        other = _millis_of(other)
        return (self._millis > other) - (self._millis < other)

    def equals(self, other) -> bool:
        return isinstance(other, DateTime) and other._millis == self._millis and other._zone == self._zone

    def __eq__(self, other):
        if isinstance(other, DateTime):
            return other._millis == self._millis
        return NotImplemented

    def __lt__(self, other):
        return self._millis < _millis_of(other)

    def __le__(self, other):
        return self._millis <= _millis_of(other)

    def __gt__(self, other):
        return self._millis > _millis_of(other)

    def __ge__(self, other):
        return self._millis >= _millis_of(other)

    def __hash__(self):
        return hash(self._millis)

    def __sub__(self, other):
        if isinstance(other, DateTime):
            return _dt.timedelta(milliseconds=self._millis - other._millis)
        if isinstance(other, _dt.timedelta):
            return self._with_millis(self._millis - int(other.total_seconds() * 1000))
        return NotImplemented

    def __add__(self, other):
        if isinstance(other, _dt.timedelta):
            return self._with_millis(self._millis + int(other.total_seconds() * 1000))
        return NotImplemented

    # -- conversion
    def toDate(self):
        from .java_util import Date

        return Date(self._millis)

    def toGregorianCalendar(self):
        from .java_util import GregorianCalendar

        return GregorianCalendar(self._millis)

    toCalendar = lambda self, _locale=None: self.toGregorianCalendar()  # noqa: E731

    def toDatetime(self) -> _dt.datetime:
        """A timezone-aware Python datetime (a Python convenience)."""
        offset = self._zone.getOffset(self._millis)
        return self._local().replace(tzinfo=_dt.timezone(_dt.timedelta(milliseconds=offset)))

    def toString(self, pattern=None, _locale=None) -> str:
        moment = self._local()
        if pattern is not None:
            if hasattr(pattern, "print_"):
                return pattern.print_(self)
            offset = self._zone.getOffset(self._millis)
            return _datefmt.format_fields(moment, pattern, offset, self._zone._short_name(self._millis))
        offset = self._zone.getOffset(self._millis)
        text = moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond // 1000:03d}"
        return text + ("Z" if offset == 0 else _datefmt._offset_text(offset, "ZZ"))

    __str__ = toString

    def __repr__(self) -> str:
        return "DateTime: " + self.toString()

    def __reduce__(self):
        return (DateTime, (self._millis, self._zone) if self._zone is not _DEFAULT else (self._millis,))


def _duration_millis(amount) -> int:
    if isinstance(amount, int):
        return amount
    if isinstance(amount, _dt.timedelta):
        return int(amount.total_seconds() * 1000)
    return amount.getMillis()


class Duration(JavaBean):
    """An exact length of time in millis."""

    def __init__(self, start_or_millis, end=None):
        self._millis = int(start_or_millis) if end is None else _millis_of(end) - _millis_of(start_or_millis)

    @staticmethod
    def millis(n):
        return Duration(n)

    @staticmethod
    def standardSeconds(n):
        return Duration(n * 1000)

    @staticmethod
    def standardMinutes(n):
        return Duration(n * 60_000)

    @staticmethod
    def standardHours(n):
        return Duration(n * 3_600_000)

    @staticmethod
    def standardDays(n):
        return Duration(n * 86_400_000)

    def getMillis(self):
        return self._millis

    def getStandardSeconds(self):
        return self._millis // 1000

    def getStandardMinutes(self):
        return self._millis // 60_000

    def getStandardHours(self):
        return self._millis // 3_600_000

    def getStandardDays(self):
        return self._millis // 86_400_000

    def toString(self):
        return f"PT{self._millis / 1000:g}S"

    __str__ = __repr__ = toString


class DateTimeFormatter(JavaBean):
    def __init__(self, pattern, zone=None):
        self._pattern = pattern
        self._zone = zone

    def withZone(self, zone):
        return DateTimeFormatter(self._pattern, zone)

    def withZoneUTC(self):
        return self.withZone(DateTimeZone.UTC)

    def print_(self, instant) -> str:
        value = instant if isinstance(instant, DateTime) else DateTime(_millis_of(instant))
        if self._zone is not None:
            value = value.withZone(self._zone)
        return value.toString(self._pattern)

    def parseDateTime(self, text) -> DateTime:
        moment, offset = _datefmt.parse_fields(text, self._pattern)
        written_in = DateTimeZone.forOffsetMillis(offset) if offset is not None else (self._zone or _DEFAULT)
        return DateTime(written_in._from_local(moment), self._zone or written_in)

    parseMillis = lambda self, text: self.parseDateTime(text).getMillis()  # noqa: E731


# `print` is a keyword for Python 2 sources: scripts call formatter.print(dt), reachable in Python 3
setattr(DateTimeFormatter, "print", DateTimeFormatter.print_)


class DateTimeFormat:
    @staticmethod
    def forPattern(pattern):
        return DateTimeFormatter(pattern)


class ISODateTimeFormat:
    @staticmethod
    def dateTime():
        return DateTimeFormatter("yyyy-MM-dd'T'HH:mm:ss.SSSZZ")

    @staticmethod
    def dateTimeNoMillis():
        return DateTimeFormatter("yyyy-MM-dd'T'HH:mm:ssZZ")

    @staticmethod
    def date():
        return DateTimeFormatter("yyyy-MM-dd")


__all__ = ["DateTime", "DateTimeZone", "Duration", "DateTimeFormat", "DateTimeFormatter", "ISODateTimeFormat"]
