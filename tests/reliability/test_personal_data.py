"""Personal data of a deleted (after 14 days) or anonymized candidate is gone from every table of the warehouse.

Two candidates with identities no generated person can share are created through the API (with a note that
names them). After a sync and a dbt build both are everywhere. Then Lever deletes one and anonymizes the
other. Every text, JSON, struct and list column of every table and view in the file (raw, staging,
intermediate, unified, run log) is scanned for their names, name parts, emails, phones and links:
- the anonymized candidate is gone after the next sync + build (Lever blanks the opportunity, application,
  contact, offer signatures, resumes and files; free text a recruiter wrote in a note stays in Lever, so a
  note naming the person is only given to the deleted candidate);
- the deleted one is still there before 14 days (retention has not passed: the test can fail),
  and gone once the warehouse clock is 15 days past the deletion.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from orchestration.lever.field_mapping import parse_mappings
from orchestration.lever.sync import Mode
from orchestration.sandbox import operations
from orchestration.warehouse.dbt_runner import SKIP_UNIT_TESTS, dbt_vars
from tests.reliability.harness import dbt_build, find_leaks
from tests.support import Harness, make_harness


@dataclass
class Person:
    opportunity_id: str
    needles: list[str]


def create_candidate(harness: Harness, first: str, last: str, handle: str, phone: str, note: bool) -> Person:
    emails = [f"{handle}@mailbox-{handle}.example", f"{handle}.work@corp-{handle}.example"]
    links = [f"https://www.linkedin.com/in/{handle}-x9", f"https://github.com/{handle}-gh"]
    created = harness.sandbox.write(
        "POST",
        "/opportunities",
        {
            "name": f"{first} {last}",
            "headline": f"{last} Consulting",
            "location": "Reykjavík",
            "emails": emails,
            "phones": [{"type": "mobile", "value": phone}],
            "links": links,
            "tags": ["reliability"],
        },
    )["data"]
    if note:  # a recruiter's free text naming the candidate: it leaves with the deleted opportunity
        harness.sandbox.add_note(created["id"], f"Spoke with {first} {last} ({emails[0]}, {phone}); strong fit.")
    return Person(created["id"], [f"{first} {last}", first, last, *emails, phone, *links])


def build(harness: Harness, tmp_path: Path) -> None:
    done, _ = dbt_build(harness.path, harness.sandbox.now, tmp_path)
    assert done.returncode == 0, done.stdout[-4000:]


def sync_and_build(harness: Harness, tmp_path: Path, mode: Mode = Mode.DELTA) -> None:
    assert harness.sync(mode).errors == []
    build(harness, tmp_path)


def found(harness: Harness, person: Person) -> dict[str, list[str]]:
    return find_leaks(harness.path, person.needles)


def test_raw_tables_keep_no_personal_data_of_deleted_or_anonymized_candidates(tmp_path):
    """The extractor's side alone (no dbt): the sync's retention purge of `lever_raw`."""
    harness = make_harness(tmp_path, opportunities=40)
    deleted = create_candidate(harness, "Quintessa", "Vantablack-Oyelaran", "qvanta7731", "+354 611 4872 339", True)
    anonymized = create_candidate(harness, "Bartholomew", "Zyxwerth-Ilunga", "bzyxw5502", "+48 733 918 024", False)
    assert harness.sync(Mode.FULL).errors == []
    for person in (deleted, anonymized):
        assert set(found(harness, person)) == set(person.needles), "the scan must see every needle first"
    removed_and_purged(harness, deleted, anonymized, lambda: harness.sync())


@pytest.fixture
def scenario(tmp_path):
    harness = make_harness(tmp_path, opportunities=60)
    deleted = create_candidate(harness, "Quintessa", "Vantablack-Oyelaran", "qvanta7731", "+354 611 4872 339", True)
    anonymized = create_candidate(harness, "Bartholomew", "Zyxwerth-Ilunga", "bzyxw5502", "+48 733 918 024", False)
    sync_and_build(harness, tmp_path, Mode.FULL)
    for person in (deleted, anonymized):
        hits = found(harness, person)
        assert set(hits) == set(person.needles), f"the scan must see every needle first: {hits}"
        schemas = {where.split(".")[0] for where in hits[person.needles[0]]}
        assert {"lever_raw", "ats"} <= schemas, schemas
    return harness, deleted, anonymized


def lever_removes(harness: Harness, deleted: Person, anonymized: Person) -> None:
    account = harness.sandbox.account
    with account.lock:
        operations.anonymize(account, account.opportunities[anonymized.opportunity_id])
        operations.delete_opportunity(account, account.opportunities[deleted.opportunity_id])


def removed_and_purged(harness: Harness, deleted: Person, anonymized: Person, step) -> None:
    """Lever deletes one and anonymizes the other; `step` (sync, or sync and build) runs a day later and again
    15 days after the deletion."""
    lever_removes(harness, deleted, anonymized)
    harness.sandbox.advance(1)
    step()
    assert found(harness, anonymized) == {}, "anonymization must purge the candidate's data at once"
    assert deleted.needles[0] in found(harness, deleted), "within 14 days of the deletion its data is kept"
    harness.sandbox.advance(14)  # 15 days after the deletion
    step()
    assert found(harness, deleted) == {}
    assert found(harness, anonymized) == {}


@pytest.mark.slow
def test_deleted_after_14_days_and_anonymized_at_once_leave_no_trace(scenario, tmp_path):
    harness, deleted, anonymized = scenario
    removed_and_purged(harness, deleted, anonymized, lambda: sync_and_build(harness, tmp_path))


@pytest.mark.slow
def test_the_retention_boundary_is_14_days_on_the_warehouse_clock(scenario, tmp_path):
    """Without a sync in between: the build alone purges once the clock passes 14 days (time moved alone)."""
    harness, deleted, anonymized = scenario
    lever_removes(harness, deleted, anonymized)
    harness.sandbox.advance(0.5)
    sync_and_build(harness, tmp_path)
    harness.sandbox.advance(13.25)  # 13.75 days after the deletion
    build(harness, tmp_path)
    assert deleted.needles[0] in found(harness, deleted)
    harness.sandbox.advance(0.5)  # 14.25 days
    build(harness, tmp_path)
    assert found(harness, deleted) == {}
    assert os.path.exists(harness.path)


# A mapping that copies personal data into the unified custom columns, and reads profile forms.
MAPPED = {
    "candidates": {
        "custom_fields": {"full_name": "opportunity.name", "summary": "profile_form.Recruiter summary"},
        "integration_fields": ["opportunity.emails", "opportunity.phones", "opportunity.links"],
    },
}


def add_profile_form(harness: Harness, person: Person, text: str) -> None:
    """A recruiter's completed profile form naming the candidate (free text, so only the deleted one gets one)."""
    account = harness.sandbox.account
    with account.lock:
        template = account.catalog.form_templates[1]
        at = account.now_ms
        fields = [
            {**field, "value": text if field["text"] == "Recruiter summary" else None} for field in template["fields"]
        ]
        form = {"id": f"form-{person.opportunity_id[:8]}", "type": "form", "text": template["text"], "fields": fields,
                "instructions": template["instructions"], "baseTemplateId": template["id"], "user": None,
                "stage": None, "secret": False, "createdAt": at, "completedAt": at}  # fmt: skip
        account.materialize(account.opportunities[person.opportunity_id])["forms"].append(form)


@pytest.mark.slow
def test_mapped_custom_fields_and_profile_forms_leave_like_every_personal_column(tmp_path):
    """The new raw tables (forms) and the unified custom columns are in the scan, and purged like the others."""
    harness = make_harness(tmp_path, opportunities=40)
    mappings = parse_mappings({"lever:test": MAPPED}, {"lever:test"}, "test")
    harness.settings = replace(harness.settings, field_mappings=mappings)
    deleted = create_candidate(harness, "Quintessa", "Vantablack-Oyelaran", "qvanta7731", "+354 611 4872 339", False)
    anonymized = create_candidate(harness, "Bartholomew", "Zyxwerth-Ilunga", "bzyxw5502", "+48 733 918 024", False)
    add_profile_form(harness, deleted, "Quintessa Vantablack-Oyelaran wants a remote role.")

    def step(mode: Mode = Mode.DELTA) -> None:
        assert harness.sync(mode).errors == []
        done, _ = dbt_build(
            harness.path, harness.sandbox.now, tmp_path, [*SKIP_UNIT_TESTS, *dbt_vars(harness.settings)]
        )
        assert done.returncode == 0, done.stdout[-4000:]

    step(Mode.FULL)
    where = {spot for spots in found(harness, deleted).values() for spot in spots}
    assert {"lever_raw.forms.payload", "ats.candidates.custom_fields", "ats.candidates.integration_fields"} <= where
    assert "ats.candidates.custom_fields" in {s for spots in found(harness, anonymized).values() for s in spots}
    removed_and_purged(harness, deleted, anonymized, step)
