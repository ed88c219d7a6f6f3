"""One benchmark run of one account size: a fresh warehouse, a restored sandbox, the fixed sequence of steps.

full sync -> dbt full build -> quiet delta -> advance(1) -> delta -> dbt incremental build -> advance(7) -> delta
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .bounds import ADVANCES
from .builds import BuildMeasurement, measure_build, parse_once, warehouse_mb
from .config import BenchConfig
from .sandbox_process import SandboxProcess
from .syncs import SyncMeasurement, measure_sync


@dataclass
class RunResult:
    size: int
    repeat: int
    syncs: dict[str, SyncMeasurement] = field(default_factory=dict)
    builds: dict[str, BuildMeasurement] = field(default_factory=dict)
    warehouse_mb: float = 0.0
    advance_changes: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def run_once(config: BenchConfig, size: int, repeat: int, pristine: Path, work: Path) -> RunResult:
    run_dir = work / f"run-{size}-{repeat}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    duckdb_path = run_dir / "warehouse.duckdb"
    result = RunResult(size, repeat)
    sandbox = SandboxProcess.restored(
        pristine, run_dir, rate=config.rate, burst=config.burst, latency=config.latency_arg
    )
    dbt_dir = work / "dbt"  # shared by runs: dbt's partial parse stays warm across builds
    if config.dbt and not (dbt_dir / "target" / "manifest.json").exists():
        parse_once(dbt_dir, duckdb_path)
    with sandbox:
        now_ms = sandbox.saved_now_ms()

        def sync(case: str, *, full: bool = False) -> None:
            print(f"  [{size} #{repeat}] {case} sync...", flush=True)
            measured = measure_sync(
                case, config, sandbox, duckdb_path=duckdb_path, now_ms=now_ms, log_dir=run_dir, full=full
            )
            result.syncs[case] = measured
            print(f"  [{size} #{repeat}] {case}: {_line(measured)}", flush=True)

        def build(case: str, *, full_refresh: bool) -> None:
            if not config.dbt:
                return
            measured = measure_build(
                case,
                duckdb_path=duckdb_path,
                dbt_dir=dbt_dir,
                now_ms=now_ms,
                log_dir=run_dir,
                full_refresh=full_refresh,
            )
            result.builds[case] = measured
            print(f"  [{size} #{repeat}] {case}: {measured.wall_s:.1f}s, {measured.warehouse_mb} MB", flush=True)

        sync("full", full=True)
        build("dbt_full", full_refresh=True)
        sync("quiet")
        for days in ADVANCES:
            answer = sandbox.advance(days)
            now_ms = int(answer["now"])
            case = f"advance_{days:g}"
            result.advance_changes[case] = answer["changes"]
            sync(case)
            if days == ADVANCES[0]:
                build("dbt_incremental", full_refresh=False)
    result.warehouse_mb = warehouse_mb(duckdb_path)
    if not config.keep_runs:
        shutil.rmtree(run_dir / "sandbox", ignore_errors=True)  # a copy of the pristine account: 100 MB at 100k
    return result


def _line(m: SyncMeasurement) -> str:
    return (
        f"{m.requests} requests in {m.wall_s:.1f}s ({m.achieved_rps} req/s, {m.share_of_limit:.0%} of the limit), "
        f"{m.status_429} x 429 ({m.status_429_after_1s} after 1s), peak RSS {m.peak_rss_mb:.0f} MB, load {m.load_avg}"
    )
