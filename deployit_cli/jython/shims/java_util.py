"""java.util for scripts: the collections (as JavaList/JavaMap/JavaSet), Properties, Date, Calendar,
Collections, Arrays, UUID and the interfaces List/Map/Set (for isinstance checks).

Dates are in the machine's local time zone, as the JVM's default zone would be.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as _dt
import time as _time

from ..beans import JavaBean
from ..javacollections import JavaIterator, JavaList, JavaMap, JavaSet, LinkedJavaSet, MapEntry, _as_key, java_string

# ------------------------------------------------------------------------------- collections


class ArrayList(JavaList):
    __slots__ = ()


class LinkedList(JavaList):
    __slots__ = ()

    def addFirst(self, item):
        self.insert(0, item)

    def addLast(self, item):
        self.append(item)

    def getFirst(self):
        return self[0]

    def getLast(self):
        return self[-1]

    def removeFirst(self):
        return self.pop(0)

    def removeLast(self):
        return self.pop()

    def peek(self):
        return self[0] if self else None

    def poll(self):
        return self.pop(0) if self else None

    push = addFirst
    offer = JavaList.add


class Vector(JavaList):
    __slots__ = ()

    def addElement(self, item):
        self.append(item)

    def elementAt(self, index):
        return self[index]


class Stack(Vector):
    __slots__ = ()

    def push(self, item):
        self.append(item)
        return item

    def peek(self):
        return self[-1]

    def empty(self):
        return not self


class HashMap(JavaMap):
    __slots__ = ()


class LinkedHashMap(JavaMap):
    __slots__ = ()


class Hashtable(JavaMap):
    __slots__ = ()


class TreeMap(JavaMap):
    """Keys iterate in sorted order (sorted on each change, fine for script-sized maps)."""

    __slots__ = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._resort()

    def _resort(self):
        items = sorted(dict.items(self), key=lambda kv: kv[0])
        dict.clear(self)
        dict.update(self, items)

    def __setitem__(self, key, value):
        new = key not in self
        dict.__setitem__(self, key, value)
        if new:
            self._resort()

    def update(self, *args, **kwargs):
        dict.update(self, *args, **kwargs)
        self._resort()

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def firstKey(self):
        return next(iter(dict.keys(self)))

    def lastKey(self):
        return list(dict.keys(self))[-1]


class HashSet(JavaSet):
    __slots__ = ()


class LinkedHashSet(LinkedJavaSet):
    __slots__ = ()


class TreeSet(LinkedJavaSet):
    """Elements iterate in sorted order."""

    __slots__ = ()

    def __iter__(self):
        return iter(sorted(self._items))

    def first(self):
        return min(self._items)

    def last(self):
        return max(self._items)


class _Interface(type):
    """List, Map, Set, Collection: interfaces usable in isinstance() checks."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls._python_types)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls._python_types)


class List(metaclass=_Interface):
    _python_types = (list, tuple)


class Map(metaclass=_Interface):
    _python_types = (dict,)
    Entry = MapEntry


class Set(metaclass=_Interface):
    _python_types = (set, frozenset, LinkedJavaSet)


class Collection(metaclass=_Interface):
    _python_types = (list, tuple, set, frozenset, LinkedJavaSet)


class Iterator(metaclass=_Interface):
    _python_types = (JavaIterator,)


class Properties(JavaMap):
    """java.util.Properties: load() reads the .properties format from a file-like object, a
    java.io stream/reader or a path; getProperty() falls back to the defaults given."""

    __slots__ = ("defaults",)

    def __init__(self, defaults=None):
        super().__init__()
        self.defaults = defaults

    def getProperty(self, key, default=None):
        if key in self:
            return self[key]
        if self.defaults is not None:
            value = self.defaults.getProperty(key)
            if value is not None:
                return value
        return default

    def setProperty(self, key, value):
        return self.put(key, value)

    def propertyNames(self):
        names = dict.fromkeys(self.defaults.stringPropertyNames() if self.defaults is not None else ())
        names.update(dict.fromkeys(dict.keys(self)))
        return JavaIterator(names)

    def stringPropertyNames(self):
        names = LinkedJavaSet(self.defaults.stringPropertyNames() if self.defaults is not None else ())
        names.addAll(dict.keys(self))
        return names

    def load(self, source):
        text = _read_text(source)
        import javaproperties

        self.update(javaproperties.loads(text))

    def store(self, target, comments=None):
        import javaproperties

        lines = []
        if comments:
            lines.append("#" + comments)
        lines.append("#" + _dt.datetime.now().strftime("%a %b %d %H:%M:%S %Y"))
        for key, value in dict.items(self):
            lines.append(javaproperties.join_key_value(java_string(key), java_string(value)))
        text = "\n".join(lines) + "\n"
        write = getattr(target, "write")
        try:
            write(text)
        except TypeError:
            write(text.encode("latin-1", "backslashreplace"))

    def list(self, out):
        out.println("-- listing properties --")
        for key, value in dict.items(self):
            out.println(f"{key}={value}")


def _read_text(source) -> str:
    """Text from a Python file object, a java.io stream or reader, or a path (str or File)."""
    import os

    if isinstance(source, (str, os.PathLike)) and not hasattr(source, "read"):
        with open(os.fspath(source), "rb") as handle:
            data = handle.read()
    else:
        read_all = getattr(source, "_read_all", None)
        data = read_all() if read_all is not None else source.read()
    if isinstance(data, (bytes, bytearray)):
        return bytes(data).decode("latin-1")  # Properties.load(InputStream) is ISO 8859-1
    return data


class Collections:
    @staticmethod
    def sort(items, comparator=None):
        if comparator is None:
            items.sort()
        else:
            items.sort(key=_as_key(comparator))

    @staticmethod
    def reverse(items):
        items.reverse()

    @staticmethod
    def shuffle(items):
        import random

        random.shuffle(items)

    @staticmethod
    def max(items, comparator=None):
        return max(items) if comparator is None else max(items, key=_as_key(comparator))

    @staticmethod
    def min(items, comparator=None):
        return min(items) if comparator is None else min(items, key=_as_key(comparator))

    @staticmethod
    def emptyList():
        return JavaList()

    @staticmethod
    def emptyMap():
        return JavaMap()

    @staticmethod
    def emptySet():
        return JavaSet()

    @staticmethod
    def singletonList(item):
        return JavaList([item])

    singleton = staticmethod(lambda item: JavaSet([item]))

    @staticmethod
    def singletonMap(key, value):
        return JavaMap({key: value})

    @staticmethod
    def unmodifiableList(items):
        return JavaList(items)

    @staticmethod
    def unmodifiableMap(items):
        return JavaMap(items)

    @staticmethod
    def unmodifiableSet(items):
        return JavaSet(items)

    @staticmethod
    def frequency(items, item):
        return sum(1 for x in items if x == item)

    @staticmethod
    def nCopies(count, item):
        return JavaList([item] * count)


class Arrays:
    @staticmethod
    def asList(*items):
        if len(items) == 1 and isinstance(items[0], (list, tuple)):
            items = items[0]
        return JavaList(items)

    @staticmethod
    def sort(items, comparator=None):
        Collections.sort(items, comparator)

    @staticmethod
    def toString(items):
        return java_string(list(items))


class UUID(JavaBean):
    def __init__(self, value):
        self._value = value

    @staticmethod
    def randomUUID():
        import uuid

        return UUID(uuid.uuid4())

    @staticmethod
    def fromString(text):
        import uuid

        return UUID(uuid.UUID(text))

    def toString(self):
        return str(self._value)

    __str__ = toString

    def __repr__(self):
        return str(self._value)

    def __eq__(self, other):
        return isinstance(other, UUID) and other._value == self._value

    def __hash__(self):
        return hash(self._value)


class Random(JavaBean):
    def __init__(self, seed=None):
        import random

        self._random = random.Random(seed)

    def nextInt(self, bound=None):
        if bound is None:
            return self._random.randint(-(2 ** 31), 2 ** 31 - 1)
        return self._random.randrange(bound)

    def nextDouble(self):
        return self._random.random()

    def nextBoolean(self):
        return self._random.random() < 0.5

    def nextLong(self):
        return self._random.randint(-(2 ** 63), 2 ** 63 - 1)


# ------------------------------------------------------------------------------------- dates

def _now_millis() -> int:
    return _time.time_ns() // 1_000_000


def _local(millis: int) -> _dt.datetime:
    """Naive local date-time for epoch millis."""
    return _dt.datetime.fromtimestamp(millis / 1000.0).replace(microsecond=(millis % 1000) * 1000)


def _millis_of_local(moment: _dt.datetime) -> int:
    """Epoch millis for a naive local date-time."""
    seconds = _time.mktime(moment.timetuple())
    return int(seconds) * 1000 + moment.microsecond // 1000


class Date(JavaBean):
    """java.util.Date: an instant in epoch millis; toString() in Java's format."""

    __slots__ = ("_millis",)

    def __init__(self, *args):
        if not args:
            self._millis = _now_millis()
        elif len(args) == 1 and isinstance(args[0], (int, float)):
            self._millis = int(args[0])
        elif len(args) == 1 and isinstance(args[0], _dt.datetime):
            moment = args[0]
            self._millis = (
                int(moment.timestamp() * 1000) if moment.tzinfo is not None else _millis_of_local(moment)
            )
        elif len(args) >= 3:  # deprecated Date(year-1900, month0, day[, h, m, s])
            year, month, day, *rest = args
            rest = list(rest) + [0] * (3 - len(rest))
            self._millis = _millis_of_local(_lenient(year + 1900, month, day, rest[0], rest[1], rest[2], 0))
        else:
            raise TypeError(f"Date{args!r}: unsupported constructor arguments")

    def getTime(self) -> int:
        return self._millis

    def setTime(self, millis: int) -> None:
        self._millis = int(millis)

    def before(self, other) -> bool:
        return self._millis < other.getTime()

    def after(self, other) -> bool:
        return self._millis > other.getTime()

    def compareTo(self, other) -> int:
        other = other.getTime()
        return (self._millis > other) - (self._millis < other)

    def equals(self, other) -> bool:
        return self == other

    def toDatetime(self) -> _dt.datetime:
        """A naive local datetime (a Python convenience)."""
        return _local(self._millis)

    def toString(self) -> str:
        moment = _local(self._millis)
        zone = _time.strftime("%Z", _time.localtime(self._millis / 1000.0))
        return moment.strftime("%a %b %d %H:%M:%S ") + zone + moment.strftime(" %Y")

    __str__ = toString

    def __repr__(self):
        return self.toString()

    def __eq__(self, other):
        return isinstance(other, Date) and other._millis == self._millis

    def __lt__(self, other):
        return self._millis < other.getTime()

    def __le__(self, other):
        return self._millis <= other.getTime()

    def __gt__(self, other):
        return self._millis > other.getTime()

    def __ge__(self, other):
        return self._millis >= other.getTime()

    def __hash__(self):
        return hash(self._millis)

    def getYear(self):
        return _local(self._millis).year - 1900

    def getMonth(self):
        return _local(self._millis).month - 1

    def getDate(self):
        return _local(self._millis).day

    def getHours(self):
        return _local(self._millis).hour

    def getMinutes(self):
        return _local(self._millis).minute

    def getSeconds(self):
        return _local(self._millis).second


def _lenient(year, month0, day, hour, minute, second, millis) -> _dt.datetime:
    """Java's lenient field arithmetic: month 12 is next January, day 0 the last of the previous
    month, hour 25 tomorrow 01:00..."""
    year += month0 // 12
    month0 %= 12
    base = _dt.datetime(year, month0 + 1, 1)
    return base + _dt.timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second, milliseconds=millis)


class Calendar(JavaBean):
    """java.util.Calendar (a GregorianCalendar in local time): get/set/add by field constant,
    months 0-based as in Java, getTime() a Date."""

    ERA, YEAR, MONTH, WEEK_OF_YEAR, WEEK_OF_MONTH, DATE, DAY_OF_MONTH, DAY_OF_YEAR = 0, 1, 2, 3, 4, 5, 5, 6
    DAY_OF_WEEK, DAY_OF_WEEK_IN_MONTH, AM_PM, HOUR, HOUR_OF_DAY, MINUTE, SECOND, MILLISECOND = 7, 8, 9, 10, 11, 12, 13, 14
    ZONE_OFFSET, DST_OFFSET = 15, 16
    JANUARY, FEBRUARY, MARCH, APRIL, MAY, JUNE, JULY, AUGUST, SEPTEMBER, OCTOBER, NOVEMBER, DECEMBER = range(12)
    SUNDAY, MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY = range(1, 8)
    AM, PM = 0, 1

    def __init__(self, millis=None):
        self._millis = _now_millis() if millis is None else int(millis)

    @staticmethod
    def getInstance(*_zone_or_locale):
        return GregorianCalendar()

    # the fields of the current instant
    def _fields(self) -> dict:
        moment = _local(self._millis)
        return {
            Calendar.YEAR: moment.year,
            Calendar.MONTH: moment.month - 1,
            Calendar.DAY_OF_MONTH: moment.day,
            Calendar.HOUR_OF_DAY: moment.hour,
            Calendar.MINUTE: moment.minute,
            Calendar.SECOND: moment.second,
            Calendar.MILLISECOND: moment.microsecond // 1000,
        }

    def get(self, field: int) -> int:
        moment = _local(self._millis)
        if field == Calendar.DAY_OF_WEEK:
            return (moment.isoweekday() % 7) + 1  # Sunday = 1
        if field == Calendar.DAY_OF_YEAR:
            return moment.timetuple().tm_yday
        if field == Calendar.HOUR:
            return moment.hour % 12
        if field == Calendar.AM_PM:
            return Calendar.PM if moment.hour >= 12 else Calendar.AM
        if field == Calendar.WEEK_OF_YEAR:
            return moment.isocalendar()[1]
        if field == Calendar.ERA:
            return 1
        if field == Calendar.ZONE_OFFSET:
            return -(_time.altzone if _time.localtime(self._millis / 1000).tm_isdst > 0 else _time.timezone) * 1000
        fields = self._fields()
        if field not in fields:
            raise ValueError(f"Calendar field {field} is not supported")
        return fields[field]

    def set(self, *args) -> None:
        """set(field, value), set(year, month, date[, hourOfDay, minute[, second]])."""
        fields = self._fields()
        if len(args) == 2:
            field, value = args
            if field == Calendar.HOUR:
                fields[Calendar.HOUR_OF_DAY] = value + (12 if fields[Calendar.HOUR_OF_DAY] >= 12 else 0)
            elif field == Calendar.AM_PM:
                fields[Calendar.HOUR_OF_DAY] = fields[Calendar.HOUR_OF_DAY] % 12 + (12 if value else 0)
            elif field in (Calendar.DAY_OF_WEEK, Calendar.DAY_OF_YEAR):
                current = self.get(field)
                fields[Calendar.DAY_OF_MONTH] += value - current
            else:
                fields[field] = value
        elif len(args) in (3, 5, 6):
            names = (Calendar.YEAR, Calendar.MONTH, Calendar.DAY_OF_MONTH, Calendar.HOUR_OF_DAY, Calendar.MINUTE,
                     Calendar.SECOND)
            fields.update(zip(names, args))
        else:
            raise TypeError("set(field, value) or set(year, month, date[, hourOfDay, minute[, second]])")
        self._millis = _millis_of_local(
            _lenient(fields[Calendar.YEAR], fields[Calendar.MONTH], fields[Calendar.DAY_OF_MONTH],
                     fields[Calendar.HOUR_OF_DAY], fields[Calendar.MINUTE], fields[Calendar.SECOND],
                     fields[Calendar.MILLISECOND])
        )

    def add(self, field: int, amount: int) -> None:
        """Java's add(): months and years keep the day, clamped to the month's length; the rest is
        plain arithmetic (days in local calendar time)."""
        moment = _local(self._millis)
        if field in (Calendar.YEAR, Calendar.MONTH):
            months = amount * 12 if field == Calendar.YEAR else amount
            total = moment.year * 12 + (moment.month - 1) + months
            year, month0 = divmod(total, 12)
            day = min(moment.day, _calendar.monthrange(year, month0 + 1)[1])
            moment = moment.replace(year=year, month=month0 + 1, day=day)
            self._millis = _millis_of_local(moment)
            return
        if field in (Calendar.DAY_OF_MONTH, Calendar.DAY_OF_YEAR, Calendar.DAY_OF_WEEK):
            self._millis = _millis_of_local(moment + _dt.timedelta(days=amount))
            return
        if field in (Calendar.WEEK_OF_YEAR, Calendar.WEEK_OF_MONTH):
            self._millis = _millis_of_local(moment + _dt.timedelta(weeks=amount))
            return
        unit_millis = {
            Calendar.HOUR: 3_600_000, Calendar.HOUR_OF_DAY: 3_600_000, Calendar.MINUTE: 60_000,
            Calendar.SECOND: 1000, Calendar.MILLISECOND: 1,
        }
        if field not in unit_millis:
            raise ValueError(f"Calendar field {field} is not supported")
        self._millis += amount * unit_millis[field]

    def getTime(self) -> Date:
        return Date(self._millis)

    def setTime(self, date) -> None:
        self._millis = date.getTime()

    def getTimeInMillis(self) -> int:
        return self._millis

    def setTimeInMillis(self, millis: int) -> None:
        self._millis = int(millis)

    def before(self, other) -> bool:
        return self._millis < other.getTimeInMillis()

    def after(self, other) -> bool:
        return self._millis > other.getTimeInMillis()

    def compareTo(self, other) -> int:
        other = other.getTimeInMillis()
        return (self._millis > other) - (self._millis < other)

    def clone(self):
        return type(self)(self._millis)

    def getActualMaximum(self, field: int) -> int:
        moment = _local(self._millis)
        if field == Calendar.DAY_OF_MONTH:
            return _calendar.monthrange(moment.year, moment.month)[1]
        if field == Calendar.DAY_OF_YEAR:
            return 366 if _calendar.isleap(moment.year) else 365
        return {Calendar.MONTH: 11, Calendar.HOUR_OF_DAY: 23, Calendar.MINUTE: 59, Calendar.SECOND: 59,
                Calendar.MILLISECOND: 999}[field]

    def __eq__(self, other):
        return isinstance(other, Calendar) and other._millis == self._millis

    def __hash__(self):
        return hash(self._millis)

    def toString(self):
        return f"java.util.GregorianCalendar[time={self._millis}]"

    def __repr__(self):
        return self.toString()


class GregorianCalendar(Calendar):
    """GregorianCalendar(), GregorianCalendar(year, month0, day[, hourOfDay, minute[, second]])."""

    def __init__(self, *args):
        if len(args) in (3, 5, 6):
            year, month0, day, hour, minute, second = (list(args) + [0, 0, 0])[:6]
            super().__init__(_millis_of_local(_lenient(year, month0, day, hour, minute, second, 0)))
        elif len(args) == 1 and isinstance(args[0], int):
            super().__init__(args[0])
        else:
            super().__init__()


class TimeZone(JavaBean):
    def __init__(self, zone_id):
        self._id = zone_id

    @staticmethod
    def getDefault():
        return TimeZone(_time.tzname[0])

    @staticmethod
    def getTimeZone(zone_id):
        return TimeZone(zone_id)

    def getID(self):
        return self._id


__all__ = [
    "ArrayList", "LinkedList", "Vector", "Stack", "HashMap", "LinkedHashMap", "Hashtable", "TreeMap", "HashSet",
    "LinkedHashSet", "TreeSet", "List", "Map", "Set", "Collection", "Iterator", "Properties", "Collections",
    "Arrays", "UUID", "Random", "Date", "Calendar", "GregorianCalendar", "TimeZone",
]
