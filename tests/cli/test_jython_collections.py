"""Collections the shell hands scripts: Python's list/dict/set that also answer Java's methods."""

from __future__ import annotations

import json

import pytest

from deployit_cli.jython import JavaList, JavaMap, JavaSet, LinkedJavaSet, MapEntry, wrap


def test_java_list_reads_like_java_and_python():
    items = JavaList(["a", "b", "c"])
    assert isinstance(items, list)
    assert items.size() == 3 == len(items)
    assert items.get(0) == "a" and items[1] == "b"
    assert not items.isEmpty() and JavaList().isEmpty()
    assert items.contains("b") and not items.contains("z")
    assert items.indexOf("c") == 2 and items.indexOf("z") == -1
    assert items.lastIndexOf("a") == 0
    assert items.toArray() == ["a", "b", "c"]
    assert items.subList(1, 3) == ["b", "c"] and isinstance(items.subList(1, 3), JavaList)
    assert [x for x in items] == ["a", "b", "c"]
    assert items.toString() == "[a, b, c]"
    with pytest.raises(IndexError):
        items.get(5)
    with pytest.raises(IndexError):
        items.get(-1)


def test_java_list_changes():
    items = JavaList()
    assert items.add("x") is True
    items.add(0, "first")
    assert items == ["first", "x"]
    items.addAll(["y", "z"])
    items.addAll(1, ["between"])
    assert items == ["first", "between", "x", "y", "z"]
    assert items.set(0, "new") == "first"
    assert items.remove("y") is True
    assert items.remove("absent") is False
    assert items.remove(0) == "new"  # an int is an index, as Java's remove(int)
    assert items == ["between", "x", "z"]
    items.removeAll(["x"])
    assert items == ["between", "z"]
    items.clear()
    assert items.isEmpty()


def test_java_list_iterator_and_sorting():
    items = JavaList([3, 1, 2])
    iterator = items.iterator()
    seen = []
    while iterator.hasNext():
        seen.append(iterator.next())
    assert seen == [3, 1, 2]
    items.sort()
    assert items == [1, 2, 3]
    items.sort(lambda a, b: (b > a) - (b < a))  # a py2 cmp function
    assert items == [3, 2, 1]
    items.sort(key=lambda x: x)
    assert items == [1, 2, 3]

    class Comparator:
        def compare(self, a, b):
            return (b > a) - (b < a)

    items.sort(Comparator())
    assert items == [3, 2, 1]


def test_java_list_concatenation_and_slices_stay_java_lists():
    members = JavaList(["Infrastructure/a"])
    for combined in (members + ["Infrastructure/b"], ["Infrastructure/b"] + members, members * 2, members[0:1]):
        assert isinstance(combined, JavaList)
        assert combined.size() == len(combined)
    assert members + ["Infrastructure/b"] == ["Infrastructure/a", "Infrastructure/b"]
    assert ["x"] + members == ["x", "Infrastructure/a"]


def test_java_map_reads_like_java_and_python():
    values = JavaMap({"b": 2, "a": 1})
    assert isinstance(values, dict)
    assert values.get("a") == 1 and values.get("missing") is None and values["b"] == 2
    assert values.containsKey("a") and not values.containsKey("z")
    assert values.containsValue(2) and not values.containsValue(3)
    assert values.size() == 2 and not values.isEmpty() and JavaMap().isEmpty()
    assert list(values.keySet()) == ["b", "a"]  # insertion order, like the map
    assert values.keySet().contains("a") and values.keySet().size() == 2
    entries = list(values.entrySet())
    assert [(e.getKey(), e.getValue()) for e in entries] == [("b", 2), ("a", 1)]
    assert [(e.key, e.value) for e in entries] == [("b", 2), ("a", 1)]
    assert [(k, v) for k, v in values.entrySet()] == [("b", 2), ("a", 1)]
    assert values.values() == [2, 1] and values.values().size() == 2
    assert sorted(values.values()) == [1, 2]
    assert values.has_key("a") and sorted(values.iteritems()) == [("a", 1), ("b", 2)]
    assert sorted(values.iterkeys()) == ["a", "b"] and sorted(values.itervalues()) == [1, 2]
    assert values.keys()[0] == "b"  # Python 2 scripts index keys()
    assert values.items()[0] == ("b", 2)
    assert values.toString() == "{b=2, a=1}"


def test_java_map_changes():
    values = JavaMap()
    assert values.put("k", 1) is None
    assert values.put("k", 2) == 1
    values.putAll({"x": 9})
    assert values.remove("k") == 2 and values.remove("k") is None
    assert values == {"x": 9}
    entry = next(iter(values.entrySet()))
    assert entry.setValue(10) == 9 and values["x"] == 10
    values["y"] = [1]  # entries of unhashable values still make an entry set
    assert len(values.entrySet()) == 2
    assert values.getOrDefault("nope", "d") == "d"
    assert values.putIfAbsent("x", 0) == 10


def test_java_map_works_with_python_machinery():
    values = JavaMap({"a": JavaList([1, 2])})
    assert json.loads(json.dumps(values)) == {"a": [1, 2]}
    assert dict(values) == {"a": [1, 2]}
    merged = {}
    merged.update(values)
    assert merged == {"a": [1, 2]}
    assert {**values} == {"a": [1, 2]}
    assert isinstance(values.copy(), JavaMap)


def test_java_set():
    tags = JavaSet(["a"])
    assert isinstance(tags, set)
    assert tags.add("b") is True and tags.add("b") is False
    assert tags.size() == 2 and tags.contains("a") and not tags.isEmpty()
    assert tags.remove("a") is True and tags.remove("a") is False  # no KeyError, as in Java
    assert JavaSet().isEmpty()
    assert tags.containsAll(["b"]) and sorted(tags.toArray()) == ["b"]


def test_linked_set_is_ordered_and_a_set():
    ordered = LinkedJavaSet(["z", "a", "z"])
    assert list(ordered) == ["z", "a"]
    assert ordered == {"a", "z"}
    assert ordered | {"q"} == {"z", "a", "q"}
    ordered.add("m")
    assert list(ordered) == ["z", "a", "m"]


def test_map_entry():
    entry = MapEntry("k", "v")
    assert entry.getKey() == "k" and entry.getValue() == "v" and entry.key == "k" and entry.value == "v"
    key, value = entry
    assert (key, value) == ("k", "v")


def test_wrap_converts_nested_values():
    data = wrap({"list": [1, {"inner": (2, 3)}], "set": {"x"}, "text": "plain", "n": 1})
    assert isinstance(data, JavaMap)
    assert isinstance(data["list"], JavaList)
    assert isinstance(data["list"].get(1), JavaMap)
    assert isinstance(data["list"].get(1).get("inner"), JavaList)
    assert isinstance(data.get("set"), JavaSet)
    assert data.get("text") == "plain" and data.get("n") == 1
    already = JavaList([1])
    assert wrap(already) is already
    assert wrap("s") == "s" and wrap(None) is None


def test_initial_capacity_constructors_make_empty_collections():
    assert JavaList(10) == [] and JavaMap(16) == {} and JavaSet(4) == set()
