"""A large account at Lever's real limit (10 req/s per key): time to a usable `ats`, time until every child is read,
and a day of steady state (hourly deltas after typical activity, plus the rolling verification).

Time at 10 req/s is derived strictly from counted requests: the sandbox serves `SCALE` times faster and every
setting the sync derives from the rate is scaled by the same factor, so each run makes exactly the requests it
would make at 10 req/s (the client paces at 95%: 9.5 req/s). The sandbox clock moves one hour before each
scheduled run, with the activity of that hour. Each sync runs as its own process (peak RSS, CPU measured).

    python -m benchmarks.real_limit --size 100000 [--state /work/bench-data/100k/sandbox-day0] [--out DIR]

Writes DIR/real_limit.json and its section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from .builds import measure_build, parse_once
from .config import LEVER_RATE, ROOT, BenchConfig
from .report_real_limit import write_section
from .sandbox_process import SandboxProcess
from .syncs import measure_sync

PACE = 0.95  # the client's share of the limit (runner.PACE)
SCALE = 100.0  # the sandbox serves 1,000 req/s
BUDGET_SHARE = 0.5  # LEVER_DAILY_BUDGET_SHARE's default
RUN_MINUTES = 50.0  # LEVER_RUN_MINUTES's default
FIRST_USABLE_MINUTES = 5.0  # LEVER_FIRST_USABLE_MINUTES's default
VERIFY_DAYS = 7.0
HOUR_DAYS = 1 / 24
CAPACITY = LEVER_RATE * 86_400  # the key's requests per day at 10 req/s
MAX_BACKLOG_HOURS = 24 * 14


@dataclass
class Step:
    phase: str
    hour: int
    requests: int
    wall_s: float
    peak_rss_mb: float
    cpu_s: float
    pending: int
    oldest_verified_h: float | None
    refreshed: int
    child_requests: int


@dataclass
class RealLimit:
    size: int
    live_opportunities: int = 0
    steps: list[Step] = field(default_factory=list)
    dbt_full_s: float = 0.0
    dbt_incremental_s: float = 0.0
    first_usable_s: float = 0.0
    complete_hours: int = 0
    complete_requests: int = 0
    full_read_requests_per_opportunity: float = 0.0
    steady_requests_per_day: int = 0
    steady_share_of_capacity: float = 0.0
    steady_verification_requests: int = 0
    steady_oldest_verified_h: float = 0.0
    notes: list[str] = field(default_factory=list)


def scaled_env(scale: float) -> dict[str, str]:
    """The settings a sync derives from its rate, scaled so its decisions are those of a 10 req/s key."""
    return {
        "LEVER_DAILY_BUDGET": str(int(CAPACITY * BUDGET_SHARE)),
        "LEVER_RUN_MINUTES": f"{RUN_MINUTES / scale:g}",
        "LEVER_FIRST_USABLE_MINUTES": f"{FIRST_USABLE_MINUTES / scale:g}",
        "LEVER_VERIFY_DAYS": f"{VERIFY_DAYS:g}",
        "LEVER_MAX_RUN_HOURS": "0",
    }


def coverage(db: Path) -> tuple[int, int, float | None]:
    """(live opportunities, never read, epoch ms when the least recently verified one was read)."""
    conn = duckdb.connect(str(db), read_only=True)
    try:
        total, pending, oldest = conn.execute(
            """SELECT count(*), count(*) FILTER (WHERE s.children_pass = 'pending' OR s.opportunity_id IS NULL),
                      epoch_ms(min(s.children_synced_at))
               FROM lever_raw.opportunities o LEFT JOIN lever_raw._opportunity_state s
                 ON s.integration_id = o.integration_id AND s.opportunity_id = o.id
               WHERE o.deleted_at IS NULL AND o.missing_since IS NULL"""
        ).fetchall()[0]
    finally:
        conn.close()
    return int(total), int(pending), oldest


def child_requests(by_endpoint: dict[str, int]) -> int:
    """Requests to per-opportunity child lists, from the sandbox's count per route."""
    return sum(n for route, n in by_endpoint.items() if route.startswith("GET /v1/opportunities/:id/"))


def measure(size: int, state: Path, out: Path, steady_hours: int = 24) -> RealLimit:
    out.mkdir(parents=True, exist_ok=True)
    config = BenchConfig(scale=SCALE, latency_ms=(0, 0))
    db = out / "warehouse.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    result = RealLimit(size)
    env = scaled_env(SCALE)
    with SandboxProcess.restored(state, out, rate=config.rate, burst=config.burst, latency="0") as sandbox:
        now_ms = int(json.loads((sandbox.state_dir / "sandbox.json").read_text())["now_ms"])

        def sync(phase: str, hour: int) -> Step:
            extra = dict(env) | ({"LEVER_VERIFY_DAYS": "0"} if phase == "backlog" else {})
            run = measure_sync(f"{phase}-{hour}", config, sandbox, duckdb_path=db, now_ms=now_ms, log_dir=logs,
                               extra_env=extra)  # fmt: skip
            live, pending, oldest = coverage(db)
            result.live_opportunities = live
            age = None if oldest is None else round((now_ms - oldest) / 3_600_000, 1)
            step = Step(phase, hour, run.requests, run.wall_s, run.peak_rss_mb, run.sync_cpu_s, pending, age,
                        run.opportunities_refreshed, child_requests(run.by_endpoint))  # fmt: skip
            result.steps.append(step)
            print(json.dumps(asdict(step)), flush=True)
            return step

        first = sync("first", 0)
        parse_once(out / "dbt", db)
        build = measure_build(
            "full", duckdb_path=db, dbt_dir=out / "dbt", now_ms=now_ms, log_dir=logs, full_refresh=True
        )
        result.dbt_full_s = build.wall_s
        result.first_usable_s = round(first.requests / (LEVER_RATE * PACE) + build.wall_s, 1)

        # Hourly runs read the backlog within the run's share and the day's budget, with that hour's activity.
        hour, pending = 0, first.pending
        while pending and hour < MAX_BACKLOG_HOURS:
            hour += 1
            now_ms = sandbox.advance(HOUR_DAYS)["now"]
            pending = sync("backlog", hour).pending
        result.complete_hours = hour
        backlog = [s for s in result.steps if s.phase in ("first", "backlog")]
        result.complete_requests = sum(s.requests for s in backlog)
        # What one complete read of the account costs: the first run (lists, scan, feeds) and every child list
        # read until the backlog was empty (a little more than a full sync: the backlog's hours had activity).
        children = sum(s.child_requests for s in backlog)
        result.full_read_requests_per_opportunity = round((first.requests + children) / max(first.pending, 1), 2)

        # A day of steady state: hourly deltas after an hour of activity each, verification on.
        for h in range(1, steady_hours + 1):
            now_ms = sandbox.advance(HOUR_DAYS)["now"]
            sync("steady", h)
        build = measure_build("incremental", duckdb_path=db, dbt_dir=out / "dbt", now_ms=now_ms, log_dir=logs,
                            full_refresh=False)  # fmt: skip
        result.dbt_incremental_s = build.wall_s
    steady = [s for s in result.steps if s.phase == "steady"]
    per_day = sum(s.requests for s in steady) * 24 / max(len(steady), 1)
    result.steady_requests_per_day = int(per_day)
    result.steady_share_of_capacity = round(per_day / CAPACITY, 4)
    result.steady_oldest_verified_h = max((s.oldest_verified_h or 0.0) for s in steady) if steady else 0.0
    result.steady_verification_requests = int(sum(s.child_requests for s in steady) * 24 / max(len(steady), 1))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.real_limit", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--state", type=Path, help="a saved sandbox account (default /work/bench-data/<size>)")
    parser.add_argument("--out", type=Path, help="work folder (default data/bench/real-limit-<size>)")
    parser.add_argument("--steady-hours", type=int, default=24)
    parser.add_argument("--report", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    label = f"{args.size // 1000}k"
    state = args.state or Path("/work/bench-data") / label / "sandbox-day0"
    out = args.out or ROOT / "data" / "bench" / f"real-limit-{args.size}"
    started = time.monotonic()
    result = measure(args.size, state, out, args.steady_hours)
    payload = asdict(result) | {"seconds": round(time.monotonic() - started, 1)}
    (out / "real_limit.json").write_text(json.dumps(payload, indent=2) + "\n")
    shutil.rmtree(out / "sandbox", ignore_errors=True)
    write_section(args.report, [payload])
    print(json.dumps({k: v for k, v in payload.items() if k != "steps"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
