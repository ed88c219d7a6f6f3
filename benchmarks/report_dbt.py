"""The report's dbt section: where a full and an incremental build spend their time (dbt's run_results)."""

from __future__ import annotations

from statistics import median
from typing import Any

from .tables import table

KINDS = ("model", "test", "unit_test", "seed")


def _builds(runs: list[dict[str, Any]], case: str) -> list[dict[str, Any]]:
    return [run["builds"][case] for run in runs if case in run.get("builds", {})]


def _row(size: int, case: str, builds: list[dict[str, Any]]) -> list[str]:
    def med(key: str) -> float:
        return median(b.get(key, 0.0) for b in builds)

    def kind(name: str) -> str:
        seconds = median(b.get("seconds_by_kind", {}).get(name, 0.0) for b in builds)
        count = builds[0].get("nodes_by_kind", {}).get(name, 0)
        return f"{seconds:.0f} s ({count})"

    slowest = ", ".join(
        f"{name} {seconds:.0f} s" for name, seconds in builds[len(builds) // 2].get("slowest_models", [])[:3]
    )
    return [f"{size:,}", case, f"{med('wall_s'):.0f} s", f"{med('dbt_elapsed_s'):.0f} s", *map(kind, KINDS), slowest]


def dbt_section(runs_by_size: dict[int, list[dict[str, Any]]]) -> list[str]:
    rows = [
        _row(size, case, builds)
        for size, runs in runs_by_size.items()
        for case in ("dbt_full", "dbt_incremental")
        if (builds := _builds(runs, case))
    ]
    if not rows:
        return []
    header = ["size", "build", "process", "dbt elapsed", *(f"{k}s: time (nodes)" for k in KINDS), "slowest models"]
    return [
        "## dbt",
        "",
        "Medians. *process* is the `lever-warehouse build` process (interpreter start-up, retention purge, dbt's "
        "parse and run); *dbt elapsed* is dbt's own figure; the per-kind times are sums of node times from "
        "`run_results.json` (dbt runs nodes in parallel threads, so they overlap). Data tests scan whole tables on "
        "every build, incremental or not; unit tests cost the same at any size.",
        "",
        *table(header, rows),
        "",
    ]
