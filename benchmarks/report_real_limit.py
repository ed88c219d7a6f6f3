"""The BENCHMARKS.md section of `benchmarks.real_limit`: Lever's real 10 req/s, from counted requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .tables import fmt, put_section, table

START, END = "<!-- real-limit:start -->", "<!-- real-limit:end -->"
RATE = 9.5  # the client's pace at Lever's 10 req/s


def _duration(seconds: float) -> str:
    if seconds < 600:
        return f"{seconds / 60:.1f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def section(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Lever's real limit: a large account at 10 req/s (issue 13)",
        "",
        "`python -m benchmarks.real_limit --size N` (`make bench` runs it at 100,000). The sandbox serves 100× "
        "Lever's limit and every setting the sync derives from its rate is scaled the same way "
        "(`LEVER_RUN_MINUTES`, `LEVER_FIRST_USABLE_MINUTES`; the daily budget stays 432,000 requests, half of the "
        "key's 864,000), so each sync makes exactly the requests it would make at 10 req/s; **times at 10 req/s are "
        f"requests ÷ {RATE} req/s** (the client paces at 95%), plus dbt's measured wall time where a build is "
        "part of it. The sandbox clock moves one hour, with that hour's simulated activity, before each scheduled "
        "run. Each sync is its own process (its peak RSS is measured).",
        "",
    ]
    header = ["", *(f"{r['size']:,} opportunities" for r in results)]
    rows = [
        ["first sync (lists, opportunities, applications): requests",
         *(fmt(next(s for s in r["steps"] if s["phase"] == "first")["requests"]) for r in results)],
        ["dbt full build (measured)", *(f"{r['dbt_full_s']:.0f} s" for r in results)],
        ["**time to a queryable `ats`** (target ≤ 5 min at 100k)",
         *(f"**{_duration(r['first_usable_s'])}**" for r in results)],
        ["hourly runs until every child is read (budget 432,000/day)", *(fmt(r["complete_hours"]) for r in results)],
        ["requests until complete", *(fmt(r["complete_requests"]) for r in results)],
        ["one complete read, requests per opportunity (target ≤ 6)",
         *(f"{r['full_read_requests_per_opportunity']:.2f}" for r in results)],
        ["steady state: requests per day (24 hourly runs)", *(fmt(r["steady_requests_per_day"]) for r in results)],
        ["of which child lists (changed + verification)", *(fmt(r["steady_verification_requests"]) for r in results)],
        ["**share of the key's daily capacity** (target ≤ 25%)",
         *(f"**{r['steady_share_of_capacity']:.1%}**" for r in results)],
        ["least recently verified opportunity (target ≤ 7 days)",
         *(f"{r['steady_oldest_verified_h'] / 24:.1f} days" for r in results)],
        ["peak RSS of any sync", *(f"{max(s['peak_rss_mb'] for s in r['steps']):.0f} MB" for r in results)],
        ["dbt incremental build after the day (measured)", *(f"{r['dbt_incremental_s']:.0f} s" for r in results)],
    ]  # fmt: skip
    lines += table(header, rows)
    for r in results:
        lines += ["", f"Runs at {r['size']:,} (requests; at 10 req/s; peak RSS; children pending after):", ""]
        cells = [
            [s["phase"], fmt(s["hour"]), fmt(s["requests"]), _duration(s["requests"] / RATE),
             f"{s['peak_rss_mb']:.0f} MB", fmt(s["pending"]), fmt(s["child_requests"])]
            for s in r["steps"]
        ]  # fmt: skip
        lines += table(["run", "hour", "requests", "at 10 req/s", "peak RSS", "pending", "child requests"], cells)
        lines += [f"- {note}" for note in r.get("notes", [])]
    return [*lines, ""]


def write_section(report: Path, results: list[dict[str, Any]]) -> None:
    """Put the section into the report, replacing an earlier one (the rest of the file is left alone)."""
    put_section(report, section(results), START, END)
