"""The catalog (account-wide entities) and its users, stages, archive reasons and feedback templates."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..clock import DAY_MS
from ..ids import new_id
from . import vocab
from .forms import FEEDBACK_FIELD_TYPES, make_field

# (id or None for a generated UUID, text, pipeline, rank, hasInterview): Lever's built-in slugs plus custom
# stages with the fractional ranks Lever gives stages inserted between others.
_STAGES = [
    ("lead-new", "New lead", "lead", 1, False),
    ("lead-reached-out", "Reached out", "lead", 3, False),
    ("lead-responded", "Responded", "lead", 5, False),
    ("applicant-new", "New applicant", "applicant", 101, False),
    (None, "Recruiter screen", "screen", 130.5, True),
    (None, "Phone interview", "screen", 160.25, True),
    (None, "On-site interview", "onsite", 200.5, True),
    (None, "Reference check", "onsite", 230.5, False),
    ("offer", "Offer", "offer", 261, False),
]
_NON_HIRED_REASONS = [
    "Underqualified",
    "Withdrew",
    "Position filled",
    "Timing",
    "Unresponsive",
    "Offer declined",
    "Location",
    "Compensation",
]


@dataclass
class Catalog:
    users: dict[str, dict] = field(default_factory=dict)
    stages: list[dict] = field(default_factory=list)
    archive_reasons: list[dict] = field(default_factory=list)
    postings: dict[str, dict] = field(default_factory=dict)
    posting_forms: dict[str, dict] = field(default_factory=dict)
    original_titles: dict[str, str] = field(default_factory=dict)  # children use titles as generated
    requisitions: dict[str, dict] = field(default_factory=dict)
    requisition_fields: list[dict] = field(default_factory=list)
    feedback_templates: list[dict] = field(default_factory=list)
    referral_template: dict = field(default_factory=dict)
    profile_template: dict = field(default_factory=dict)
    recruiters: list[str] = field(default_factory=list)
    hiring_managers: list[str] = field(default_factory=list)
    interviewers: list[str] = field(default_factory=list)

    # Stages removed from the pipeline and archive reasons deleted: gone from their lists and GETs but still
    # referenced by the records that used them. `stages` keeps every stage ever generated, because lazily
    # generated children (interviews of a stage) must not change when the pipeline does.
    removed_stages: set[str] = field(default_factory=set)
    deleted_reasons: set[str] = field(default_factory=set)

    def __setstate__(self, state: dict) -> None:  # snapshots saved before the removal sets existed
        self.__dict__.update({"removed_stages": set(), "deleted_reasons": set(), **state})

    @property
    def hired_reason(self) -> str:
        return next(reason["id"] for reason in self.archive_reasons if reason["type"] == "hired")

    @property
    def pipeline(self) -> list[dict]:
        """The stages listed now, in pipeline order."""
        return [stage for stage in self.stages if stage["id"] not in self.removed_stages]

    @property
    def listed_reasons(self) -> list[dict]:
        return [reason for reason in self.archive_reasons if reason["id"] not in self.deleted_reasons]


def users(catalog: Catalog, rng: random.Random, count: int, now_ms: int) -> None:
    custom_role = new_id(rng)
    roles = [
        "super admin",
        "admin",
        "team member",
        "team member",
        "team member",
        "limited team member",
        "interviewer",
        custom_role,
    ]
    seen: set[str] = set()
    for index in range(count):
        first, first_slug = rng.choice(vocab.FIRST_NAMES)
        last, last_slug = rng.choice(vocab.STAFF_LAST_NAMES)
        username = f"{first_slug}.{last_slug}"
        while username in seen:
            username = f"{first_slug}.{last_slug}{rng.randint(2, 99)}"
        seen.add(username)
        created = now_ms - rng.randint(200, 1500) * DAY_MS
        user = {
            "id": new_id(rng),
            "name": f"{first} {last}",
            "username": username,
            "email": f"{username}@sandbox-company.com",
            "accessRole": "super admin" if index < 2 else rng.choice(roles),
            "photo": f"https://gravatar.com/avatar/{rng.getrandbits(64):016x}" if rng.random() < 0.3 else None,
            "createdAt": created,
            "deactivatedAt": None,
            "externalDirectoryId": f"okta-{rng.getrandbits(32):08x}" if rng.random() < 0.6 else None,
            "linkedContactIds": [],
            "jobTitle": rng.choice(["Recruiter", "Engineering Manager", "Sourcer", "Designer", None]),
            "managerId": None,
        }
        if index >= 4 and rng.random() < 0.1:
            user["deactivatedAt"] = created + rng.randint(30, 180) * DAY_MS
        catalog.users[user["id"]] = user
    active = [uid for uid, user in catalog.users.items() if user["deactivatedAt"] is None]
    for user in catalog.users.values():
        user["managerId"] = rng.choice(active[:3]) if user["id"] not in active[:3] else None
    # Pools overlap on purpose: a few people are owner, hiring manager and interviewer at once.
    catalog.recruiters = active[: max(3, len(active) // 5)]
    catalog.hiring_managers = active[2 : 2 + max(4, len(active) // 4)]
    catalog.interviewers = active[1:]


def stages_and_reasons(catalog: Catalog, rng: random.Random) -> None:
    for stage_id, text, pipeline, rank, has_interview in _STAGES:
        catalog.stages.append(
            {
                "id": stage_id or new_id(rng),
                "text": text,
                "pipeline": pipeline,
                "rank": rank,
                "hasInterview": has_interview,
            }
        )
    catalog.archive_reasons.append({"id": new_id(rng), "text": "Hired", "status": "active", "type": "hired"})
    for text in _NON_HIRED_REASONS:
        catalog.archive_reasons.append({"id": new_id(rng), "text": text, "status": "active", "type": "non-hired"})
    catalog.archive_reasons.append(
        {"id": new_id(rng), "text": "Culture fit (retired)", "status": "inactive", "type": "non-hired"}
    )


def _template(rng: random.Random, text: str, types: list[str], created: int | None, group: str | None) -> dict:
    return {
        "id": new_id(rng),
        "text": text,
        "group": {"id": new_id(rng), "name": group} if group else None,
        "instructions": "Please fill in within 24 hours of the interview.",
        "fields": [make_field(rng, kind) for kind in types],
        "createdAt": created,
        "updatedAt": created,
        "stage": None,
    }


def templates(catalog: Catalog, rng: random.Random) -> None:
    created = 1_600_000_000_000
    catalog.feedback_templates = [
        _template(rng, "Interview feedback", ["score-system", "textarea"], None, None),  # built-ins: null times
        _template(rng, "Phone screen", ["score-system", "yes-no", "note"], None, None),
        _template(rng, "Engineering onsite", ["score-system", "scorecard", "code", "textarea"], created, "Eng"),
        _template(rng, "Portfolio review", ["score", "dropdown", "note"], created + DAY_MS, "Design"),
        _template(rng, "Culture add", FEEDBACK_FIELD_TYPES, created + 2 * DAY_MS, None),
    ]
    catalog.referral_template = _template(rng, "Referral", ["textarea", "yes-no", "dropdown"], created, None)
    catalog.profile_template = _template(rng, "Debrief", ["textarea", "multiple-choice"], created, None)
