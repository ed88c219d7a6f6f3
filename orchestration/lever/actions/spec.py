"""The eight write actions and the shape of their parameters (Kombo's), checked before anything is looked up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import LeverWarehouseError


class ActionError(LeverWarehouseError):
    """A request that cannot be carried out as given (bad parameters, unknown or deleted ids): nothing was sent."""


@dataclass(frozen=True)
class Opt:
    """An optional field."""

    shape: Any


@dataclass(frozen=True)
class ListOf:
    shape: Any
    min_items: int = 0


ID = "id"  # a unified id: 24 base58 characters, as `ats` shows
TEXT = "text"  # a non-empty string
EMAIL = "email"
URL = "url"
ANY = "any"  # an answer: string, number, boolean or list, checked against the question later
BOOL = "bool"

ATTACHMENT = {
    "name": TEXT,
    "content_type": TEXT,
    "data": Opt(TEXT),  # base64
    "data_url": Opt(URL),
    "type": Opt(TEXT),  # CV, COVER_LETTER or OTHER (Kombo's attachment types)
}
ANSWERS = Opt(ListOf({"question_id": ID, "answer": ANY}))
SOURCE = Opt({"name": TEXT})

# Parameters per action, in Kombo's names. Ids are the warehouse's unified ids.
SCHEMAS: dict[str, dict[str, Any]] = {
    "create_candidate": {
        "candidate": {
            "first_name": TEXT,
            "last_name": TEXT,
            "email_address": EMAIL,
            "company": Opt(TEXT),
            "title": Opt(TEXT),
            "phone_number": Opt(TEXT),
            "location": Opt({"city": Opt(TEXT), "country": Opt(TEXT)}),
            "social_links": Opt(ListOf({"url": URL})),
        },
        "application": {"job_id": ID, "stage_id": Opt(ID)},
        "screening_question_answers": ANSWERS,
        "attachments": Opt(ListOf(ATTACHMENT)),
        "source": SOURCE,
    },
    "create_application": {
        "candidate_id": ID,
        "job_id": ID,
        "stage_id": Opt(ID),
        "screening_question_answers": ANSWERS,
        "attachments": Opt(ListOf(ATTACHMENT)),
        "source": SOURCE,
    },
    "add_tag": {"candidate_id": ID, "tag": {"name": TEXT}},
    "remove_tag": {"candidate_id": ID, "tag": {"name": TEXT}},
    "move_application_to_stage": {"application_id": ID, "stage_id": ID},
    "reject_application": {"application_id": ID, "rejection_reason_id": ID, "note": Opt(TEXT)},
    "add_attachment": {"application_id": Opt(ID), "candidate_id": Opt(ID), "attachment": ATTACHMENT},
    "add_result_link": {
        "application_id": ID,
        "label": TEXT,
        "url": URL,
        "details": Opt({"custom_field_name_prefix": Opt(TEXT), "attributes": Opt(ListOf({"key": TEXT, "value": ANY}))}),
    },
}
ACTIONS = tuple(SCHEMAS)
ATTACHMENT_TYPES = ("CV", "COVER_LETTER", "OTHER")

_ID = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{24}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # the warehouse's own validity rule (unified-schema §1.11)
_URL = re.compile(r"^https?://[^\s/]+\S*$", re.IGNORECASE)
_PATTERNS = {
    ID: (_ID, "a unified id (24 characters, as ats shows)"),
    EMAIL: (_EMAIL, "an email address"),
    URL: (_URL, "an http(s) URL"),
}


def check_params(action: str, params: object) -> dict[str, Any]:
    """The parameters if they have the action's shape; else an ActionError naming the first wrong field."""
    if action not in SCHEMAS:
        raise ActionError(f"unknown action {action!r}; actions: {', '.join(ACTIONS)}")
    if not isinstance(params, Mapping):
        raise ActionError(f"{action}: params must be a JSON object")
    _check(action, SCHEMAS[action], params, "")
    if action == "add_attachment" and bool(params.get("application_id")) == bool(params.get("candidate_id")):
        raise ActionError("add_attachment: give exactly one of application_id and candidate_id")
    for attachment in [*params.get("attachments", []), *([params["attachment"]] if "attachment" in params else [])]:
        if bool(attachment.get("data")) == bool(attachment.get("data_url")):
            raise ActionError(f"{action}: attachment {attachment['name']!r} needs exactly one of data and data_url")
        if attachment.get("type", "OTHER") not in ATTACHMENT_TYPES:
            raise ActionError(f"{action}: attachment type must be one of {', '.join(ATTACHMENT_TYPES)}")
    return dict(params)


def _check(action: str, shape: Any, value: object, path: str) -> None:
    where = f"{action}: {path or 'params'}"
    if isinstance(shape, dict):
        if not isinstance(value, Mapping):
            raise ActionError(f"{where} must be an object")
        unknown = sorted(set(value) - set(shape))
        if unknown:
            raise ActionError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(shape)})")
        for name, inner in shape.items():
            child = f"{path}.{name}" if path else name
            if value.get(name) is None:
                if not isinstance(inner, Opt):
                    raise ActionError(f"{action}: {child} is required")
                continue
            _check(action, inner.shape if isinstance(inner, Opt) else inner, value[name], child)
        return
    if isinstance(shape, ListOf):
        if not isinstance(value, list) or len(value) < shape.min_items:
            raise ActionError(f"{where} must be a list")
        for index, item in enumerate(value):
            _check(action, shape.shape, item, f"{path}[{index}]")
        return
    if shape == ANY:
        if not isinstance(value, str | int | float | bool | list):
            raise ActionError(f"{where} must be a string, number, boolean or list")
        return
    if shape == BOOL:
        if not isinstance(value, bool):
            raise ActionError(f"{where} must be true or false")
        return
    if not isinstance(value, str) or not value.strip():
        raise ActionError(f"{where} must be a non-empty string")
    pattern, what = _PATTERNS.get(shape, (None, ""))
    if pattern is not None and not pattern.match(value.strip()):
        raise ActionError(f"{where} must be {what}")
