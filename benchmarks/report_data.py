"""Shared views of the saved results for the report: runs per size, bounds per case, medians, formats."""

from __future__ import annotations

from statistics import median
from typing import Any

from .tables import fmt

DELTAS = ("quiet", "advance_1", "advance_7")
CASE_TITLES = {
    "full": "Full sync",
    "quiet": "Delta, no activity",
    "advance_1": "Delta after advance(1)",
    "advance_7": "Delta after advance(7)",
}


def by_size(results: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    runs: dict[int, list[dict[str, Any]]] = {}
    for run in results["runs"]:
        runs.setdefault(run["size"], []).append(run)
    return dict(sorted(runs.items()))


def bounds_of(results: dict[str, Any], size: int) -> dict[str, dict[str, Any]]:
    return {b["case"]: b for b in results["bounds"][str(size)]["bounds"]}


def med(runs: list[dict[str, Any]], section: str, case: str, key: str) -> float | None:
    values = [run[section][case][key] for run in runs if case in run[section]]
    return median(values) if values else None


def vs(measured: float | None, bound: dict[str, Any]) -> str:
    if measured is None:
        return "–"
    return f"{fmt(measured)} ({fmt(bound['total'])}, {measured / bound['total']:.3f}×)"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.0%}" if a is not None and b else "–"


def secs(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 3 * 3600:
        return f"{value / 3600:.1f} h"
    return f"{value / 60:.1f} min" if value >= 120 else f"{value:.1f} s"
