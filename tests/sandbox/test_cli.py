"""`lever-sandbox serve` defaults for a first manual try, and its warning about slow first syncs."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from orchestration.sandbox.cli import parser, slow_sync_warning


def test_defaults_are_a_small_account_without_an_artificial_limit():
    args = parser().parse_args(["serve"])
    assert (args.opportunities, args.rate_limit, args.burst, args.quirks) == (200, 0.0, 20, False)


def test_a_large_account_at_a_low_limit_is_announced_with_an_estimate():
    assert slow_sync_warning(5000, 10) == (
        "warning: a first full sync of 5000 opportunities at 10 req/s takes about 67 min "
        "(8 requests per opportunity); fewer --opportunities or no --rate-limit is faster"
    )
    assert slow_sync_warning(200, 10) is None  # under 10 minutes: nothing to say
    assert slow_sync_warning(100_000, 0) is None  # no server limit


def start(*options: str, lines: int = 3) -> tuple[subprocess.Popen, list[str], list[str]]:
    """The CLI in a subprocess until it prints its URL; (process, stdout lines, stderr lines)."""
    command = [sys.executable, "-m", "orchestration.sandbox.cli", "serve", "--port", "0", *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    out = [process.stdout.readline() for _ in range(lines)]
    process.terminate()
    _, err = process.communicate(timeout=30)
    return process, out, err.splitlines()


def test_serve_warns_once_and_prints_how_to_reach_it():
    _, out, err = start("--opportunities", "100", "--rate-limit", "1")
    assert sum("warning: a first full sync of 100 opportunities at 1 req/s takes about 13 min" in e for e in err) == 1
    assert out[0].startswith("Lever sandbox serving http://127.0.0.1:") and out[1].startswith("API key: ")
    assert out[2].startswith(f"Sandbox clock: {datetime.now(UTC):%Y-%m-%d}")  # anchored at the real clock


def test_an_old_anchor_says_how_to_pin_the_warehouse_clock():
    _, out, err = start("--opportunities", "20", "--start", "2026-01-05", lines=4)
    assert out[2].startswith("Sandbox clock: 2026-01-05T00:00:00")
    assert out[3].startswith("The sandbox clock is ") and "WAREHOUSE_NOW=2026-01-05T00:00:00+00:00" in out[3]


def test_a_served_date_header_follows_the_wall_clock_unless_frozen():
    from email.utils import parsedate_to_datetime

    from orchestration.sandbox.clock import Clock

    clock = Clock(1_767_571_200_000)  # 2026-01-05
    frozen = parsedate_to_datetime(clock.http_date())
    clock._moved -= 7_200  # two hours of wall time since the sandbox clock last moved
    assert parsedate_to_datetime(clock.http_date()) == frozen
    clock.live_date = True
    assert (parsedate_to_datetime(clock.http_date()) - frozen).total_seconds() == 7_200
    clock.now_ms = clock.now_ms  # moving the clock restarts the wall-clock offset
    assert parsedate_to_datetime(clock.http_date()) == frozen


def test_serve_sends_webhooks_where_it_is_told_and_prints_their_token():
    _, out, _ = start(
        "--opportunities", "20", "--webhook-url", "http://127.0.0.1:9/hook", "--webhook-token", "tok-123456", lines=4
    )
    assert out[3] == "Webhooks: 10 events to http://127.0.0.1:9/hook, signed with tok-123456\n"
