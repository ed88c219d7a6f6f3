"""`lever-warehouse` as it was before the benchmark's fixes, for before/after measurements (`benchmarks.ab`).

    python -m benchmarks.before [--pool] [--memory] sync [--full]

`--pool` restores the single httpx pool (`httpx.Limits(max_connections=concurrency + 4)`, 20 kept alive) in
place of `connections.ConnectionSlots`; `--memory` sets the 128 MB DuckDB cap those runs had
(now opt-in, `LEVER_SYNC_MEMORY_LIMIT`). Everything else is today's code.
"""

from __future__ import annotations

import os
import sys
from types import TracebackType
from typing import Any

import httpx

from orchestration.lever import cli, runner


class SinglePool:
    """The pre-fix HTTP layer: one client, one pool for every request in flight."""

    def __init__(self, size: int, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        limits = httpx.Limits(max_connections=size + 4)
        self.spare = httpx.AsyncClient(timeout=timeout, transport=transport, limits=limits)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.spare.get(url, **kwargs)

    async def __aenter__(self) -> SinglePool:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.spare.aclose()


def main(argv: list[str]) -> int:
    if "--pool" in argv:
        runner.ConnectionSlots = SinglePool  # type: ignore[misc,assignment]
    if "--memory" in argv:
        os.environ["LEVER_SYNC_MEMORY_LIMIT"] = "128MB"  # the cap the first benchmark runs had
    return cli.main([arg for arg in argv if arg not in ("--pool", "--memory")])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
