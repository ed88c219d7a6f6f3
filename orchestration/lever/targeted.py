"""Reading named opportunities by id (`GET /opportunities/:id?expand=applications`), for targeted syncs: a
webhook's event, a write action's effect, or `lever-warehouse sync --opportunity ID`."""

from __future__ import annotations

import asyncio
from typing import Any

from .client import LeverClient
from .endpoints import Route, segment
from .errors import LeverError

ROUTE = Route("opportunities:by_id", "/opportunities/:id")
# Opportunities written per transaction, as a scan page is.
TARGETED_PAGE = 100


async def targeted_read(client: LeverClient, ids: list[str]) -> tuple[list[Any], list[str]]:
    """(the opportunities Lever returned, in the order asked; the ids it answered 404 for)."""
    unique = list(dict.fromkeys(ids))

    async def one(opp_id: str) -> Any:
        try:
            body = await client.get_json(f"/opportunities/{segment(opp_id)}", [("expand", "applications")], route=ROUTE)
        except LeverError as exc:
            if exc.status == 404:
                return None
            raise
        return body.get("data")

    answers = await asyncio.gather(*(one(i) for i in unique))
    found = [a for a in answers if a is not None]
    gone = [i for i, a in zip(unique, answers, strict=True) if a is None]
    return found, gone
