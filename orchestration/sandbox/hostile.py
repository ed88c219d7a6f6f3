"""What the hostile fault kinds answer: bodies no well-behaved Lever sends, built byte by byte where needed.

Poison kinds mutate one record of a list page (the first: stable and easy to find) in a rendered copy, so the
stored account and the ground truth never change. JSON that `json.dumps` cannot write (a lone surrogate escape,
`1e20` as written, 2,000 nested arrays) is spliced into the serialized body in place of a placeholder.
"""

from __future__ import annotations

import json

from .errors import ApiError
from .messages import Response, json_body

DEEP_LEVELS = 2_000
DOTDOT_ID = "../users?x="
_PLACEHOLDER = "__lever_sandbox_poison__"
LOGIN_PAGE = (
    b'<!DOCTYPE html>\n<html><head><title>Sign in | Lever</title></head>\n<body><form method="post" '
    b'action="/auth/login"><input name="email"><input name="password" type="password">'
    b"<button>Sign in</button></form></body></html>\n"
)


def echo_auth(status: int, authorization: str) -> ApiError:
    """A server that puts the credential it was sent into its error message (a real-world leak)."""
    return ApiError(status, f"Invalid header: {authorization}")


def html_login() -> Response:
    return Response(200, {"content-type": "text/html; charset=utf-8"}, LOGIN_PAGE)


def _first_of(record: dict, accept: type | tuple[type, ...], skip: tuple[str, ...] = ("id",)) -> str | None:
    for name, value in record.items():
        if name not in skip and isinstance(value, accept) and not isinstance(value, bool):
            return name
    return None


def poisoned_body(kind: str, payload: dict) -> bytes:
    """The page's JSON with its first record poisoned by `kind` (an empty page is sent as is)."""
    data = payload["data"]
    if not data or not isinstance(data[0], dict):
        return json_body(payload)
    record = dict(data[0])
    payload = {**payload, "data": [record, *data[1:]]}
    id_field = "id" if "id" in record else _first_of(record, str, skip=())
    raw: str | None = None
    if kind == "poison_nul_id" and id_field:
        ident = str(record[id_field])
        record[id_field] = ident[:8] + "\u0000" + ident[8:]  # json.dumps escapes it as \u0000
    elif kind == "poison_dotdot_id" and id_field:
        record[id_field] = DOTDOT_ID
    elif kind == "poison_surrogate":
        field = _first_of(record, str) or id_field
        if field:
            raw = json.dumps(record[field], ensure_ascii=False)[:-1] + '\\ud800"'
            record[field] = _PLACEHOLDER
    elif kind == "poison_huge_ms":
        raw, record["updatedAt"] = "1e20", _PLACEHOLDER
    elif kind == "poison_nan":
        raw, record[_first_of(record, (int, float)) or "updatedAt"] = "NaN", _PLACEHOLDER
    elif kind == "poison_deep":
        raw = "[" * DEEP_LEVELS + "]" * DEEP_LEVELS
        record[_first_of(record, list) or _first_of(record, object) or "deep"] = _PLACEHOLDER
    body = json_body(payload)
    if raw is None:
        return body
    return body.replace(json.dumps(_PLACEHOLDER).encode(), raw.encode(), 1)
