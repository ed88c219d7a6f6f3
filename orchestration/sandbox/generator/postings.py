"""Postings with their apply forms, and the requisitions behind them."""

from __future__ import annotations

import random

from ..clock import DAY_MS
from ..ids import new_id
from . import vocab
from .catalog import Catalog
from .forms import APPLY_FIELD_TYPES, make_field

JOB_SITE = "https://jobs.lever.co/sandbox"


def _salary(rng: random.Random) -> dict:
    interval = rng.choice(vocab.SALARY_INTERVALS)
    low = {
        "per-year-salary": 50_000,
        "per-month-salary": 4_000,
        "per-week-salary": 900,
        "per-day-wage": 200,
        "per-hour-wage": 20,
        "one-time": 5_000,
    }[interval]
    return {
        "min": low,
        "max": low * rng.choice([1.25, 1.5, 2]),
        "currency": rng.choice(vocab.CURRENCIES),
        "interval": interval,
    }


def _form(rng: random.Random, types: list[str], country: str) -> dict:
    def info(name: str, text: str, kind: str, required: bool) -> dict:
        return {"text": text, "name": name, "type": kind, "required": required, "value": None}

    form = {
        "customQuestions": [
            {
                "id": new_id(rng),
                "text": "Application questions",
                "distribution": [rng.choice(["external", "internal"])],
                "fields": [make_field(rng, kind) for kind in types],
            }
        ],
        "personalInformation": [
            info("fullName", "Full name", "text", True),
            info("email", "Email", "email", True),
            info("phone", "Phone", "text", False),
            info("resume", "Resume/CV", "file-upload", False),
            info("currentCompany", "Current company", "text", False),
            info("currentLocation", "Current location", "text", False),
            info("additionalInformation", "Additional information", "textarea", False),
        ],
        "urls": [info("LinkedIn", "LinkedIn URL", "text", False), info("GitHub", "GitHub URL", "text", False)],
        "consentDisclosures": None if rng.random() < 0.5 else {"store": {"text": "Keep my data for 2 years"}},
    }
    if country == "US":

        def eeo(text: str, options: list[str]) -> dict:
            return {
                "text": text,
                "type": "dropdown",
                "required": False,
                "description": "",
                "prompt": "",
                "options": [{"text": o, "optionId": o.lower().replace(" ", "-")} for o in options],
                "value": None,
            }

        form["eeoQuestions"] = {
            "gender": eeo("Gender", ["Female", "Male", "Decline to self-identify"]),
            "race": eeo(
                "Race", ["Asian", "Black or African American", "White", "Two or more races", "Decline to self-identify"]
            ),
            "veteran": eeo("Veteran status", ["I am a veteran", "I am not a veteran", "Decline to self-identify"]),
            "disability": eeo("Disability", ["Yes", "No", "Decline to self-identify"]),
        }
    return form


def add_posting(catalog: Catalog, rng: random.Random, created: int, now_ms: int, index: int = 99) -> dict:
    """A posting with its apply form; the first postings cover every state and form field type."""
    department = rng.choice(list(vocab.TEAMS))
    location, country = rng.choice(vocab.POSTING_LOCATIONS)
    states = ["published", "internal", "closed", "draft", "pending"]
    if index < len(states):
        state = states[index]
    elif now_ms - created > 300 * DAY_MS:
        state = rng.choice(["closed", "closed", "published"])
    else:
        state = rng.choice(["published", "published", "published", "internal", "closed", "draft", "pending"])
    if index < 2:
        location, country = "Austin, TX", "US"
    pid = new_id(rng)
    owner = rng.choice(catalog.recruiters)
    text = rng.choice(vocab.JOB_TITLES[department])
    show = f"{JOB_SITE}/{pid}"
    posting = {
        "id": pid,
        "text": text,
        "state": state,
        "distributionChannels": rng.choice([["public", "internal"], ["internal"], ["public"], None]),
        "confidentiality": "confidential" if index % 33 == 7 else "non-confidential",
        "user": owner,
        "owner": owner,
        "hiringManager": rng.choice(catalog.hiring_managers),
        "categories": {
            "team": rng.choice(vocab.TEAMS[department]),
            "department": department,
            "location": location,
            "commitment": rng.choice(vocab.COMMITMENTS),
            "level": None,
            "allLocations": [location],
        },
        "tags": rng.sample(vocab.EXTRA_TAGS, 1),
        "followers": [owner],
        "content": {
            "description": "Join a small team building the core product.",
            "descriptionHtml": "<div>Join a small team building the core product.</div>",
            "lists": [{"text": "Requirements", "content": "<li>Curiosity</li><li>Ownership</li>"}],
            "closing": "We value diverse teams.",
            "closingHtml": "<div>We value diverse teams.</div>",
        },
        "country": country,
        "reqCode": None,
        "requisitionCodes": [],
        "workplaceType": vocab.WORKPLACE_TYPES[index % len(vocab.WORKPLACE_TYPES)],
        "urls": {"list": JOB_SITE, "show": show, "apply": f"{show}/apply"}
        if state in ("published", "internal")
        else None,
        "createdAt": created,
        "updatedAt": created + rng.randint(0, 20) * DAY_MS if state != "draft" else created,
        "transcribeInterviews": False,
        "screening": {"enabled": rng.random() < 0.3},
    }
    posting["updatedAt"] = min(posting["updatedAt"], now_ms)
    if rng.random() < 0.7 or index < len(vocab.SALARY_INTERVALS):
        posting["salaryRange"] = _salary(rng)
        if index < len(vocab.SALARY_INTERVALS):
            posting["salaryRange"]["interval"] = vocab.SALARY_INTERVALS[index]
        posting["salaryDescription"] = "Plus equity and benefits."
        posting["salaryDescriptionHtml"] = "<div>Plus equity and benefits.</div>"
    types = APPLY_FIELD_TYPES if index < 3 else rng.sample(APPLY_FIELD_TYPES, rng.randint(2, 5))
    catalog.postings[pid] = posting
    catalog.posting_forms[pid] = _form(rng, list(types), country)
    catalog.original_titles[pid] = text
    return posting


def add_requisitions(catalog: Catalog, rng: random.Random, now_ms: int) -> None:
    statuses = ["open", "onHold", "closed", "draft"]
    for index, posting in enumerate(list(catalog.postings.values())[: max(8, len(catalog.postings) * 2 // 3)]):
        code = f"REQ-{100 + index}"
        unlimited = index % 9 == 4
        total = "unlimited" if unlimited else rng.randint(1, 4)
        status = statuses[index % 4] if index < 4 else rng.choice(statuses + ["open", "open"])
        created = posting["createdAt"] - rng.randint(1, 20) * DAY_MS
        requisition = {
            "id": new_id(rng),
            "createdAt": created,
            "updatedAt": created + rng.randint(0, 30) * DAY_MS,
            "closedAt": created + 60 * DAY_MS if status == "closed" else None,
            "confidentiality": posting["confidentiality"],
            "status": status,
            "name": posting["text"],
            "requisitionCode": code,
            "headcountTotal": total,
            "headcountHired": 0 if unlimited else rng.randint(0, total),
            "headcountInfinite": unlimited,
            "backfill": rng.random() < 0.2,
            "creator": posting["owner"],
            "owner": posting["owner"],
            "hiringManager": posting["hiringManager"],
            "internalNotes": "Budget approved in planning.",
            "compensationBand": posting.get("salaryRange"),
            "approval": None,
            "employmentStatus": posting["categories"]["commitment"],
            "location": posting["categories"]["location"],
            "team": posting["categories"]["team"],
            "department": posting["categories"]["department"],
            "postings": [posting["id"]],
            "offerIds": [],
            "timeToFillStartAt": created,
            "timeToFillEndAt": None,
            "customFields": {"costCenter": "CC-42"},
        }
        requisition["updatedAt"] = min(requisition["updatedAt"], now_ms)
        posting["requisitionCodes"] = [code]
        posting["reqCode"] = code if rng.random() < 0.5 else None
        catalog.requisitions[requisition["id"]] = requisition
    catalog.requisition_fields = [
        {"id": "costCenter", "text": "Cost center", "type": "text", "isRequired": True},
        {"id": "targetDate", "text": "Target hire date", "type": "date", "isRequired": False},
        {"id": "budget", "text": "Budget", "type": "number", "isRequired": False},
        {
            "id": "region",
            "text": "Region",
            "type": "dropdown",
            "isRequired": False,
            "options": [{"text": "EMEA"}, {"text": "AMER"}, {"text": "APAC"}],
        },
        {
            "id": "approver",
            "text": "Approver",
            "type": "object",
            "isRequired": False,
            "subfields": [{"id": "name", "text": "Name", "type": "text"}],
        },
    ]
