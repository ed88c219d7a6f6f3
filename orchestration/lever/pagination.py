"""Lever's cursor pagination as an async generator: follow `next` as `offset` while `hasNext` is true.

A server that never ends a listing (the same `next` again, or empty pages with fresh tokens forever) would
spend the whole rate budget, hold the warehouse lock and never finish; guards stop it with an error naming
the endpoint, and the caller fails the run before any cursor moves.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from .client import LeverClient, Params, require_list
from .endpoints import Route
from .errors import InvalidOffsetToken, LeverPayloadError

log = logging.getLogger("lever_warehouse.pagination")

PAGE_SIZE = 100
MAX_WINDOW_RESTARTS = 3
# Pages in a row that bring no record not already seen in this listing (empty, or repeats).
MAX_FRUITLESS_PAGES = 5
# A listing may be this many pages longer than the records we know of suggest (new records, a first sync).
PAGE_MARGIN = 1_000


class PaginationLoop(LeverPayloadError):
    """The server kept a listing going past any plausible end; nothing of it is recorded as complete."""


def page_cap(known_records: int) -> int:
    """Most pages a listing of a table holding `known_records` can take: twice what they fill, plus a margin."""
    return 2 * (known_records // PAGE_SIZE + 1) + PAGE_MARGIN


async def iter_pages(
    client: LeverClient,
    path: str,
    params: Params,
    *,
    route: Route,
    paginated: bool = True,
    max_pages: int | None = None,
    id_field: str = "id",
) -> AsyncIterator[list[Any]]:
    """Yield each page's records. The end is `hasNext: false`, never a short page.

    On "Invalid offset token" the window restarts from its first page (tokens are bound to the sort, and
    Lever may invalidate them); consumers are idempotent by id, so records seen twice are harmless.
    """
    restarts = 0
    while True:
        try:
            pages = _pages_once(client, path, params, route=route, paginated=paginated, cap=max_pages, key=id_field)
            async for page in pages:
                yield page
            return
        except InvalidOffsetToken:
            restarts += 1
            if restarts > MAX_WINDOW_RESTARTS:
                raise
            log.warning("GET %s: offset token refused, restarting the window (%d)", route.template, restarts)


async def _pages_once(
    client: LeverClient, path: str, params: Params, *, route: Route, paginated: bool, cap: int | None, key: str
) -> AsyncIterator[list[Any]]:
    base = [(k, v) for k, v in params if k not in ("limit", "offset")]
    if paginated:
        base.append(("limit", str(PAGE_SIZE)))
    cap = page_cap(0) if cap is None else cap
    offset: str | None = None
    tokens: set[str] = set()
    ids: set[Any] = set()
    pages = fruitless = 0
    while True:
        query = base + ([("offset", offset)] if offset else [])
        body = await client.get_json(path, query, route=route)
        rows = require_list(body, route)
        pages += 1
        keys = [row.get(key) if isinstance(row, dict) else None for row in rows]
        usable = {k for k in keys if isinstance(k, str | int)}
        # A page moves the listing on if it brings a record not seen in it yet (or records we cannot tell apart).
        fruitless = 0 if (usable - ids) or len(usable) < len(keys) else fruitless + 1
        ids |= usable
        yield rows
        if not paginated or not body.get("hasNext"):
            return
        offset = body.get("next")
        if not isinstance(offset, str) or not offset:
            raise LeverPayloadError(f"GET {route.template}: hasNext is true but no next token", endpoint=route.name)
        if offset in tokens:
            _stop(route, f"the server repeated a `next` token after {pages} pages")
        if fruitless >= MAX_FRUITLESS_PAGES:
            _stop(route, f"{fruitless} pages in a row brought no new record (after {pages} pages)")
        if pages >= cap:
            _stop(route, f"it ran past {cap} pages, far more than the records known for it")
        tokens.add(offset)


def _stop(route: Route, why: str) -> None:
    raise PaginationLoop(
        f"GET {route.template} never ended: {why}; the listing was stopped and nothing it covers was recorded as "
        "complete (a fault on Lever's side or a proxy in between): rerun later",
        endpoint=route.name,
    )
