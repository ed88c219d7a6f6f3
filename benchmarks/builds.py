"""Measured dbt builds (`lever-warehouse build`) and the warehouse's size on disk."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import BIN, code_root
from .measure import run_measured
from .sandbox_process import clean_env, warehouse_now


@dataclass
class BuildMeasurement:
    case: str
    load_avg: float
    wall_s: float
    warehouse_mb: float
    dbt_elapsed_s: float = 0.0  # dbt's own figure, without interpreter start-up and parsing
    cpu_s: float = 0.0  # user + system CPU of the process and dbt under it: less sensitive to a loaded machine
    seconds_by_kind: dict[str, float] = field(default_factory=dict)  # summed node times (2 threads overlap)
    nodes_by_kind: dict[str, int] = field(default_factory=dict)
    slowest_models: list[tuple[str, float]] = field(default_factory=list)


def _run_results(target: Path) -> dict[str, Any]:
    """Per-node timings of the last dbt invocation (target/run_results.json)."""
    results = json.loads((target / "run_results.json").read_text())
    seconds: dict[str, float] = {}
    nodes: dict[str, int] = {}
    models = []
    for node in results["results"]:
        kind = node["unique_id"].split(".", 1)[0]
        seconds[kind] = round(seconds.get(kind, 0.0) + node["execution_time"], 2)
        nodes[kind] = nodes.get(kind, 0) + 1
        if kind == "model":
            models.append((node["unique_id"].rsplit(".", 1)[-1], round(node["execution_time"], 2)))
    return {
        "dbt_elapsed_s": round(results["elapsed_time"], 2),
        "seconds_by_kind": seconds,
        "nodes_by_kind": nodes,
        "slowest_models": sorted(models, key=lambda m: -m[1])[:5],
    }


def warehouse_mb(duckdb_path: Path) -> float:
    """The database file plus its write-ahead log, if one is left."""
    files = [duckdb_path, duckdb_path.with_name(duckdb_path.name + ".wal")]
    return round(sum(f.stat().st_size for f in files if f.exists()) / 2**20, 1)


def dbt_env(duckdb_path: Path, dbt_dir: Path, now_ms: int) -> dict[str, str]:
    """dbt writes its target and logs under the benchmark's folder, never into the shared dbt_project/."""
    return clean_env(
        DUCKDB_PATH=str(duckdb_path),
        WAREHOUSE_NOW=warehouse_now(now_ms),
        DBT_TARGET_PATH=str(dbt_dir / "target"),
        DBT_LOG_PATH=str(dbt_dir / "logs"),
    )


def measure_build(
    case: str, *, duckdb_path: Path, dbt_dir: Path, now_ms: int, log_dir: Path, full_refresh: bool
) -> BuildMeasurement:
    # dbt alone: publishing the readers' copy is measured on its own (benchmarks.publish_cost).
    command = [str(BIN / "lever-warehouse"), "build", "--no-publish", *(["--full-refresh"] if full_refresh else [])]
    run = run_measured(
        command, env=dbt_env(duckdb_path, dbt_dir, now_ms), cwd=code_root(), log_dir=log_dir, name=f"dbt-{case}"
    )
    if run.returncode != 0:
        tail = (log_dir / f"dbt-{case}.out").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"dbt build ({case}) failed ({run.returncode}):\n{tail}\n{run.stderr_tail}")
    return BuildMeasurement(
        case,
        run.load_avg,
        round(run.wall_s, 2),
        warehouse_mb(duckdb_path),
        cpu_s=round(run.cpu_s, 2),
        **_run_results(dbt_dir / "target"),
    )


def parse_once(dbt_dir: Path, duckdb_path: Path) -> None:
    """Parse the project into the benchmark's target folder (untimed, like `make install`'s manifest step)."""
    dbt_dir.mkdir(parents=True, exist_ok=True)
    command = [str(BIN / "dbt"), "parse", "--quiet", "--project-dir", "dbt_project", "--profiles-dir", "dbt_project"]
    run_measured(
        command, env=dbt_env(duckdb_path, dbt_dir, 0), cwd=code_root(), log_dir=dbt_dir, name="dbt-parse"
    ).check()
