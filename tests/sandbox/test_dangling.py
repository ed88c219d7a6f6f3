"""Dangling references as real accounts have them: removed stages, deleted archive reasons, postings deleted
before a first sync; the truth API that lists them; and opt-in quirks (a stage change after the archive)."""

from __future__ import annotations

import pickle
from datetime import timedelta

import httpx
import pytest

from orchestration.sandbox import Sandbox
from orchestration.sandbox.generator.catalog import Catalog

from .conftest import client_for


def records(sb: Sandbox, entity: str) -> list[dict]:
    return [r["data"] for r in sb.truth(entity)["records"]]


def custom_stage_in_use(sb: Sandbox) -> str:
    """A stage that is not built in, that opportunities sit in and interviews were held in."""
    interview_stages = {i["stage"] for i in records(sb, "interviews")}
    current = {o["stage"] for o in records(sb, "opportunities")}
    builtin = {"lead-new", "applicant-new", "offer"}
    return next(s["id"] for s in records(sb, "stages") if s["id"] in interview_stages & current - builtin)


def test_a_removed_stage_leaves_the_pipeline_but_not_the_records(fresh):
    client = client_for(fresh)
    stage = custom_stage_in_use(fresh)
    interviews_before = records(fresh, "interviews")
    fresh.remove_stage(stage)
    assert stage not in {s["id"] for s in client.get("/stages").json()["data"]}
    assert stage not in {s["id"] for s in client.get("/disposition_stages").json()["data"]["stages"]}
    assert client.get(f"/stages/{stage}").status_code == 404
    opportunities = records(fresh, "opportunities")
    assert any(o["stage"] == stage for o in opportunities)
    assert any(c["toStageId"] == stage for o in opportunities for c in o["stageChanges"])
    assert records(fresh, "interviews") == interviews_before  # generated children never depend on the pipeline
    assert fresh.dangling()["stages"] == [stage]
    moved = client.put(f"/opportunities/{opportunities[0]['id']}/stage", json={"stage": stage})
    assert moved.status_code == 400  # it is gone for writes too
    with pytest.raises(ValueError, match="built into"):
        fresh.remove_stage("offer")
    stuck = {o["id"] for o in opportunities if o["stage"] == stage and not o["archived"]}
    week_ago = fresh.now_ms
    counts = fresh.advance(7)  # activity goes on, and moves nobody into the removed stage
    moves = [c for o in records(fresh, "opportunities") for c in o["stageChanges"] if c["updatedAt"] > week_ago]
    assert counts["stage_moves"] > 0 and len(moves) >= counts["stage_moves"]
    assert stage not in {c["toStageId"] for c in moves} and stuck
    ahead = fresh.account.stages_after(stage)  # where a candidate left in the removed stage moves next
    assert ahead and all(s["rank"] > fresh.account.stage_rank[stage] and s["id"] != stage for s in ahead)


def test_a_deleted_archive_reason_stays_on_archived_opportunities(fresh):
    client = client_for(fresh)
    used = {o["archived"]["reason"] for o in records(fresh, "opportunities") if o["archived"]}
    reason = next(r["id"] for r in records(fresh, "archive_reasons") if r["id"] in used and r["type"] != "hired")
    fresh.delete_archive_reason(reason)
    assert reason not in {r["id"] for r in client.get("/archive_reasons").json()["data"]}
    assert reason not in {r["id"] for r in client.get("/disposition_stages").json()["data"]["archiveReasons"]}
    assert client.get(f"/archive_reasons/{reason}").status_code == 404
    assert any((o["archived"] or {}).get("reason") == reason for o in records(fresh, "opportunities"))
    assert fresh.dangling()["archive_reasons"] == [reason]
    active = next(o for o in records(fresh, "opportunities") if not o["archived"] and not o["isAnonymized"])
    assert client.put(f"/opportunities/{active['id']}/archived", json={"reason": reason}).status_code == 400
    hired = next(r["id"] for r in records(fresh, "archive_reasons") if r["type"] == "hired")
    with pytest.raises(ValueError, match="built into"):
        fresh.delete_archive_reason(hired)


def test_a_posting_deleted_before_the_first_sync_is_never_in_a_later_feed(fresh):
    client = client_for(fresh)
    referenced = {a["posting"] for a in records(fresh, "applications")}
    posting = next(p["id"] for p in records(fresh, "postings") if p["id"] in referenced)
    first_sync = fresh.now - timedelta(days=1)
    deleted_at = first_sync - timedelta(days=3)
    fresh.delete_posting(posting, deleted_at=deleted_at)
    assert posting not in {p["id"] for p in records(fresh, "postings")}
    assert client.get(f"/postings/{posting}").status_code == 404
    feed = client.get("/postings/deleted").json()["data"]
    assert {"id": posting, "deletedAt": int(deleted_at.timestamp() * 1000)} in feed
    since_first_sync = client.get("/postings/deleted", params={"deleted_at_start": int(first_sync.timestamp() * 1000)})
    assert posting not in {d["id"] for d in since_first_sync.json()["data"]}
    assert fresh.dangling()["postings"] == [posting]
    with pytest.raises(ValueError, match="future"):
        fresh.delete_posting(next(p["id"] for p in records(fresh, "postings")), deleted_at=fresh.now + timedelta(1))


def test_removals_over_http_control_and_through_save_and_load(fresh, tmp_path):
    stage = custom_stage_in_use(fresh)
    reason = next(r["id"] for r in records(fresh, "archive_reasons") if r["type"] != "hired")
    posting = records(fresh, "postings")[0]["id"]
    with fresh.serve() as url:
        control = httpx.Client(base_url=url.removesuffix("/v1"))
        assert control.delete(f"/_sandbox/stages/{stage}").status_code == 204
        assert control.delete(f"/_sandbox/archive_reasons/{reason}").status_code == 204
        assert (
            control.delete(f"/_sandbox/postings/{posting}", params={"deleted_at": "2025-12-01T00:00:00Z"}).status_code
            == 204
        )
        refused = control.delete("/_sandbox/stages/offer")
        assert refused.status_code == 400 and "built into" in refused.json()["message"]
        assert control.delete("/_sandbox/postings/nope").status_code == 404
        dangling = control.get("/_sandbox/truth/dangling").json()
    assert dangling["stages"] == [stage] and posting in dangling["postings"]
    assert dangling == fresh.dangling()
    fresh.save(tmp_path)
    assert Sandbox.load(tmp_path, rate_limit=0).dangling() == dangling


def test_activity_alone_leaves_references_to_deleted_postings():
    """Why `serve --seed 11 --opportunities 300` plus a 10-day advance breaks a first sync: `posting_deletions`
    deletes closed and draft postings that applications still name, before the warehouse ever synced."""
    sb = Sandbox(seed=11, opportunities=300, rate_limit=0)
    generated_at = sb.now_ms
    assert sb.dangling() == {entity: [] for entity in sb.dangling()}  # a new account references only listed ids
    counts = sb.advance(10)
    dangling = sb.dangling()
    deleted = {d["id"]: d["deletedAt"] for d in sb.truth("postings")["deleted"]}
    assert counts["posting_deletions"] > 0 and dangling["postings"]
    assert all(generated_at < deleted[pid] for pid in dangling["postings"])
    assert {entity for entity, ids in dangling.items() if ids} == {"postings"}


def late_changes(sb: Sandbox) -> dict[str, dict]:
    return {
        o["id"]: o
        for o in records(sb, "opportunities")
        if o["archived"] and o["stageChanges"][-1]["updatedAt"] > o["archived"]["archivedAt"]
    }


def test_quirks_add_stage_changes_after_the_archive_and_change_nothing_else():
    plain = Sandbox(seed=4, opportunities=1000, rate_limit=0)
    quirky = Sandbox(seed=4, opportunities=1000, rate_limit=0, quirks=True)
    late = late_changes(quirky)
    assert late_changes(plain) == {} and 5 <= len(late) <= 60  # about 2% of the archived
    for o in late.values():
        assert (
            o["stage"] == o["stageChanges"][-1]["toStageId"]
            and o["lastAdvancedAt"] == o["stageChanges"][-1]["updatedAt"]
        )
    assert [o for o in records(plain, "opportunities") if o["id"] not in late] == [
        o for o in records(quirky, "opportunities") if o["id"] not in late
    ]
    assert records(plain, "interviews") == records(quirky, "interviews")


def test_catalogs_saved_before_the_removal_sets_load():
    catalog = Catalog()
    state = {k: v for k, v in catalog.__dict__.items() if k not in ("removed_stages", "deleted_reasons")}
    old = Catalog.__new__(Catalog)
    old.__setstate__(state)
    assert old.removed_stages == set() and old.deleted_reasons == set()
    assert pickle.loads(pickle.dumps(old)).pipeline == []
