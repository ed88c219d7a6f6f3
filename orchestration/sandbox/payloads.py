"""Request bodies of the write endpoints: JSON, urlencoded or multipart forms, and `perform_as`."""

from __future__ import annotations

import json
import re
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from .errors import bad_request
from .routing import Ctx

ARRAY_FIELDS = {"tags", "sources", "links", "emails", "postings", "followers", "phones"}


def perform_as(ctx: Ctx) -> str | None:
    uid = ctx.query.get("perform_as", [None])[-1]
    if uid is not None and uid not in ctx.account.catalog.users:
        raise bad_request(f"Invalid perform_as user: {uid}")
    return uid


def multipart(ctx: Ctx) -> tuple[list[tuple[str, str]], list[tuple[str, str, bytes]]]:
    """(form fields, files as (field, filename, content)) of a multipart/form-data body."""
    content_type = ctx.request.headers.get("content-type", "")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + ctx.request.body
    )
    if not message.is_multipart():
        raise bad_request("Invalid multipart body")
    fields, files = [], []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition") or ""
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            files.append((name, part.get_filename(), payload))
        else:
            fields.append((name, payload.decode("utf-8", "replace")))
    return fields, files


def _unflatten(pairs: list[tuple[str, str]]) -> dict:
    """Form fields to JSON: repeated keys become arrays, `phones[0][type]` / `archived[reason]` nest."""
    root: dict = {}
    for key, value in pairs:
        path = re.findall(r"[^\[\]]+", key)
        if not path:
            continue
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        last = path[-1]
        if last in node and not isinstance(node[last], dict):
            node[last] = [*(node[last] if isinstance(node[last], list) else [node[last]]), value]
        else:
            node[last] = value

    def listify(value):
        if isinstance(value, dict):
            if value and all(k.isdigit() for k in value):
                return [listify(value[k]) for k in sorted(value, key=int)]
            return {k: listify(v) for k, v in value.items()}
        return value

    result = listify(root)
    for name in ARRAY_FIELDS & result.keys():
        if not isinstance(result[name], list):
            result[name] = [result[name]]
    return result


def body(ctx: Ctx) -> dict:
    content_type = ctx.request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return _unflatten(multipart(ctx)[0])
    if content_type.startswith("application/x-www-form-urlencoded"):
        return _unflatten(parse_qsl(ctx.request.body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        payload = json.loads(ctx.request.body or b"{}")
    except ValueError:
        raise bad_request("Request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise bad_request("Request body must be a JSON object")
    return payload
