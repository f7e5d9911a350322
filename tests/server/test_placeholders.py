"""Placeholder scanning and replacement."""

import pytest

from server import placeholders


def test_find_with_default_and_custom_delimiters():
    text = "url={{DB_URL}}\nuser={{ DB_USER }}\n{{not\nclosed"
    assert placeholders.find(text) == {"DB_URL", "DB_USER"}
    assert placeholders.find("a=##X## b=##Y##", "## ##") == {"X", "Y"}


def test_replace_special_values_and_missing():
    values = {"A": "1", "E": "<empty>", "I": "<ignore>"}
    assert placeholders.replace("{{A}}-{{E}}-{{I}}-{{M}}", values) == "1--{{I}}-{{M}}"
    with pytest.raises(placeholders.MissingPlaceholders, match="M"):
        placeholders.replace("{{A}} {{M}}", values, required=True)


def test_bad_delimiters_are_refused():
    with pytest.raises(ValueError, match="Delimiters"):
        placeholders.find("x", "{{")
