"""HTTP connections for many requests in flight: one single-connection httpx client per request slot.

httpcore 1.0's shared pool costs more CPU per request the larger it is. It re-matches waiting requests to
idle connections on every request (quadratic in connections); two requests arriving together are handed
the same idle connection, and the loser spins through `ConnectionNotAvailable` until another one frees up;
above httpx's 20 kept-alive connections, connections are closed and reopened all the time. With 94 requests
in flight against a 100-300 ms server, one pool made a 2-core machine top out at 60-280 req/s. Here every
slot owns one kept-alive connection in its own client, and a request borrows a free slot before it is sent,
so no pool ever has a choice to make (BENCHMARKS.md, extractor findings).
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

import httpx


class ConnectionSlots:
    """`size` request slots, each one httpx client with a single kept-alive connection."""

    def __init__(self, size: int, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        size = max(1, size)
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        if transport is not None:
            # An injected transport (tests, the in-process sandbox) is not a socket pool: one client serves all.
            self.clients = [httpx.AsyncClient(timeout=timeout, transport=transport)]
            slots = [0] * size
        else:
            tls = httpx.create_ssl_context()  # loading the CA bundle once, not once per client
            self.clients = [httpx.AsyncClient(timeout=timeout, verify=tls, limits=one) for _ in range(size)]
            slots = list(range(size))
        self._free: asyncio.Queue[int] = asyncio.Queue()
        for index in slots:
            self._free.put_nowait(index)
        # Occasional requests outside the slots (OAuth token refreshes) get their own client.
        self.spare = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """`httpx.AsyncClient.request` on a free connection; waits for one if all are busy."""
        index = await self._free.get()
        try:
            return await self.clients[index].request(method, url, **kwargs)  # the body is read: the slot is free
        finally:
            self._free.put_nowait(index)

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in [*self.clients, self.spare]))

    async def __aenter__(self) -> ConnectionSlots:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
