"""Listing an endpoint's pages the way the sync needs: confidential records included when the key may see them,
every row checked (`records.py`), and a page cap sized from what the warehouse already holds."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from .client import LeverClient, Params
from .endpoints import Endpoint
from .errors import LeverPermissionError
from .pagination import iter_pages, page_cap
from .run_record import RunRecord

log = logging.getLogger("lever_warehouse.sync")


class Lister:
    def __init__(self, client: LeverClient, record: RunRecord) -> None:
        self.client = client
        self.record = record
        self._confidential = True

    async def pages(self, endpoint: Endpoint, query: Params, *, known: int = 0) -> AsyncIterator[list[Any]]:
        """Pages of a list (`known`: rows the warehouse holds for it, which sizes the runaway guard)."""
        params = list(endpoint.params) + list(query)
        cap = page_cap(known)
        if endpoint.confidential and self._confidential:
            try:
                async for page in self._pages(endpoint, params + [("confidentiality", "all")], cap):
                    yield page
                return
            except LeverPermissionError:
                if self._confidential:  # the first list to find out (lists run side by side) says so
                    self._confidential = False
                    self.record.result.confidential_access = False
                    log.warning(
                        "the API key has no access to confidential data: confidential opportunities, postings "
                        "and requisitions are skipped (create a key with confidential access to include them)"
                    )
        async for page in self._pages(endpoint, params, cap):
            yield page

    def _pages(self, endpoint: Endpoint, params: Params, cap: int) -> AsyncIterator[list[Any]]:
        return iter_pages(
            self.client,
            endpoint.url(),
            params,
            route=endpoint.route,
            paginated=endpoint.paginated,
            max_pages=cap,
            id_field=endpoint.id_field,
        )

    async def all(self, endpoint: Endpoint, query: Params = (), *, known: int = 0) -> list[Any]:
        return [row async for page in self.pages(endpoint, list(query), known=known) for row in page]

    async def children(self, endpoint: Endpoint, parent_id: str) -> list[Any]:
        """Every row of one parent's child list (few: the default cap is plenty)."""
        return [
            row
            async for page in iter_pages(
                self.client, endpoint.url(parent_id), [], route=endpoint.route, id_field=endpoint.id_field
            )
            for row in page
        ]
