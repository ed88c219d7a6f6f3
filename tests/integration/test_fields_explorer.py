"""`lever-warehouse fields`: every source field a mapping can name, counted as the sandbox's truth counts it, with
examples that never show a candidate's personal data."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from orchestration.lever.sync import Mode
from orchestration.warehouse.fields import explore, fields_main
from tests.support import make_harness


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    harness = make_harness(tmp_path_factory.mktemp("fields"), opportunities=120)
    harness.settings = replace(harness.settings, profile_forms=True)
    assert harness.sync(Mode.FULL).errors == []
    return harness


def by_key(harness, model):
    with harness.connect() as conn:
        return {f.key: f for f in explore(conn, "lever:test", model)}


def test_custom_sources_are_listed_with_the_truths_counts(synced):
    truth = synced.sandbox.truth
    jobs = by_key(synced, "jobs")
    requisitions = [r["data"] for r in truth("requisitions")["records"]]
    assert jobs["requisition.costCenter"].count == len(requisitions)
    assert jobs["requisition.budget"].count == sum("budget" in r["customFields"] for r in requisitions)
    assert jobs["requisition.region"].type == "dropdown"  # Lever's field type, from /requisition_fields
    assert jobs["posting.categories.team"].origin == "posting field (DEFAULT)"
    candidates = by_key(synced, "candidates")
    with_languages = {
        r["parent_id"]
        for r in truth("forms")["records"]
        if any(f["text"] == "Languages" and f["value"] for f in r["data"]["fields"])
    }
    assert candidates["profile_form.Languages"].count == len(with_languages) > 0
    assert candidates["profile_form.Languages"].origin == "profile form field (CUSTOM)"
    offers = by_key(synced, "offers")
    assert offers["offer.equity_options"].count == len(truth("offers")["records"]) > 0
    assert "application.type" in by_key(synced, "applications")


def test_examples_show_options_and_mask_what_may_identify_a_person(synced):
    candidates = by_key(synced, "candidates")
    assert set(candidates["profile_form.Visa sponsorship required"].examples) <= {'"yes"', '"no"'}
    assert all("***" in e for e in candidates["opportunity.name"].examples)
    out = io.StringIO()
    fields_main(synced.settings, None, None, out=out)
    text = out.getvalue()
    people = [r["data"] for r in synced.sandbox.truth("opportunities")["records"]]
    leaked = [
        value
        for person in people
        for value in [person["name"], *person["emails"], *(p["value"] for p in person["phones"])]
        if value and len(value) > 3 and value in text
    ]
    assert not leaked, leaked[:3]
    assert "profile_form.Salary expectation" in text and "offer.salary_amount" in text
