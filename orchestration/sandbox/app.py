"""The request handler: routing, faults, auth, rate limits, stats and Lever's headers around the routes."""

from __future__ import annotations

import logging
import random
import threading

from . import hostile, operations
from .account import Account
from .auth import AuthRegistry, Principal
from .errors import INVALID_OFFSET, UNAUTHORIZED, ApiError, not_found
from .faults import FaultController, Rule, Scope
from .messages import Request, Response
from .ratelimit import TokenBucket
from .routes import build_routes
from .routing import Ctx, OnWrite, Route, Router, Services, error_response, group_query
from .stats import Stats

log = logging.getLogger("lever_sandbox")
LEVER_HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "server": "lever-data-api",
    "x-lever-region": "global",
    "x-stream-path": "dapi",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
APPLY_RATE = 2.0  # Lever's limit on application POSTs per second
FULL_ACCESS = Principal("internal", confidential=True)
ERROR_MESSAGES = {
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


def _ignore_write(request: Request | None) -> None:
    return None


class App:
    """One account behind Lever's API. `on_write` hears of every successful API write (to journal it) and gets
    None after a state change made outside the API (a simulated race), so its owner can snapshot."""

    def __init__(
        self,
        account: Account,
        auth: AuthRegistry,
        faults: FaultController,
        *,
        on_write: OnWrite = _ignore_write,
        rate_limit: float = 10.0,
        burst: float = 20,
        latency_ms: float | tuple[float, float] = 0.0,
        seed: int = 0,
    ) -> None:
        self.services = Services(account, auth, faults, Stats(), on_write)
        self.router = Router(build_routes())
        self.rate_limit, self.burst = rate_limit, burst
        self.latency_ms = latency_ms
        self._latency_rng = random.Random(f"{seed}:latency")
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._buckets_lock = threading.Lock()

    @property
    def account(self) -> Account:
        return self.services.account

    @property
    def stats(self) -> Stats:
        return self.services.stats

    def set_rate_limit(self, rate_limit: float, burst: float) -> None:
        with self._buckets_lock:
            self.rate_limit, self.burst = rate_limit, burst
            self._buckets.clear()

    def handle(self, request: Request) -> Response:
        route, params = self.router.match(request.method, request.path)
        if route is None:
            return self._finish(_no_route(request))
        ctx = Ctx(request, params, group_query(request.query), self.services)
        if route.kind == "control":
            return self._finish(self._run(route, ctx))
        faults = self.services.faults
        with self.account.lock:
            scope = self._scope(route, ctx) if faults.rules else None  # the common case pays nothing for faults
            response = self._api(route, ctx, scope)
        self.stats.count(route.name, response.action or str(response.status))
        return self._finish(response, faults.skew_seconds(scope) if scope is not None else 0.0)

    def replay(self, request: Request) -> Response:
        """A write with full access, bypassing faults, limits and stats (journal replay, Python writes)."""
        route, params = self.router.match(request.method, request.path)
        if route is None:
            return _no_route(request)
        with self.account.lock:
            return self._execute(route, Ctx(request, params, group_query(request.query), self.services, FULL_ACCESS))

    def _execute(self, route: Route, ctx: Ctx) -> Response:
        """Writes run 1 ms after the previous instant; a failed write leaves the clock (and state) untouched,
        so replaying only the successful writes rebuilds the same account."""
        if route.method == "GET":
            return self._run(route, ctx)
        before = self.account.clock.now_ms
        self.account.clock.tick()
        response = self._run(route, ctx)
        if response.status >= 300:
            self.account.clock.now_ms = before
        return response

    def _run(self, route: Route, ctx: Ctx) -> Response:
        try:
            return route.handler(ctx)
        except ApiError as error:
            return error_response(error)
        except Exception:  # a sandbox bug must look like Lever's 500, not a hung connection
            log.exception("sandbox error on %s %s", ctx.request.method, ctx.request.path)
            return error_response(ApiError(500, "Internal server error"))

    def _scope(self, route: Route, ctx: Ctx) -> Scope:
        expand = {part for raw in ctx.query.get("expand", []) for part in raw.split(",")}
        return Scope(
            endpoint=route.endpoint,
            bearer=self.services.auth.bearer_token(ctx.request.headers) is not None,
            has_offset=bool(ctx.query.get("offset", [""])[-1]),
            paged=route.paged,
            live_child_list=route.child_list and self.account.live_opportunity(ctx.params["id"]) is not None,
            expands_applications="applications" in expand,
        )

    def _api(self, route: Route, ctx: Ctx, scope: Scope | None) -> Response:
        rule = self.services.faults.draw(scope) if scope is not None else None
        if rule is not None:
            early = self._fault_response(rule, route, ctx)
            if early is not None:
                return early
            ctx.fault = rule
        try:
            if route.kind == "api":
                ctx.principal = self._admit(route, ctx)
            response = self._execute(route, ctx)
        except ApiError as error:
            response = error_response(error)
        if route.method != "GET" and response.status < 300:
            self.services.on_write(ctx.request)
        response.delay += self._latency()
        if rule is not None and rule.kind == "timeout":
            response.delay += rule.seconds
        elif rule is not None and rule.kind == "truncate":
            response.action = "truncate"
        return response

    def _fault_response(self, rule: Rule, route: Route, ctx: Ctx) -> Response | None:
        """The answer of a fault that replaces the real one; None for faults that shape the real answer."""
        kind, headers = rule.kind, ctx.request.headers
        if kind.isdigit():
            return error_response(ApiError(int(kind), ERROR_MESSAGES[int(kind)]))
        if kind == "drop":
            return Response(0, {}, b"", action="drop")
        if kind == "invalid_token":
            return error_response(ApiError(400, INVALID_OFFSET))
        if kind == "expire":
            if route.endpoint == "oauth_token":
                self.services.faults.expire_next_token()
                return None
            token = self.services.auth.bearer_token(headers)
            if token:
                self.services.auth.expire(token)
            return error_response(ApiError(401, UNAUTHORIZED))
        if kind in ("echo_auth", "echo_auth_500"):
            return error_response(
                hostile.echo_auth(500 if kind == "echo_auth_500" else 400, headers.get("authorization", ""))
            )
        if kind == "html":
            return hostile.html_login()
        if kind == "not_found":
            return _no_route(ctx.request)
        if kind == "race_delete":
            return self._race_delete(ctx.params["id"])
        if kind == "bare_applications":  # a proxy or an old API that drops expand=applications
            ctx.query["expand"] = [
                ",".join(p for p in raw.split(",") if p != "applications") for raw in ctx.query["expand"]
            ]
        return None  # timeout, truncate and the list kinds shape the real response

    def _race_delete(self, opportunity_id: str) -> Response:
        """The opportunity is hard-deleted between its listing and this read of its children: 404, as Lever."""
        account = self.account
        account.clock.tick()  # a write, like any other: strictly after everything read so far
        operations.delete_opportunity(account, account.opportunities[opportunity_id], operations.DELETED_BY_RETENTION)
        self.services.on_write(None)
        return error_response(not_found("opportunities", opportunity_id))

    def _admit(self, route: Route, ctx: Ctx) -> Principal:
        principal = self.services.auth.authenticate(ctx.request.headers, self.account.now_ms)
        if route.endpoint in principal.denied:
            raise ApiError(403, f"This API key does not have permission to access the {route.endpoint} endpoint")
        if route.method != "GET" and not principal.may_write(route.endpoint):
            raise ApiError(403, f"This API key does not have write permission for the {route.endpoint} endpoint")
        if not self._bucket("api", principal.credential, self.rate_limit, self.burst).try_acquire():
            raise ApiError(429, "Too many requests")
        if (
            route.endpoint == "posting_forms"
            and route.method == "POST"
            and self.rate_limit > 0
            and not self._bucket("apply", principal.credential, APPLY_RATE, APPLY_RATE).try_acquire()
        ):
            raise ApiError(429, "Too many application submissions")
        return principal

    def _bucket(self, purpose: str, credential: str, rate: float, burst: float) -> TokenBucket:
        bucket = self._buckets.get((purpose, credential))
        if bucket is None:
            with self._buckets_lock:
                bucket = self._buckets.setdefault((purpose, credential), TokenBucket(rate, burst))
        return bucket

    def _latency(self) -> float:
        if isinstance(self.latency_ms, tuple):
            low, high = self.latency_ms
            return self._latency_rng.uniform(low, high) / 1000
        return self.latency_ms / 1000

    def _finish(self, response: Response, skew_seconds: float = 0.0) -> Response:
        headers = dict(LEVER_HEADERS)
        headers.update(response.headers)
        headers["date"] = self.account.clock.http_date(round(skew_seconds * 1000))
        response.headers = headers
        return response


def _no_route(request: Request) -> Response:
    return error_response(ApiError(404, f"Route {request.method} {request.path} was not found"))
