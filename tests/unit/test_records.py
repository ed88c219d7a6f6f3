"""Rows a real account sends that our simulator never made: each is stored, repaired with the original filed,
or rejected with a reason; never an exception that sinks the page."""

import math

import pytest

from orchestration.lever.endpoints import BY_NAME
from orchestration.lever.records import MAX_DEPTH, payload_hash, to_record, to_records

OPPORTUNITIES = BY_NAME["opportunities"]
TAGS = BY_NAME["tags"]


def nested(depth):
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ({"id": "a\x00b"}, "id contains control characters"),
        ({"id": "../users?x="}, "characters no Lever id has"),
        ({"id": ".."}, "characters no Lever id has"),
        ({"id": "x" * 300}, "longer than 255"),
        ({"id": 12345}, "no usable id"),
        ({"name": "no id"}, "no usable id"),
        ({"id": "z", "updatedAt": 1e20}, "updatedAt = 1e+20 is not a timestamp"),
        ({"id": "z", "archived": {"archivedAt": -1e300}}, "archivedAt = -1e+300 is not a timestamp"),
        ({"id": "d", "v": nested(MAX_DEPTH + 1)}, f"nested deeper than {MAX_DEPTH} levels"),
        ({"id": "d", "v": nested(1500)}, f"nested deeper than {MAX_DEPTH} levels"),
    ],
)
def test_rows_that_cannot_be_stored_are_rejected_with_the_reason(row, error):
    record, rejected = to_record(OPPORTUNITIES, row)
    assert record is None
    assert error in rejected.error and not rejected.repaired
    assert "\x00" not in rejected.excerpt and len(rejected.excerpt) <= 2_100


@pytest.mark.parametrize(
    ("row", "repaired", "note", "original"),
    [
        ({"id": "s", "name": "Ad\ud800a"}, {"id": "s", "name": "Ad\ufffda"}, "surrogate", "\\ud800"),
        ({"id": "n", "score": math.nan}, {"id": "n", "score": None}, "nan replaced by null", "NaN"),
        ({"id": "i", "score": math.inf}, {"id": "i", "score": None}, "inf replaced by null", "Infinity"),
    ],
)
def test_repairable_rows_are_stored_repaired_and_the_original_is_filed(row, repaired, note, original):
    record, rejected = to_record(OPPORTUNITIES, row)
    assert record.payload == repaired and record.hash == payload_hash(repaired)
    assert rejected.repaired and note in rejected.error and original in rejected.excerpt


def test_ordinary_rows_pass_untouched_and_odd_but_valid_values_too():
    rows = [
        {"id": "o1", "updatedAt": 1767225600000, "name": "Zoë", "tags": ["a/b", "c?d"], "deep": nested(MAX_DEPTH - 1)},
        {"id": "o2", "createdAt": "today", "score": 1e300},  # not a number of ms, nor a timestamp field
    ]
    records, rejected = to_records(OPPORTUNITIES, rows)
    assert [r.payload for r in records] == rows and rejected == []
    assert records[0].updated_ms == 1767225600000


def test_ids_that_are_not_path_segments_may_hold_any_printable_text():
    records, rejected = to_records(TAGS, [{"text": "C++ / Rust?"}, {"text": "a\tb"}])
    assert [r.id for r in records] == ["C++ / Rust?"] and "control characters" in rejected[0].error
