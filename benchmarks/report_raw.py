"""The report's raw section: every measured sync, build and `make run`, and the sandbox replica check."""

from __future__ import annotations

from typing import Any

from .report_data import bounds_of
from .tables import fmt, table


def raw_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for run in results["runs"]:
        for case, m in run["syncs"].items():
            rows.append(
                [
                    f"{run['size']:,}",
                    run["repeat"],
                    f"`{run['code']}`" if run.get("code") else "before e1913b4",
                    case,
                    m["load_avg"],
                    fmt(m["requests"]),
                    fmt(m["client_requests"]),
                    fmt(m["opportunities_refreshed"]),
                    f"{m['wall_s']:.1f}",
                    f"{m['window_s']:.1f}",
                    fmt(m["achieved_rps"]),
                    f"{m['share_of_limit']:.1%}",
                    fmt(m["slowest_10s_rps"]),
                    f"{m['status_429']}/{m['status_429_after_1s']}",
                    m["retries"],
                    fmt(m["peak_rss_mb"]),
                    f"{m['sync_cpu_s']:.0f}/{m['sandbox_cpu_s']:.0f}",
                ]
            )
    build_rows = [
        [f"{run['size']:,}", run["repeat"], case, b["load_avg"], f"{b['wall_s']:.1f}", fmt(b["warehouse_mb"])]
        for run in results["runs"]
        for case, b in run["builds"].items()
    ]
    lines = [
        "## Raw runs",
        "",
        "*code* is the fingerprint of the frozen code a run measured (`data/bench/code/<fingerprint>`); runs "
        "without one were measured before the pacing, scan-chain and memory changes of the later commits.",
        "",
        *table(
            [
                "size",
                "run",
                "code",
                "sync",
                "load",
                "requests",
                "client count",
                "opps refreshed",
                "wall s",
                "window s",
                "req/s",
                "share",
                "slowest 10 s",
                "429 / after 1 s",
                "retries",
                "peak RSS MB",
                "CPU s sync/sandbox",
            ],
            rows,
        ),  # fmt: skip
        "",
    ]
    if build_rows:
        lines += [*table(["size", "run", "dbt build", "load", "wall s", "warehouse MB"], build_rows), ""]
    if results.get("make_run"):
        make_rows = [[m["repeat"], m["load_avg"], f"{m['wall_s']:.1f}", m["requests"]] for m in results["make_run"]]
        lines += [*table(["make run", "load", "wall s", "Lever requests"], make_rows), ""]
    checks = []
    for run in results["runs"]:
        bounds = bounds_of(results, run["size"])
        for case, served in run.get("advance_changes", {}).items():
            replica = bounds[case]["advance_changes"]
            checks.append("identical" if served == replica else f"DIFFERENT in {run['size']} #{run['repeat']} {case}")
    if checks:
        verdict = "identical in every run" if all(c == "identical" for c in checks) else "; ".join(set(checks))
        lines += [f"Activity of the served sandbox vs the in-process copy used for the bounds: {verdict}.", ""]
    return lines
