"""The behaviour connectors get wrong: updatedAt vs lastInteractionAt, archive, deletion, anonymization."""

from __future__ import annotations

import random

import pytest

from orchestration.sandbox import catalog_changes, operations
from orchestration.sandbox.activity import Simulation

from .conftest import client_for, page_all


def opp_data(sandbox, oid: str) -> dict:
    return next(r["data"] for r in sandbox.truth("opportunities")["records"] if r["id"] == oid)


def active_opportunity(sandbox) -> dict:
    return next(
        r["data"]
        for r in sandbox.truth("opportunities")["records"]
        if not r["data"]["archived"]
        and not r["data"]["isAnonymized"]
        and r["data"]["confidentiality"] == "non-confidential"
        and r["data"]["applications"]
    )


def test_updated_at_moves_on_stage_archive_tags_sources_links_and_application_changes(fresh):
    client = client_for(fresh)
    opp = active_opportunity(fresh)
    oid = opp["id"]
    steps = [
        lambda: client.put(f"/opportunities/{oid}/stage", json={"stage": "offer"}),
        lambda: client.post(f"/opportunities/{oid}/addTags", json={"tags": ["Shortlist"]}),
        lambda: client.post(f"/opportunities/{oid}/removeTags", json={"tags": ["Shortlist"]}),
        lambda: client.post(f"/opportunities/{oid}/addSources", json={"sources": ["Meetup"]}),
        lambda: client.post(f"/opportunities/{oid}/addLinks", json={"links": ["https://example.dev"]}),
        lambda: client.put(
            f"/opportunities/{oid}/archived", json={"reason": fresh.truth("archive_reasons")["records"][1]["id"]}
        ),
        lambda: client.put(f"/opportunities/{oid}/archived", json={"reason": None}),
    ]
    before = opp["updatedAt"]
    for step in steps:
        assert step().status_code == 200
        after = opp_data(fresh, oid)["updatedAt"]
        assert after > (before or 0)
        before = after
    with fresh.account.lock:
        fresh.account.clock.tick()
        operations.delete_application(fresh.account, fresh.account.opportunities[oid])
    assert opp_data(fresh, oid)["updatedAt"] > before and opp_data(fresh, oid)["applications"] == []


CHILD_ACTIVITY = [
    "notes",
    "interviews",
    "panels",
    "feedback",
    "offers",
    "offer_updates",
    "resumes",
    "files",
    "referrals",
    "interview_deletions",
    "note_deletions",
    "offer_deletions",
]


@pytest.mark.parametrize("kind", CHILD_ACTIVITY)
def test_child_activity_moves_last_interaction_but_not_updated_at(fresh, kind):
    before = {r["id"]: r["data"] for r in fresh.truth("opportunities")["records"]}
    with fresh.account.lock:
        fresh.account.clock.now_ms += 3_600_000
        assert getattr(Simulation(fresh.account, random.Random(kind)), kind)()
    after = {r["id"]: r["data"] for r in fresh.truth("opportunities")["records"]}
    moved = [oid for oid in before if after[oid]["lastInteractionAt"] != before[oid]["lastInteractionAt"]]
    assert len(moved) == 1
    assert after[moved[0]]["lastInteractionAt"] == fresh.now_ms
    assert after[moved[0]]["updatedAt"] == before[moved[0]]["updatedAt"]


def test_notes_and_files_written_through_the_api_do_not_bump_updated_at(fresh):
    client = client_for(fresh)
    opp = active_opportunity(fresh)
    note = client.post(f"/opportunities/{opp['id']}/notes", json={"value": "Call back"}).json()["data"]
    upload = client.post(
        f"/opportunities/{opp['id']}/files", files={"file": ("cv.pdf", b"%PDF-1.4", "application/pdf")}
    )
    assert upload.status_code == 201
    assert client.delete(f"/opportunities/{opp['id']}/notes/{note['noteId']}").status_code == 204
    after = opp_data(fresh, opp["id"])
    assert after["updatedAt"] == opp["updatedAt"] and after["lastInteractionAt"] > opp["lastInteractionAt"]


def test_archiving_keeps_the_stage_and_adds_no_stage_change(fresh):
    client = client_for(fresh)
    opp = active_opportunity(fresh)
    reason = next(r for r in fresh.truth("archive_reasons")["records"] if r["data"]["type"] == "hired")["id"]
    archived = client.put(f"/opportunities/{opp['id']}/archived", json={"reason": reason}).json()["data"]
    assert archived["stage"] == opp["stage"] and archived["stageChanges"] == opp["stageChanges"]
    assert archived["archived"] == {"reason": reason, "archivedAt": fresh.now_ms}
    application = client.get(f"/opportunities/{opp['id']}/applications").json()["data"][0]
    assert application["archived"] == archived["archived"]


def test_generated_archived_opportunities_keep_their_last_stage(sandbox):
    for row in sandbox.truth("opportunities")["records"]:
        data = row["data"]
        assert data["stage"] == data["stageChanges"][-1]["toStageId"]


def test_deleted_records_leave_lists_404_and_appear_in_deleted_feeds(fresh):
    client = client_for(fresh)
    opp = active_opportunity(fresh)
    application_id = opp["applications"][0]["id"]
    with fresh.account.lock:
        fresh.account.clock.now_ms += 1000
        operations.delete_opportunity(fresh.account, fresh.account.opportunities[opp["id"]], None)
        posting = next(p for p in fresh.account.catalog.postings.values() if p["state"] == "closed")
        catalog_changes.delete_posting(fresh.account, posting)
    assert opp["id"] not in {r["id"] for r in page_all(client, "/opportunities", {"confidentiality": "all"})}
    assert client.get(f"/opportunities/{opp['id']}").status_code == 404
    assert client.get(f"/opportunities/{opp['id']}/notes").status_code == 404
    assert client.get(f"/postings/{posting['id']}").status_code == 404
    window = {"deleted_at_start": fresh.now_ms, "deleted_at_end": fresh.now_ms}  # inclusive bounds
    assert {r["id"]: r["deletedAt"] for r in page_all(client, "/opportunities/deleted", window)} == {
        opp["id"]: fresh.now_ms
    }
    assert application_id in {r["id"] for r in page_all(client, "/applications/deleted", window)}
    assert posting["id"] in {r["id"] for r in page_all(client, "/postings/deleted", window)}
    assert opp["id"] in {d["id"] for d in fresh.truth("opportunities")["deleted"]}
    assert opp["id"] not in {r["id"] for r in fresh.truth("opportunities")["records"]}


def test_deleted_feed_windows_longer_than_30_days_are_rejected(client, sandbox):
    day = 86_400_000
    for feed in ("opportunities", "applications", "postings"):
        ok = client.get(f"/{feed}/deleted", params={"deleted_at_start": 0, "deleted_at_end": 30 * day})
        too_long = client.get(f"/{feed}/deleted", params={"deleted_at_start": 0, "deleted_at_end": 30 * day + 1})
        assert ok.status_code == 200 and too_long.status_code == 400
        assert too_long.json()["code"] == "BadRequestError"


def test_anonymization_blanks_personal_data_everywhere(fresh):
    client = client_for(fresh)
    candidates = [r["data"] for r in fresh.truth("opportunities")["records"] if not r["data"]["isAnonymized"]]
    offers = {r["parent_id"] for r in fresh.truth("offers")["records"]}
    resumes = {r["parent_id"] for r in fresh.truth("resumes")["records"]}
    opp = next(
        o
        for o in candidates
        if o["id"] in offers & resumes and o["applications"] and o["confidentiality"] == "non-confidential"
    )
    with fresh.account.lock:
        fresh.account.clock.now_ms += 1000
        operations.anonymize(fresh.account, fresh.account.opportunities[opp["id"]])
    after = client.get(f"/opportunities/{opp['id']}", params={"expand": "applications"}).json()["data"]
    assert after["isAnonymized"] is True and after["updatedAt"] == fresh.now_ms
    assert (after["name"], after["headline"], after["emails"], after["phones"], after["links"], after["location"]) == (
        "",
        "",
        [],
        [],
        [],
        "",
    )
    application = after["applications"][0]
    assert (
        application["name"],
        application["email"],
        application["phone"],
        application["links"],
        application["company"],
    ) == ("", "", None, [], "")
    assert client.get(f"/opportunities/{opp['id']}/resumes").json()["data"] == []
    assert client.get(f"/opportunities/{opp['id']}/files").json()["data"] == []
    for offer in client.get(f"/opportunities/{opp['id']}/offers").json()["data"]:
        assert offer["signatures"]["candidate"]["name"] == "" and offer["signatures"]["candidate"]["email"] == ""
    assert opp["id"] not in {r["parent_id"] for r in fresh.truth("resumes")["records"]}
    assert opp_data(fresh, opp["id"])["isAnonymized"] is True


def test_contact_is_anonymized_once_all_its_opportunities_are(fresh):
    account = fresh.account
    person = next(
        c
        for c in account.contacts.values()
        if len(c.opportunity_ids) >= 2
        and not c.is_anonymized
        and all(account.live_opportunity(o) for o in c.opportunity_ids)
    )
    client = client_for(fresh)
    with account.lock:
        operations.anonymize(account, account.opportunities[person.opportunity_ids[0]])
    assert client.get(f"/contacts/{person.id}").json()["data"]["isAnonymized"] is False
    with account.lock:
        for oid in person.opportunity_ids[1:]:
            operations.anonymize(account, account.opportunities[oid])
    contact = client.get(f"/contacts/{person.id}").json()["data"]
    assert contact["isAnonymized"] is True and contact["name"] == "" and contact["emails"] == []
    assert contact["location"] == {"name": ""}


def test_posting_edits_rederive_tags_and_bump_updated_at(fresh):
    account = fresh.account
    posting_id, oids = next(
        (pid, oids)
        for pid, oids in account.opportunities_by_posting.items()
        if any(account.live_opportunity(o) for o in oids)
    )
    oid = next(o for o in oids if account.live_opportunity(o))
    old_title = account.catalog.postings[posting_id]["text"]
    before = opp_data(fresh, oid)
    assert old_title in before["tags"]
    with account.lock:
        account.clock.now_ms += 1000
        catalog_changes.edit_posting(
            account,
            account.catalog.postings[posting_id],
            text="Chief Sandbox Officer",
            categories={"team": "Skunkworks"},
        )
    after = opp_data(fresh, oid)
    assert "Chief Sandbox Officer" in after["tags"] and "Skunkworks" in after["tags"]
    assert old_title not in after["tags"] and after["updatedAt"] == fresh.now_ms


def test_exactly_one_hired_archive_reason_named_hired(sandbox):
    reasons = [r["data"] for r in sandbox.truth("archive_reasons")["records"]]
    assert [r["text"] for r in reasons if r["type"] == "hired"] == ["Hired"]
    assert any(r["status"] == "inactive" for r in reasons)
    assert all(r["type"] == "non-hired" for r in reasons if r["text"] != "Hired")


def test_single_gets_and_children_of_confidential_opportunities_need_access(sandbox):
    secret = next(
        r for r in sandbox.truth("opportunities")["records"] if r["data"]["confidentiality"] == "confidential"
    )
    full, blind = client_for(sandbox), client_for(sandbox, sandbox.create_key(confidential=False))
    assert full.get(f"/opportunities/{secret['id']}").status_code == 200
    assert blind.get(f"/opportunities/{secret['id']}").status_code == 404
    assert blind.get(f"/opportunities/{secret['id']}/notes").status_code == 404
