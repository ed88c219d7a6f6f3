"""The receiver: an ASGI app (starlette) with one path per integration, `POST /webhooks/<integration id>`.

It only verifies and queues, so it answers in milliseconds: 200 once the event is on disk (or was already),
401 for a bad signature or a stale `triggeredAt`, 400 for a body that is not a delivery, 404 for an
integration that takes no webhooks, 413 for a body too big to be Lever's, 503 if the queue cannot be
written (Lever then delivers again). Nothing is stored for any refused delivery.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..clock import to_ms, warehouse_now
from ..config import Settings
from .delivery import MalformedDelivery, parse
from .queue import WebhookQueue
from .settings import WebhookSettings
from .signature import signed_by_any
from .tokens import signature_tokens

log = logging.getLogger("lever_warehouse.webhooks")


class _TooLarge(Exception):
    pass


def _answer(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": message}, status_code=status)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():  # chunked bodies have no Content-Length: count as they come
        body += chunk
        if len(body) > limit:
            raise _TooLarge
    return bytes(body)


def create_app(
    settings: Settings,
    queue: WebhookQueue,
    options: WebhookSettings,
    *,
    clock: Callable[[], datetime] = warehouse_now,
) -> Starlette:
    tokens = {integration.id: signature_tokens(integration) for integration in settings.integrations}

    def refuse(request: Request, integration_id: str, status: int, reason: str) -> JSONResponse:
        client = request.client.host if request.client else "?"
        log.warning("webhook for %s refused from %s: %d %s", integration_id, client, status, reason)
        return _answer(status, reason)

    async def receive(request: Request) -> JSONResponse:
        integration_id = request.path_params["integration_id"]
        secrets = tokens.get(integration_id)
        if not secrets:
            return refuse(request, integration_id, 404, "no integration here takes webhooks")
        try:
            delivery = parse(await _body(request, options.max_body_bytes))
        except _TooLarge:
            return refuse(request, integration_id, 413, f"body over {options.max_body_bytes} bytes")
        except MalformedDelivery as exc:
            return refuse(request, integration_id, 400, str(exc))
        if not signed_by_any(secrets, delivery.token, delivery.triggered_at_ms, delivery.signature):
            return refuse(request, integration_id, 401, "invalid signature")
        now_ms = to_ms(clock())
        age_s = (now_ms - delivery.triggered_at_ms) / 1000
        if age_s > options.max_age_s or -age_s > options.future_s:
            return refuse(request, integration_id, 401, f"stale triggeredAt ({age_s:.0f}s old)")
        if delivery.opportunity_id is None and delivery.contact_id is None:
            return _answer(200, "ignored")  # Lever's "test connection" ping, or an event without ids
        try:
            queued = await run_in_threadpool(queue.append, integration_id, delivery, received_at_ms=now_ms)
        except sqlite3.Error as exc:
            log.error("webhook queue %s cannot be written: %s", queue.path, exc)
            return _answer(503, "queue unavailable")
        return _answer(200, "queued" if queued else "duplicate")

    async def health(request: Request) -> JSONResponse:
        return _answer(200, "ok")

    return Starlette(
        routes=[
            Route("/webhooks/{integration_id}", receive, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )
