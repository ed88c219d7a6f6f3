"""The unified API's escape hatch: any Lever request through the configured credentials, base URL, rate limiter
and retry policy, answered with Lever's JSON. Read-only unless writes are asked for explicitly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from ..client import RetryPolicy
from ..clock import warehouse_now
from ..config import Integration, Settings
from ..endpoints import Route
from ..runner import open_session
from .spec import ActionError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def split_path(path: str) -> tuple[str, list[tuple[str, str]]]:
    """A Lever path (`/v1/...` or `/...`, with its query) relative to the base URL; never another host."""
    parts = urlsplit(path.strip())
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        raise ActionError(f"passthrough: {path!r} must be a path such as /v1/opportunities, not a URL")
    if ".." in parts.path.split("/"):
        raise ActionError(f"passthrough: {path!r} must not climb out of the API with '..'")
    relative = parts.path.removeprefix("/v1") or "/"
    return relative if relative.startswith("/") else f"/{relative}", parse_qsl(parts.query, keep_blank_values=True)


async def passthrough(
    settings: Settings,
    integration: Integration,
    method: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    allow_write: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = warehouse_now,
    retry: RetryPolicy | None = None,
) -> dict[str, Any]:
    """Lever's decoded answer to `method path`. Writes (anything but GET) need `allow_write=True`, and are sent
    once: without Lever idempotency keys a resent write could apply twice."""
    method = method.upper()
    if method not in METHODS:
        raise ActionError(f"passthrough: method {method} is not one of {', '.join(METHODS)}")
    if method != "GET" and not allow_write:
        raise ActionError(f"passthrough: {method} writes to Lever; allow it explicitly (--allow-write)")
    if body is not None and method == "GET":
        raise ActionError("passthrough: a GET has no body")
    relative, params = split_path(path)
    async with open_session(settings, integration, transport=transport, clock=clock, retry=retry) as session:
        with session.logged("passthrough") as client:
            return await client.request_json(
                method, relative, params, route=Route("passthrough", relative), json=body, replay_safe=method == "GET"
            )
