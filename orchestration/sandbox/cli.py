"""`lever-sandbox serve`: run the simulator on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from . import persistence
from .clock import parse_instant
from .sandbox import Sandbox
from .server import LOOPBACK, start


def _start(raw: str) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) if raw == "now" else parse_instant(raw)


def _latency(raw: str) -> float | tuple[float, float]:
    """`50` or a jitter range `20-80` (milliseconds)."""
    low, _, high = raw.partition("-")
    return (float(low), float(high)) if high else float(low)


REQUESTS_PER_OPPORTUNITY = 8  # a first full sync: the opportunity pages plus its child lists (measured: 1,600 for 200)
WARN_AFTER_S = 600
LEVER_RATE = 10.0
DESCRIPTION = """A local simulator of Lever API v1: a generated account served on 127.0.0.1 with Lever's behaviour,
errors and pagination. Point a client at the printed URL with the printed API key."""
SERVE_EPILOG = f"""The default account (200 opportunities) makes about 1,600 requests in a first full sync: about
3 minutes for a client that paces itself at Lever's 10 req/s (lever-warehouse does by default), about 7 s with
LEVER_RATE_LIMIT=0. The sandbox itself does not limit unless asked: --rate-limit {LEVER_RATE:g} --burst 20 is
Lever's real token bucket per credential (429 without Retry-After beyond it).
Example: lever-sandbox serve --port 8080, then in another shell
  LEVER_API_KEY=<printed key> LEVER_BASE_URL=http://127.0.0.1:8080/v1 lever-warehouse run
Control (no auth): POST /_sandbox/advance?days=N, GET /_sandbox/truth/<entity>, /_sandbox/faults,
/_sandbox/stats; see orchestration/sandbox/README.md."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="lever-sandbox", description=DESCRIPTION)
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the API on 127.0.0.1",
        description=DESCRIPTION,
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    serve.add_argument("--seed", type=int, default=0, help="the same seed always generates the same account")
    serve.add_argument(
        "--opportunities", type=int, default=200, help="account size (default 200: a full sync in minutes)"
    )
    serve.add_argument(
        "--rate-limit",
        type=float,
        default=0.0,
        help=f"requests/s per credential; default 0: no limit. Lever's is {LEVER_RATE:g} (with --burst 20)",
    )
    serve.add_argument("--burst", type=int, default=20, help="token bucket size when limited (Lever: 20)")
    serve.add_argument("--latency-ms", type=_latency, default=0.0, help="fixed (50) or a range (20-80)")
    serve.add_argument("--faults", default=None, help='e.g. "opportunities:429x3,*:503@0.01" (README: grammar)')
    serve.add_argument("--state-dir", default=None, help="load from / save to this directory")
    serve.add_argument(
        "--start",
        type=_start,
        default="now",
        help="sandbox clock anchor: ISO-8601 or `now` (the default: a warehouse on the real clock then agrees "
        "with the sandbox's Date header, which follows the wall clock while served)",
    )
    serve.add_argument(
        "--frozen-date",
        action="store_true",
        help="keep the Date header on the sandbox clock instead of the wall clock (for a warehouse whose "
        "WAREHOUSE_NOW is pinned to the sandbox clock, as the benchmarks do)",
    )
    serve.add_argument(
        "--quirks", action="store_true", help="add real accounts' oddities (stage changes after the archive)"
    )
    serve.add_argument(
        "--webhook-url",
        default=None,
        help="send Lever's ten webhook events to this URL (e.g. a `lever-warehouse webhooks serve` path)",
    )
    serve.add_argument("--webhook-token", default=None, help="their signature token (default: generated, printed)")
    return root


def slow_sync_warning(opportunities: int, rate_limit: float) -> str | None:
    """One line when a first full sync at this server limit would take long (8 requests per opportunity)."""
    if rate_limit <= 0:
        return None
    seconds = opportunities * REQUESTS_PER_OPPORTUNITY / rate_limit
    if seconds < WARN_AFTER_S:
        return None
    return (
        f"warning: a first full sync of {opportunities} opportunities at {rate_limit:g} req/s takes about "
        f"{seconds / 60:.0f} min ({REQUESTS_PER_OPPORTUNITY} requests per opportunity); fewer --opportunities "
        "or no --rate-limit is faster"
    )


async def _serve(sandbox: Sandbox, port: int, *, live_date: bool = True, notes: Sequence[str] = ()) -> None:
    server = await start(sandbox.handle, port)
    bound = server.sockets[0].getsockname()[1]
    url = f"http://{LOOPBACK}:{bound}/v1"
    print(f"Lever sandbox serving {url}", flush=True)
    print(f"API key: {sandbox.api_key}", flush=True)
    print(
        f"Sandbox clock: {sandbox.now.isoformat()}  (POST http://{LOOPBACK}:{bound}/_sandbox/advance?days=N)",
        flush=True,
    )
    for note in notes:
        print(note, flush=True)
    behind = datetime.now(UTC) - sandbox.now
    if behind.days >= 1:  # a warehouse on the real clock would see Lever's Date that far off
        print(
            f"The sandbox clock is {behind.days} days behind the real one: set WAREHOUSE_NOW={sandbox.now.isoformat()} "
            "for the warehouse (it refuses Lever clocks that far off), or serve with --start now",
            flush=True,
        )
    sandbox.account.clock.live_date = live_date
    async with server:
        await server.serve_forever()


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.state_dir and persistence.exists(args.state_dir):
        # The saved account wins over --seed and --opportunities: say so instead of announcing a generation.
        print(f"Loading the saved account from {args.state_dir}...", file=sys.stderr, flush=True)
    else:
        print(f"Generating {args.opportunities} opportunities (seed {args.seed})...", file=sys.stderr, flush=True)
        warning = slow_sync_warning(args.opportunities, args.rate_limit)
        if warning:
            print(warning, file=sys.stderr, flush=True)
    sandbox = Sandbox(
        seed=args.seed,
        opportunities=args.opportunities,
        start=args.start,
        rate_limit=args.rate_limit,
        burst=args.burst,
        latency_ms=args.latency_ms,
        faults=args.faults,
        state_dir=args.state_dir,
        quirks=args.quirks,
    )
    notes = []
    if args.webhook_url:
        hooks = sandbox.add_webhooks(args.webhook_url, signature_token=args.webhook_token)
        notes.append(f"Webhooks: {len(hooks)} events to {args.webhook_url}, signed with {hooks[0]['signatureToken']}")
    try:
        asyncio.run(_serve(sandbox, args.port, live_date=not args.frozen_date, notes=notes))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        sandbox.persist()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
