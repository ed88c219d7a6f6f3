"""The webhook receiver's and drain's settings, from the environment (README: configuration)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..config import PROJECT_ROOT, Settings
from ..config_values import _number

QUEUE_FILE = "webhooks.sqlite"


@dataclass(frozen=True)
class WebhookSettings:
    queue_path: Path
    # Deliveries whose triggeredAt is older are refused; their tokens are remembered at least this long, so a
    # replay is refused either as stale or as seen. Generous: it covers Lever's retries while we were down.
    max_age_s: float = 3600.0
    # How far Lever's clock may run ahead of ours (triggeredAt in the future); LEVER_CLOCK_TOLERANCE_SECONDS.
    future_s: float = 300.0
    # Lever's deliveries carry ids only (a few hundred bytes); a bigger body is not Lever's.
    max_body_bytes: int = 64 * 1024
    # A drain that holds events this long without acknowledging them died; they are drained again.
    lease_s: float = 900.0
    # Opportunities above which one delta replaces the targeted reads; None: the cost model of `drain`.
    burst_limit: int | None = None
    # Acknowledged events are kept this long for latency reporting (never less than max_age_s).
    retention_s: float = 86_400.0

    @classmethod
    def from_env(cls, settings: Settings, env: Mapping[str, str] | None = None) -> WebhookSettings:
        env = os.environ if env is None else env
        raw = env.get("LEVER_WEBHOOK_QUEUE", "").strip()
        path = Path(raw).expanduser() if raw else settings.duckdb_path.parent / QUEUE_FILE
        burst = _number(env, "LEVER_WEBHOOK_BURST_LIMIT", -1)
        return cls(
            queue_path=path if path.is_absolute() else (PROJECT_ROOT / path).resolve(),
            max_age_s=_number(env, "LEVER_WEBHOOK_MAX_AGE_SECONDS", cls.max_age_s),
            future_s=settings.clock_tolerance_seconds,
            max_body_bytes=int(_number(env, "LEVER_WEBHOOK_MAX_BODY_BYTES", cls.max_body_bytes)),
            lease_s=_number(env, "LEVER_WEBHOOK_LEASE_SECONDS", cls.lease_s),
            burst_limit=None if burst < 0 else int(burst),
        )
