"""server/repository/ids.py: a plain id is taken by one match; every other id goes through each check in turn, and
both ways must agree."""

import random

import pytest

from server.errors import BadRequest
from server.repository import ids
from server.repository.ids import check_id

PIECES = ["Infrastructure", "Applications", "Environments", "Configuration", "Infra", "/", "/", "/", " ", " ", "a",
          "Z", "9", "-", ".", "_", "(", "~", "'", "\\", ":", "[", "]", "|", "*", "%", '"', "\x00", "\t", "\n", "\x7f",
          "\x85", "\u00a0", "\u2028", "\u3000", "é", "日", "\ud800"]


def outcome(check, ci_id):
    try:
        return check(ci_id)
    except BadRequest as exc:
        return f"refused: {exc}"


def in_full(ci_id):
    """check_id without its one-match shortcut."""
    if not isinstance(ci_id, str) or not ci_id.strip():
        raise BadRequest("A CI id must be a non-empty string.")
    ci_id = ci_id.strip("/")
    if len(ci_id) > ids.MAX_ID_LENGTH:
        return check_id(ci_id)  # the length check comes before either way
    return ids._checked_in_full(ci_id)


def test_the_shortcut_agrees_with_every_check():
    rng = random.Random(17)
    for _ in range(20000):
        ci_id = rng.choice(PIECES[:4]) + "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12)))
        assert outcome(check_id, ci_id) == outcome(in_full, ci_id), repr(ci_id)


@pytest.mark.parametrize("ci_id, expected", [
    ("/Infrastructure/web 1/", "Infrastructure/web 1"),
    ("Infrastructure/a  b", "Infrastructure/a  b"),
    ("Infrastructure/a /b", "refused: The name 'a ' in 'Infrastructure/a /b' may not start or end with spaces."),
    ("Infrastructure/ a", "refused: The name ' a' in 'Infrastructure/ a' may not start or end with spaces."),
    ("Infrastructure//a", "refused: The id 'Infrastructure//a' contains an empty name."),
    ("Infrastructure/a:b", "refused: The name 'a:b' in 'Infrastructure/a:b' contains illegal characters: :."),
    ("Infrastructures/a", "refused: The id 'Infrastructures/a' must start with one of the roots Applications, "
                          "Environments, Infrastructure, Configuration."),
    ("Infrastructure/a\tb", "refused: The id 'Infrastructure/a\\tb' may not hold a control character (U+0009)."),
    ("Infrastructure/caf\u00e9", "Infrastructure/caf\u00e9"),
    ("Infrastructure/a\u00a0", "refused: The name 'a\u00a0' in 'Infrastructure/a\u00a0' may not start or end with "
                               "spaces."),
])
def test_ids_plain_and_not(ci_id, expected):
    assert outcome(check_id, ci_id) == expected
