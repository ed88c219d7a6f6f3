"""`lever-warehouse webhooks serve|drain|status`: the receiver, a drain without Dagster, and the queue's state."""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from orchestration.warehouse.dbt_runner import dbt_build
from orchestration.warehouse.publish import publish

from ..clock import to_ms, warehouse_now
from ..config import Settings, load_settings
from ..errors import LeverWarehouseError
from .drain import Drained, drain
from .queue import WebhookQueue
from .settings import WebhookSettings
from .tokens import signature_tokens

log = logging.getLogger("lever_warehouse.webhooks")
DEFAULT_PORT = 8787


def _serve(args: argparse.Namespace) -> int:
    import uvicorn  # imported here: only the receiver needs it

    from .app import create_app

    settings = load_settings()
    options = WebhookSettings.from_env(settings)
    queue = WebhookQueue(options.queue_path)
    base = f"http://{args.host}:{args.port}"
    for integration in settings.integrations:
        tokens = signature_tokens(integration)
        where = f"POST {base}/webhooks/{integration.id}"
        print(f"{where}  ({len(tokens)} signature token(s))" if tokens else f"{where}  refused: no webhook token")
    print(f"queue: {queue.path}", flush=True)
    app = create_app(settings, queue, options)
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_config=None,  # our handler, which scrubs secrets, prints uvicorn's lines too
            proxy_headers=bool(args.forwarded_allow_ips),
            forwarded_allow_ips=args.forwarded_allow_ips or None,
            root_path=args.root_path,
        )
    finally:
        queue.close()
    return 0


def describe(drained: Drained) -> str:
    named = len(drained.opportunity_ids)
    what = f"{drained.integration_id}: {len(drained.events)} event(s) naming {named} opportunities"
    if drained.mode is None:
        return f"{what}, nothing to read"
    per_event = drained.requests / len(drained.events)
    return f"{what} -> {drained.mode.value} sync, {drained.requests} requests ({per_event:.1f} per event)"


class Drainer:
    """Drains every integration with queued events, then builds what their syncs changed in `ats` (the models
    downstream of those raw tables; everything after a failed build, which may have left any of them behind) and
    publishes it, as `lever-warehouse build` does: an event counts as in `ats` once readers can see it."""

    def __init__(
        self,
        settings: Settings,
        queue: WebhookQueue,
        options: WebhookSettings,
        *,
        build: Callable[..., int] = dbt_build,
        publish: Callable[[Settings], object] | None = publish,
        **sync_options: Any,
    ) -> None:
        self.settings, self.queue, self.options = settings, queue, options
        self.build, self.publish, self.sync_options = build, publish, sync_options
        # Raw tables changed since the last good build; None: unknown (a failed build, or events a process that
        # died left unbuilt), and the next build is a whole one.
        self.unbuilt: set[str] | None = None if queue.unbuilt_owners() else set()

    def once(self, *, build: bool = True) -> int:
        """The events drained; -1 if a drain or the build failed."""
        drained, failed = 0, False
        for integration_id in sorted(self.queue.depth()):
            try:
                integration = self.settings.integration(integration_id)
                done = asyncio.run(drain(self.settings, integration, self.queue, self.options, **self.sync_options))
            except LeverWarehouseError as exc:
                print(f"error: {integration_id}: {exc} (the events stay queued)", flush=True)
                failed = True
                continue
            print(describe(done), flush=True)
            drained += len(done.events)
            if self.unbuilt is not None:
                self.unbuilt |= done.tables
        built = self._build() if build and self.queue.unbuilt_owners() else True
        return -1 if failed or not built else drained

    def _build(self) -> bool:
        started = to_ms(warehouse_now())
        if self.unbuilt == set():
            # The syncs changed no row: what the events name was read before (a delta), and is built already.
            self.queue.mark_built(acked_before_ms=started, now_ms=started)
            return True
        scope = None if self.unbuilt is None else [f"source:lever_raw.{table}+" for table in sorted(self.unbuilt)]
        if self.build(self.settings, extra=["--select", *scope] if scope else None):
            print("error: dbt build failed; the events are in lever_raw and reach ats with the next build", flush=True)
            self.unbuilt = None
            return False
        self.unbuilt = set()
        if self.publish is not None:
            self.publish(self.settings)
        built = self.queue.mark_built(acked_before_ms=started, now_ms=to_ms(warehouse_now()))
        print(f"ats built in {(to_ms(warehouse_now()) - started) / 1000:.1f}s: {built} event(s) reached it", flush=True)
        return True


def _drain(args: argparse.Namespace) -> int:
    settings = load_settings()
    options = WebhookSettings.from_env(settings)
    queue = WebhookQueue(options.queue_path)
    drainer = Drainer(settings, queue, options, publish=None if args.no_publish else publish)
    try:
        while True:
            drained = drainer.once(build=not args.no_build)
            if not args.watch:
                return 1 if drained < 0 else 0
            if drained <= 0:  # idle (or failing): look again after a pause; busy: at once, more may have come
                time.sleep(args.watch)
    finally:
        queue.close()


def _status(args: argparse.Namespace) -> int:
    settings = load_settings()
    queue = WebhookQueue(WebhookSettings.from_env(settings).queue_path)
    try:
        now_ms = to_ms(warehouse_now())
        print(f"queue: {queue.path}")
        for integration in settings.integrations:
            pending = queue.depth().get(integration.id, 0)
            oldest = queue.oldest_pending_ms(integration.id)
            age = f", oldest {timedelta(milliseconds=now_ms - oldest)} ago" if oldest is not None else ""
            print(f"{integration.id}: {pending} event(s) waiting{age}")
        built = queue.built_since(now_ms - 3_600_000)
        if built:
            latencies = sorted(b.to_ats_ms / 1000 for b in built)
            print(
                f"last hour: {len(built)} event(s) reached ats, median {statistics.median(latencies):.1f}s "
                f"after Lever sent them, worst {latencies[-1]:.1f}s"
            )
    finally:
        queue.close()
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    webhooks = commands.add_parser("webhooks", help="Lever webhooks: receive, drain, show the queue")
    actions = webhooks.add_subparsers(dest="webhooks_command", required=True)
    serve = actions.add_parser("serve", help="receive Lever's webhooks into the queue (an ASGI server)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: behind a proxy)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument(
        "--forwarded-allow-ips",
        default="",
        help="proxies whose X-Forwarded-For/-Proto to trust (e.g. 127.0.0.1), so logs name the real sender",
    )
    serve.add_argument("--root-path", default="", help="the path prefix the proxy serves the receiver under")
    serve.set_defaults(handler=_serve)
    run = actions.add_parser("drain", help="sync what the queued events name, then build ats (without Dagster)")
    run.add_argument(
        "--watch", type=float, default=0, metavar="SECONDS", help="keep draining; look every SECONDS when idle"
    )
    run.add_argument("--no-build", action="store_true", help="sync only; the next build brings it to ats")
    run.add_argument(
        "--no-publish", action="store_true", help="build without refreshing the published copy (35 s at 100k)"
    )
    run.set_defaults(handler=_drain)
    status = actions.add_parser("status", help="events waiting per integration, and latency of the last hour")
    status.set_defaults(handler=_status)
