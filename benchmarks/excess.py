"""Requests above the lower bound, split by the bound's parts (route templates counted by the sandbox)."""

from __future__ import annotations

from statistics import median
from typing import Any

from .tables import fmt, table

PARTS = ("opportunity_pages", "account_list_pages", "child_pages", "posting_forms", "deleted_feed_pages")
PART_TITLES = {
    "opportunity_pages": "opportunity pages",
    "account_list_pages": "account lists",
    "child_pages": "child pages",
    "posting_forms": "posting forms",
    "deleted_feed_pages": "deleted feeds",
}
WHY = {
    "opportunity_pages": (
        "after its scan the extractor lists opportunities again with `updated_at_start` and `created_at_start` "
        "= scan start − 5 min (`SyncEngine._run`), because the keyset order moves under concurrent edits and a "
        "moved record can be skipped (lever-api.md §5, §14.6). With nothing moving that is one page each: +2 "
        "requests per sync at any account size, which a correct client must also spend unless it can prove "
        "nothing changed during its scan. Since the scan runs as parallel chains over `createdAt` ranges "
        "(after these runs, see *Extractor findings* 3), each extra chain can add one partly filled page: at "
        "most +7 more, for a scan that is no longer one sequential chain of round trips."
    ),
    "child_pages": (
        "child lists read for opportunities whose `updatedAt` and `lastInteractionAt` did not move, or more "
        "than once (the `_claimed` set prevents that within a run)."
    ),
    "posting_forms": "apply forms re-read for postings whose payload did not change.",
    "account_list_pages": "account lists read more than once (a confidential-access fallback repeats a list).",
    "deleted_feed_pages": "deleted feeds read in more windows than needed (each ≤ 29 days).",
}


def part_of(route: str) -> str:
    """Which part of the bound a sandbox route template (`GET /v1/opportunities/:id/notes`) belongs to."""
    path = route.split(" ", 1)[-1]
    if path == "/v1/opportunities":
        return "opportunity_pages"
    if path.endswith("/deleted"):
        return "deleted_feed_pages"
    if path == "/v1/postings/:id/apply":
        return "posting_forms"
    if path.startswith("/v1/opportunities/:id/"):
        return "child_pages"
    return "account_list_pages"


def measured_parts(runs: list[dict[str, Any]], case: str) -> dict[str, float]:
    per_run = []
    for run in runs:
        parts = dict.fromkeys(PARTS, 0)
        for route, count in run["syncs"][case]["by_endpoint"].items():
            parts[part_of(route)] += count
        per_run.append(parts)
    return {part: median(p[part] for p in per_run) for part in PARTS}


def excess_section(
    runs: dict[int, list[dict[str, Any]]], bounds: dict[int, dict[str, dict[str, Any]]], titles: dict[str, str]
) -> list[str]:
    rows, seen = [], []
    for size, size_runs in runs.items():
        for case, title in titles.items():
            if not all(case in run["syncs"] for run in size_runs):
                continue
            measured = measured_parts(size_runs, case)
            for part in PARTS:
                bound = bounds[size][case]["parts"].get(part, 0)
                if measured[part] != bound:
                    rows.append([f"{size:,}", title, PART_TITLES[part], fmt(bound), fmt(measured[part]),
                                 f"{measured[part] - bound:+,.0f}"])  # fmt: skip
                    seen.append(part)
    lines = ["### Where the requests above the bound go", ""]
    if not rows:
        return [*lines, "Nowhere: every part of every sync met its bound exactly.", ""]
    lines += [*table(["size", "sync", "part", "bound", "measured (median)", "excess"], rows), ""]
    lines += [f"- **{PART_TITLES[part]}**: {WHY[part]}" for part in PARTS if part in seen]
    return [*lines, ""]
