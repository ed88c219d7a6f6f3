"""The built-in Lever sandbox as a source: started on a free loopback port for integrations without credentials."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from .config import ApiKeyAuth, Integration
from .secrets import Secret

log = logging.getLogger("lever_warehouse.embedded")
DELIVERY_WAIT_S = 10.0


@contextmanager
def embedded_sandbox(integration: Integration, now: datetime) -> Iterator[tuple[str, ApiKeyAuth]]:
    """Serve the integration's sandbox account for the duration of one sync.

    The account persists in its state folder and its clock follows the warehouse clock: every run first
    simulates the recruiting activity since the previous one, so scheduled syncs see a living account.
    """
    from orchestration.sandbox import Sandbox  # imported lazily: real accounts never load the simulator

    spec = integration.sandbox
    assert spec is not None and spec.state_dir is not None
    if (spec.state_dir / Sandbox.STATE_FILE).exists():
        sandbox = Sandbox.load(spec.state_dir)
        sandbox.set_rate_limit(integration.rate_limit, integration.burst)
    else:
        sandbox = Sandbox(
            seed=spec.seed,
            opportunities=spec.opportunities,
            start=now,
            rate_limit=integration.rate_limit,
            burst=integration.burst,
        )
    if spec.webhook_url:
        # Imported here: the webhooks package is only for integrations that use it.
        from .webhooks.tokens import sandbox_token

        sandbox.add_webhooks(spec.webhook_url, signature_token=sandbox_token(spec.state_dir).reveal())
    try:
        if now > sandbox.now:
            sandbox.advance_to(now)  # the activity since the last run, and its webhooks
        with sandbox.serve(port=0) as url:
            log.info(
                "No Lever credentials for %s: serving the built-in Lever sandbox (seed %d, %d opportunities) at %s",
                integration.id,
                spec.seed,
                spec.opportunities,
                url,
            )
            yield url, ApiKeyAuth(Secret(sandbox.api_key))
    finally:
        # Saved even after a failed sync: the simulated activity happened and must not be re-rolled.
        sandbox.save(spec.state_dir)
        # The account lives only while a sync runs: what the receiver has not taken by then is lost, as when
        # Lever gives up on a delivery (the next delta reads those changes anyway).
        if not sandbox.deliveries.wait(DELIVERY_WAIT_S):
            log.warning("webhooks of %s still undelivered after %.0fs: dropped", integration.id, DELIVERY_WAIT_S)
        sandbox.deliveries.close()
