"""Property values by kind (server/types/values.py): one conversion, strict for the repository,
lenient for planning, which agree on every value that fits."""

import pytest

from server.errors import BadRequest
from server.types.model import PropertyDescriptor, PropertyKind as K
from server.types.values import coerce, effective, failed_rules, is_missing, problem

ENUM = ["one", "two"]

FITTING = [
    (K.STRING, 42, "42"), (K.STRING, True, "true"), (K.STRING, "", None),
    (K.ENUM, "two", "two"),
    (K.INTEGER, " 7 ", 7), (K.INTEGER, 3, 3), (K.INTEGER, " ", None),
    (K.BOOLEAN, " TRUE", True), (K.BOOLEAN, False, False),
    (K.CI, "/Infrastructure/h/", "Infrastructure/h"), (K.CI, {"id": "Infrastructure/h"}, "Infrastructure/h"),
    (K.SET_OF_CI, ["a", {"ref": "b"}, "a"], ["a", "b"]), (K.LIST_OF_CI, ["a", "a"], ["a", "a"]),
    (K.SET_OF_STRING, "a, b,,a", ["a", "b"]), (K.LIST_OF_STRING, [1, 2.5, "x"], ["1", "2.5", "x"]),
    (K.MAP_STRING_STRING, {"a": None, "b": True, 1: 2}, {"a": "", "b": "true", "1": "2"}),
]

UNFIT = [
    (K.STRING, ["a"], "W must be a string."),
    (K.ENUM, "three", "W must be one of one, two, not 'three'."),
    (K.INTEGER, "{{PORT}}", "W must be an integer, not '{{PORT}}'."),
    (K.INTEGER, True, "W must be an integer, not True."),
    (K.BOOLEAN, "yes", "W must be true or false, not 'yes'."),
    (K.SET_OF_CI, 5, "W must be a list of CI ids."),
    (K.SET_OF_STRING, [["nested"]], "W must be a list of strings."),
    (K.MAP_STRING_STRING, {"k": [1]}, "W: the value of key 'k' must be a string."),
]


def prop(kind, **options) -> PropertyDescriptor:
    return PropertyDescriptor(name="p", kind=kind, enum_values=ENUM, **options)


@pytest.mark.parametrize("kind, value, expected", FITTING)
def test_strict_and_lenient_agree_on_values_that_fit(kind, value, expected):
    assert coerce(prop(kind), value, strict=True, what="W") == expected
    assert coerce(prop(kind), value) == expected
    assert problem(prop(kind), expected) is None


@pytest.mark.parametrize("kind, value, message", UNFIT)
def test_strict_refuses_what_does_not_fit_and_lenient_keeps_it_for_validation(kind, value, message):
    with pytest.raises(BadRequest) as refused:
        coerce(prop(kind), value, strict=True, what="W")
    assert refused.value.message == message
    kept = coerce(prop(kind), value)
    if kind not in (K.MAP_STRING_STRING, K.SET_OF_STRING):  # lenient maps and lists make text of what they hold
        assert problem(prop(kind), kept) is not None


def test_only_the_lenient_mode_reads_placeholder_friendly_forms():
    # Deployable properties are strings: a comma-separated list of CIs, a blank boolean.
    assert coerce(prop(K.SET_OF_CI), "a,b") == ["a", "b"]
    assert coerce(prop(K.BOOLEAN), " ") is None
    with pytest.raises(BadRequest):
        coerce(prop(K.SET_OF_CI), "a,b", strict=True, what="W")
    with pytest.raises(BadRequest):
        coerce(prop(K.BOOLEAN), " ", strict=True, what="W")


def test_effective_value_and_required():
    port = prop(K.INTEGER, default=8080)
    assert effective(port, {}) == 8080 and effective(port, {"p": None}) == 8080 and effective(port, {"p": 1}) == 1
    assert effective(prop(K.SET_OF_STRING), {}) == []
    assert is_missing(prop(K.STRING), {"p": ""}) and not is_missing(prop(K.STRING), {"p": "x"})
    assert not is_missing(prop(K.STRING, required=False), {})
    assert not is_missing(prop(K.BOOLEAN), {}) and not is_missing(prop(K.SET_OF_CI), {})
    assert not is_missing(prop(K.CI, as_containment=True), {})  # the parent, given by the id


def test_regex_rules_apply_to_text_only():
    named = prop(K.STRING, validation_rules=[{"type": "regex", "pattern": "[a-z]+", "message": "lower case"},
                                            {"type": "other"}])
    assert failed_rules(named, "abc") == [] and failed_rules(named, None) == []
    assert [r["message"] for r in failed_rules(named, "ABC")] == ["lower case"]
