"""Lever's form field model (apply forms, feedback, referrals, profile forms): fields, answers, validation."""

from __future__ import annotations

import random

from ..clock import DAY_MS
from ..ids import new_id
from . import vocab

APPLY_FIELD_TYPES = [
    "text",
    "textarea",
    "dropdown",
    "multiple-choice",
    "multiple-select",
    "yes-no",
    "date",
    "file-upload",
    "currency",
    "number",
    "university",
]
FEEDBACK_FIELD_TYPES = ["score-system", "score", "scorecard", "code", "note", "textarea", "yes-no", "dropdown"]
OPTION_TYPES = {"dropdown", "multiple-choice", "multiple-select", "score-system"}
SCORE_SYSTEM = ["4 - Strong Hire", "3 - Hire", "2 - No Hire", "1 - Strong No Hire"]

_PROMPTS = {
    "text": "What is your notice period?",
    "textarea": "Why do you want to work with us?",
    "dropdown": "How did you hear about us?",
    "multiple-choice": "Which level fits you best?",
    "multiple-select": "Which of these tools have you used?",
    "yes-no": "Are you authorized to work in this country?",
    "date": "Earliest start date",
    "file-upload": "Upload a work sample",
    "currency": "Salary expectation",
    "number": "Years of professional experience",
    "university": "Highest degree obtained at",
    "score-system": "Overall rating",
    "score": "Thumbs",
    "scorecard": "Skills",
    "code": "Code sample reviewed",
    "note": "Notes",
}
_OPTIONS = {
    "dropdown": ["LinkedIn", "A friend", "Conference", "Job board"],
    "multiple-choice": ["Junior", "Mid", "Senior", "Staff"],
    "multiple-select": ["Python", "SQL", "Kubernetes", "Figma", "Excel"],
    "score-system": SCORE_SYSTEM,
}
_TEXT_ANSWERS = [
    "Two months.",
    "I like the product and the team's engineering culture.",
    "About four weeks.",
    "The mission resonates with my experience in logistics.",
    "Open to discussing it.",
]


def make_field(rng: random.Random, field_type: str) -> dict:
    field = {
        "id": new_id(rng),
        "type": field_type,
        "text": _PROMPTS[field_type],
        "description": "",
        "required": rng.random() < 0.5,
        "prompt": "",
        "value": None,
    }
    if field_type in _OPTIONS:
        field["options"] = [{"text": text} for text in _OPTIONS[field_type]]
    if field_type == "scorecard":
        field["scores"] = [{"text": "Communication", "description": ""}, {"text": "Craft", "description": ""}]
    if field_type == "currency":
        field["currency"] = rng.choice(vocab.CURRENCIES)
    return field


# The candidate profile form's fields: (type, text, options); what customers map into custom_fields.
PROFILE_FIELDS = [
    ("yes-no", "Visa sponsorship required", None),
    ("currency", "Salary expectation", None),
    ("number", "Notice period (weeks)", None),
    ("date", "Earliest start date", None),
    ("dropdown", "Preferred work model", ["Remote", "Hybrid", "On-site"]),
    ("multiple-select", "Languages", ["English", "German", "French", "Spanish", "Mandarin"]),
    ("textarea", "Recruiter summary", None),
]


def profile_field(rng: random.Random, field_type: str, text: str, options: list[str] | None) -> dict:
    field = {**make_field(rng, field_type), "text": text, "required": False}
    if options is not None:
        field["options"] = [{"text": option} for option in options]
    return field


def answer(field: dict, rng: random.Random, at_ms: int) -> object:
    """A value of the right shape for the field type (the shapes `is_valid_answer` accepts)."""
    kind = field["type"]
    options = [option["text"] for option in field.get("options", [])]
    if kind in ("dropdown", "multiple-choice", "score-system"):
        return rng.choice(options)
    if kind == "multiple-select":
        return rng.sample(options, rng.randint(1, len(options)))
    if kind == "yes-no":
        return rng.choice(["yes", "no"])
    if kind == "date":
        return (at_ms // DAY_MS + rng.randint(14, 90)) * DAY_MS  # date-only values are UTC midnights
    if kind == "file-upload":
        return {"fileName": rng.choice(["work-sample.pdf", "portfolio.zip", "writing.docx"])}
    if kind == "currency":
        return {"currency": field.get("currency", "USD"), "value": rng.randrange(40_000, 160_000, 1_000)}
    if kind in ("number", "score"):
        return rng.randint(1, 4) if kind == "score" else rng.randint(0, 25)
    if kind == "scorecard":
        return [{"text": score["text"], "score": rng.randint(1, 4)} for score in field["scores"]]
    if kind == "university":
        return rng.choice(vocab.SCHOOLS)
    if kind == "code":
        return "def solve(items):\n    return sorted(set(items))"
    if kind in ("textarea", "note"):
        return rng.choice(vocab.FEEDBACK_SENTENCES)
    return rng.choice(_TEXT_ANSWERS)


def is_valid_answer(field: dict, value: object) -> bool:
    kind = field["type"]
    if value is None or value == "" or value == []:
        return not field.get("required")
    options = {option["text"] for option in field.get("options", [])}
    if kind in ("dropdown", "multiple-choice", "score-system"):
        return value in options
    if kind == "multiple-select":
        return isinstance(value, list) and all(item in options for item in value)
    if kind == "yes-no":
        return value in ("yes", "no")
    if kind in ("date", "number", "score"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "file-upload":
        return isinstance(value, dict | str)
    if kind == "currency":
        return isinstance(value, dict) and isinstance(value.get("value"), int | float)
    if kind == "scorecard":
        return isinstance(value, list)
    return isinstance(value, str)


def completed(template: dict, rng: random.Random, at_ms: int) -> list[dict]:
    """The template's fields with values filled in, as completed forms show them."""
    return [{**field, "value": answer(field, rng, at_ms)} for field in template["fields"]]
