"""server/repository/values.py, its quick paths against the plain ones. `to_stored`: the type's plan takes the common
values quickly; whatever it takes must come out as `convert`, value by value, makes it, and whatever is wrong must be
refused with the same sentence. `for_client` with the meta fields: as the meta fields followed by what a client
reads of the properties, keys in the same order."""

import random

from server.errors import BadRequest
from server.repository import values
from server.store.secrets import MASK
from server.types.model import PropertyDescriptor, PropertyKind as K, TypeDescriptor

SECRETS = type("Secrets", (), {"protect": staticmethod(lambda text: "{b64}" + text[::-1])})()


def make_type() -> TypeDescriptor:
    props = [PropertyDescriptor(name=kind.value.lower(), kind=kind, enum_values=["one", "two", ""]) for kind in K]
    props += [PropertyDescriptor(name="secret", password=True),
              PropertyDescriptor(name="secrets", kind=K.MAP_STRING_STRING, password=True),
              PropertyDescriptor(name="scratch", transient=True),
              PropertyDescriptor(name="numbers", kind=K.INTEGER, transient=True),
              PropertyDescriptor(name="children", kind=K.SET_OF_CI, as_containment=True),
              PropertyDescriptor(name="host", kind=K.CI, as_containment=True),
              PropertyDescriptor(name="id"), PropertyDescriptor(name="$odd")]
    return TypeDescriptor(type="test.Everything", properties={p.name: p for p in props})


def by_convert(desc: TypeDescriptor, ci_id: str, data: dict) -> dict:
    """to_stored as it was before its plan: every value through `convert`."""
    stored = {}
    for key, value in data.items():
        if key in values.META_KEYS or key.startswith("$"):
            continue
        prop = desc.property(key)
        if prop is None and key == "token":
            continue
        if prop is None:
            raise BadRequest(f"Unknown property '{key}' on CI {ci_id} of type {desc.type}.")
        if prop.kind.is_collection and prop.as_containment:
            continue
        converted = values.convert(prop, value, f"Property '{key}' of CI {ci_id}", SECRETS)
        if prop.transient:
            continue
        if converted is not None and not (prop.kind.is_collection and converted == []):
            stored[key] = converted
    return stored


SCALARS = [None, "", " ", "x", " x ", "one", "three", "/Infrastructure/h/", "Infrastructure/h", "a,b, a", "7", " 8 ",
           "true", "FALSE", "********", "2024-01-02T03:04:05Z", 0, 5, -3, 2 ** 70, 1.5, True, False, "\u00e9",
           {"id": "Infrastructure/h"}, {"ref": "Infrastructure/h", "id": "Infrastructure/g"}, {}, {"k": "v"},
           {"k": None}, {"k": ["v"]}]
VALUES = SCALARS + [[], ["a"], ["a", "a", "b"], ["/a/", " b"], [""], [" "], ["a", 1], [1.5, True], [None],
                    [{"id": "x"}], [["x"]], ["one", {"ref": "b"}]]
KEYS = [kind.value.lower() for kind in K] + ["secret", "secrets", "scratch", "numbers", "children", "host", "id",
                                             "type", "$token", "$odd", "token", "unknown"]


def outcome(convert, desc, data):
    try:
        return convert(desc, "Infrastructure/ci", data, SECRETS) if convert is values.to_stored \
            else convert(desc, "Infrastructure/ci", data)
    except BadRequest as exc:
        return f"refused: {exc}"


def test_the_plan_stores_what_convert_stores_and_refuses_what_it_refuses():
    desc, rng = make_type(), random.Random(17)
    for _ in range(20000):
        data = {rng.choice(KEYS): rng.choice(VALUES) for _ in range(rng.randint(1, 4))}
        assert outcome(values.to_stored, desc, data) == outcome(by_convert, desc, data), data


def test_a_ci_for_the_client_is_its_meta_fields_then_its_properties_as_shown():
    desc, rng = make_type(), random.Random(17)
    hiding = make_type()  # properties named as meta fields show over them, where the meta field is
    hiding.properties["type"] = PropertyDescriptor(name="type", default="shown")
    hiding.properties["$token"] = PropertyDescriptor(name="$token")
    stored_values = [v for v in VALUES if v is not None] + ["{b64}secret", MASK]
    for _ in range(3000):
        stored = {rng.choice(KEYS): rng.choice(stored_values) for _ in range(rng.randint(0, 5))}
        for kind in (desc, hiding):
            meta = tuple(f"meta {n}" for n in range(len(values.CLIENT_META)))
            plain = dict(zip(values.CLIENT_META, meta))
            plain.update(values.masked(kind, values.to_json(kind, stored)))
            quick = values.for_client(kind, stored, meta)
            assert list(quick.items()) == list(plain.items()), stored
            shown = values.masked(kind, values.to_json(kind, stored))
            assert list(values.for_client(kind, stored).items()) == list(shown.items())
