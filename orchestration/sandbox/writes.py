"""Write endpoints used by integrations, and the OAuth token endpoint."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from . import operations, render, subscriptions
from .access import visible_opportunity
from .auth import OAuthError
from .errors import bad_request, not_found
from .generator.documents import add_file, add_uploaded_resume
from .messages import Response
from .payloads import body, multipart, perform_as
from .routing import Ctx, respond

LIST_EDITS = {
    "addTags": ("tags", True),
    "removeTags": ("tags", False),
    "addSources": ("sources", True),
    "removeSources": ("sources", False),
    "addLinks": ("links", True),
    "removeLinks": ("links", False),
}


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
    if not isinstance(archived, dict) or ctx.account.archive_reason(archived.get("reason")) is None:
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
    if ctx.request.headers.get("content-type", "").startswith("multipart/form-data"):
        _store_uploads(ctx, opportunity, multipart(ctx)[1])
    return respond(201, {"deduped": deduped, "data": render.opportunity(account, opportunity)})


RESUME_PARTS = ("resumeFile", "resume")


def _store_uploads(ctx: Ctx, opportunity, parts: list[tuple[str, str, bytes]]) -> list[dict]:
    """File parts of a request as the opportunity's documents: `resumeFile` (or `resume`) a resume, any other
    (`files[]`, or the single part of an upload) a file. The bytes are served back by the download routes."""
    if not parts:
        return []
    account = ctx.account
    children = operations.child_added(account, opportunity)
    stored = []
    for field, filename, content in parts:
        if field in RESUME_PARTS:
            size = len(content)
            record = add_uploaded_resume(children, account.write_rng, opportunity.id, filename, account.now_ms, size)
            kind = "resumes"
        else:
            record = add_file(children, account.write_rng, opportunity.id, filename, account.now_ms, len(content))
            record["status"] = "processed"
            kind = "files"
        account.blobs[record["id"]] = content
        stored.append(render.child(account, kind, record))
    return stored


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
    _, files = multipart(ctx)
    if not files:
        raise bad_request("No file part in the request")
    field, filename, content = files[0]
    stored = _store_uploads(ctx, opportunity, [("file" if field in RESUME_PARTS else field, filename, content)])
    return respond(201, {"data": stored[0]})


def list_webhooks(ctx: Ctx) -> Response:
    """Not paginated: `{"data": [...]}` with no `hasNext` (observed)."""
    return respond(200, {"data": [subscriptions.public(hook) for hook in ctx.account.webhooks.values()]})


def create_webhook(ctx: Ctx) -> Response:
    payload = body(ctx)
    configuration = payload.get("configuration")
    if configuration is not None and not isinstance(configuration, dict):
        raise bad_request("configuration must be an object")
    hook = subscriptions.add_webhook(ctx.account, payload.get("event"), payload.get("url"), configuration)
    return respond(201, {"data": hook})


def delete_webhook(ctx: Ctx) -> Response:
    if ctx.account.webhooks.pop(ctx.params["id"], None) is None:
        raise not_found("webhooks", ctx.params["id"])
    return Response(204, {}, b"")


def oauth_token(ctx: Ctx) -> Response:
    """OAuth errors use the OAuth body shape (`{"error": ...}`), not Lever's `{code, message}`."""
    services = ctx.services
    form = dict(parse_qsl(ctx.request.body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        token = services.auth.exchange(form, ctx.account.now_ms, services.faults.take_expire_next_token())
    except OAuthError as error:
        return respond(error.status, {"error": error.error})
    return respond(200, token)
