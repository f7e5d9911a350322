"""Dictionaries: effective entries per container and application, nesting, restrictions, secrets."""

from server.planning.dictionaries import EffectiveDictionary
from server.planning.model import Dictionary


def d(name, entries, secret=(), containers=(), applications=()):
    return Dictionary(f"Environments/{name}", entries, frozenset(secret), frozenset(containers), frozenset(applications))


def values(effective):
    return {k: e.value for k, e in effective.items().items()}


def test_entries_refer_to_other_entries_in_any_dictionary_of_the_environment():
    dicts = [d("A", {"MESSAGE": "Welcome to {{APP_NAME}}!", "DEEP": "[{{MESSAGE}}]"}), d("B", {"APP_NAME": "XL Deploy"})]
    effective = EffectiveDictionary(dicts)
    assert effective.get("MESSAGE").value == "Welcome to XL Deploy!"
    assert effective.get("DEEP").value == "[Welcome to XL Deploy!]"


def test_first_listed_dictionary_wins():
    effective = EffectiveDictionary([d("A", {"K": "first"}), d("B", {"K": "second", "L": "only in B"})])
    assert values(effective) == {"K": "first", "L": "only in B"}
    assert effective.get("K").source == "Environments/A"


def test_restrictions_all_must_hold():
    both = d("Both", {"K": "both"}, containers=["Infrastructure/h1"], applications=["Applications/App"])
    fallback = d("Fallback", {"K": "fallback"})
    dicts = [both, fallback]
    assert EffectiveDictionary(dicts, "Infrastructure/h1", "Applications/App").get("K").value == "both"
    assert EffectiveDictionary(dicts, "Infrastructure/h2", "Applications/App").get("K").value == "fallback"
    assert EffectiveDictionary(dicts, "Infrastructure/h1", "Applications/Other").get("K").value == "fallback"
    assert EffectiveDictionary(dicts, None, None).get("K").value == "fallback"


def test_an_unrestricted_dictionary_may_not_refer_to_restricted_entries():
    restricted = d("R", {"HOST": "h1.example", "OWN": "http://{{HOST}}"}, containers=["Infrastructure/h1"])
    unrestricted = d("U", {"URL": "http://{{HOST}}:{{PORT}}", "PORT": "8080", "HOST": "default.example"})
    effective = EffectiveDictionary([restricted, unrestricted], "Infrastructure/h1")
    # HOST itself comes from the restricted dictionary (first wins) ...
    assert effective.get("HOST").value == "h1.example"
    # ... but the unrestricted URL only sees unrestricted entries
    assert effective.get("URL").value == "http://default.example:8080"
    # a restricted entry may refer to anything applicable
    assert effective.get("OWN").value == "http://h1.example"
    only_restricted = EffectiveDictionary([d("R", {"HOST": "h1"}, containers=["Infrastructure/h1"]),
                                           d("U", {"URL": "http://{{HOST}}"})], "Infrastructure/h1")
    entry = only_restricted.get("URL")
    assert entry.value == "http://{{HOST}}" and entry.unresolved == {"HOST"}


def test_unknown_references_and_cycles_stay_as_they_are():
    effective = EffectiveDictionary([d("A", {"X": "{{Y}}", "Y": "{{X}}", "Z": "a {{MISSING}} b"})])
    assert effective.get("Z").value == "a {{MISSING}} b" and effective.get("Z").unresolved == {"MISSING"}
    assert "{{" in effective.get("X").value


def test_empty_and_ignore_inside_references_and_in_text():
    effective = EffectiveDictionary([d("A", {"E": "<empty>", "I": "<ignore>", "V": "a{{E}}b{{I}}c"})])
    assert effective.get("V").value == "ab{{I}}c"
    assert effective.get("E").value == "<empty>"
    assert effective.fill("x={{E}} y={{I}} z={{NOPE}}") == ("x= y={{I}} z={{NOPE}}", False, {"NOPE"})


def test_secret_values_are_marked_and_blank_where_secrets_are_not_allowed():
    effective = EffectiveDictionary([d("S", {"PW": "s3cret"}, secret=["PW"]),
                                     d("U", {"DSN": "user:{{PW}}@db"})])
    assert effective.get("PW").secret
    assert effective.get("DSN").secret and effective.get("DSN").value == "user:s3cret@db"
    assert effective.fill("pw={{PW}}", allow_secret=True) == ("pw=s3cret", True, set())
    assert effective.fill("pw={{PW}}", allow_secret=False)[0] == "pw="
