"""Interview panels, their interviews and the feedback forms interviewers complete."""

from __future__ import annotations

import random

from ..clock import DAY_MS, HOUR_MS
from ..ids import new_id
from ..model import Genesis
from . import vocab
from .catalog import Catalog
from .forms import completed

FEEDBACK_UPDATED_SINCE = 1_704_067_200_000  # feedback older than 2024 predates `updatedAt` (null)


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
        "updatedAt": at if at >= FEEDBACK_UPDATED_SINCE else None,
        "deletedAt": at + HOUR_MS if rng.random() < 0.05 else None,  # soft-deleted forms stay listed
    }
    if interview:
        interview["feedbackForms"].append(form["id"])
    children["feedback"].append(form)
    return form
