"""Routes, the router and what a handler sees (`Ctx`): the contract between the app and the route handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from .account import Account
from .auth import AuthRegistry, Principal
from .errors import ApiError
from .faults import FaultController, Rule
from .listings import Viewer
from .messages import Request, Response, json_body
from .stats import Stats

OnWrite = Callable[[Request | None], None]  # a successful API write to journal, or None: snapshot the state


@dataclass
class Services:
    """The state and runtime parts one App serves from; shared by every request."""

    account: Account
    auth: AuthRegistry
    faults: FaultController
    stats: Stats
    on_write: OnWrite


@dataclass
class Ctx:
    request: Request
    params: dict[str, str]  # route parameters, percent-decoded
    query: dict[str, list[str]]
    services: Services
    principal: Principal | None = None
    fault: Rule | None = None  # the fault rule this request drew, for handlers that shape their answer by it

    @property
    def account(self) -> Account:
        return self.services.account

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
    paged: bool = False  # answers Lever's paginated envelope {data, hasNext, next}
    child_list: bool = False  # a paginated list under /opportunities/:id
    segments: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.template.strip("/").split("/")))

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


class Router:
    """Routes indexed by (method, segment count); static segments must come before `:param` ones.

    Paths are split on "/" before percent-decoding, so an id like "../users?x=" sent as `..%2Fusers%3Fx%3D` stays
    one segment: dot segments are never resolved into another route.
    """

    def __init__(self, routes: list[Route]) -> None:
        self._table: dict[tuple[str, int], list[Route]] = {}
        for route in routes:
            self._table.setdefault((route.method, len(route.segments)), []).append(route)

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        parts = [unquote(part) if "%" in part else part for part in path.strip("/").split("/")]
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
