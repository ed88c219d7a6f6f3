"""The report's main table: medians per account size, measured against the lower bounds."""

from __future__ import annotations

from statistics import median
from typing import Any

from .report_data import CASE_TITLES, DELTAS, bounds_of, by_size, med, ratio, secs, vs
from .tables import fmt, table

REAL_LIMIT_ROW = "at Lever's real limit (requests / 9.5 req/s)"


def real_limit(requests: float | None) -> float | None:
    """How long the same requests take against Lever itself, paced at 95% of 10 req/s."""
    return None if requests is None else requests / 9.5


def results_section(results: dict[str, Any]) -> list[str]:
    runs = by_size(results)
    sizes = list(runs)
    header = ["", *(f"{s:,} opportunities" for s in sizes)]
    rows: list[list[str]] = []

    def row(label: str, values: list[str]) -> None:
        rows.append([label, *values])

    def each(fn: Any) -> list[str]:
        return [fn(size, runs[size], bounds_of(results, size)) for size in sizes]

    rate = results["config"]["rate"]
    row("**Full sync**", ["" for _ in sizes])
    row("requests (lower bound, ratio)", each(lambda s, r, b: vs(med(r, "syncs", "full", "requests"), b["full"])))
    row(
        "requests per opportunity",
        each(lambda s, r, b: fmt(med(r, "syncs", "full", "requests") / b["full"]["live_opportunities"], 2)),
    )
    row("wall time", each(lambda s, r, b: secs(med(r, "syncs", "full", "wall_s"))))
    row(REAL_LIMIT_ROW, each(lambda s, r, b: secs(real_limit(med(r, "syncs", "full", "requests")))))
    row(
        f"achieved req/s (share of {rate:g})",
        each(
            lambda s, r, b: (
                f"{fmt(med(r, 'syncs', 'full', 'achieved_rps'))} ({med(r, 'syncs', 'full', 'share_of_limit'):.1%})"
            )
        ),
    )
    row("slowest 10 s, req/s", each(lambda s, r, b: fmt(med(r, "syncs", "full", "slowest_10s_rps"))))
    row(
        "429s received (after the first second)",
        each(
            lambda s, r, b: (
                f"{fmt(med(r, 'syncs', 'full', 'status_429'))} ({fmt(med(r, 'syncs', 'full', 'status_429_after_1s'))})"
            )
        ),
    )
    row("peak RSS of the sync process", each(lambda s, r, b: f"{fmt(med(r, 'syncs', 'full', 'peak_rss_mb'))} MB"))
    row(
        "CPU: sync / sandbox process",
        each(
            lambda s, r, b: (
                f"{secs(med(r, 'syncs', 'full', 'sync_cpu_s'))} / {secs(med(r, 'syncs', 'full', 'sandbox_cpu_s'))}"
            )
        ),
    )
    for case in DELTAS:
        row(f"**{CASE_TITLES[case]}**", ["" for _ in sizes])
        if case != "quiet":
            row(
                "changed opportunities (ground truth)", each(lambda s, r, b, c=case: fmt(b[c]["changed_opportunities"]))
            )
        row("requests (lower bound, ratio)", each(lambda s, r, b, c=case: vs(med(r, "syncs", c, "requests"), b[c])))
        if case != "quiet":
            row(
                "requests per changed opportunity",
                each(
                    lambda s, r, b, c=case: fmt(
                        med(r, "syncs", c, "requests") / max(1, b[c]["changed_opportunities"]), 2
                    )
                ),
            )
        row("wall time", each(lambda s, r, b, c=case: secs(med(r, "syncs", c, "wall_s"))))
        row(REAL_LIMIT_ROW, each(lambda s, r, b, c=case: secs(real_limit(med(r, "syncs", c, "requests")))))
        row("peak RSS", each(lambda s, r, b, c=case: f"{fmt(med(r, 'syncs', c, 'peak_rss_mb'))} MB"))
    if any(run["builds"] for run in results["runs"]):
        row("**dbt**", ["" for _ in sizes])
        row("full build (`--full-refresh`)", each(lambda s, r, b: secs(med(r, "builds", "dbt_full", "wall_s"))))
        row(
            "incremental build after advance(1) + delta",
            each(lambda s, r, b: secs(med(r, "builds", "dbt_incremental", "wall_s"))),
        )
        row(
            "incremental / full",
            each(
                lambda s, r, b: ratio(
                    med(r, "builds", "dbt_incremental", "wall_s"), med(r, "builds", "dbt_full", "wall_s")
                )
            ),
        )
        row(
            "warehouse file after the full build",
            each(lambda s, r, b: f"{fmt(med(r, 'builds', 'dbt_full', 'warehouse_mb'))} MB"),
        )
        row(
            "warehouse file at the end of the run",
            each(lambda s, r, b: f"{fmt(median(x['warehouse_mb'] for x in r))} MB"),
        )
    lines = ["## Results (medians)", "", *table(header, rows), ""]
    make_runs = results.get("make_run") or []
    if make_runs:
        walls = [m["wall_s"] for m in make_runs]
        steps = sorted({step for m in make_runs for step in m.get("steps_s", {})})
        inside = ", ".join(
            f"`{step}` {secs(median(m['steps_s'].get(step, 0.0) for m in make_runs))}"
            for step in steps
            if not step.startswith("freshness_check")
        )
        lines += [
            f"**`make run`** end to end from an empty data folder (default {make_runs[0]['opportunities']} "
            f"opportunities, embedded sandbox): median **{secs(median(walls))}** "
            f"(runs: {', '.join(secs(w) for w in walls)}; {make_runs[0]['requests']} Lever requests). "
            f"Dagster steps inside it (medians): {inside or 'not recorded'}; the rest is interpreter and Dagster "
            "start-up, the definitions load and the summary queries.",
            "",
        ]
    return lines
