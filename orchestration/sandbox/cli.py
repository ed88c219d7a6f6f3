"""`lever-sandbox serve`: run the simulator on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from . import persistence
from .clock import parse_instant
from .sandbox import Sandbox
from .server import LOOPBACK, start


def _latency(raw: str) -> float | tuple[float, float]:
    """`50` or a jitter range `20-80` (milliseconds)."""
    low, _, high = raw.partition("-")
    return (float(low), float(high)) if high else float(low)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="lever-sandbox", description="A local simulator of Lever API v1.")
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API on 127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    serve.add_argument("--seed", type=int, default=0)
    serve.add_argument("--opportunities", type=int, default=1000)
    serve.add_argument("--rate-limit", type=float, default=10.0, help="requests/s per credential; 0 disables")
    serve.add_argument("--burst", type=int, default=20)
    serve.add_argument("--latency-ms", type=_latency, default=0.0, help="fixed (50) or a range (20-80)")
    serve.add_argument("--faults", default=None, help='e.g. "opportunities:429x3,*:503@0.01"')
    serve.add_argument("--state-dir", default=None, help="load from / save to this directory")
    serve.add_argument("--start", type=parse_instant, default=None, help="sandbox clock anchor (ISO-8601)")
    return root


async def _serve(sandbox: Sandbox, port: int) -> None:
    server = await start(sandbox.handle, port)
    bound = server.sockets[0].getsockname()[1]
    url = f"http://{LOOPBACK}:{bound}/v1"
    sandbox.account.base_url = url
    print(f"Lever sandbox serving {url}", flush=True)
    print(f"API key: {sandbox.api_key}", flush=True)
    print(
        f"Sandbox clock: {sandbox.now.isoformat()}  (POST http://{LOOPBACK}:{bound}/_sandbox/advance?days=N)",
        flush=True,
    )
    async with server:
        await server.serve_forever()


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.state_dir and persistence.exists(args.state_dir):
        # The saved account wins over --seed and --opportunities: say so instead of announcing a generation.
        print(f"Loading the saved account from {args.state_dir}...", file=sys.stderr, flush=True)
    else:
        print(f"Generating {args.opportunities} opportunities (seed {args.seed})...", file=sys.stderr, flush=True)
    sandbox = Sandbox(
        seed=args.seed,
        opportunities=args.opportunities,
        start=args.start,
        rate_limit=args.rate_limit,
        burst=args.burst,
        latency_ms=args.latency_ms,
        faults=args.faults,
        state_dir=args.state_dir,
    )
    try:
        asyncio.run(_serve(sandbox, args.port))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        sandbox.persist()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
