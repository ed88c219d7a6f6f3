"""The BENCHMARKS.md section of `benchmarks.webhooks`: a day of webhooks to `ats` at Lever's real limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .tables import fmt, put_section, table

START, END = "<!-- webhooks:start -->", "<!-- webhooks:end -->"


def _spread(summary: dict[str, float]) -> str:
    if not summary:
        return "–"
    n = f" ({summary['n']} events)" if "n" in summary else ""
    return f"{summary['median_s']:.1f} s / {summary['p90_s']:.1f} s / **{summary['max_s']:.1f} s**{n}"


def section(r: dict[str, Any]) -> list[str]:
    events = sum(r["events"].values())
    load = r.get("load_average") or {}
    rows = [
        ["events received (one day at this size)", f"{events:,}: " + ", ".join(
            f"{name} {n}" for name, n in sorted(r["events"].items(), key=lambda item: -item[1]))],
        ["deliveries (retried)", f"{fmt(r['deliveries'])} ({fmt(r['deliveries_retried'])})"],
        ["drains (events per drain)", ", ".join(f"{n} {mode}" for mode, n in r["drains"].items())
         + f" ({r['events_per_drain']:.1f})"],
        ["Lever requests per event / per opportunity read (targeted drains)",
         f"{r['requests_per_event_targeted']:.2f} / {r['requests_per_opportunity_targeted']:.2f}"],
        ["event to `lever_raw`: median / p90 / worst", _spread(r["latency_to_raw"])],
        ["**event to `ats`: median / p90 / worst**", _spread(r["latency_to_ats"])],
        ["of which sent while no scheduled delta ran", _spread(r.get("latency_to_ats_outside_delta", {}))],
        ["of which sent while the scheduled delta ran", _spread(r.get("latency_to_ats_during_delta", {}))],
        ["events later than 60 s in `ats`", f"{fmt(r['over_60s'])} of {fmt(r['events_reaching_ats'])}"],
        ["dbt build per drain (the models downstream of what it read): median / p90 / worst", _spread(r["build_s"])],
        ["scheduled delta + full build midway (the drain waits for it)", f"{r.get('scheduled_delta_s', '–')} s"],
        ["`lever_raw` equals the ground truth after the next delta",
         "yes" if r["raw_equals_truth_after_delta"] is True else f"**no**: {r['raw_equals_truth_after_delta']}"],
        ["load average during the run (2 cores; min / mean / max)",
         f"{load['min']:.1f} / {load['mean']:.1f} / {load['max']:.1f}" if load else "–"],
    ]  # fmt: skip
    return [
        f"## Webhooks: a day of a {r['size']:,}-opportunity account's events into `ats`, at Lever's real limit "
        "(issue 18)",
        "",
        f"`python -m benchmarks.webhooks --size {r['size']} --hours {r['hours']:g}` at {r.get('code', '?')}, one "
        f"run. The sandbox serves Lever's real limit ({r['rate_limit']}, {r['latency_ms'][0]}-{r['latency_ms'][1]} "
        "ms per response) on the wall clock, advanced every second with every activity rate multiplied by "
        f"{r['intensity']:g}: one day's events arrive within {r['hours']:g} h, {r['intensity']:g} times faster than "
        "on a real day, sent as Lever's webhooks. `lever-warehouse webhooks serve` and "
        f"`lever-warehouse webhooks drain --watch {r['watch_s']:g}` run as their own processes (the drain is what "
        "the Dagster sensor's runs do, without the run start-up); each drain is a targeted sync of the "
        "opportunities its events name, then an incremental dbt build of the models downstream of what it read. "
        "Latency runs from Lever's `triggeredAt` to the end of the build that put the event into `ats`. Midway, a "
        "scheduled delta with its full build runs beside them, as the hourly schedule would.",
        "",
        *table(["", f"{r['size']:,} opportunities"], rows),
        "",
        *(f"- {note}" for note in r.get("notes", [])),
        "",
    ]


def write_section(report: Path, result: dict[str, Any]) -> None:
    put_section(report, section(result), START, END)
