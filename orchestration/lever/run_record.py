"""What one sync run did: its result (counts, errors, warnings) and the one place missing permissions are noted."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from .errors import LeverError, LeverPermissionError
from .secrets import scrub

log = logging.getLogger("lever_warehouse.sync")

T = TypeVar("T")


@dataclass
class SyncResult:
    integration_id: str
    run_id: str
    mode: str
    started_at: datetime
    ended_at: datetime | None = None
    requests: dict[str, int] = field(default_factory=dict)
    records: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    # Said once per run and kept in the summary: rejected records, references Lever no longer lists, ...
    warnings: list[str] = field(default_factory=list)
    cursors: dict[str, str] = field(default_factory=dict)
    opportunities_seen: int = 0
    opportunities_refreshed: int = 0
    confidential_access: bool = True
    # Unresolved rejections per endpoint at the end of the run (`lever_raw._rejected`).
    rejected: dict[str, int] = field(default_factory=dict)
    # Tombstones written this run per raw table: references Lever answered 404 for.
    tombstones: dict[str, int] = field(default_factory=dict)
    # Children: opportunities never read yet (the backlog), when the least recently verified one was read, and
    # how many were due but left to later runs by the request budget.
    children_pending: int = 0
    oldest_verified: datetime | None = None
    deferred: int = 0
    budget: str = ""  # today's use of the request budget, in words
    # Measured on the process clock: started_at/ended_at are warehouse time, which tests and backfills pin.
    elapsed_s: float = 0.0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


class RunRecord:
    """The result of the run in progress, and the endpoints the key turned out not to be allowed to read."""

    def __init__(self, result: SyncResult) -> None:
        self.result = result
        self.forbidden: set[str] = set()

    @property
    def run_id(self) -> str:
        return self.result.run_id

    def count(self, key: str, value: int) -> None:
        if value:
            self.result.records[key] += value

    def error(self, exc: BaseException | str) -> None:
        """An endpoint failed: the run goes on where it can, but ends failed and moves no cursor past the gap.
        Not logged here: the run's failure reports every error once, at its end."""
        message = scrub(exc if isinstance(exc, str) else _describe(exc))
        if message not in self.result.errors:
            self.result.errors.append(message)

    def warn(self, message: str) -> None:
        message = scrub(message)
        if message not in self.result.warnings:
            log.warning("%s", message)
            self.result.warnings.append(message)

    def forbid(self, endpoint: str, exc: LeverPermissionError) -> None:
        """The key lacks the permission for `endpoint`: skip it for the rest of the run and say so once."""
        if endpoint not in self.forbidden:
            self.forbidden.add(endpoint)
            self.error(exc)

    async def readable(self, endpoint: str, work: Awaitable[T]) -> T | None:
        """`await work`, or None when the key may not read `endpoint` (noted, the run goes on without it)."""
        try:
            return await work
        except LeverPermissionError as exc:
            self.forbid(endpoint, exc)
            return None


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, LeverError) else f"{type(exc).__name__}: {exc}"
