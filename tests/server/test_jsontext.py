"""server/jsontext.py: orjson's speed, the json module's results."""

import json

import pytest

from server.jsontext import dumps, dumps_text, loads


@pytest.mark.parametrize("text", [
    '{"port": 18446744073709551616}',          # beyond 64 bits: orjson would make it a float
    '[-123456789012345678901234567890, 1.5]',
    '{"a": NaN, "b": Infinity}',                # not JSON, but the json module always took it
    '"\\ud800"',                                 # a lone surrogate
    '{"id": "Infrastructure/h\\u00e9", "tags": ["x"], "n": null, "ok": true}',
])
def test_loads_reads_what_the_json_module_reads(text):
    for raw in (text, text.encode("utf-8")):
        expected, found = json.loads(raw), loads(raw)
        assert repr(found) == repr(expected)


@pytest.mark.parametrize("text", ["{", '{"a": 1,}', "[1 2]", ""])
def test_loads_refuses_with_the_json_module_s_message(text):
    with pytest.raises(ValueError) as theirs:
        json.loads(text)
    with pytest.raises(ValueError) as ours:
        loads(text.encode())
    assert str(ours.value) == str(theirs.value)


class Secret(str):
    pass


@pytest.mark.parametrize("value", [
    {"port": 2 ** 70, "n": -(2 ** 65)},
    {"id": "Applications/app", "password": Secret("s3cret"), "tags": ["a", "é"], "none": None, "f": 0.5},
    {1: "one", "two": [1, 2, (3, 4)]},
])
def test_dumps_writes_what_starlette_s_json_response_wrote(value):
    expected = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    assert dumps(value) == expected
    assert dumps_text(value) == expected.decode("utf-8")
