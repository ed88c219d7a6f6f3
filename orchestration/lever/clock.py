"""The warehouse clock: real UTC time unless WAREHOUSE_NOW pins it (tests jump it 15 days ahead)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from .errors import ClockError

ENV_VAR = "WAREHOUSE_NOW"


def parse_instant(text: str) -> datetime:
    """ISO-8601 to an aware UTC datetime; a naive value is read as UTC, never as local time."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def warehouse_now() -> datetime:
    """Read on every call, so a test (or an operator) can move the clock between runs."""
    pinned = os.environ.get(ENV_VAR, "").strip()
    if pinned:
        try:
            return parse_instant(pinned)
        except ValueError:
            raise ClockError(
                f"{ENV_VAR}={pinned!r} is not an ISO-8601 instant (e.g. 2026-03-01T09:00:00Z); unset it for real time"
            ) from None
    return datetime.now(UTC)


def to_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def from_ms(ms: int | float | None) -> datetime | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000.0, tz=UTC)
