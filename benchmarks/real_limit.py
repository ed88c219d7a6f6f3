"""A large account at Lever's real limit (10 req/s per key): time to a usable `ats`, time until every child is read,
and a day of steady state (hourly deltas after typical activity, plus the rolling verification).

Time at 10 req/s is derived strictly from counted requests: the sandbox serves `SCALE` times faster and every
setting the sync derives from the rate is scaled by the same factor, so each run makes exactly the requests it
would make at 10 req/s (the client paces at 95%: 9.5 req/s). The sandbox clock moves one hour before each
scheduled run, with the activity of that hour. Each sync runs as its own process (peak RSS, CPU measured).

    python -m benchmarks.real_limit --size 100000 [--state /work/bench-data/100k/sandbox-day0] [--out DIR]

Writes DIR/real_limit.json and its section of BENCHMARKS.md. The steady day starts from a warehouse holding every
child (`--complete`, e.g. the dbt benchmark's /work/bench-data/100k/raw-day0.duckdb) when one is given, else from
the backlog runs' own warehouse.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from orchestration.lever.store import RawStore
from orchestration.sandbox import Sandbox

from .bounds import child_pages_all
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
PREPARED_INTEGRATION = "lever:bench"
CAPACITY = LEVER_RATE * 86_400  # the key's requests per day at 10 req/s


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
        # The prepared warehouses (`benchmarks.dbt_ab prepare`, the steady day's `--complete`) hold this account:
        # under another id a steady run would be that account's first sync beside it.
        "LEVER_INTEGRATION_ID": PREPARED_INTEGRATION,
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


def measure(
    size: int,
    state: Path,
    out: Path,
    *,
    steady_hours: int,
    backlog_hours: int,
    complete: Path | None,
    steady_only: bool = False,
) -> RealLimit:
    """First sync and dbt build (time to a usable `ats`), `backlog_hours` hourly runs reading the children
    backlog (the hours to complete are simulated from them and the exact cost of a complete read), then a day of
    steady state, from `complete` (a warehouse with every child read, next to `state`) if given."""
    out.mkdir(parents=True, exist_ok=True)
    config = BenchConfig(scale=SCALE, latency_ms=(0, 0))
    logs = out / "logs"
    logs.mkdir(exist_ok=True)
    result = RealLimit(size)
    env = scaled_env(SCALE)

    def sync(sandbox: SandboxProcess, db: Path, now_ms: int, phase: str, hour: int) -> Step:
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

    if steady_only:
        if complete is None:
            raise SystemExit("--steady-only needs a complete warehouse (--complete)")
        return steady_day(result, sync, state, out, complete, steady_hours, config, logs)
    db = fresh(out / "first" / "warehouse.duckdb")
    with SandboxProcess.restored(state, out / "first", rate=config.rate, burst=config.burst, latency="0") as sandbox:
        now_ms = sandbox.saved_now_ms()
        first = sync(sandbox, db, now_ms, "first", 0)
        parse_once(out / "dbt", db)
        build = measure_build("full", duckdb_path=db, dbt_dir=out / "dbt", now_ms=now_ms, log_dir=logs,
                              full_refresh=True)  # fmt: skip
        result.dbt_full_s = build.wall_s
        result.first_usable_s = round(first.requests / (LEVER_RATE * PACE) + build.wall_s, 1)
        # Hourly runs read the backlog within the run's share and the day's budget, with that hour's activity.
        for hour in range(1, backlog_hours + 1):
            now_ms = sandbox.advance(HOUR_DAYS)["now"]
            if not sync(sandbox, db, now_ms, "backlog", hour).pending:
                break
    backlog = [s for s in result.steps if s.phase == "backlog"]
    children_total = complete_read_children(state)
    result.full_read_requests_per_opportunity = round((first.requests + children_total) / max(first.pending, 1), 2)
    overhead = sum(s.requests - s.child_requests for s in backlog) / max(len(backlog), 1)
    result.complete_hours, result.complete_requests = hours_to_complete(children_total, first.requests, overhead)
    result.notes.append(
        f"Hours to complete: simulated hour by hour from the exact cost of reading every child list "
        f"({children_total:,} requests, from the ground truth with the same skip rules as the client; "
        f"measured runs match it) and the measured cost of a run besides children ({overhead:,.0f} requests: "
        f"scan, lists, feeds), each hourly run within its {RUN_MINUTES:g}-minute share and the day's budget."
    )

    return steady_day(result, sync, state, out, complete, steady_hours, config, logs)


def steady_day(result: RealLimit, sync, state: Path, out: Path, complete: Path | None, steady_hours: int,
               config: BenchConfig, logs: Path) -> RealLimit:  # fmt: skip
    """A day of steady state: hourly deltas after an hour of activity each, verification on."""
    db = fresh(out / "steady" / "warehouse.duckdb")
    source = complete or out / "first" / "warehouse.duckdb"
    shutil.copyfile(source, db)
    migrate(db)
    steady_state = state if complete is not None else out / "first" / "sandbox"
    with SandboxProcess.restored(steady_state, out / "steady", rate=config.rate, burst=config.burst,
                                 latency="0") as sandbox:  # fmt: skip
        now_ms = sandbox.saved_now_ms()
        parse_once(out / "dbt-steady", db)
        if complete is not None:  # built once, untimed, so that the day's build below is an incremental one
            measure_build("base", duckdb_path=db, dbt_dir=out / "dbt-steady", now_ms=now_ms, log_dir=logs,
                          full_refresh=True)  # fmt: skip
        for h in range(1, steady_hours + 1):
            now_ms = sandbox.advance(HOUR_DAYS)["now"]
            sync(sandbox, db, now_ms, "steady", h)
        build = measure_build("incremental", duckdb_path=db, dbt_dir=out / "dbt-steady", now_ms=now_ms,
                              log_dir=logs, full_refresh=False)  # fmt: skip
        result.dbt_incremental_s = build.wall_s
    if complete is not None:
        result.notes.append(f"Steady state starts from {source.name}, a warehouse with every child read.")
    steady = [s for s in result.steps if s.phase == "steady"]
    per_day = sum(s.requests for s in steady) * 24 / max(len(steady), 1)
    result.steady_requests_per_day = int(per_day)
    result.steady_share_of_capacity = round(per_day / CAPACITY, 4)
    result.steady_oldest_verified_h = max((s.oldest_verified_h or 0.0) for s in steady) if steady else 0.0
    result.steady_verification_requests = int(sum(s.child_requests for s in steady) * 24 / max(len(steady), 1))
    return result


def migrate(db: Path) -> None:
    """Bring a warehouse made by older code up to date once, untimed (new kept columns read every payload)."""
    conn = duckdb.connect(str(db))
    try:
        RawStore.ensure_schema(conn)
    finally:
        conn.close()


def fresh(db: Path) -> Path:
    db.parent.mkdir(parents=True, exist_ok=True)
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    return db


def complete_read_children(state: Path) -> int:
    """Child-list requests of one complete read of the account, from the ground truth (`bounds.py`'s rules)."""
    sandbox = Sandbox.load(state, rate_limit=0)
    live = [r["id"] for r in sandbox.truth("opportunities")["records"]]
    pages, _ = child_pages_all(sandbox, live)
    return pages


def hours_to_complete(children: int, first: int, overhead: float) -> tuple[int, int]:
    """(hourly runs until every child is read, requests they make), as the budget logic spends them."""
    daily, run_share = int(CAPACITY * BUDGET_SHARE), int(LEVER_RATE * PACE * RUN_MINUTES * 60)
    hour, used_today, spent, left = 0, first, first, children
    while left > 0:
        hour += 1
        if hour % 24 == 0:
            used_today = 0
        read = max(0, min(left, daily - used_today - int(overhead), run_share - int(overhead)))
        used_today += int(overhead) + read
        spent += int(overhead) + read
        left -= read
    return hour, spent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.real_limit", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--state", type=Path, help="a saved sandbox account (default /work/bench-data/<size>)")
    parser.add_argument("--out", type=Path, help="work folder (default data/bench/real-limit-<size>)")
    parser.add_argument("--steady-hours", type=int, default=24)
    parser.add_argument("--backlog-hours", type=int, default=3, help="hourly backlog runs to measure (then simulated)")
    parser.add_argument(
        "--complete", type=Path, help="a warehouse with every child read, synced from --state (starts the steady day)"
    )
    parser.add_argument("--steady-only", action="store_true", help="measure only the steady day (needs --complete)")
    parser.add_argument("--report", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    label = f"{args.size // 1000}k"
    state = args.state or Path("/work/bench-data") / label / "sandbox-day0"
    out = args.out or ROOT / "data" / "bench" / f"real-limit-{args.size}"
    started = time.monotonic()
    complete = args.complete or (Path("/work/bench-data") / label / "raw-day0.duckdb")
    result = measure(
        args.size,
        state,
        out,
        steady_hours=args.steady_hours,
        backlog_hours=args.backlog_hours,
        complete=complete if complete.exists() else None,
        steady_only=args.steady_only,
    )
    payload = asdict(result) | {"seconds": round(time.monotonic() - started, 1)}
    (out / "real_limit.json").write_text(json.dumps(payload, indent=2) + "\n")
    for folder in ("first/sandbox", "steady/sandbox"):
        shutil.rmtree(out / folder, ignore_errors=True)
    if not args.steady_only:  # a steady day alone is not a whole section
        write_section(args.report, [payload])
    print(json.dumps({k: v for k, v in payload.items() if k != "steps"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
