"""The issue's targets, judged on the medians: met or missed, with the numbers and, when missed, why."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Any

from .tables import table

SHARE_TARGET = 0.90
DELTA_RATIO = 1.2
RSS_LIMIT_MB = 500.0
FLAT_GROWTH = 1.2  # "flat": the larger account's peak may be at most 20% above the smaller one's
DBT_SHARE = 0.25
DELTAS = ("quiet", "advance_1", "advance_7")


@dataclass
class Verdict:
    target: str
    measured: str
    met: bool | None  # None: not measured in these results
    note: str


def _median(runs: list[dict[str, Any]], section: str, case: str, key: str) -> float | None:
    values = [run[section][case][key] for run in runs if case in run.get(section, {})]
    return median(values) if values else None


def _bound(results: dict[str, Any], size: int, case: str) -> int:
    return next(b["total"] for b in results["bounds"][str(size)]["bounds"] if b["case"] == case)


def rate_target(results: dict[str, Any], runs: dict[int, list[dict[str, Any]]]) -> Verdict:
    shares = {size: _median(r, "syncs", "full", "share_of_limit") or 0.0 for size, r in runs.items()}
    late = {size: max(run["syncs"]["full"]["status_429_after_1s"] for run in r) for size, r in runs.items()}
    measured = "; ".join(f"{s:,}: {shares[s]:.1%}, {late[s]} late 429s" for s in runs)
    met = all(v >= SHARE_TARGET for v in shares.values()) and not any(late.values())
    if met:
        note = (
            "The client paces at 95% of the limit with half the burst (`runner.client_limiter`); the share above "
            "is taken over the request window, so the gap to 95% is the opening (account lists, posting forms, "
            "the first opportunity page) and the tail (the last pages' children)."
        )
    else:
        slow = {s: _median(r, "syncs", "full", "slowest_10s_rps") for s, r in runs.items()}
        cpu = {s: (_median(r, "syncs", "full", "sync_cpu_s") or 0) / (_median(r, "syncs", "full", "window_s") or 1)
               for s, r in runs.items()}  # fmt: skip
        note = (
            "Missed: "
            + "; ".join(
                f"{s:,}: slowest 10 s at {slow[s]:.0f} req/s, sync process at {cpu[s]:.0%} of a core" for s in runs
            )
            + ". When the sync process gets less than the CPU it needs (shared machine: see the load column), "
            "requests start late and the bucket idles; the pacing itself targets 95%. What would close it: less CPU "
            "per request in the client (`sniffio` installed: httpcore imports it on every lock it creates and, "
            "without it, searches sys.path each time, about 0.25 ms of 2 ms per request), or a quieter machine."
        )
    return Verdict(
        f"Full sync at ≥ {SHARE_TARGET:.0%} of the rate limit on average, no 429 after the first second",
        measured,
        met,
        note,
    )


def delta_target(results: dict[str, Any], runs: dict[int, list[dict[str, Any]]]) -> Verdict:
    ratios = {
        (size, case): (_median(r, "syncs", case, "requests") or 0) / _bound(results, size, case)
        for size, r in runs.items()
        for case in DELTAS
    }
    measured = "; ".join(f"{size:,} {case}: {ratio:.3f}×" for (size, case), ratio in ratios.items())
    worst = max(ratios.values())
    met = worst <= DELTA_RATIO
    note = (
        f"Worst ratio {worst:.3f}×. The only requests above the bound are the two re-queries after the scan "
        "(see *Where the requests above the bound go*), a constant, so the ratio tends to 1 as accounts grow."
        if met
        else f"Missed: worst ratio {worst:.3f}×; see *Where the requests above the bound go* for the parts."
    )
    return Verdict(f"Delta sync ≤ {DELTA_RATIO}× its lower bound in requests", measured, met, note)


def rss_target(results: dict[str, Any], runs: dict[int, list[dict[str, Any]]]) -> Verdict:
    peaks = {
        size: max(_median(r, "syncs", case, "peak_rss_mb") or 0.0 for case in ("full", *DELTAS))
        for size, r in runs.items()
    }
    measured = "; ".join(f"{size:,}: {peak:.0f} MB" for size, peak in peaks.items())
    title = f"Peak RSS of the sync flat from 10k to 100k and < {RSS_LIMIT_MB:.0f} MB"
    if len(peaks) < 2:
        return Verdict(title, measured, None, "Needs two account sizes.")
    small, large = min(peaks), max(peaks)
    growth = peaks[large] / peaks[small]
    met = growth <= FLAT_GROWTH and max(peaks.values()) < RSS_LIMIT_MB
    note = (
        f"{large // small}× the opportunities, {growth:.2f}× the peak (flat = at most {FLAT_GROWTH}×). About "
        "250 MB of it is the interpreter with httpx, pyarrow and DuckDB loaded and the requests in flight; the "
        "rest is DuckDB's buffer pool, which caches what the sync writes and so grows with the warehouse unless "
        "capped (`LEVER_SYNC_MEMORY_LIMIT`, opt-in; the code of the first two 10k runs capped it at 128 MB "
        "itself, a cap that made syncs fail at 100k: extractor findings 2)."
    )
    if not met:
        note = "Missed: " + note
    return Verdict(title, measured, met, note)


def dbt_target(results: dict[str, Any], runs: dict[int, list[dict[str, Any]]]) -> Verdict:
    title = f"Incremental dbt build after advance(1) < {DBT_SHARE:.0%} of the full build at 100k"
    largest = max(runs)
    full = _median(runs[largest], "builds", "dbt_full", "wall_s")
    incremental = _median(runs[largest], "builds", "dbt_incremental", "wall_s")
    if not full or incremental is None:
        return Verdict(title, "not measured", None, "dbt builds were not part of these results.")
    share = incremental / full
    measured = f"{largest:,}: {incremental:.0f} s / {full:.0f} s = {share:.0%}"
    met = share < DBT_SHARE
    note = "" if met else "Missed: see the *dbt* section for where the incremental build spends its time."
    return Verdict(title, measured, met, note)


def assess(results: dict[str, Any], runs: dict[int, list[dict[str, Any]]]) -> list[str]:
    verdicts = [rate_target(results, runs), delta_target(results, runs), rss_target(results, runs)]
    verdicts.append(dbt_target(results, runs))
    verdicts = [_with_manual(v, results) for v in verdicts]
    label = {True: "**met**", False: "**missed**", None: "not measured"}
    rows = [[v.target, v.measured, label[v.met]] for v in verdicts]
    lines = ["## Targets (issue 7)", "", *table(["target", "measured (medians)", ""], rows), ""]
    lines += [f"- **{v.target}**: {v.note}" for v in verdicts if v.note]
    return [*lines, ""]


def _with_manual(verdict: Verdict, results: dict[str, Any]) -> Verdict:
    """Adds what was measured by hand (`data/bench/manual.json`, "targets": {target prefix: {...}})."""
    for prefix, extra in ((results.get("manual") or {}).get("targets") or {}).items():
        if verdict.target.startswith(prefix):
            return Verdict(
                verdict.target,
                f"{verdict.measured}; {extra['measured']} (by hand)",
                extra["met"],
                # The automatic note explains the 10k figures; a "missed"/"needs more" one would contradict.
                f"{extra['note']} {verdict.note if verdict.met else ''}".strip(),
            )
    return verdict
