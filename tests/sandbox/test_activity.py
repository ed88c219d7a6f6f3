"""The clock and simulated activity: every kind happens, truth reflects it, and it is deterministic."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from orchestration.sandbox import Sandbox
from orchestration.sandbox.activity import RATES

ENTITIES = [
    "opportunities",
    "applications",
    "postings",
    "users",
    "notes",
    "interviews",
    "panels",
    "feedback",
    "offers",
    "resumes",
    "files",
    "referrals",
    "contacts",
    "tags",
    "sources",
    "posting_forms",
]


@pytest.fixture(scope="module")
def week() -> tuple[Sandbox, dict, dict]:
    sandbox = Sandbox(seed=11, opportunities=1000, rate_limit=0)
    before = {entity: sandbox.truth(entity) for entity in ("opportunities", "postings", "users", "offers")}
    counts = sandbox.advance(7)
    return sandbox, before, counts


def test_a_week_of_a_1k_account_produces_every_kind(week):
    _, _, counts = week
    assert set(counts) == set(RATES)
    assert {kind for kind, n in counts.items() if n == 0} == set()


def test_truth_reflects_the_week(week):
    sandbox, before, counts = week
    old = {r["id"]: r["data"] for r in before["opportunities"]["records"]}
    new = {r["id"]: r["data"] for r in sandbox.truth("opportunities")["records"]}
    start = sandbox.now_ms - 7 * 86_400_000
    created = [o for oid, o in new.items() if oid not in old]
    assert len(created) >= counts["new_applicants"]
    assert all(start < o["createdAt"] <= sandbox.now_ms for o in created)
    deleted = {d["id"] for d in sandbox.truth("opportunities")["deleted"]} - {
        d["id"] for d in before["opportunities"]["deleted"]
    }
    assert len(deleted) == counts["opportunity_deletions"] and not deleted & set(new)
    anonymized = [oid for oid, o in new.items() if o["isAnonymized"] and oid in old and not old[oid]["isAnonymized"]]
    assert len(anonymized) == counts["anonymizations"]
    moved = [oid for oid, o in new.items() if oid in old and len(o["stageChanges"]) > len(old[oid]["stageChanges"])]
    assert len(moved) >= 1
    hired = next(r["id"] for r in sandbox.truth("archive_reasons")["records"] if r["data"]["type"] == "hired")
    assert any(
        o["archived"] and o["archived"]["reason"] == hired and o["archived"]["archivedAt"] > start for o in new.values()
    )
    users = [r["data"] for r in sandbox.truth("users")["records"]]
    assert sum(1 for u in users if (u["deactivatedAt"] or 0) > start) == counts["user_deactivations"]
    postings = {r["id"]: r["data"] for r in sandbox.truth("postings")["records"]}
    assert len(set(postings) - {r["id"] for r in before["postings"]["records"]}) == counts["new_postings"]
    offers = {r["id"]: r["data"]["status"] for r in sandbox.truth("offers")["records"]}
    old_offers = {r["id"]: r["data"]["status"] for r in before["offers"]["records"]}
    assert any(offers.get(oid) not in (None, status) for oid, status in old_offers.items())
    assert set(old_offers) - set(offers), "offer deletions and deleted opportunities remove offers"


def test_updated_and_last_interaction_never_pass_the_clock(week):
    sandbox, _, _ = week
    for row in sandbox.truth("opportunities")["records"]:
        assert row["data"]["lastInteractionAt"] <= sandbox.now_ms
        assert (row["data"]["updatedAt"] or 0) <= sandbox.now_ms


def test_same_seed_and_calls_give_identical_truth():
    def build() -> tuple[dict, dict]:
        sandbox = Sandbox(seed=4, opportunities=200, rate_limit=0)
        counts = sandbox.advance(3.5)
        return counts, {entity: sandbox.truth(entity) for entity in ENTITIES}

    first, second = build(), build()
    assert first == second
    other = Sandbox(seed=5, opportunities=200, rate_limit=0)
    assert other.truth("opportunities") != first[1]["opportunities"]


def test_advance_to_the_past_is_a_no_op_and_http_advance_works():
    sandbox = Sandbox(seed=4, opportunities=100, rate_limit=0)
    now = sandbox.now
    assert sum(sandbox.advance_to(now - timedelta(days=3)).values()) == 0 and sandbox.now == now
    with pytest.raises(ValueError):
        sandbox.advance(-1)
    client = httpx.Client(transport=sandbox.transport(), base_url="http://lever.test")
    response = client.post("/_sandbox/advance", params={"days": 2})
    assert response.status_code == 200 and sum(response.json()["changes"].values()) > 0
    assert sandbox.now == now + timedelta(days=2)
    assert response.headers["date"] == "Wed, 07 Jan 2026 00:00:00 GMT"
    truth = client.get("/_sandbox/truth/opportunities").json()
    assert truth == sandbox.truth("opportunities")
    assert client.get("/_sandbox/truth/nothing").status_code == 400
