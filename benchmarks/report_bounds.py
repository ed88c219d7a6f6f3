"""The report's lower-bound section: how each bound is derived, its parts, and the measured excess."""

from __future__ import annotations

from typing import Any

from .excess import excess_section
from .report_data import CASE_TITLES, DELTAS, bounds_of, by_size, med
from .tables import fmt, table


def bounds_section(results: dict[str, Any]) -> list[str]:
    runs = by_size(results)
    lines = [
        "## Lower bounds",
        "",
        "The fewest requests a correct client needs, computed from the sandbox's ground truth "
        "(`benchmarks/bounds.py`: `Sandbox.truth()` on an in-process copy of the saved account, replaying the "
        "same advances; the served sandbox's activity counts are checked against the copy's):",
        "",
        "- **lists**: every page of the opportunity list (100 per page; a delta needs the whole scan too, since "
        "Lever has no filter on `lastInteractionAt` and child activity moves nothing else) and of each account "
        "list (users incl. deactivated, stages, archive reasons, tags, sources, requisitions, feedback templates, "
        "postings: `max(1, ceil(rows/100))` each), plus the unpaginated requisition fields;",
        "- **children**: the 8 child lists (interviews, panels, feedback, notes, offers, referrals, resumes, "
        "files) of every opportunity that is new or whose `updatedAt` or `lastInteractionAt` moved since the last "
        "sync (all of them in a full sync), `max(1, ceil(n/100))` pages each: a client cannot know which "
        "opportunities have children, or which changed, without asking;",
        "- **posting forms**: one request per new or changed posting (all postings in a full sync);",
        "- **deleted feeds**: opportunities, applications, postings: `max(1, ceil(rows/100))` pages of the rows "
        "deleted since the last sync (only the feeds carry deletion times).",
        "",
    ]
    parts = ("opportunity_pages", "account_list_pages", "child_pages", "posting_forms", "deleted_feed_pages")
    for size in runs:
        bounds = bounds_of(results, size)
        rows = []
        for case in ("full", *DELTAS):
            b = bounds[case]
            measured = med(runs[size], "syncs", case, "requests")
            rows.append(
                [
                    CASE_TITLES[case],
                    *(fmt(b["parts"].get(p, 0)) for p in parts),
                    f"**{fmt(b['total'])}**",
                    fmt(measured),
                    f"{measured / b['total']:.3f}×" if measured else "–",
                    f"{measured - b['total']:+,.0f}" if measured else "–",
                ]
            )
        lines += [
            f"**{size:,} opportunities** ({fmt(bounds['full']['live_opportunities'])} live; largest child list "
            f"{bounds['full']['largest_child_list']} rows, so one page each):",
            "",
            *table(
                [
                    "case",
                    "opportunity pages",
                    "account lists",
                    "child pages",
                    "posting forms",
                    "deleted feeds",
                    "bound",
                    "measured (median)",
                    "ratio",
                    "excess",
                ],
                rows,
            ),  # fmt: skip
            "",
        ]
    lines += excess_section(runs, {size: bounds_of(results, size) for size in runs}, CASE_TITLES)
    return lines
