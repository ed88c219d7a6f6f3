"""One measured `lever-warehouse sync` process against the sandbox process, and what it cost."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .config import BIN, BenchConfig, code_root
from .measure import ProcessRun, run_measured
from .sandbox_process import SandboxProcess, sync_env

# 429s in the first second are the client's opening burst meeting the server's bucket; after that, none.
OPENING_S = 1.0
SLOW_WINDOW_S = 10.0


@dataclass
class SyncMeasurement:
    case: str
    load_avg: float
    wall_s: float  # the whole `lever-warehouse sync` process, start-up included
    requests: int  # as counted by the sandbox, 429s included
    status_429: int
    status_429_after_1s: int
    window_s: float  # first to last request, seen from the sandbox
    achieved_rps: float  # requests / window
    share_of_limit: float
    slowest_10s_rps: float  # the worst 10-second stretch inside the window
    peak_rss_mb: float
    sync_cpu_s: float
    sandbox_cpu_s: float
    client_requests: int  # as recorded in lever_raw._sync_runs (includes retries)
    retries: int
    opportunities_refreshed: int
    by_endpoint: dict[str, int] = field(default_factory=dict)


def _window(samples: list[tuple[float, tuple[int, int]]]) -> tuple[float, float]:
    """(start, end) of the requests: the last sample before any request and the first one after the last.

    Both err outward by at most one sampling tick, so the window is never shorter than the truth and the
    rate never flattered; counting 429s "after the first second" from the earlier start counts more, not fewer.
    """
    total = samples[-1][1][0]
    start = max((t for t, (n, _) in samples if n == 0), default=0.0)
    end = min(t for t, (n, _) in samples if n == total)
    return start, max(end, start + 1e-3)


def _slowest(samples: list[tuple[float, tuple[int, int]]], start: float, end: float) -> float:
    """Lowest request rate over any SLOW_WINDOW_S stretch inside the window (the window's rate if shorter)."""
    points = [(t, n) for t, (n, _) in samples if start <= t <= end]
    rates = []
    later = 0
    for t, n in points:
        while later < len(points) and points[later][0] < t + SLOW_WINDOW_S:
            later += 1
        if later == len(points):
            break
        rates.append((points[later][1] - n) / (points[later][0] - t))
    return min(rates, default=samples[-1][1][0] / (end - start))


def run_record(duckdb_path: Path) -> tuple[int, int]:
    """(requests, retries) of the latest run in lever_raw._sync_runs."""
    conn = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        requests, retries = conn.execute(
            # rowid: insertion order; started_at ties, because the warehouse clock is pinned to the sandbox's
            "SELECT requests, retries FROM lever_raw._sync_runs ORDER BY rowid DESC LIMIT 1"
        ).fetchall()[0]
    finally:
        conn.close()
    return sum(json.loads(requests).values()), int(retries or 0)


def measure_sync(
    case: str,
    config: BenchConfig,
    sandbox: SandboxProcess,
    *,
    duckdb_path: Path,
    now_ms: int,
    log_dir: Path,
    full: bool = False,
    program: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> SyncMeasurement:
    """Run one sync as its own process; the sandbox's counters are reset first, so they hold this sync alone."""
    sandbox.reset_stats()
    env = sync_env(
        sandbox,
        duckdb_path=duckdb_path,
        rate=config.rate,
        burst=config.burst,
        concurrency=config.concurrency,
        now_ms=now_ms,
    )
    env.update(extra_env or {})
    command = [*(program or [str(BIN / "lever-warehouse")]), "sync", *(["--full"] if full else [])]

    def sample() -> tuple[int, int]:
        stats = sandbox.stats()
        return stats["requests"], stats["by_status"].get("429", 0)

    cpu_before = sandbox.cpu_seconds()
    run: ProcessRun = run_measured(
        command, env=env, cwd=code_root(), log_dir=log_dir, name=f"sync-{case}", sample=sample
    )
    run.check()
    sandbox_cpu = sandbox.cpu_seconds() - cpu_before
    stats = sandbox.stats()
    samples = [(t, value) for t, value in run.samples if isinstance(value, tuple)]
    start, end = _window(samples)
    total = stats["requests"]
    n429 = stats["by_status"].get("429", 0)
    opening = max((v[1] for t, v in samples if t <= start + OPENING_S), default=0)
    client_requests, retries = run_record(duckdb_path)
    refreshed = re.search(r"(\d+) with children refreshed", run.stdout)
    return SyncMeasurement(
        case=case,
        load_avg=run.load_avg,
        wall_s=round(run.wall_s, 2),
        requests=total,
        status_429=n429,
        status_429_after_1s=n429 - opening,
        window_s=round(end - start, 2),
        achieved_rps=round(total / (end - start), 1),
        share_of_limit=round(total / (end - start) / config.rate, 3),
        slowest_10s_rps=round(_slowest(samples, start, end), 1),
        peak_rss_mb=round(run.peak_rss_mb, 1),
        sync_cpu_s=round(run.cpu_s, 1),
        sandbox_cpu_s=round(sandbox_cpu, 1),
        client_requests=client_requests,
        retries=retries,
        opportunities_refreshed=int(refreshed.group(1)) if refreshed else -1,
        by_endpoint=dict(stats["by_endpoint"]),
    )
