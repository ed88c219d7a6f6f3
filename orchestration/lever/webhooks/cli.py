"""`lever-warehouse webhooks serve|drain|status`: the receiver, a drain without Dagster, and the queue's state."""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from datetime import timedelta

from ..build import dbt_build
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
    what = f"{drained.integration_id}: {len(drained.events)} event(s)"
    if drained.mode is None:
        return f"{what}, nothing to read"
    per_event = drained.requests / len(drained.events)
    scope = f"{len(drained.opportunity_ids)} opportunities" if drained.result else ""
    return f"{what} -> {drained.mode.value} sync of {scope}: {drained.requests} requests ({per_event:.1f} per event)"


def drain_once(settings: Settings, queue: WebhookQueue, options: WebhookSettings, *, build: bool = True) -> int:
    """Drain every integration with queued events, then build `ats` once; 1 if anything failed."""
    failed, owners = 0, []
    for integration_id in sorted(queue.depth()):
        try:
            drained = asyncio.run(drain(settings, settings.integration(integration_id), queue, options))
        except LeverWarehouseError as exc:
            print(f"error: {integration_id}: {exc} (the events stay queued)")
            failed = 1
            continue
        print(describe(drained), flush=True)
        owners.append(drained.owner)
    if owners and build:
        if dbt_build(settings):
            print("error: dbt build failed; the events are in lever_raw and reach ats with the next build")
            return 1
        queue.mark_built(owners, now_ms=to_ms(warehouse_now()))
    return failed


def _drain(args: argparse.Namespace) -> int:
    settings = load_settings()
    options = WebhookSettings.from_env(settings)
    queue = WebhookQueue(options.queue_path)
    try:
        while True:
            code = drain_once(settings, queue, options, build=not args.no_build)
            if not args.watch:
                return code
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
    run.add_argument("--watch", type=float, default=0, metavar="SECONDS", help="drain again every SECONDS")
    run.add_argument("--no-build", action="store_true", help="sync only; the next build brings it to ats")
    run.set_defaults(handler=_drain)
    status = actions.add_parser("status", help="events waiting per integration, and latency of the last hour")
    status.set_defaults(handler=_status)
