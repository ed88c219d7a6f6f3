"""Per-opportunity children, generated on demand from (seed, opportunity id, genesis) and never stored.

Only an opportunity whose children are edited (activity, writes, anonymization) gets a stored copy, so a
100k account keeps about two million child records out of memory.
"""

from __future__ import annotations

import bisect
import random

from ..clock import DAY_MS, HOUR_MS
from ..ids import new_id
from ..model import Application, Genesis
from . import vocab
from .catalog import Catalog
from .forms import completed

KINDS = ("interviews", "panels", "feedback", "notes", "offers", "referrals", "resumes", "files", "forms")
OFFER_STATUSES = ["draft", "approval-sent", "approved", "sent", "sent-manually", "opened", "denied", "signed"]
_FEEDBACK_UPDATED_SINCE = 1_704_067_200_000  # feedback older than 2024 predates `updatedAt` (null)


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


def add_panel(
    children: dict,
    rng: random.Random,
    catalog: Catalog,
    genesis: Genesis | None,
    opportunity_id: str,
    created: int,
    stage_id: str,
    count: int,
) -> list[dict]:
    """A panel of `count` back-to-back interviews; completed ones get feedback up to the genesis horizon."""
    panel_id = new_id(rng)
    start = created + rng.randint(1, 7) * DAY_MS + rng.randint(8, 16) * HOUR_MS
    timezone = rng.choice(vocab.TIMEZONES)
    canceled = created + HOUR_MS if rng.random() < 0.08 else None
    template = rng.choice(catalog.feedback_templates)
    posting = genesis.posting_id if genesis else None
    interviews, panel_interviews, at = [], [], start
    for _ in range(count):
        duration = rng.choice([30, 45, 60])
        interviewers = [catalog.users[uid] for uid in rng.sample(catalog.interviewers, rng.randint(1, 2))]
        interview = {
            "id": new_id(rng),
            "panel": panel_id,
            "subject": rng.choice(vocab.INTERVIEW_SUBJECTS),
            "note": "Please review the take-home beforehand." if rng.random() < 0.3 else "",
            "interviewers": [
                {"id": u["id"], "name": u["name"], "email": u["email"], "feedbackTemplate": template["id"]}
                for u in interviewers
            ],
            "timezone": timezone,
            "createdAt": created,
            "date": at,
            "duration": duration,
            "location": rng.choice(["Zoom", "Room 3.14", "Google Meet", None]),
            "feedbackTemplate": template["id"],
            "feedbackForms": [],
            "feedbackReminder": rng.choice(["once", "daily", "frequently", "none"]),
            "user": rng.choice(catalog.recruiters),
            "stage": stage_id,
            "canceledAt": canceled,
            "postings": [posting] if posting else [],
            "gcalEventUrl": None,
        }
        interviews.append(interview)
        panel_interviews.append(
            {
                key: interview[key]
                for key in (
                    "id",
                    "subject",
                    "note",
                    "date",
                    "duration",
                    "location",
                    "feedbackTemplate",
                    "feedbackReminder",
                )
            }
            | {
                "interviewers": [
                    {**person, "responseStatus": rng.choice(["accepted", "needsAction", "tentative"])}
                    for person in interview["interviewers"]
                ]
            }
        )
        at += duration * 60_000
    children["panels"].append(
        {
            "id": panel_id,
            "applications": [genesis.application_id] if genesis and genesis.application_id else [],
            "canceledAt": canceled,
            "createdAt": created,
            "start": start,
            "end": at,
            "timezone": timezone,
            "feedbackReminder": interviews[0]["feedbackReminder"],
            "externallyManaged": False,
            "externalUrl": None,
            "note": "",
            "stage": stage_id,
            "user": interviews[0]["user"],
            "interviews": panel_interviews,
        }
    )
    children["interviews"].extend(interviews)
    horizon = genesis.horizon if genesis else created
    for interview in interviews:
        for person in interview["interviewers"]:
            done = interview["date"] + interview["duration"] * 60_000 + rng.randint(1, 36) * HOUR_MS
            if canceled is None and done <= horizon and rng.random() < 0.85:
                add_feedback(children, rng, template, interview, person["id"], done)
    return interviews


def add_feedback(
    children: dict, rng: random.Random, template: dict, interview: dict | None, user: str, at: int
) -> dict:
    form = {
        "id": new_id(rng),
        "type": "interview",
        "text": template["text"],
        "instructions": template["instructions"],
        "fields": completed(template, rng, at),
        "baseTemplateId": template["id"],
        "interview": interview["id"] if interview else None,
        "panel": interview["panel"] if interview else None,
        "user": user,
        "createdAt": at,
        "completedAt": at,
        "updatedAt": at if at >= _FEEDBACK_UPDATED_SINCE else None,
        "deletedAt": at + HOUR_MS if rng.random() < 0.05 else None,  # soft-deleted forms stay listed
    }
    if interview:
        interview["feedbackForms"].append(form["id"])
    children["feedback"].append(form)
    return form


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


def set_offer_status(offer: dict, status: str, at: int) -> None:
    """Status plus the timestamps and signatures each status implies."""
    rank = OFFER_STATUSES.index(status)
    offer["status"] = status
    offer["approved"] = rank >= 2 and status != "denied"
    offer["approvedAt"] = at if offer["approved"] and offer.get("approvedAt") is None else offer.get("approvedAt")
    sent = status in ("sent", "sent-manually", "opened", "signed")
    if sent and offer.get("sentAt") is None:
        offer["sentAt"] = at
        offer["sentDocument"] = {"fileName": "offer-letter.pdf", "uploadedAt": at, "downloadUrl": None}
    candidate = offer["signatures"]["candidate"]
    if status in ("opened", "signed"):
        candidate["firstOpenedAt"] = candidate["firstOpenedAt"] or at
        candidate["lastOpenedAt"] = at
    if status == "signed":
        candidate["signed"], candidate["signedAt"] = True, at
        offer["signedDocument"] = {"fileName": "offer-letter-signed.pdf", "uploadedAt": at, "downloadUrl": None}


def add_offer(children: dict, rng: random.Random, catalog: Catalog, genesis: Genesis, at: int, status: str) -> dict:
    posting = genesis.posting_id
    manager = catalog.users[rng.choice(catalog.hiring_managers)]
    offer = {
        "id": new_id(rng),
        "posting": posting,
        "createdAt": at,
        "status": "draft",
        "creator": genesis.owner,
        "fields": [
            {
                "text": "Job title",
                "identifier": "job_title",
                "value": catalog.original_titles.get(posting, "Specialist") if posting else "Specialist",
            },
            {"text": "Salary", "identifier": "salary_amount", "value": rng.randrange(45_000, 180_000, 500)},
            {"text": "Currency", "identifier": "compensation_currency", "value": rng.choice(vocab.CURRENCIES)},
            {"text": "Salary interval", "identifier": "salary_interval", "value": "per-year-salary"},
            {
                "text": "Start date",
                "identifier": "anticipated_start_date",
                "value": (at // DAY_MS + rng.randint(14, 60)) * DAY_MS,
            },
        ],
        "signatures": {
            "candidate": {
                "role": "candidate",
                "name": genesis.name,
                "email": genesis.email,
                "firstOpenedAt": None,
                "lastOpenedAt": None,
                "signedAt": None,
                "signed": False,
            },
            "hiringManager": {
                "role": "hiringManager",
                "name": manager["name"],
                "email": manager["email"],
                "firstOpenedAt": None,
                "lastOpenedAt": None,
                "signedAt": at,
                "signed": True,
            },
        },
        "approved": False,
        "approvedAt": None,
        "sentAt": None,
        "sentDocument": None,
        "signedDocument": None,
    }
    set_offer_status(offer, status, at)
    children["offers"].append(offer)
    return offer


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


def _file(rng: random.Random, opportunity_id: str, kind: str, file_id: str, name: str, at: int) -> dict:
    return {
        "name": name,
        "ext": name.rsplit(".", 1)[-1],
        "downloadUrl": f"/opportunities/{opportunity_id}/{kind}/{file_id}/download",
        "uploadedAt": at,
        "status": rng.choice(["processed"] * 8 + ["processing", None]),
        "size": rng.randint(20_000, 900_000),
    }


def add_resume(children: dict, rng: random.Random, genesis: Genesis, opportunity_id: str, at: int) -> dict:
    resume_id = new_id(rng)
    year = 1970 + at // (365 * DAY_MS)
    positions = []
    for back in range(rng.randint(1, 3)):
        start = {"year": year - 3 * (back + 1), "month": rng.randint(1, 12)}
        end = None if back == 0 and rng.random() < 0.6 else {"year": year - 3 * back, "month": rng.randint(1, 12)}
        positions.append(
            {
                "org": rng.choice(vocab.COMPANIES),
                "title": rng.choice(["Engineer", "Analyst", "Lead"]),
                "summary": "Built and ran internal tools.",
                "location": rng.choice(["Berlin", "Remote"]),
                "start": start,
                **({"end": end} if end else {}),
            }
        )
    school = {
        "org": rng.choice(vocab.SCHOOLS),
        "degree": rng.choice(vocab.DEGREES),
        "field": rng.choice(vocab.FIELDS_OF_STUDY),
        "summary": "",
        "start": {"year": year - 12, "month": 9},
        "end": {"year": year - 9, "month": 6},
    }
    resume = {
        "id": resume_id,
        "createdAt": at,
        "file": _file(rng, opportunity_id, "resumes", resume_id, f"{genesis.name} - CV.pdf", at),
        "parsedData": {"positions": positions, "schools": [school]},
    }
    children["resumes"].append(resume)
    return resume


def add_file(
    children: dict, rng: random.Random, opportunity_id: str, name: str, at: int, size: int | None = None
) -> dict:
    file_id = new_id(rng)
    record = {"id": file_id, **_file(rng, opportunity_id, "files", file_id, name, at)}
    if size is not None:
        record["size"] = size
    children["files"].append(record)
    return record


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
