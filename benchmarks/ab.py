"""Before/after of the extractor fixes made while benchmarking (`python -m benchmarks.run --before-after`).

- HTTP pool: a 20-second window of a full sync of the 10k account, single httpx pool vs `ConnectionSlots`.
- DuckDB memory: a whole full sync of the 10k account, DuckDB's default memory limit vs a 128 MB cap.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .calibrate import calibrate_point
from .config import BenchConfig
from .sandbox_process import SandboxProcess
from .syncs import measure_sync

RATE_WINDOW_S = 20.0


def _before(*flags: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.before", *flags]


def before_after(config: BenchConfig, pristine: Path, work: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"size": 10_000, "scale": config.scale, "pool": {}, "memory": {}}
    for label, program in (("before", _before("--pool")), ("after", None)):
        point = calibrate_point(config, pristine, work / f"ab-pool-{label}", RATE_WINDOW_S, program)
        results["pool"][label] = asdict(point)
        print(f"before/after, HTTP pool, {label}: {point}", flush=True)
    for label, program in (("128 MB cap", _before("--memory")), ("default", None)):
        run_dir = work / f"ab-memory-{label}"
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        with SandboxProcess.restored(
            pristine, run_dir, rate=config.rate, burst=config.burst, latency=config.latency_arg
        ) as sandbox:
            measured = measure_sync(
                "full",
                config,
                sandbox,
                duckdb_path=run_dir / "warehouse.duckdb",
                now_ms=sandbox.saved_now_ms(),
                log_dir=run_dir,
                full=True,
                program=program,
            )
        shutil.rmtree(run_dir / "sandbox", ignore_errors=True)
        results["memory"][label] = {k: v for k, v in asdict(measured).items() if k != "by_endpoint"}
        print(f"before/after, DuckDB memory, {label}: peak RSS {measured.peak_rss_mb} MB", flush=True)
    return results
