"""`/_sandbox` control routes (no auth): advance the clock, ground truth, stats, faults."""

from __future__ import annotations

import json

from .app import Ctx, Route, respond
from .errors import bad_request
from .messages import Response


def advance(ctx: Ctx) -> Response:
    raw = ctx.query.get("days", [None])[-1]
    try:
        if raw is None and ctx.request.body:
            raw = json.loads(ctx.request.body).get("days")
        days = float(raw)
    except (TypeError, ValueError, AttributeError):
        raise bad_request('days must be a number (?days=N or {"days": N})') from None
    if days < 0:
        raise bad_request("the sandbox clock never goes back")
    counts = ctx.app.sandbox.advance(days)
    return respond(200, {"now": ctx.account.now_ms, "changes": counts})


def truth(ctx: Ctx) -> Response:
    try:
        return respond(200, ctx.app.sandbox.truth(ctx.params["entity"]))
    except KeyError:
        raise bad_request(f"Unknown entity: {ctx.params['entity']}") from None


def stats(ctx: Ctx) -> Response:
    return respond(200, ctx.app.sandbox.stats())


def reset_stats(ctx: Ctx) -> Response:
    ctx.app.sandbox.reset_stats()
    return Response(204, {}, b"")


def faults(ctx: Ctx) -> Response:
    return respond(200, {"rules": ctx.app.faults.describe()})


def add_faults(ctx: Ctx) -> Response:
    """Body: a JSON string in the fault grammar, or {"spec": "..."}."""
    try:
        payload = json.loads(ctx.request.body or b"null")
        spec = payload.get("spec") if isinstance(payload, dict) else payload
        if not isinstance(spec, str):
            raise ValueError('expected a JSON string or {"spec": "..."}')
        ctx.app.faults.add(spec)
    except ValueError as error:
        raise bad_request(f"Invalid fault spec: {error}") from None
    return respond(200, {"rules": ctx.app.faults.describe()})


def clear_faults(ctx: Ctx) -> Response:
    ctx.app.faults.clear()
    return Response(204, {}, b"")


def routes() -> list[Route]:
    return [
        Route("POST", "/_sandbox/advance", "_sandbox", advance, kind="control"),
        Route("GET", "/_sandbox/truth/:entity", "_sandbox", truth, kind="control"),
        Route("GET", "/_sandbox/stats", "_sandbox", stats, kind="control"),
        Route("DELETE", "/_sandbox/stats", "_sandbox", reset_stats, kind="control"),
        Route("GET", "/_sandbox/faults", "_sandbox", faults, kind="control"),
        Route("POST", "/_sandbox/faults", "_sandbox", add_faults, kind="control"),
        Route("DELETE", "/_sandbox/faults", "_sandbox", clear_faults, kind="control"),
    ]
