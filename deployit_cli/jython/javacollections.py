"""Collections that behave as Python's list, dict and set and also answer Java's collection methods.

The Jython CLI handed scripts Java collections, and scripts call `size()`, `get(i)`, `keySet()`,
`entrySet()`... on them, while newer scripts use them as Python lists and dicts. `JavaList`,
`JavaMap` and `JavaSet` are the built-in types with the Java methods added; `wrap()` converts
nested plain values. Where Java and Python disagree on a method of the same name the choice is
written on the method (`JavaList.remove`, `JavaMap.keys`).
"""

from __future__ import annotations

from collections.abc import MutableSet
from functools import cmp_to_key

from .beans import JavaBean

__all__ = ["JavaList", "JavaMap", "JavaSet", "LinkedJavaSet", "MapEntry", "JavaIterator", "wrap", "java_string"]


def java_string(value) -> str:
    """`String.valueOf(value)`: Java's rendering (null, true/false, [a, b], {k=v})."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    to_string = getattr(value, "toString", None)
    if to_string is not None and callable(to_string):
        return to_string()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_string(k)}={java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(java_string(v) for v in value) + "]"
    return str(value)


def _as_key(comparator):
    """A sort key from a py2 cmp function or a Java Comparator (an object with compare(a, b))."""
    compare = getattr(comparator, "compare", None)
    return cmp_to_key(compare if compare is not None else comparator)


class JavaIterator(JavaBean):
    """`collection.iterator()`: hasNext()/next(), and a Python iterator too."""

    __slots__ = ("_items", "_index", "_owner")

    def __init__(self, items, owner=None):
        self._items = list(items)
        self._index = 0
        self._owner = owner

    def hasNext(self) -> bool:
        return self._index < len(self._items)

    def next(self):
        if self._index >= len(self._items):
            raise StopIteration("no more elements")
        item = self._items[self._index]
        self._index += 1
        return item

    __next__ = next

    def __iter__(self):
        return self

    def remove(self):
        """Removes the element last returned by next() from the collection."""
        if self._index == 0 or self._owner is None:
            raise RuntimeError("IllegalStateException: next() has not been called")
        item = self._items[self._index - 1]
        if isinstance(self._owner, list):
            for i, current in enumerate(self._owner):
                if current is item or current == item:
                    del self._owner[i]
                    break
        elif isinstance(self._owner, dict):
            self._owner.pop(getattr(item, "key", item), None)
        else:
            self._owner.discard(item)


class _CollectionMethods(JavaBean):
    """Java Collection methods shared by lists and sets."""

    __slots__ = ()

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return len(self) == 0

    def contains(self, item) -> bool:
        return item in self

    def containsAll(self, items) -> bool:
        return all(item in self for item in items)

    def iterator(self) -> JavaIterator:
        return JavaIterator(self, self)

    def toArray(self, _typed=None) -> "JavaList":
        return JavaList(self)

    def stream(self):
        return iter(self)

    def toString(self) -> str:
        return "[" + ", ".join(java_string(v) for v in self) + "]"

    def equals(self, other) -> bool:
        return self == other

    def forEach(self, action) -> None:
        for item in list(self):
            action(item)


class JavaList(_CollectionMethods, list):
    """A Python list that also answers java.util.List's methods."""

    __slots__ = ()

    def __init__(self, items=()):
        # ArrayList(int initialCapacity) makes an empty list, as Java does.
        if isinstance(items, int) and not isinstance(items, bool):
            items = ()
        super().__init__(items)

    def get(self, index: int):
        if index < 0:
            raise IndexError(f"Index {index} out of bounds for length {len(self)}")
        return self[index]

    def add(self, *args):
        """add(x) appends and returns True; add(i, x) inserts at i, as Java's overloads do."""
        if len(args) == 1:
            self.append(args[0])
            return True
        index, item = args
        if not 0 <= index <= len(self):
            raise IndexError(f"Index {index} out of bounds for length {len(self)}")
        self.insert(index, item)
        return None

    def addAll(self, *args) -> bool:
        if len(args) == 1:
            items = list(args[0])
            self.extend(items)
        else:
            index, items = args[0], list(args[1])
            self[index:index] = items
        return bool(items)

    def set(self, index: int, item):
        previous = self[index]
        self[index] = item
        return previous

    def remove(self, item):
        """Java semantics: an int removes by index and returns the element; anything else removes
        the first equal element and returns True, or False when there is none (no ValueError)."""
        if isinstance(item, int) and not isinstance(item, bool):
            return self.pop(item)
        for i, current in enumerate(self):
            if current == item:
                del self[i]
                return True
        return False

    def removeAll(self, items) -> bool:
        drop = list(items)
        kept = [x for x in self if x not in drop]
        changed = len(kept) != len(self)
        self[:] = kept
        return changed

    def retainAll(self, items) -> bool:
        keep = list(items)
        kept = [x for x in self if x in keep]
        changed = len(kept) != len(self)
        self[:] = kept
        return changed

    def indexOf(self, item) -> int:
        for i, current in enumerate(self):
            if current == item:
                return i
        return -1

    def lastIndexOf(self, item) -> int:
        for i in range(len(self) - 1, -1, -1):
            if self[i] == item:
                return i
        return -1

    def subList(self, start: int, end: int) -> "JavaList":
        return JavaList(list.__getitem__(self, slice(start, end)))

    def sort(self, *args, key=None, reverse=False, cmp=None):
        """Python's sort(key=, reverse=), py2's sort(cmp) and Java's sort(comparator)."""
        comparator = cmp if cmp is not None else (args[0] if args else None)
        if comparator is not None:
            key = _as_key(comparator)
        list.sort(self, key=key, reverse=reverse)

    def copy(self) -> "JavaList":
        return JavaList(self)

    def __getitem__(self, index):
        result = list.__getitem__(self, index)
        return JavaList(result) if isinstance(index, slice) else result

    def __add__(self, other):
        return JavaList(list.__add__(self, list(other)))

    def __radd__(self, other):
        return JavaList(list(other) + list(self))

    def __mul__(self, count):
        return JavaList(list.__mul__(self, count))

    __rmul__ = __mul__

    @property
    def length(self) -> int:
        """Java arrays' `length` (jarray results are JavaLists)."""
        return len(self)


class _SetMethods(_CollectionMethods):
    __slots__ = ()

    def add(self, item) -> bool:
        """Java semantics: True when the element was not there yet."""
        if item in self:
            return False
        self._add(item)
        return True

    def addAll(self, items) -> bool:
        changed = False
        for item in items:
            changed = self.add(item) or changed
        return changed

    def remove(self, item) -> bool:
        """Java semantics: True when the element was there; a missing element is no error."""
        if item in self:
            self.discard(item)
            return True
        return False

    def removeAll(self, items) -> bool:
        changed = False
        for item in list(items):
            changed = self.remove(item) or changed
        return changed

    def retainAll(self, items) -> bool:
        keep = list(items)
        drop = [x for x in self if x not in keep]
        for item in drop:
            self.discard(item)
        return bool(drop)


class JavaSet(_SetMethods, set):
    """A Python set that also answers java.util.Set's methods (HashSet: no defined order)."""

    __slots__ = ()

    def __init__(self, items=()):
        if isinstance(items, int) and not isinstance(items, bool):
            items = ()
        super().__init__(items)

    def _add(self, item):
        set.add(self, item)

    def copy(self) -> "JavaSet":
        return JavaSet(self)


class LinkedJavaSet(_SetMethods, MutableSet):
    """An insertion-ordered set (LinkedHashSet; also what keySet()/entrySet() return, so iterating a
    map's keys is as deterministic as iterating the map)."""

    __slots__ = ("_items",)

    def __init__(self, items=()):
        if isinstance(items, int) and not isinstance(items, bool):
            items = ()
        self._items = dict.fromkeys(items)

    def __contains__(self, item) -> bool:
        return item in self._items

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def _add(self, item):
        self._items[item] = None

    def discard(self, item) -> None:
        self._items.pop(item, None)

    def clear(self) -> None:
        self._items.clear()

    def copy(self) -> "LinkedJavaSet":
        return LinkedJavaSet(self)

    def __repr__(self) -> str:
        return "{" + ", ".join(repr(x) for x in self._items) + "}" if self._items else "set()"

    @classmethod
    def _from_iterable(cls, items):
        return cls(items)

    __hash__ = None


class MapEntry(JavaBean, tuple):
    """A map entry: `getKey()`/`getValue()`, `.key`/`.value`, and a (key, value) pair for unpacking."""

    def __new__(cls, key, value, owner=None):
        entry = tuple.__new__(cls, (key, value))
        entry._owner = owner
        return entry

    @property
    def key(self):
        return self[0]

    @property
    def value(self):
        return self[1]

    def getKey(self):
        return self[0]

    def getValue(self):
        return self[1]

    def setValue(self, value):
        """Writes through to the map the entry came from (entrySet()); returns the old value."""
        owner = self._owner
        if owner is None:
            raise RuntimeError("UnsupportedOperationException: entry is not backed by a map")
        previous = owner.get(self[0])
        owner[self[0]] = value
        return previous

    def __hash__(self):
        # by key only: entries of one map have distinct keys, and values may be unhashable lists
        return hash(self[0])

    def toString(self) -> str:
        return f"{java_string(self[0])}={java_string(self[1])}"

    def __repr__(self) -> str:
        return self.toString()  # Java's "key=value", as Jython showed entries


class JavaMap(JavaBean, dict):
    """A Python dict that also answers java.util.Map's methods.

    `keys()`, `values()` and `items()` return lists (JavaList) as in Python 2, so both
    `m.keys()[0]` (old scripts) and iteration work; `get(k)` is None when k is missing, as in Java
    and Python alike.
    """

    __slots__ = ()

    def __init__(self, *args, **kwargs):
        # HashMap(int initialCapacity) makes an empty map, as Java does.
        if len(args) == 1 and isinstance(args[0], int) and not isinstance(args[0], bool):
            args = ()
        super().__init__(*args, **kwargs)

    def put(self, key, value):
        previous = dict.get(self, key)
        self[key] = value
        return previous

    def putAll(self, other) -> None:
        self.update(other)

    def putIfAbsent(self, key, value):
        if key in self and self[key] is not None:
            return self[key]
        self[key] = value
        return None

    def getOrDefault(self, key, default):
        return dict.get(self, key, default)

    def containsKey(self, key) -> bool:
        return key in self

    def containsValue(self, value) -> bool:
        return any(v == value for v in dict.values(self))

    def keySet(self) -> LinkedJavaSet:
        return LinkedJavaSet(dict.keys(self))

    def entrySet(self) -> LinkedJavaSet:
        return LinkedJavaSet(MapEntry(k, v, self) for k, v in dict.items(self))

    def keys(self) -> JavaList:
        return JavaList(dict.keys(self))

    def values(self) -> JavaList:
        return JavaList(dict.values(self))

    def items(self) -> JavaList:
        return JavaList(dict.items(self))

    def iterkeys(self):
        return iter(dict.keys(self))

    def itervalues(self):
        return iter(dict.values(self))

    def iteritems(self):
        return iter(dict.items(self))

    def has_key(self, key) -> bool:
        return key in self

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return len(self) == 0

    def remove(self, key):
        """Java's remove(key): the value that was there, or None."""
        return self.pop(key, None)

    def copy(self) -> "JavaMap":
        return type(self)(self)

    def toString(self) -> str:
        return "{" + ", ".join(f"{java_string(k)}={java_string(v)}" for k, v in dict.items(self)) + "}"

    def equals(self, other) -> bool:
        return self == other

    def forEach(self, action) -> None:
        for key, value in list(dict.items(self)):
            action(key, value)


def wrap(value):
    """Turns lists, tuples, dicts and sets (recursively) into JavaList, JavaMap and JavaSet.

    Values that already are Java-style collections are returned as they are; strings and other
    values too."""
    if isinstance(value, (JavaList, JavaMap, JavaSet, LinkedJavaSet)):
        return value
    if isinstance(value, (list, tuple)):
        return JavaList(wrap(v) for v in value)
    if isinstance(value, dict):
        return JavaMap((k, wrap(v)) for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return JavaSet(value)
    return value
