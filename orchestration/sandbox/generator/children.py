"""Per-opportunity children, generated on demand from (seed, opportunity id, genesis) and never stored.

Only an opportunity whose children are edited (activity, writes, anonymization) gets a stored copy, so a
100k account keeps about two million child records out of memory.
"""

from __future__ import annotations

import bisect
import random

from ..clock import HOUR_MS
from ..ids import new_id
from ..model import Application, Genesis
from . import vocab
from .catalog import Catalog
from .documents import add_file, add_resume
from .forms import completed
from .offers import OFFER_STATUSES, add_offer
from .panels import add_panel

KINDS = ("interviews", "panels", "feedback", "notes", "offers", "referrals", "resumes", "files", "forms")


def _stage_at(genesis: Genesis, at: int) -> str:
    times = [change[2] for change in genesis.stage_changes]
    return genesis.stage_changes[max(0, bisect.bisect_right(times, at) - 1)][0]


def generate_children(seed: int, opportunity_id: str, genesis: Genesis | None, catalog: Catalog) -> dict:
    children: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    if genesis is None or genesis.horizon <= genesis.created_at:
        return children
    rng = random.Random(f"{seed}:children:{opportunity_id}")
    interview_stages = {stage["id"] for stage in catalog.stages if stage["hasInterview"]}
    for stage_id, _, at, _ in genesis.stage_changes:
        if stage_id in interview_stages and rng.random() < 0.85:
            created = at + rng.randint(0, 20) * HOUR_MS
            if created <= genesis.horizon:
                add_panel(children, rng, catalog, genesis, opportunity_id, created, stage_id, rng.randint(1, 3))
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
        at = rng.randint(genesis.created_at, genesis.horizon)
        note = add_note(
            children, rng, at, rng.choice(vocab.NOTE_SENTENCES), rng.choice(catalog.recruiters), _stage_at(genesis, at)
        )
        if rng.random() < 0.05:
            note["deletedAt"] = at + HOUR_MS  # soft-deleted notes stay listed
    offer_entries = [change[2] for change in genesis.stage_changes if change[0] == "offer"]
    if offer_entries:
        created = min(genesis.horizon, offer_entries[0] + rng.randint(0, 72) * HOUR_MS)
        status = "signed" if genesis.hired else rng.choice(OFFER_STATUSES)
        add_offer(children, rng, catalog, genesis, created, status)
    if genesis.origin == "referred":
        add_referral(children, rng, catalog, genesis, genesis.created_at)
    if rng.random() < 0.75:
        add_resume(children, rng, genesis, opportunity_id, min(genesis.horizon, genesis.created_at + HOUR_MS))
    for _ in range(rng.choice([0, 0, 0, 0, 0, 1, 1, 2])):
        label = rng.choice(["Portfolio", "Cover letter", "References"])
        add_file(
            children,
            rng,
            opportunity_id,
            f"{genesis.name} - {label}.pdf",
            rng.randint(genesis.created_at, genesis.horizon),
        )
    if rng.random() < 0.1:
        at = rng.randint(genesis.created_at, genesis.horizon)
        template = catalog.profile_template
        children["forms"].append(
            {
                "id": new_id(rng),
                "type": "form",
                "text": template["text"],
                "instructions": template["instructions"],
                "fields": completed(template, rng, at),
                "baseTemplateId": template["id"],
                "user": rng.choice(catalog.recruiters),
                "stage": _stage_at(genesis, at),
                "secret": False,
                "createdAt": at,
                "completedAt": at,
            }
        )
    for records in children.values():
        records.sort(key=lambda r: (r["createdAt"] if "createdAt" in r else r["uploadedAt"], r["id"]))
    return children


def add_note(
    children: dict,
    rng: random.Random,
    at: int,
    text: str,
    user: str | None,
    stage: str,
    secret: bool | None = None,
    score: int | None = None,
) -> dict:
    note = {
        "id": new_id(rng),
        "text": text,
        "fields": [
            {
                "type": "note",
                "text": "Note",
                "value": text,
                "user": user,
                "createdAt": at,
                "score": score,
                "stage": stage,
            }
        ],
        "user": user,
        "secret": rng.random() < 0.1 if secret is None else secret,
        "completedAt": at,
        "createdAt": at,
        "deletedAt": None,
    }
    children["notes"].append(note)
    return note


def add_referral(children: dict, rng: random.Random, catalog: Catalog, genesis: Genesis, at: int) -> dict:
    template = catalog.referral_template
    referrer = rng.choice(catalog.interviewers)
    referral = {
        "id": new_id(rng),
        "type": "referral",
        "text": "Referral",
        "instructions": template["instructions"],
        "fields": completed(template, rng, at),
        "baseTemplateId": template["id"],
        "user": referrer,
        "referrer": referrer,
        "stage": genesis.stage_changes[0][0],
        "createdAt": at,
        "completedAt": at,
    }
    children["referrals"].append(referral)
    return referral


def application_questions(seed: int, application: Application, form: dict | None) -> list[dict]:
    """The completed posting form of an application, derived from (seed, application) like children."""
    if form is None or application.type == "user":
        return []
    rng = random.Random(f"{seed}:answers:{application.id}")
    at = application.created_at
    return [
        {
            "id": new_id(rng),
            "type": "posting",
            "text": question["text"],
            "instructions": "",
            "fields": completed(question, rng, at),
            "baseTemplateId": question["id"],
            "user": None,
            "stage": None,
            "createdAt": at,
            "completedAt": at,
        }
        for question in form["customQuestions"]
    ]
