"""An embedded sandbox with a `webhook_url` sends the webhooks of the activity each sync simulates, signed with
the token generated beside its state, which the receiver reads too."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from orchestration.lever.config import load_settings
from orchestration.lever.runner import sync_integration
from orchestration.lever.webhooks.app import create_app
from orchestration.lever.webhooks.queue import WebhookQueue
from orchestration.lever.webhooks.settings import WebhookSettings
from tests.support import START
from tests.webhooks.receiver_support import serving


def test_each_sync_of_an_embedded_sandbox_delivers_its_activity_s_webhooks(tmp_path):
    env = {"DUCKDB_PATH": str(tmp_path / "w.duckdb"), "LEVER_SANDBOX_OPPORTUNITIES": "80"}
    settings = load_settings(env)
    options = WebhookSettings(queue_path=tmp_path / "webhooks.sqlite", max_age_s=2 * 86_400)
    queue = WebhookQueue(options.queue_path)
    now = {"at": START}
    with serving(create_app(settings, queue, options, clock=lambda: now["at"])) as url:
        (integration,) = settings.integrations
        sandbox = replace(integration.sandbox, webhook_url=f"{url}/webhooks/{integration.id}")
        integration = replace(integration, sandbox=sandbox)
        asyncio.run(sync_integration(settings, integration, clock=lambda: now["at"]))
        assert queue.events() == []  # a new account: nothing happened yet
        now["at"] = START + timedelta(days=1)
        asyncio.run(sync_integration(settings, integration, clock=lambda: now["at"]))
    events = queue.events()
    assert events and {e.integration_id for e in events} == {"lever:sandbox"}
    assert any(e.event == "candidateStageChange" for e in events)
    assert all(START.timestamp() * 1000 < e.triggered_at_ms <= now["at"].timestamp() * 1000 for e in events)
