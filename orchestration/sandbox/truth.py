"""Ground truth: every record the API shows right now to a full-access client, plus the deleted feeds."""

from __future__ import annotations

import json
from collections.abc import Iterator

from . import listings, render
from .account import DELETED_FEEDS, Account
from .generator.children import KINDS

FULL = listings.Viewer(confidential=True)
ALL = {"confidentiality": ["all"], "includeDeactivated": ["true"]}
CATALOG = {
    "postings": listings.postings,
    "users": listings.users,
    "stages": listings.stages,
    "archive_reasons": listings.archive_reasons,
    "requisitions": listings.requisitions,
    "feedback_templates": listings.feedback_templates,
    "form_templates": listings.form_templates,
}
ENTITIES = (
    "opportunities",
    "applications",
    *KINDS,
    *CATALOG,
    "posting_forms",
    "tags",
    "sources",
    "requisition_fields",
    "contacts",
)


def _live(account: Account) -> Iterator:
    return (o for o in account.opportunities.values() if o.deleted_at is None)


def _row(ident: str, parent: str | None, data: dict) -> dict:
    # JSON round trip per record: exactly the API's JSON types, and no aliasing of stored containers
    return {"id": ident, "parent_id": parent, "data": json.loads(json.dumps(data))}


def _records(account: Account, entity: str) -> Iterator[dict]:
    if entity == "opportunities":
        listing = listings.opportunities(account, {**ALL, "expand": ["applications"]}, FULL)
        yield from (_row(o.id, None, listing.render(o)) for o in listing.items)
    elif entity == "applications" or entity in KINDS:
        for opp in _live(account):
            listing = (
                listings.applications(account, opp, {})
                if entity == "applications"
                else listings.children(account, opp, entity, {})
            )
            for item in listing.items:
                data = listing.render(item)
                yield _row(data["id"], opp.id, data)
    elif entity in CATALOG:
        listing = CATALOG[entity](account, ALL, FULL)
        yield from (_row(item["id"], None, listing.render(item)) for item in listing.items)
    elif entity == "posting_forms":
        for posting in listings.postings(account, ALL, FULL).items:
            yield _row(posting["id"], posting["id"], account.catalog.posting_forms[posting["id"]])
    elif entity in ("tags", "sources"):
        listing = listings.tags(account, {}, FULL) if entity == "tags" else listings.sources(account, {}, FULL)
        yield from (_row(item["text"], None, item) for item in listing.items)
    elif entity == "requisition_fields":
        yield from (_row(item["id"], None, item) for item in account.catalog.requisition_fields)
    elif entity == "contacts":
        for person in account.contacts.values():
            if any(account.live_opportunity(oid) for oid in person.opportunity_ids):
                yield _row(person.id, None, render.contact(account, person))
    else:
        raise KeyError(entity)


def truth(account: Account, entity: str) -> dict:
    """{"records": [{"id", "parent_id", "data"}], "deleted": [{"id", "deletedAt"}]} for one entity."""
    if entity not in ENTITIES:
        raise KeyError(entity)
    with account.lock:
        deleted = (
            [{"id": row["id"], "deletedAt": row["deletedAt"]} for row in account.deleted[entity].values()]
            if entity in DELETED_FEEDS
            else []
        )
        return {"records": list(_records(account, entity)), "deleted": deleted}
