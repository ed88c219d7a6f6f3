"""Lever's cursor pagination as an async generator: follow `next` as `offset` while `hasNext` is true."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from .client import LeverClient, Params, require_list
from .errors import InvalidOffsetToken, LeverPayloadError

log = logging.getLogger("lever_warehouse.pagination")

PAGE_SIZE = 100
MAX_WINDOW_RESTARTS = 3


async def iter_pages(
    client: LeverClient, path: str, params: Params, *, endpoint: str, paginated: bool = True
) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield each page's records. The end is `hasNext: false`, never a short page.

    On "Invalid offset token" the window restarts from its first page (tokens are bound to the sort, and
    Lever may invalidate them); consumers are idempotent by id, so records seen twice are harmless.
    """
    restarts = 0
    while True:
        try:
            async for page in _pages_once(client, path, params, endpoint=endpoint, paginated=paginated):
                yield page
            return
        except InvalidOffsetToken:
            restarts += 1
            if restarts > MAX_WINDOW_RESTARTS:
                raise
            log.warning("GET %s: offset token refused, restarting the window (%d)", endpoint, restarts)


async def _pages_once(
    client: LeverClient, path: str, params: Params, *, endpoint: str, paginated: bool
) -> AsyncIterator[list[dict[str, Any]]]:
    base = [(k, v) for k, v in params if k not in ("limit", "offset")]
    if paginated:
        base.append(("limit", str(PAGE_SIZE)))
    offset: str | None = None
    while True:
        query = base + ([("offset", offset)] if offset else [])
        body = await client.get_json(path, query, endpoint=endpoint)
        yield require_list(body, endpoint)
        if not paginated or not body.get("hasNext"):
            return
        offset = body.get("next")
        if not isinstance(offset, str) or not offset:
            raise LeverPayloadError(f"GET {endpoint}: hasNext is true but no next token", endpoint=endpoint)
