"""The sandbox clock: epoch-millisecond time that only moves when told to."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import formatdate

SECOND_MS = 1_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)


def to_ms(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("sandbox instants must be timezone-aware")
    return int(when.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def parse_instant(text: str) -> datetime:
    """ISO-8601 (a trailing Z is accepted); naive values are read as UTC."""
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class Clock:
    """Frozen between advances (each write ticks it 1 ms), so one instant's responses share their `Date`.

    A standalone server (`lever-sandbox serve`) lets its `Date` header follow the wall clock since the sandbox
    clock last moved (`live_date`): a warehouse on the real clock then sees Lever's time as a real Lever would
    show it, instead of a Date that falls behind for as long as nobody advances the sandbox.
    """

    def __init__(self, now_ms: int) -> None:
        self._now_ms = now_ms
        self._moved = time.monotonic()
        self.live_date = False
        self._date_cache: tuple[int, str] = (-1, "")

    @property
    def now_ms(self) -> int:
        return self._now_ms

    @now_ms.setter
    def now_ms(self, value: int) -> None:
        self._now_ms = value
        self._moved = time.monotonic()

    def __getstate__(self) -> dict:
        return {"now_ms": self._now_ms}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state.get("now_ms", state.get("_now_ms", 0)))

    def tick(self) -> int:
        """Writes happen 1 ms after the previous instant, so their timestamps are strictly newer than anything
        a client has read (lastInteractionAt/updatedAt always move forward, even on a frozen clock)."""
        self.now_ms = self._now_ms + 1
        return self._now_ms

    @property
    def now(self) -> datetime:
        return from_ms(self._now_ms)

    def live_ms(self) -> int:
        """The instant a client sees now: the sandbox clock, plus the wall time since it last moved when live."""
        wall = round((time.monotonic() - self._moved) * 1000) if self.live_date else 0
        return self._now_ms + wall

    def http_date(self, offset_ms: int = 0) -> str:
        """RFC 7231 IMF-fixdate of the sandbox clock, optionally off by `offset_ms` (cached: it is on every
        response)."""
        second = (self.live_ms() + offset_ms) // SECOND_MS
        if self._date_cache[0] != second:
            self._date_cache = (second, formatdate(second, usegmt=True))
        return self._date_cache[1]
