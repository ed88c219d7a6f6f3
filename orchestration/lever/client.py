"""Async Lever HTTP client, reads and writes: shared token bucket, bounded concurrency, the policy of `retry.py`."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from .auth import Credentials
from .connections import ConnectionSlots
from .endpoints import Route
from .errors import LeverPayloadError, LeverUnavailable, LeverWriteUnconfirmed
from .payloads import decode
from .ratelimit import TokenBucket
from .responses import base_url_hint, client_error
from .retry import RetryPolicy, Transient, never_sent, transient_exception, transient_status, with_retries

__all__ = ["LeverClient", "Params", "RequestStats", "RetryPolicy", "Route", "require_list"]

log = logging.getLogger("lever_warehouse.client")

Params = list[tuple[str, str]]


@dataclass
class RequestStats:
    """What a run cost: requests per endpoint name (`Route.name`), statuses, retries."""

    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    retry_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.requests.values())


# A request whose fresh token is rejected again gets one more; a credential the API keeps refusing fails.
MAX_REAUTHORIZATIONS = 2
# A host that never answered (refused, unknown): a wrong LEVER_BASE_URL far more often than an outage, so the
# first request gives up after a few seconds instead of the whole retry budget.
RETRIES_BEFORE_FIRST_ANSWER = 2


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
        self._answered = False
        self._unanswered = 0  # failed attempts before the host ever answered
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

    async def get_json(self, path: str, params: Params | None = None, *, route: Route) -> dict[str, Any]:
        """GET and decode one response body; raises a typed LeverError naming the route on failure."""
        return await self.request_json("GET", path, params, route=route)

    async def request_json(
        self,
        method: str,
        path: str,
        params: Params | None = None,
        *,
        route: Route,
        json: dict[str, Any] | None = None,
        files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
        form: list[tuple[str, str]] | None = None,
        replay_safe: bool = True,
    ) -> dict[str, Any]:
        """One request through the limiter and the retry policy; the decoded body (`{}` for a 204).

        `replay_safe=False` (a write whose repetition would apply twice): only answers proving Lever did not act
        (429, a connection never made) are retried; a timeout, a dropped connection or a 5xx after sending
        raises `LeverWriteUnconfirmed`, since Lever has no idempotency keys and the caller must read back first.
        """
        url = f"{self.base_url}{path}"
        what = f"{method} {route.template}"
        content: dict[str, Any] = {}
        if json is not None:
            content["json"] = json
        if files is not None or form is not None:
            content["files"], content["data"] = files or [], _form_fields(form or [])
        reauthorized = 0

        async def attempt() -> dict[str, Any] | Transient:
            nonlocal reauthorized
            async with self._slots:
                # The send time is reserved inside the slot, so at most `concurrency` requests are ever due at
                # once: reserved before it, every request queued behind a stalled loop (a long commit) woke up
                # overdue and all went out together, past the server's bucket (429s in the 100k benchmark).
                await self._limiter.acquire()
                if self._outage is not None:
                    raise LeverUnavailable(self._outage, endpoint=route.name)
                self.stats.requests[route.name] += 1
                authorization = await self._credentials.header()  # a token refresh fails as a LeverError
                try:
                    response = await self._http.request(
                        method, url, params=params, headers={"Authorization": authorization}, **content
                    )
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    failure = transient_exception(exc)
                    assert failure is not None
                    if not replay_safe and not never_sent(exc):
                        raise self._unconfirmed(what, route, failure.reason) from None
                    return failure
                self._answered = True
                self.stats.statuses[response.status_code] += 1
                self._note_date(response)
                status = response.status_code
                if status < 500 and status != 429:
                    self._alive()
                if status != 401:
                    self._credentials.accepted(authorization)
                if status in (200, 201):
                    return self._body(response, route, what)
                if status == 204:
                    return {}
                failure = transient_status(status)
                if failure is not None:
                    if failure.throttled:
                        self._limiter.drain()
                    elif not replay_safe:
                        raise self._unconfirmed(what, route, failure.reason)
                    return failure
                if status == 401 and self._credentials.renewable and reauthorized < MAX_REAUTHORIZATIONS:
                    # The token may have died mid-run (or been replaced by a concurrent refresh): renew it,
                    # unless another request already did, and try again.
                    reauthorized += 1
                    await self._credentials.refresh(rejected=authorization)
                    return Transient("HTTP 401 (token renewed)", free=True)
                raise client_error(response, method, route, self.base_url)

        def on_retry(failure: Transient) -> None:
            self.stats.retries += 1
            self.stats.retry_reasons[failure.reason] += 1

        return await with_retries(
            attempt,
            policy=self._retry,
            rng=self._rng,
            what=what,
            give_up=lambda attempts, last: self._give_up(route, attempts, last, what),
            breaker=lambda failure: self._breaker(route, failure, what),
            on_retry=on_retry,
            logger=log,
        )

    def _unconfirmed(self, what: str, route: Route, reason: str) -> LeverWriteUnconfirmed:
        return LeverWriteUnconfirmed(
            f"{what} got no answer saying whether Lever applied it ({reason}); not resent blindly",
            endpoint=route.name,
        )

    def _body(self, response: httpx.Response, route: Route, what: str) -> dict[str, Any] | Transient:
        content_type = response.headers.get("content-type", "")
        if "html" in content_type or response.content.lstrip()[:1] == b"<":
            # A login page, a proxy's error page, Lever's web app: no retry makes it JSON.
            raise LeverPayloadError(
                f"{what} answered an HTML page, not JSON: {base_url_hint(self.base_url)}",
                endpoint=route.name,
                status=200,
            )
        try:
            return decode(response.content)
        except ValueError:
            return Transient("truncated or invalid JSON body")

    def _breaker(self, route: Route, failure: Transient, what: str) -> Exception | None:
        if failure.throttled:
            return None  # rate limiting is pacing, not an outage
        if not self._answered:
            self._unanswered += 1
            if self._unanswered > RETRIES_BEFORE_FIRST_ANSWER:
                return self._give_up(route, self._unanswered, failure, what)
        if self._failed(f"{failure.reason} on {what}"):
            return LeverUnavailable(self._outage or "", endpoint=route.name)
        return None

    def _give_up(self, route: Route, attempts: int, last: Transient, what: str) -> Exception:
        if not self._answered and last.reason.startswith("connection error"):
            return LeverUnavailable(
                f"cannot connect to {urlsplit(self.base_url).netloc or self.base_url} ({last.reason}): "
                f"{base_url_hint(self.base_url)}, and that this machine can reach it",
                endpoint=route.name,
            )
        return LeverUnavailable(
            f"{what} still failing after {attempts} attempts (last: {last.reason}); "
            "Lever may be down or rate limiting hard: rerun later, nothing was lost",
            endpoint=route.name,
        )

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


def _form_fields(form: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Multipart fields for httpx: a repeated name (`emails`, `tags`) becomes a list, sent as repeated parts."""
    fields: dict[str, str | list[str]] = {}
    for name, value in form:
        if name in fields:
            previous = fields[name]
            fields[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[name] = value
    return fields


def require_list(body: dict[str, Any], route: Route) -> list[Any]:
    """The records of a list response: objects, and `Undecodable` stand-ins for those that failed to decode."""
    data = body.get("data")
    if not isinstance(data, list):
        raise LeverPayloadError(f"GET {route.template}: expected a list under 'data'", endpoint=route.name)
    return data
