"""Who may see a record: deleted, unknown, or confidential for a key without access all look alike (404)."""

from __future__ import annotations

from .errors import not_found
from .model import Opportunity
from .routing import Ctx


def visible_opportunity(ctx: Ctx) -> Opportunity:
    oid = ctx.params["id"]
    opportunity = ctx.account.live_opportunity(oid)
    if opportunity is None or (opportunity.confidentiality == "confidential" and not ctx.viewer.confidential):
        raise not_found("opportunities", oid)
    return opportunity


def visible_posting(ctx: Ctx) -> dict:
    pid = ctx.params["id"]
    posting = ctx.account.catalog.postings.get(pid)
    if (
        posting is None
        or ctx.account.posting_deleted(pid)
        or (posting["confidentiality"] == "confidential" and not ctx.viewer.confidential)
    ):
        raise not_found("postings", pid)
    return posting
