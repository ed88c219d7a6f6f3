"""Write endpoints used by integrations, and the OAuth token endpoint."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from . import operations, render
from .access import visible_opportunity, visible_posting
from .app import Ctx, parse_form, respond
from .auth import OAuthError
from .errors import bad_request, not_found
from .generator.children import add_file
from .generator.forms import is_valid_answer
from .messages import Response

LIST_EDITS = {
    "addTags": ("tags", True),
    "removeTags": ("tags", False),
    "addSources": ("sources", True),
    "removeSources": ("sources", False),
    "addLinks": ("links", True),
    "removeLinks": ("links", False),
}
ARRAY_FIELDS = {"tags", "sources", "links", "emails", "postings", "followers", "phones"}


def perform_as(ctx: Ctx) -> str | None:
    uid = ctx.query.get("perform_as", [None])[-1]
    if uid is not None and uid not in ctx.account.catalog.users:
        raise bad_request(f"Invalid perform_as user: {uid}")
    return uid


def _multipart(ctx: Ctx) -> tuple[list[tuple[str, str]], list[tuple[str, str, bytes]]]:
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
        return _unflatten(_multipart(ctx)[0])
    if content_type.startswith("application/x-www-form-urlencoded"):
        return _unflatten(parse_qsl(ctx.request.body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        payload = json.loads(ctx.request.body or b"{}")
    except ValueError:
        raise bad_request("Request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise bad_request("Request body must be a JSON object")
    return payload


def _opportunity_data(ctx: Ctx, opportunity) -> Response:
    return respond(200, {"data": render.opportunity(ctx.account, opportunity)})


def _ms(value: object) -> int | None:
    """Epoch ms from JSON (a number) or multipart (a digit string)."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _posting_of(ctx: Ctx, payload: dict) -> dict | None:
    if not payload.get("postings"):
        return None
    if len(payload["postings"]) != 1:
        raise bad_request("Only one posting can be given per request")
    posting = ctx.account.catalog.postings.get(payload["postings"][0])
    if posting is None or ctx.account.posting_deleted(posting["id"]):
        raise bad_request(f"Invalid posting: {payload['postings'][0]}")
    return posting


def _archived_of(ctx: Ctx, payload: dict, created_at: int) -> tuple[str, int] | None:
    archived = payload.get("archived")
    if archived is None:
        return None
    reasons = {reason["id"] for reason in ctx.account.catalog.archive_reasons}
    if not isinstance(archived, dict) or archived.get("reason") not in reasons:
        raise bad_request("archived.reason must be an archive reason id")
    at = _ms(archived.get("archivedAt", ctx.account.now_ms))
    if at is None or not created_at <= at <= ctx.account.now_ms:
        raise bad_request("archived.archivedAt must be epoch milliseconds between createdAt and now")
    return archived["reason"], at


def create_opportunity(ctx: Ctx) -> Response:
    """POST /opportunities: dedupes people by email (the stored contact wins) → 201 {deduped, data}.

    Everything is validated before anything is written: a failed request leaves no trace.
    """
    account, payload, user = ctx.account, body(ctx), perform_as(ctx)
    emails = [e for e in payload.get("emails", []) if isinstance(e, str) and e]
    posting = _posting_of(ctx, payload)
    created_at = _ms(payload.get("createdAt", account.now_ms))
    if created_at is None or created_at > account.now_ms:
        raise bad_request("createdAt must be epoch milliseconds, not in the future")
    archived = _archived_of(ctx, payload, created_at)
    stage = payload.get("stage", "lead-new")
    if account.stage_index(stage) is None:
        raise bad_request(f"Invalid stage: {stage}")
    contact = account.contacts.get(payload.get("contact") or "")
    if payload.get("contact") and contact is None:
        raise bad_request(f"Invalid contact: {payload['contact']}")
    deduped = contact is None and operations.find_contact(account, emails) is not None
    contact = contact or operations.find_contact(account, emails)
    if contact is None:
        phones = [
            {"type": p.get("type"), "value": p.get("value")} for p in payload.get("phones", []) if isinstance(p, dict)
        ]
        contact = operations.new_contact(
            account,
            str(payload.get("name", "")),
            str(payload.get("headline", "")),
            str(payload.get("location", "")),
            emails,
            phones,
            [str(link) for link in payload.get("links", [])],
        )
    opportunity = operations.create_opportunity(
        account,
        contact,
        stage=stage,
        origin=payload.get("origin", "sourced"),
        owner=payload.get("owner", user),
        posting=posting,
        tags=[str(t) for t in payload.get("tags", [])],
        sources=[str(s) for s in payload.get("sources", [])],
        followers=payload.get("followers", []),
        created_at=created_at,
        application_type="user",
        user=user,
    )
    if archived:
        operations.archive(account, opportunity, archived[0], at=archived[1])
    return respond(201, {"deduped": deduped, "data": render.opportunity(account, opportunity)})


def change_stage(ctx: Ctx) -> Response:
    opportunity, payload = visible_opportunity(ctx), body(ctx)
    if not isinstance(payload.get("stage"), str):
        raise bad_request("stage is required")
    operations.change_stage(ctx.account, opportunity, payload["stage"], perform_as(ctx))
    return _opportunity_data(ctx, opportunity)


def change_archived(ctx: Ctx) -> Response:
    opportunity, payload = visible_opportunity(ctx), body(ctx)
    if "reason" not in payload:
        raise bad_request("reason is required (null unarchives)")
    perform_as(ctx)
    operations.archive(ctx.account, opportunity, payload["reason"], payload.get("requisitionId"))
    return _opportunity_data(ctx, opportunity)


def edit_list(action: str) -> Callable[[Ctx], Response]:
    field, adding = LIST_EDITS[action]

    def handler(ctx: Ctx) -> Response:
        opportunity, payload = visible_opportunity(ctx), body(ctx)
        values = payload.get(field)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise bad_request(f"{field} must be a list of strings")
        perform_as(ctx)
        operations.edit_list(ctx.account, opportunity, field, values if adding else (), () if adding else values)
        return _opportunity_data(ctx, opportunity)

    return handler


def add_note(ctx: Ctx) -> Response:
    opportunity, payload, user = visible_opportunity(ctx), body(ctx), perform_as(ctx)
    text = payload.get("value")
    if not isinstance(text, str) or not text:
        raise bad_request("value is required")
    score = payload.get("score")
    if score is not None and score not in (1, 2, 3, 4):
        raise bad_request("score must be 1 to 4")
    note = operations.add_note(ctx.account, opportunity, text, user, bool(payload.get("secret", False)), score)
    return respond(201, {"data": {**note, "noteId": note["id"]}})


def delete_child(kind: str) -> Callable[[Ctx], Response]:
    def handler(ctx: Ctx) -> Response:
        opportunity = visible_opportunity(ctx)
        perform_as(ctx)
        if not operations.remove_child(ctx.account, opportunity, kind, ctx.params["child"]):
            raise not_found(kind, ctx.params["child"])
        return Response(204, {}, b"")

    return handler


def upload_file(ctx: Ctx) -> Response:
    opportunity = visible_opportunity(ctx)
    perform_as(ctx)
    if not ctx.request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise bad_request("Upload a file as multipart/form-data")
    _, files = _multipart(ctx)
    if not files:
        raise bad_request("No file part in the request")
    _, filename, content = files[0]
    children = operations.child_added(ctx.account, opportunity)
    record = add_file(children, ctx.account.write_rng, opportunity.id, filename, ctx.account.now_ms, len(content))
    record["status"] = "processed"
    ctx.account.blobs[record["id"]] = content
    return respond(201, {"data": render.child(ctx.account, "files", record)})


def _validate_application(form: dict, payload: dict) -> dict[str, str]:
    """The apply payload must match the posting's form: required personal fields, known questions, typed values."""
    personal = {
        item.get("name"): item.get("value") for item in payload.get("personalInformation", []) if isinstance(item, dict)
    }
    for item in form["personalInformation"]:
        if item["required"] and not personal.get(item["name"]):
            raise bad_request(f"Missing required field: {item['name']}")
    answers = {q.get("id"): q.get("fields", []) for q in payload.get("customQuestions", []) if isinstance(q, dict)}
    questions = {q["id"]: q for q in form["customQuestions"]}
    unknown = set(answers) - set(questions)
    if unknown:
        raise bad_request(f"Unknown custom question: {sorted(unknown)[0]}")
    for qid, question in questions.items():
        given = answers.get(qid, [])
        if len(given) not in (0, len(question["fields"])):
            raise bad_request(f"Custom question {qid} expects {len(question['fields'])} field values")
        for index, field in enumerate(question["fields"]):
            value = given[index].get("value") if index < len(given) and isinstance(given[index], dict) else None
            if not is_valid_answer(field, value):
                raise bad_request(f"Invalid value for field {field['id']} ({field['type']}) of question {qid}")
    return personal


def apply(ctx: Ctx) -> Response:
    """POST /postings/:id/apply → 201 {"data": {"applicationId"}}; only published or internal postings."""
    account = ctx.account
    posting = visible_posting(ctx)
    if posting["state"] not in ("published", "internal"):
        raise bad_request(f"Posting {posting['id']} is not accepting applications ({posting['state']})")
    form, payload = account.catalog.posting_forms[posting["id"]], body(ctx)
    personal = _validate_application(form, payload)
    email = str(personal["email"])
    links = [str(u.get("value")) for u in payload.get("urls", []) if isinstance(u, dict) and u.get("value")]
    phone = {"type": None, "value": str(personal["phone"])} if personal.get("phone") else None
    contact = operations.find_contact(account, [email]) or operations.new_contact(
        account,
        str(personal["fullName"]),
        "",
        str(personal.get("currentLocation") or ""),
        [email],
        [phone] if phone else [],
        links,
    )
    answers = {q["id"]: q.get("fields", []) for q in payload.get("customQuestions", [])}
    completed = [
        {
            "id": account.new_id(),
            "type": "posting",
            "text": q["text"],
            "instructions": "",
            "fields": [
                {**f, "value": (answers.get(q["id"]) or [{}] * len(q["fields"]))[i].get("value")}
                for i, f in enumerate(q["fields"])
            ],
            "baseTemplateId": q["id"],
            "user": None,
            "stage": None,
            "createdAt": account.now_ms,
            "completedAt": account.now_ms,
        }
        for q in form["customQuestions"]
    ]
    opportunity = operations.create_opportunity(
        account,
        contact,
        stage="applicant-new",
        origin=str(payload.get("origin") or "applied"),
        owner=posting["owner"],
        posting=posting,
        tags=[],
        sources=[str(payload.get("source") or "Job site")],
        followers=[posting["owner"]],
        created_at=account.now_ms,
        application_type="posting",
        user=None,
        application_fields={
            "name": str(personal["fullName"]),
            "email": email,
            "phone": phone,
            "links": links,
            "company": personal.get("currentCompany"),
            "comments": personal.get("additionalInformation"),
            "custom_questions": completed,
            "ip_address": payload.get("ipAddress"),
            "user_agent": payload.get("userAgent"),
            "accept_language": payload.get("acceptLanguage"),
            "referer": payload.get("referer"),
            "timezone": payload.get("timezone"),
        },
    )
    return respond(201, {"data": {"applicationId": opportunity.application_ids[0]}})


def oauth_token(ctx: Ctx) -> Response:
    """OAuth errors use the OAuth body shape (`{"error": ...}`), not Lever's `{code, message}`."""
    sandbox = ctx.app.sandbox
    expire_now, sandbox.expire_next_token = sandbox.expire_next_token, False
    try:
        token = sandbox.auth.exchange(parse_form(ctx.request.body), ctx.account.now_ms, expire_now)
    except OAuthError as error:
        return respond(error.status, {"error": error.error})
    return respond(200, token)
