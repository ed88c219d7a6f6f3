"""Choosing the scale factor: at which multiple of Lever's limit does this machine stop keeping up?

For each candidate factor F a full sync of a saved account runs for a fixed time against a sandbox limited to
F x 10 req/s (burst F x 20, latency 100-300 ms). After a warm-up we record the achieved request rate as a share
of the limit, 429s, and the CPU share of one core used by the sandbox and by the sync. The client paces at 95%
of the limit, so 95% is the ceiling; a factor is sustainable while the share stays near it and neither process
saturates a core (both are single-threaded asyncio loops).
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .config import BIN, BenchConfig, code_root
from .procinfo import cpu_seconds, load_average
from .sandbox_process import SandboxProcess, sync_env

WARMUP_S = 8.0


@dataclass
class CalibrationPoint:
    scale: float
    limit_rps: float
    achieved_rps: float
    share: float
    status_429: int
    sandbox_cpu: float  # share of one core
    sync_cpu: float
    load_avg: float


def calibrate_point(
    config: BenchConfig, pristine: Path, run_dir: Path, seconds: float, program: list[str] | None = None
) -> CalibrationPoint:
    """`program`: the command that stands for `lever-warehouse` (default: the installed script)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "warehouse.duckdb").unlink(missing_ok=True)
    with SandboxProcess.restored(
        pristine, run_dir, rate=config.rate, burst=config.burst, latency=config.latency_arg
    ) as sandbox:
        env = sync_env(
            sandbox,
            duckdb_path=run_dir / "warehouse.duckdb",
            rate=config.rate,
            burst=config.burst,
            concurrency=config.concurrency,
        )
        load = load_average()
        with (run_dir / "calibrate.err").open("w") as err:
            sync = subprocess.Popen(
                [*(program or [str(BIN / "lever-warehouse")]), "sync", "--full"],
                env=env,
                cwd=code_root(),
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            time.sleep(WARMUP_S)
            start = (time.monotonic(), sandbox.stats(), sandbox.cpu_seconds(), cpu_seconds(sync.pid))
            time.sleep(seconds)
            end = (time.monotonic(), sandbox.stats(), sandbox.cpu_seconds(), cpu_seconds(sync.pid))
            finished = sync.poll() is not None
            # SIGTERM, not SIGINT: a background job (nohup ... &) inherits SIGINT ignored, and this warehouse
            # is thrown away anyway.
            sync.terminate()
            sync.wait()
    if finished:
        raise RuntimeError("the sync finished inside the calibration window: use a larger account")
    elapsed = end[0] - start[0]
    rate = (end[1]["requests"] - start[1]["requests"]) / elapsed
    n429 = end[1]["by_status"].get("429", 0) - start[1]["by_status"].get("429", 0)
    return CalibrationPoint(
        scale=config.scale,
        limit_rps=config.rate,
        achieved_rps=round(rate, 1),
        share=round(rate / config.rate, 3),
        status_429=n429,
        sandbox_cpu=round((end[2] - start[2]) / elapsed, 2),
        sync_cpu=round((end[3] - start[3]) / elapsed, 2),
        load_avg=load,
    )


def calibrate(
    config: BenchConfig, pristine: Path, work: Path, scales: list[float], seconds: float
) -> list[dict[str, float]]:
    from dataclasses import replace

    points = []
    for scale in scales:
        point = calibrate_point(replace(config, scale=scale), pristine, work / f"calibrate-{scale:g}", seconds)
        print(f"calibration: {point}", flush=True)
        points.append(asdict(point))
    return points
