"""Async Lever HTTP client: shared token bucket, bounded concurrency, bounded jittered retries."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from .auth import Credentials
from .connections import ConnectionSlots
from .errors import (
    InvalidOffsetToken,
    LeverAuthError,
    LeverPayloadError,
    LeverPermissionError,
    LeverRequestError,
    LeverUnavailable,
)
from .ratelimit import TokenBucket
from .retry import RetryPolicy

__all__ = ["LeverClient", "Params", "RequestStats", "RetryPolicy", "require_list"]

log = logging.getLogger("lever_warehouse.client")

Params = list[tuple[str, str]]


@dataclass
class RequestStats:
    """What a run cost: requests per endpoint template, statuses, retries."""

    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    retry_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.requests.values())


_RETRYABLE_STATUS = {429, 500, 502, 503, 504}
# A request whose fresh token is rejected again gets one more; a credential the API keeps refusing fails.
MAX_REAUTHORIZATIONS = 2


class LeverClient:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        limiter: TokenBucket,
        *,
        http: httpx.AsyncClient | ConnectionSlots,
        concurrency: int = 16,
        retry: RetryPolicy | None = None,
        stats: RequestStats | None = None,
        seed: int | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._limiter = limiter
        self._http = http
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._retry = retry or RetryPolicy()
        self._rng = random.Random(seed)
        self.stats = stats or RequestStats()
        self._server_time: tuple[datetime, float] | None = None
        # Circuit breaker: requests queue behind each other, so under an outage every retry waits for the
        # whole queue and the run would take hours to give up while hammering a down API.
        self._breaker_threshold = max(3, concurrency)
        self._failures_in_a_row = 0
        self._last_alive = time.monotonic()
        self._outage: str | None = None

    def server_now(self) -> datetime | None:
        """Lever's clock, from the last `Date` header: windows are built on the server's time, not ours."""
        if self._server_time is None:
            return None
        seen, at = self._server_time
        return seen + timedelta(seconds=time.monotonic() - at)

    def _note_date(self, response: httpx.Response) -> None:
        value = response.headers.get("date")
        if not value:
            return
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        self._server_time = (parsed.astimezone(UTC), time.monotonic())

    async def get_json(self, path: str, params: Params | None = None, *, endpoint: str) -> dict[str, Any]:
        """GET and decode one response body; raises a typed LeverError naming `endpoint` on failure."""
        url = f"{self.base_url}{path}"
        reauthorized = 0
        attempt = 0
        while True:
            async with self._slots:
                # The send time is reserved inside the slot, so at most `concurrency` requests are ever due at
                # once: reserved before it, every request queued behind a stalled loop (a long commit) woke up
                # overdue and all went out together, past the server's bucket (429s in the 100k benchmark).
                await self._limiter.acquire()
                if self._outage is not None:
                    raise LeverUnavailable(self._outage, endpoint=endpoint)
                self.stats.requests[endpoint] += 1
                authorization = await self._credentials.header()  # a token refresh fails as a LeverError
                try:
                    response = await self._http.get(url, params=params, headers={"Authorization": authorization})
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    reason = _transport_reason(exc)
                else:
                    self.stats.statuses[response.status_code] += 1
                    self._note_date(response)
                    status = response.status_code
                    if status < 500 and status != 429:
                        self._alive()
                    if status != 401:
                        self._credentials.accepted(authorization)
                    if status == 200:
                        try:
                            return _decode(response)
                        except ValueError:
                            reason = "truncated or invalid JSON body"
                    elif status in _RETRYABLE_STATUS:
                        if status == 429:
                            self._limiter.drain()
                        reason = f"HTTP {status}"
                    elif status == 401 and self._credentials.renewable and reauthorized < MAX_REAUTHORIZATIONS:
                        # The token may have died mid-run (or been replaced by a concurrent refresh): renew
                        # it, unless another request already did, and try again.
                        reauthorized += 1
                        await self._credentials.refresh(rejected=authorization)
                        continue
                    else:
                        raise _client_error(response, endpoint)
            if reason.startswith("HTTP 429"):
                pass  # rate limiting is pacing, not an outage
            elif self._failed(f"{reason} on GET {endpoint}"):
                raise LeverUnavailable(self._outage or "", endpoint=endpoint)
            if attempt >= self._retry.max_retries:
                raise LeverUnavailable(
                    f"GET {endpoint} still failing after {attempt + 1} attempts (last: {reason}); "
                    "Lever may be down or rate limiting hard: rerun later, nothing was lost",
                    endpoint=endpoint,
                )
            delay = self._retry.delay(attempt, self._rng)
            attempt += 1
            self.stats.retries += 1
            self.stats.retry_reasons[reason] += 1
            log.warning(
                "retry %d/%d of GET %s after %s, waiting %.2fs",
                attempt,
                self._retry.max_retries,
                endpoint,
                reason,
                delay,
            )
            await asyncio.sleep(delay)

    def _alive(self) -> None:
        self._failures_in_a_row = 0
        self._last_alive = time.monotonic()

    def _failed(self, what: str) -> bool:
        """Count a failed attempt; True once Lever looks down: many failures in a row and no answer for
        longer than one request's whole retry budget (what a lone request would have waited before giving up)."""
        self._failures_in_a_row += 1
        silent = time.monotonic() - self._last_alive
        if self._failures_in_a_row >= self._breaker_threshold and silent >= self._retry.total_delay():
            self._outage = (
                f"Lever failed {self._failures_in_a_row} requests in a row and answered none for {silent:.0f}s "
                f"(last: {what}); it looks down, so the run stops instead of retrying every queued request: "
                "rerun later, nothing was lost"
            )
        return self._outage is not None


def _transport_reason(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    return f"connection error ({type(exc).__name__})"


def _decode(response: httpx.Response) -> dict[str, Any]:
    body = json.loads(response.content)
    if not isinstance(body, dict):
        raise ValueError("body is not a JSON object")
    return body


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("code") or body)[:300]
    return str(body)[:300]


def _client_error(response: httpx.Response, endpoint: str) -> Exception:
    status = response.status_code
    message = _error_message(response)
    if status == 401:
        return LeverAuthError(
            f"Lever rejected the credentials (401) on GET {endpoint}: {message}. "
            "Check LEVER_API_KEY (or the OAuth variables) and LEVER_BASE_URL (production, EU and sandbox "
            "keys are not interchangeable)",
            endpoint=endpoint,
            status=status,
        )
    if status == 403:
        return LeverPermissionError(
            f"Lever refused GET {endpoint} (403: {message}); give the API key the read permission for "
            f"'{endpoint}' in Settings > Integrations and API > API Credentials",
            endpoint=endpoint,
            status=status,
        )
    if status == 400 and "offset token" in message.lower():
        return InvalidOffsetToken(f"GET {endpoint}: {message}", endpoint=endpoint, status=status)
    return LeverRequestError(f"GET {endpoint} failed with HTTP {status}: {message}", endpoint=endpoint, status=status)


def require_list(body: dict[str, Any], endpoint: str) -> list[dict[str, Any]]:
    data = body.get("data")
    if not isinstance(data, list):
        raise LeverPayloadError(f"GET {endpoint}: expected a list under 'data'", endpoint=endpoint)
    return [row for row in data if isinstance(row, dict)]
