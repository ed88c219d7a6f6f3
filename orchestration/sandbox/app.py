"""The request handler: routing, faults, auth, rate limits, stats and Lever's headers around the routes."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from orchestration.lever.ratelimit import TokenBucket

from .account import Account
from .auth import AuthRegistry, Principal
from .errors import INVALID_OFFSET, UNAUTHORIZED, ApiError
from .faults import FaultController, Rule
from .listings import Viewer
from .messages import Request, Response, json_body

if TYPE_CHECKING:
    from .sandbox import Sandbox

log = logging.getLogger("lever_sandbox")
LEVER_HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "server": "lever-data-api",
    "x-lever-region": "global",
    "x-stream-path": "dapi",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
APPLY_RATE = 2.0
FULL_ACCESS = Principal("internal", confidential=True)  # Lever's limit on application POSTs per second


@dataclass
class Ctx:
    app: App
    request: Request
    params: dict[str, str]
    query: dict[str, list[str]]
    principal: Principal | None = None

    @property
    def account(self) -> Account:
        return self.app.account

    @property
    def viewer(self) -> Viewer:
        return Viewer(confidential=self.principal.confidential if self.principal else True)


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # "/v1/opportunities/:id/notes"
    endpoint: str  # name used by key permissions, fault targets and stats
    handler: Callable[[Ctx], Response]
    kind: str = "api"  # api (authenticated) | oauth (the token endpoint) | control (/_sandbox, no auth)
    segments: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.template.strip("/").split("/")))

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


class Router:
    """Routes indexed by (method, segment count); static segments must come before `:param` ones."""

    def __init__(self, routes: list[Route]) -> None:
        self._table: dict[tuple[str, int], list[Route]] = {}
        for route in routes:
            self._table.setdefault((route.method, len(route.segments)), []).append(route)

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        parts = path.strip("/").split("/")
        for route in self._table.get((method, len(parts)), ()):
            params = {}
            for pattern, part in zip(route.segments, parts, strict=True):
                if pattern[0] == ":":
                    params[pattern[1:]] = part
                elif pattern != part:
                    break
            else:
                return route, params
        return None, {}


def respond(status: int, payload: object = None, headers: dict[str, str] | None = None) -> Response:
    body = b"" if payload is None else json_body(payload)
    return Response(status, dict(headers or {}), body)


def error_response(error: ApiError) -> Response:
    return respond(error.status, error.body)


def group_query(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for name, value in pairs:
        query.setdefault(name, []).append(value)
    return query


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.total = 0
        self.by_endpoint: dict[str, int] = {}
        self.by_status: dict[str, int] = {}
        self.by_endpoint_status: dict[str, dict[str, int]] = {}

    def count(self, route: str, status: str) -> None:
        with self._lock:
            self.total += 1
            self.by_endpoint[route] = self.by_endpoint.get(route, 0) + 1
            self.by_status[status] = self.by_status.get(status, 0) + 1
            per = self.by_endpoint_status.setdefault(route, {})
            per[status] = per.get(status, 0) + 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": self.total,
                "by_endpoint": dict(self.by_endpoint),
                "by_status": dict(self.by_status),
                "by_endpoint_status": {k: dict(v) for k, v in self.by_endpoint_status.items()},
            }


class App:
    def __init__(
        self,
        sandbox: Sandbox,
        routes: list[Route],
        *,
        rate_limit: float,
        burst: float,
        latency_ms: float | tuple[float, float],
        seed: int,
    ) -> None:
        self.sandbox = sandbox
        self.router = Router(routes)
        self.stats = Stats()
        self.rate_limit, self.burst = rate_limit, burst
        self.latency_ms = latency_ms
        self._latency_rng = random.Random(f"{seed}:latency")
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._buckets_lock = threading.Lock()

    @property
    def account(self) -> Account:
        return self.sandbox.account

    def set_rate_limit(self, rate_limit: float, burst: float) -> None:
        with self._buckets_lock:
            self.rate_limit, self.burst = rate_limit, burst
            self._buckets.clear()

    @property
    def auth(self) -> AuthRegistry:
        return self.sandbox.auth

    @property
    def faults(self) -> FaultController:
        return self.sandbox.faults

    def handle(self, request: Request) -> Response:
        route, params = self.router.match(request.method, request.path)
        if route is None:
            return self._finish(_no_route(request))
        ctx = Ctx(self, request, params, group_query(request.query))
        if route.kind == "control":
            return self._finish(self._run(route, ctx))
        with self.account.lock:
            response = self._api(route, ctx)
        self.stats.count(route.name, response.action or str(response.status))
        return self._finish(response)

    def replay(self, request: Request) -> Response:
        """A write with full access, bypassing faults, limits and stats (journal replay, Python writes)."""
        route, params = self.router.match(request.method, request.path)
        if route is None:
            return _no_route(request)
        with self.account.lock:
            return self._execute(route, Ctx(self, request, params, group_query(request.query), FULL_ACCESS))

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

    def _api(self, route: Route, ctx: Ctx) -> Response:
        token = self.auth.bearer_token(ctx.request.headers)
        rule = self.faults.draw(route.endpoint, token is not None, bool(ctx.query.get("offset", [""])[-1]))
        if rule is not None:
            early = self._fault_response(rule, route, token)
            if early is not None:
                return early
        try:
            if route.kind == "api":
                ctx.principal = self._admit(route, ctx)
            response = self._execute(route, ctx)
        except ApiError as error:
            response = error_response(error)
        if route.method != "GET" and response.status < 300:
            self.sandbox.persist(ctx.request)
        response.delay += self._latency()
        if rule is not None and rule.kind == "timeout":
            response.delay += rule.seconds
        elif rule is not None and rule.kind == "truncate":
            response.action = "truncate"
        return response

    def _fault_response(self, rule: Rule, route: Route, token: str | None) -> Response | None:
        kind = rule.kind
        if kind.isdigit():
            messages = {
                429: "Too many requests",
                500: "Internal server error",
                502: "Bad gateway",
                503: "Service unavailable",
            }
            return error_response(ApiError(int(kind), messages[int(kind)]))
        if kind == "drop":
            return Response(0, {}, b"", action="drop")
        if kind == "invalid_token":
            return error_response(ApiError(400, INVALID_OFFSET))
        if kind == "expire":
            if route.endpoint == "oauth_token":
                self.sandbox.expire_next_token = True
                return None
            if token:
                self.auth.expire(token)
            return error_response(ApiError(401, UNAUTHORIZED))
        return None  # timeout and truncate shape the real response

    def _admit(self, route: Route, ctx: Ctx) -> Principal:
        principal = self.auth.authenticate(ctx.request.headers, self.account.now_ms)
        if route.endpoint in principal.denied:
            raise ApiError(403, f"This API key does not have permission to access the {route.endpoint} endpoint")
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

    def _finish(self, response: Response) -> Response:
        headers = dict(LEVER_HEADERS)
        headers.update(response.headers)
        headers["date"] = self.account.clock.http_date()
        response.headers = headers
        return response


def _no_route(request: Request) -> Response:
    return error_response(ApiError(404, f"Route {request.method} {request.path} was not found"))


def parse_form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
