"""Webhook test helpers: deliveries signed as Lever signs them, a receiver app on a temporary queue, a real
server on a loopback port for the sandbox to deliver to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from orchestration.lever.config import ApiKeyAuth, Integration, Settings
from orchestration.lever.secrets import Secret
from orchestration.lever.webhooks.app import create_app
from orchestration.lever.webhooks.queue import WebhookQueue
from orchestration.lever.webhooks.settings import WebhookSettings

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
ACME_TOKEN, GLOBEX_TOKEN = "acme-signature-token-1", "globex-signature-token-2"


def lever_signature(signature_token: str, token: str, triggered_at: int) -> str:
    """Written out here as Lever documents it, independently of the code under test."""
    return hmac.new(signature_token.encode(), (token + str(triggered_at)).encode(), hashlib.sha256).hexdigest()


def delivery(
    signature_token: str = ACME_TOKEN,
    event: str = "candidateStageChange",
    opportunity_id: str = "opp-1",
    triggered_at: int = NOW_MS - 2_000,
    token: str | None = None,
    **data: Any,
) -> dict:
    token = token or uuid.uuid4().hex
    ids = {"contactId": opportunity_id.replace("opp", "contact")}
    if event.startswith(("candidate", "application", "interview")):
        ids |= {"opportunityId": opportunity_id, "candidateId": opportunity_id}
    return {
        "event": event,
        "triggeredAt": triggered_at,
        "token": token,
        "signature": lever_signature(signature_token, token, triggered_at),
        "data": ids | data,
    }


def settings_for(tmp_path: Path) -> Settings:
    def account(integration_id: str, *tokens: str) -> Integration:
        return Integration(
            id=integration_id,
            base_url="http://lever.test/v1",
            auth=ApiKeyAuth(Secret(f"key-of-{integration_id}")),
            webhook_tokens=tuple(Secret(t) for t in tokens),
        )

    integrations = (account("lever:acme", ACME_TOKEN), account("lever:globex", GLOBEX_TOKEN), account("lever:none"))
    return Settings(duckdb_path=tmp_path / "warehouse.duckdb", integrations=integrations)


@dataclass
class Receiver:
    client: httpx.Client
    queue: WebhookQueue
    options: WebhookSettings

    def post(self, integration_id: str, body: Any, **kwargs: Any):
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.client.post(f"/webhooks/{integration_id}", content=content, **kwargs)

    def stored(self, integration_id: str | None = None) -> list:
        return self.queue.events(integration_id)


@contextmanager
def receiver(tmp_path: Path, settings: Settings | None = None, **options: Any) -> Iterator[Receiver]:
    settings = settings or settings_for(tmp_path)
    webhook_settings = WebhookSettings(queue_path=tmp_path / "webhooks.sqlite", **options)
    queue = WebhookQueue(webhook_settings.queue_path)
    app = create_app(settings, queue, webhook_settings, clock=lambda: NOW)
    with serving(app) as url, httpx.Client(base_url=url) as client:
        yield Receiver(client, queue, webhook_settings)
    queue.close()


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """`app` on a free loopback port in a background thread; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the receiver did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
