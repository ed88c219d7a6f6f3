"""The route table and the read handlers of Lever's API v1 (writes in `writes`, control in `control`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from . import applying, control, hostile, listings, pagination, render, writes
from .access import visible_opportunity, visible_posting
from .errors import not_found
from .faults import POISON
from .generator.children import KINDS
from .listings import Listing
from .messages import Response
from .routing import Ctx, Route, respond

V1 = "/v1"


def page_of(ctx: Ctx, listing: Listing) -> Response:
    start, end, token = pagination.page(listing.sort, listing.keys, ctx.query)
    items = listing.items[start:end]
    kind = ctx.fault.kind if ctx.fault is not None else None
    if kind == "next_loop" and items:  # the token of this very page: asking for it answers this page again
        token = pagination.token_at(listing.sort, listing.keys[start], ctx.query)
    elif kind == "empty_pages" and listing.keys:  # the first page is real, then empty pages with new tokens
        if ctx.query.get("offset", [""])[-1]:
            items, token = [], None
        token = token or pagination.past_end_token(listing.sort, listing.keys, ctx.query, ctx.fault.fired)
    body: dict = {"data": [listing.render(item) for item in items], "hasNext": token is not None}
    if token is not None:
        body["next"] = token  # Lever omits `next` on the last page
    if kind in POISON:
        return Response(200, {}, hostile.poisoned_body(kind, body))
    return respond(200, body)


def _list(build: Callable) -> Callable[[Ctx], Response]:
    return lambda ctx: page_of(ctx, build(ctx.account, ctx.query, ctx.viewer))


def _get_from(entity: str, build: Callable) -> Callable[[Ctx], Response]:
    """Single GET = the record of the entity's (unfiltered, fully visible to this key) list with that id."""

    def handler(ctx: Ctx) -> Response:
        query = {
            "confidentiality": ["all" if ctx.viewer.confidential else "non-confidential"],
            "includeDeactivated": ["true"],
            **{k: v for k, v in ctx.query.items() if k in ("expand", "include")},
        }
        listing = build(ctx.account, query, ctx.viewer)
        for item in listing.items:
            if item["id"] == ctx.params["id"]:
                return respond(200, {"data": listing.render(item)})
        raise not_found(entity, ctx.params["id"])

    return handler


def get_opportunity(ctx: Ctx) -> Response:
    opportunity = visible_opportunity(ctx)
    expand, include = listings.shaping(ctx.query)
    record = render.opportunity(ctx.account, opportunity)
    return respond(200, {"data": render.shape(ctx.account, "opportunities", record, expand, include, opportunity)})


def _deleted(feed: str) -> Callable[[Ctx], Response]:
    return lambda ctx: page_of(ctx, listings.deleted(ctx.account, feed, ctx.query))


def _children(kind: str) -> Callable[[Ctx], Response]:
    return lambda ctx: page_of(ctx, listings.children(ctx.account, visible_opportunity(ctx), kind, ctx.query))


def _child(kind: str) -> Callable[[Ctx], Response]:
    def handler(ctx: Ctx) -> Response:
        listing = listings.children(ctx.account, visible_opportunity(ctx), kind, {})
        for item in listing.items:
            if item["id"] == ctx.params["child"]:
                return respond(200, {"data": listing.render(item)})
        raise not_found(kind, ctx.params["child"])

    return handler


def _download(kind: str) -> Callable[[Ctx], Response]:
    def handler(ctx: Ctx) -> Response:
        opportunity = visible_opportunity(ctx)
        record = next((r for r in ctx.account.children(opportunity)[kind] if r["id"] == ctx.params["child"]), None)
        if record is None:
            raise not_found(kind, ctx.params["child"])
        content = ctx.account.blobs.get(record["id"])
        if content is None:  # generated files get small deterministic stand-in contents
            digest = hashlib.sha256(record["id"].encode()).hexdigest()
            content = f"%PDF-1.4\n% lever sandbox {kind} {record['id']} {digest}\n%%EOF\n".encode()
        name = record.get("name") or record.get("file", {}).get("name", "file")
        return Response(
            200,
            {"content-type": "application/octet-stream", "content-disposition": f'attachment; filename="{name}"'},
            content,
        )

    return handler


def list_applications(ctx: Ctx) -> Response:
    return page_of(ctx, listings.applications(ctx.account, visible_opportunity(ctx), ctx.query))


def get_application(ctx: Ctx) -> Response:
    listing = listings.applications(ctx.account, visible_opportunity(ctx), ctx.query)
    for item in listing.items:
        if item.id == ctx.params["child"]:
            return respond(200, {"data": listing.render(item)})
    raise not_found("applications", ctx.params["child"])


def get_contact(ctx: Ctx) -> Response:
    account = ctx.account
    person = account.contacts.get(ctx.params["id"])
    if person is None or not any(account.live_opportunity(oid) for oid in person.opportunity_ids):
        raise not_found("contacts", ctx.params["id"])
    return respond(200, {"data": render.contact(account, person)})


def get_posting(ctx: Ctx) -> Response:
    expand, include = listings.shaping(ctx.query)
    return respond(200, {"data": render.shape(ctx.account, "postings", visible_posting(ctx), expand, include)})


def get_posting_form(ctx: Ctx) -> Response:
    posting = visible_posting(ctx)
    return respond(200, {"data": ctx.account.catalog.posting_forms[posting["id"]]})


def get_posting_users(ctx: Ctx) -> Response:
    """Unwrapped `{posting, users, roles}`: no `data` envelope (observed)."""
    posting = visible_posting(ctx)
    users = ctx.account.catalog.users
    roles = {
        "owner": [posting["owner"]],
        "hiringManager": [posting["hiringManager"]],
        "followers": posting["followers"],
    }
    ids = list(dict.fromkeys(uid for group in roles.values() for uid in group if uid in users))
    return respond(200, {"posting": posting["id"], "users": [users[uid] for uid in ids], "roles": roles})


def disposition_stages(ctx: Ctx) -> Response:
    catalog = ctx.account.catalog
    return respond(200, {"data": {"stages": catalog.pipeline, "archiveReasons": catalog.listed_reasons}})


def requisition_fields(ctx: Ctx) -> Response:
    return respond(200, {"data": ctx.account.catalog.requisition_fields})  # not paginated: no hasNext


def get_requisition_field(ctx: Ctx) -> Response:
    for record in ctx.account.catalog.requisition_fields:
        if record["id"] == ctx.params["id"]:
            return respond(200, {"data": record})
    raise not_found("requisition_fields", ctx.params["id"])


def _api(method: str, path: str, endpoint: str, handler: Callable[[Ctx], Response], **flags: bool) -> Route:
    return Route(method, V1 + path, endpoint, handler, **flags)


def _paged(path: str, endpoint: str, handler: Callable[[Ctx], Response], child_list: bool = False) -> Route:
    return _api("GET", path, endpoint, handler, paged=True, child_list=child_list)


def build_routes() -> list[Route]:
    opp = "/opportunities/:id"
    routes = [
        _paged("/opportunities", "opportunities", _list(listings.opportunities)),
        _paged("/opportunities/deleted", "opportunities", _deleted("opportunities")),
        _api("GET", opp, "opportunities", get_opportunity),
        _api("POST", "/opportunities", "opportunities", writes.create_opportunity),
        _api("PUT", f"{opp}/stage", "opportunities", writes.change_stage),
        _api("PUT", f"{opp}/archived", "opportunities", writes.change_archived),
        *[_api("POST", f"{opp}/{action}", "opportunities", writes.edit_list(action)) for action in writes.LIST_EDITS],
        _paged(f"{opp}/applications", "applications", list_applications, child_list=True),
        _api("GET", f"{opp}/applications/:child", "applications", get_application),
        _paged("/applications/deleted", "applications", _deleted("applications")),
        _api("POST", f"{opp}/notes", "notes", writes.add_note),
        _api("DELETE", f"{opp}/notes/:child", "notes", writes.delete_child("notes")),
        _api("POST", f"{opp}/files", "files", writes.upload_file),
        _api("DELETE", f"{opp}/files/:child", "files", writes.delete_child("files")),
        _api("GET", "/contacts/:id", "contacts", get_contact),
        _paged("/postings", "postings", _list(listings.postings)),
        _paged("/postings/deleted", "postings", _deleted("postings")),
        _api("GET", "/postings/:id", "postings", get_posting),
        _api("GET", "/postings/:id/apply", "posting_forms", get_posting_form),
        _api("POST", "/postings/:id/apply", "posting_forms", applying.apply),
        _api("GET", "/postings/:id/users", "postings", get_posting_users),
        _paged("/users", "users", _list(listings.users)),
        _api("GET", "/users/:id", "users", _get_from("users", listings.users)),
        _paged("/stages", "stages", _list(listings.stages)),
        _api("GET", "/stages/:id", "stages", _get_from("stages", listings.stages)),
        _api("GET", "/disposition_stages", "stages", disposition_stages),
        _paged("/archive_reasons", "archive_reasons", _list(listings.archive_reasons)),
        _api("GET", "/archive_reasons/:id", "archive_reasons", _get_from("archive_reasons", listings.archive_reasons)),
        _paged("/tags", "tags", _list(listings.tags)),
        _paged("/sources", "sources", _list(listings.sources)),
        _paged("/requisitions", "requisitions", _list(listings.requisitions)),
        _api("GET", "/requisitions/:id", "requisitions", _get_from("requisitions", listings.requisitions)),
        _api("GET", "/requisition_fields", "requisition_fields", requisition_fields),
        _api("GET", "/requisition_fields/:id", "requisition_fields", get_requisition_field),
        _paged("/feedback_templates", "feedback_templates", _list(listings.feedback_templates)),
        _api(
            "GET",
            "/feedback_templates/:id",
            "feedback_templates",
            _get_from("feedback_templates", listings.feedback_templates),
        ),
        _api("GET", "/webhooks", "webhooks", writes.list_webhooks),
        _api("POST", "/webhooks", "webhooks", writes.create_webhook),
        _api("DELETE", "/webhooks/:id", "webhooks", writes.delete_webhook),
        Route("POST", "/oauth/token", "oauth_token", writes.oauth_token, kind="oauth"),
    ]
    for kind in KINDS:
        routes.append(_paged(f"{opp}/{kind}", kind, _children(kind), child_list=True))
        routes.append(_api("GET", f"{opp}/{kind}/:child", kind, _child(kind)))
    for kind in ("resumes", "files"):
        routes.append(_api("GET", f"{opp}/{kind}/:child/download", kind, _download(kind)))
    return routes + control.routes()
