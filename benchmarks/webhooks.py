"""Webhooks end to end at Lever's real limit: a day of a 10k account's activity, sent as Lever's webhooks to the
receiver, drained into targeted syncs and built into `ats` by the production commands; event-to-`ats` latency,
requests per event, and the warehouse against the ground truth after the next delta.

    python -m benchmarks.webhooks [--size 10000] [--hours 1] [--watch 5] [--delta-at 0.5]

The sandbox runs in this process on the wall clock (it is advanced to the current instant every second), so
`triggeredAt`, Lever's `Date` and the warehouse clock agree; a day's activity is compressed into `--hours` by
multiplying every activity rate (`intensity` = 24 / hours), so events arrive that much faster than on a real day.
`lever-warehouse webhooks serve` and `lever-warehouse webhooks drain --watch` run as their own processes, the
drain against the sandbox at 10 req/s (burst 20) with 100-300 ms responses. At `--delta-at` (a share of the run)
a scheduled delta + build runs beside them, as the hourly schedule would. Results: <work>/webhooks/result.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from orchestration.lever.config import ApiKeyAuth, Integration, Settings
from orchestration.lever.runner import sync_integration
from orchestration.lever.secrets import Secret
from orchestration.lever.sync import Mode
from orchestration.lever.webhooks.queue import WebhookQueue
from orchestration.sandbox import Sandbox
from orchestration.warehouse.dbt_runner import dbt_build
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.support import Harness

from .config import BIN, CODE_ROOT_ENV, LATENCY_MS, LEVER_BURST, LEVER_RATE, ROOT, SEED
from .report_webhooks import write_section
from .snapshot import freeze

INTEGRATION = "lever:bench"
TOKEN = "benchmark-signature-token"
DRAIN_LINE = re.compile(r"(\d+) event\(s\) naming (\d+) opportunities -> (\w+) sync, (\d+) requests")
BUILD_LINE = re.compile(r"ats built in ([\d.]+)s")


def _digest(*folders: str) -> str:
    import hashlib

    digest = hashlib.sha1()
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".sql", ".yml") and "target" not in path.parts:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _settings(path: Path, sandbox: Sandbox, url: str) -> Settings:
    auth = ApiKeyAuth(Secret(sandbox.api_key))
    integration = Integration(INTEGRATION, url, auth, rate_limit=0, concurrency=32)
    return Settings(duckdb_path=path, integrations=(integration,))


def pristine(work: Path, size: int) -> Path:
    """A fully synced and built warehouse of a saved account (made once per code version, then copied)."""
    target = work / "cache" / f"{_digest('orchestration/lever', 'orchestration/sandbox', 'dbt_project')}-n{size}"
    if target.exists():
        return target
    partial = target.with_name(target.name + ".partial")  # renamed when complete: a killed run leaves no cache
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    print(f"preparing {size} opportunities: generate, full sync, full build (once)...", flush=True)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    sandbox = Sandbox(seed=SEED, opportunities=size, start=start, rate_limit=0)
    settings = _settings(partial / "warehouse.duckdb", sandbox, "http://sandbox.test/v1")
    transport = sandbox.async_transport()
    asyncio.run(sync_integration(settings, settings.integrations[0], Mode.FULL, transport=transport,
                                 clock=lambda: sandbox.now))  # fmt: skip
    if dbt_build(settings, full_refresh=True):
        raise RuntimeError("the full dbt build failed")
    sandbox.save(partial / "sandbox")
    partial.rename(target)
    return target


def _describe() -> str:
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _drive(sandbox: Sandbox, until: float, intensity: float, stop: threading.Event, load: list[float]) -> None:
    """Keep the sandbox on the wall clock, with a day's activity spread over the run; sample the load each minute."""
    sample = time.monotonic()
    while time.monotonic() < until and not stop.is_set():
        time.sleep(1.0)
        sandbox.advance_to(datetime.now(UTC), intensity)
        if time.monotonic() >= sample:
            load.append(os.getloadavg()[0])
            sample += 60


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "median_s": round(statistics.median(ordered), 1),
        "p90_s": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
        "max_s": round(ordered[-1], 1),
    }


def run(work: Path, size: int, hours: float, watch: float, delta_at: float) -> dict[str, Any]:
    run_dir = work / f"run-{size}"
    shutil.rmtree(run_dir, ignore_errors=True)
    shutil.copytree(pristine(work, size), run_dir)
    sandbox = Sandbox.load(run_dir / "sandbox", rate_limit=LEVER_RATE, burst=LEVER_BURST, latency_ms=LATENCY_MS)
    sandbox.account.clock.live_date = True
    sandbox.advance_to(datetime.now(UTC), intensity=0)  # catch up with the wall clock quietly
    port = _free_port()
    result: dict[str, Any] = {"size": size, "hours": hours, "intensity": 24 / hours, "watch_s": watch,
                              "rate_limit": f"{LEVER_RATE:g} req/s, burst {LEVER_BURST}",
                              "latency_ms": list(LATENCY_MS)}  # fmt: skip
    with sandbox.serve() as url:
        env = {**os.environ, "DUCKDB_PATH": str(run_dir / "warehouse.duckdb"), "LEVER_API_KEY": sandbox.api_key,
               "LEVER_BASE_URL": url, "LEVER_INTEGRATION_ID": INTEGRATION, "LEVER_WEBHOOK_TOKEN": TOKEN,
               "LEVER_WEBHOOK_QUEUE": str(run_dir / "webhooks.sqlite"), "DO_NOT_TRACK": "1"}  # fmt: skip
        env.pop("WAREHOUSE_NOW", None)
        # The processes import a frozen copy of the code: the working tree may change during the hour.
        frozen, fingerprint = freeze(work)
        env |= {"PYTHONPATH": str(frozen), CODE_ROOT_ENV: str(frozen)}
        result["code"] = f"{fingerprint} ({_describe()})"
        cli = str(BIN / "lever-warehouse")
        logs = {name: (run_dir / f"{name}.log").open("w") for name in ("receiver", "drain", "delta")}
        receiver = subprocess.Popen([cli, "webhooks", "serve", "--port", str(port)], env=env, cwd=frozen,
                                    stdout=logs["receiver"], stderr=subprocess.STDOUT)  # fmt: skip
        for _ in range(300):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz").raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        sandbox.add_webhooks(f"http://127.0.0.1:{port}/webhooks/{INTEGRATION}", signature_token=TOKEN)
        drain = subprocess.Popen([cli, "webhooks", "drain", "--watch", str(watch)], env=env, cwd=frozen,
                                 stdout=logs["drain"], stderr=subprocess.STDOUT)  # fmt: skip
        stop, load = threading.Event(), []
        began = time.monotonic()
        driver = threading.Thread(target=_drive, args=(sandbox, began + hours * 3600, 24 / hours, stop, load))
        driver.start()
        print(f"driving {hours:g} h of activity at intensity {24 / hours:g}...", flush=True)
        if delta_at:
            time.sleep(hours * 3600 * delta_at)
            started = time.time()
            subprocess.run([cli, "run"], env=env, cwd=frozen, stdout=logs["delta"], stderr=subprocess.STDOUT,
                           check=False)  # fmt: skip
            result["scheduled_delta_s"] = round(time.time() - started, 1)
            result["scheduled_delta_window_ms"] = [round(started * 1000), round(time.time() * 1000)]
        driver.join()
        queue = WebhookQueue(run_dir / "webhooks.sqlite")
        deadline = time.monotonic() + 900
        while (queue.depth() or queue.unbuilt_owners()) and time.monotonic() < deadline:
            time.sleep(2)
        for process in (drain, receiver):
            process.send_signal(signal.SIGINT)
            process.wait(timeout=120)
        result["final_delta_rc"] = subprocess.run([cli, "sync"], env=env, cwd=frozen, stdout=logs["delta"],
                                                  stderr=subprocess.STDOUT, check=False).returncode  # fmt: skip
        settings = _settings(run_dir / "warehouse.duckdb", sandbox, url)
        harness = Harness(sandbox, settings, settings.integrations[0])
        try:
            assert_raw_equals_truth(harness, INTEGRATION)
            result["raw_equals_truth_after_delta"] = True
        except AssertionError as exc:
            result["raw_equals_truth_after_delta"] = str(exc)
        deliveries = list(sandbox.deliveries.deliveries)
        sandbox.deliveries.close()
    events = queue.events()
    built = queue.built_since(0)
    queue.close()
    drains = [tuple(int(g) if g.isdigit() else g for g in m.groups())
              for m in DRAIN_LINE.finditer((run_dir / "drain.log").read_text())]  # fmt: skip
    targeted = [d for d in drains if d[2] == "targeted"]
    window = result.get("scheduled_delta_window_ms") or [0, 0]
    latencies = [(b.built_at_ms - b.to_ats_ms, b.to_ats_ms / 1000) for b in built]  # (triggeredAt, latency)

    def during(triggered_ms: int) -> bool:
        return window[0] <= triggered_ms <= window[1]

    builds = [float(m.group(1)) for m in BUILD_LINE.finditer((run_dir / "drain.log").read_text())]
    result |= {
        "events": dict(Counter(e.event for e in events)),
        "deliveries": len(deliveries),
        "deliveries_retried": sum(d.attempts > 1 for d in deliveries),
        "events_reaching_ats": len(built),
        "latency_to_raw": _summary([b.to_raw_ms / 1000 for b in built]),
        "latency_to_ats": _summary([b.to_ats_ms / 1000 for b in built]),
        # Events Lever sent while the scheduled delta held the warehouse waited for it; the others did not.
        "latency_to_ats_outside_delta": _summary([e[1] for e in latencies if not during(e[0])]),
        "latency_to_ats_during_delta": _summary([e[1] for e in latencies if during(e[0])]),
        "over_60s": sum(b.to_ats_ms > 60_000 for b in built),
        "drains": dict(Counter(d[2] for d in drains)),
        "events_per_drain": round(statistics.mean(d[0] for d in drains), 2) if drains else 0,
        "requests_per_event_targeted": round(sum(d[3] for d in targeted) / max(1, sum(d[0] for d in targeted)), 2),
        "requests_per_opportunity_targeted": round(
            sum(d[3] for d in targeted) / max(1, sum(d[1] for d in targeted)), 2
        ),
        "build_s": _summary(builds),
        "load_average": {"min": min(load), "mean": statistics.mean(load), "max": max(load)} if load else {},
    }
    (work / "result.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.webhooks", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--hours", type=float, default=1.0, help="real hours the day of activity is spread over")
    parser.add_argument("--watch", type=float, default=5.0, help="the drain's look-again interval when idle (s)")
    parser.add_argument("--delta-at", type=float, default=0.5, help="share of the run at which a delta runs (0: none)")
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "webhooks")
    parser.add_argument("--report", type=Path, default=ROOT / "BENCHMARKS.md", help="the section goes here")
    parser.add_argument("--report-only", action="store_true", help="rewrite the section from <work>/result.json")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    if args.report_only:
        result = json.loads((work / "result.json").read_text())
    else:
        result = run(work, args.size, args.hours, args.watch, args.delta_at)
    write_section(args.report, result)
    print(json.dumps(result, indent=1))
    return 0 if result["raw_equals_truth_after_delta"] is True else 1


if __name__ == "__main__":
    raise SystemExit(main())
