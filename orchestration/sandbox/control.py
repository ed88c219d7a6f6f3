"""`/_sandbox` control routes (no auth): advance the clock, ground truth, stats, faults, catalog removals."""

from __future__ import annotations

import json
from collections.abc import Callable

from . import activity, catalog_changes
from .clock import DAY_MS, parse_instant, to_ms
from .dangling import dangling
from .errors import bad_request, not_found
from .messages import Response
from .routing import Ctx, Route, respond
from .truth import truth as account_truth


def advance(ctx: Ctx) -> Response:
    """`?days=N` (or `{"days": N}`) ahead, or `?to=now|<ISO-8601>|<epoch ms>`; `&intensity=X` multiplies activity."""
    raw = ctx.query.get("days", [None])[-1]
    target = ctx.query.get("to", [None])[-1]
    try:
        if raw is None and target is None and ctx.request.body:
            raw = json.loads(ctx.request.body).get("days")
        intensity = float(ctx.query.get("intensity", ["1"])[-1])
        if target is not None:
            until = ctx.account.clock.live_ms() if target == "now" else _instant_ms(target)
        else:
            until = ctx.account.now_ms + round(float(raw) * DAY_MS)
    except (TypeError, ValueError, AttributeError):
        raise bad_request('days must be a number (?days=N or {"days": N}), or to an instant (?to=now), and '
                          "intensity a number") from None  # fmt: skip
    if until < ctx.account.now_ms or intensity < 0:
        raise bad_request("the sandbox clock never goes back, and activity is never negative")
    counts = activity.advance(ctx.account, until, intensity)
    ctx.services.on_write(None)
    return respond(200, {"now": ctx.account.now_ms, "changes": counts})


def truth(ctx: Ctx) -> Response:
    try:
        return respond(200, account_truth(ctx.account, ctx.params["entity"]))
    except KeyError:
        raise bad_request(f"Unknown entity: {ctx.params['entity']}") from None


def dangling_references(ctx: Ctx) -> Response:
    return respond(200, dangling(ctx.account))


def _removal(change: Callable[[Ctx, str], None]) -> Callable[[Ctx], Response]:
    """DELETE /_sandbox/<entity>/:id: the catalog change, then a snapshot; 400 with the reason if refused."""

    def handler(ctx: Ctx) -> Response:
        try:
            with ctx.account.lock:
                change(ctx, ctx.params["id"])
        except ValueError as error:
            raise bad_request(str(error)) from None
        ctx.services.on_write(None)
        return Response(204, {}, b"")

    return handler


def _remove_stage(ctx: Ctx, stage_id: str) -> None:
    catalog_changes.remove_stage(ctx.account, stage_id)


def _delete_reason(ctx: Ctx, reason_id: str) -> None:
    catalog_changes.delete_archive_reason(ctx.account, reason_id)


def _delete_posting(ctx: Ctx, posting_id: str) -> None:
    """`?deleted_at=` (epoch ms or ISO-8601) backdates the deletion."""
    posting = ctx.account.catalog.postings.get(posting_id)
    if posting is None:
        raise not_found("postings", posting_id)
    raw = ctx.query.get("deleted_at", [None])[-1]
    catalog_changes.delete_posting(ctx.account, posting, None if raw is None else _instant_ms(raw))


def _instant_ms(raw: str) -> int:
    """Epoch milliseconds, or an ISO-8601 instant."""
    return int(raw) if raw.lstrip("-").isdigit() else to_ms(parse_instant(raw))


def stats(ctx: Ctx) -> Response:
    return respond(200, ctx.services.stats.snapshot())


def reset_stats(ctx: Ctx) -> Response:
    ctx.services.stats.reset()
    return Response(204, {}, b"")


def faults(ctx: Ctx) -> Response:
    return respond(200, {"rules": ctx.services.faults.describe()})


def add_faults(ctx: Ctx) -> Response:
    """Body: a JSON string in the fault grammar, or {"spec": "..."}."""
    try:
        payload = json.loads(ctx.request.body or b"null")
        spec = payload.get("spec") if isinstance(payload, dict) else payload
        if not isinstance(spec, str):
            raise ValueError('expected a JSON string or {"spec": "..."}')
        ctx.services.faults.add(spec)
    except ValueError as error:
        raise bad_request(f"Invalid fault spec: {error}") from None
    return respond(200, {"rules": ctx.services.faults.describe()})


def clear_faults(ctx: Ctx) -> Response:
    ctx.services.faults.clear()
    return Response(204, {}, b"")


def routes() -> list[Route]:
    return [
        Route("POST", "/_sandbox/advance", "_sandbox", advance, kind="control"),
        Route("GET", "/_sandbox/truth/dangling", "_sandbox", dangling_references, kind="control"),
        Route("GET", "/_sandbox/truth/:entity", "_sandbox", truth, kind="control"),
        Route("GET", "/_sandbox/stats", "_sandbox", stats, kind="control"),
        Route("DELETE", "/_sandbox/stats", "_sandbox", reset_stats, kind="control"),
        Route("GET", "/_sandbox/faults", "_sandbox", faults, kind="control"),
        Route("POST", "/_sandbox/faults", "_sandbox", add_faults, kind="control"),
        Route("DELETE", "/_sandbox/faults", "_sandbox", clear_faults, kind="control"),
        Route("DELETE", "/_sandbox/stages/:id", "_sandbox", _removal(_remove_stage), kind="control"),
        Route("DELETE", "/_sandbox/archive_reasons/:id", "_sandbox", _removal(_delete_reason), kind="control"),
        Route("DELETE", "/_sandbox/postings/:id", "_sandbox", _removal(_delete_posting), kind="control"),
    ]
