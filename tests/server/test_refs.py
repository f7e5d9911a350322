"""server/refs.py: the one reader of CI references sent by clients."""

import pytest

from server.errors import BadRequest
from server.refs import body_id, body_ids, ref_id, ref_ids, reference

HOST = "Infrastructure/host"


@pytest.mark.parametrize("value", [HOST, f" /{HOST}/ ", {"id": HOST}, {"ref": HOST}, {"ci-ref": HOST}, {"ci": HOST},
                                   {"id": HOST, "type": "overthere.LocalHost", "ref": HOST + "/"}])
def test_every_form_stands_for_the_same_id(value):
    assert reference(value) == ref_id(value, "The CI") == HOST
    assert ref_ids([value, value]) == [HOST, HOST]


@pytest.mark.parametrize("value", [None, "", "  ", 5, [HOST], {"id": 5}, {"name": HOST}])
def test_what_is_no_reference(value):
    assert reference(value) is None
    with pytest.raises(BadRequest, match="The CI must be a CI id"):
        ref_id(value, "The CI")


@pytest.mark.parametrize("key", ["ref", "ci-ref", "ci"])
def test_a_reference_naming_two_cis_is_refused_whoever_reads_it(key):
    for read in (reference, lambda v: ref_id(v, "Each entry"), lambda v: ref_ids([v])):
        with pytest.raises(BadRequest, match="names more than one CI"):
            read({"id": HOST, key: "Infrastructure/other"})


def test_lists_and_ci_bodies():
    with pytest.raises(BadRequest, match="JSON list"):
        ref_ids({"id": HOST})
    assert body_ids([{"id": f"/{HOST}", "type": "overthere.LocalHost"}]) == [HOST]
    for bad in ({"ref": HOST}, {"id": {"ref": HOST}}, HOST):
        with pytest.raises(BadRequest):
            body_id(bad)
