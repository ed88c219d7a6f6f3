"""The generated account looks like a real Lever account (issue §5), and free text carries no personal data."""

from __future__ import annotations

import json
import re

import pytest

from orchestration.sandbox import Sandbox
from orchestration.sandbox.generator.forms import APPLY_FIELD_TYPES


@pytest.fixture(scope="module")
def account() -> Sandbox:
    return Sandbox(seed=0, opportunities=1000, rate_limit=0)


def data(sandbox: Sandbox, entity: str) -> list[dict]:
    return [r["data"] for r in sandbox.truth(entity)["records"]]


def test_users(account):
    users = data(account, "users")
    assert any(u["deactivatedAt"] for u in users)
    assert {"super admin", "admin", "team member", "interviewer"} <= {u["accessRole"] for u in users}


def test_postings_vary_like_real_ones(account):
    postings = data(account, "postings")
    assert {"published", "internal", "closed", "draft", "pending"} <= {p["state"] for p in postings}
    assert {"on-site", "onsite", "remote", "hybrid"} <= {p["workplaceType"] for p in postings}
    commitments = {p["categories"]["commitment"] for p in postings}
    assert {"Full-time", "full_time", "Part Time", "Contract", "Intern"} & commitments
    assert len(commitments) >= 4
    intervals = {p["salaryRange"]["interval"] for p in postings if "salaryRange" in p}
    assert {
        "per-year-salary",
        "per-month-salary",
        "per-hour-wage",
        "per-week-salary",
        "per-day-wage",
        "one-time",
    } <= intervals
    assert all(p["urls"] is None for p in postings if p["state"] in ("draft", "closed"))
    assert all(p["urls"] for p in postings if p["state"] == "published")
    assert any(p["confidentiality"] == "confidential" for p in postings)
    assert any(p["distributionChannels"] is None for p in postings)


def test_apply_forms_cover_every_field_type_and_us_eeo(account):
    forms = {r["id"]: r["data"] for r in account.truth("posting_forms")["records"]}
    types = {f["type"] for form in forms.values() for q in form["customQuestions"] for f in q["fields"]}
    assert set(APPLY_FIELD_TYPES) <= types  # text, textarea, dropdown, ..., currency, number, university
    postings = {r["id"]: r["data"] for r in account.truth("postings")["records"]}
    for pid, form in forms.items():
        assert ("eeoQuestions" in form) == (postings[pid]["country"] == "US")


def test_stages_and_reasons(account):
    stages = {s["id"]: s for s in account.truth("stages")["records"]}
    assert {"lead-new", "lead-reached-out", "lead-responded", "applicant-new", "offer"} <= set(stages)
    uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    assert sum(1 for sid in stages if uuid.match(sid)) >= 3
    ranks = [s["rank"] for s in account.account.catalog.stages]
    assert ranks == sorted(ranks) and any(r != int(r) for r in ranks)


def test_opportunities(account):
    opps = data(account, "opportunities")
    assert any(re.search(r"[^\x00-\u024f ]", o["name"]) for o in opps), "non-Latin names"
    assert all(o["name"] == "" for o in opps if o["isAnonymized"]) and any(o["isAnonymized"] for o in opps)
    assert {p["type"] for o in opps for p in o["phones"]} == {"mobile", "home", "work", "skype", "other"}
    hosts = {re.sub(r"^https://(www\.)?([^/]+).*", r"\2", link) for o in opps for link in o["links"]}
    assert {
        "linkedin.com",
        "github.com",
        "twitter.com",
        "x.com",
        "facebook.com",
        "xing.com",
        "instagram.com",
        "youtube.com",
    } <= hosts
    assert {"Berlin, Germany", "Austin, TX", ""} <= {o["location"] for o in opps}
    assert {"applied", "sourced", "referred", "agency", "internal", "university"} <= {o["origin"] for o in opps}
    legacy = [o for o in opps if o["createdAt"] < account.now_ms - 365 * 86_400_000]
    share = sum(1 for o in legacy if o["updatedAt"] is None) / len(legacy)
    assert 0.1 < share < 0.3
    confidential = sum(1 for o in opps if o["confidentiality"] == "confidential") / len(opps)
    assert 0.01 < confidential < 0.06
    assert any("userId" not in c for o in opps for c in o["stageChanges"]), "imported history"
    assert any(
        a["updatedAt"] == b["updatedAt"]
        for o in opps
        for a, b in zip(o["stageChanges"], o["stageChanges"][1:], strict=False)
    )
    assert any(o["snoozedUntil"] for o in opps) and any(o["dataProtection"] for o in opps)
    assert len(account.truth("opportunities")["deleted"]) / len(opps) > 0.01
    contacts = [o["contact"] for o in opps]
    assert any(contacts.count(c) > 1 for c in contacts)
    postings = {r["id"]: r["data"] for r in account.truth("postings")["records"]}
    for o in opps:
        posting = postings.get(o["applications"][0]["posting"]) if o["applications"] else None
        if posting:
            categories = posting["categories"]
            assert {
                posting["text"],
                categories["department"],
                categories["team"],
                categories["location"],
                categories["commitment"],
            } <= set(o["tags"])


def test_applications_and_children(account):
    applications = data(account, "applications")
    assert {"posting", "user", "referral"} <= {a["type"] for a in applications}
    answered = {
        f["type"] for a in applications for q in a["customQuestions"] for f in q["fields"] if f["value"] is not None
    }
    assert set(APPLY_FIELD_TYPES) <= answered
    offers = data(account, "offers")
    assert {"draft", "approval-sent", "approved", "sent", "sent-manually", "opened", "denied", "signed"} <= {
        o["status"] for o in offers
    }
    assert {"job_title", "salary_amount", "compensation_currency", "salary_interval", "anticipated_start_date"} <= {
        f["identifier"] for o in offers for f in o["fields"]
    }
    feedback = data(account, "feedback")
    assert any(f["deletedAt"] for f in feedback)
    assert any(field["type"] == "score-system" for f in feedback for field in f["fields"])
    notes = data(account, "notes")
    assert any(n["secret"] for n in notes) and any(n["deletedAt"] for n in notes)
    interviews = data(account, "interviews")
    assert any(i["canceledAt"] for i in interviews) and all(i["interviewers"] for i in interviews)
    resumes = data(account, "resumes")
    assert any("end" not in p for r in resumes for p in r["parsedData"]["positions"])
    assert data(account, "referrals") and data(account, "files") and data(account, "panels")
    requisitions = data(account, "requisitions")
    assert {"open", "onHold", "closed", "draft"} <= {r["status"] for r in requisitions}
    assert any(r["headcountTotal"] == "unlimited" and r["headcountInfinite"] for r in requisitions)
    templates = data(account, "feedback_templates")
    assert any(t["createdAt"] is None for t in templates) and any(t["createdAt"] for t in templates)


def test_offer_signatures_carry_the_candidate(account):
    people = {r["id"]: r["data"] for r in account.truth("opportunities")["records"]}
    for row in account.truth("offers")["records"]:
        candidate = row["data"]["signatures"]["candidate"]
        person = people[row["parent_id"]]
        if not person["isAnonymized"]:
            assert candidate["name"] == person["name"] and candidate["email"] in person["emails"]


def test_free_text_never_contains_personal_data(account):
    """Notes, feedback and interviews must not leak the candidate's name, email, phone or links."""
    people = {r["id"]: r["data"] for r in account.truth("opportunities")["records"]}
    for entity in ("notes", "feedback", "interviews", "panels"):
        for row in account.truth(entity)["records"]:
            person = people[row["parent_id"]]
            text = json.dumps(row["data"], ensure_ascii=False)
            secrets = [person["name"], *person["emails"], *(p["value"] for p in person["phones"]), *person["links"]]
            leaked = [s for s in secrets if s and s in text]
            assert not leaked, (entity, row["id"], leaked)
