"""Measurements taken by hand outside a harness run (`data/bench/manual.json`), reported as such."""

from __future__ import annotations

from typing import Any

from .tables import fmt, table


def manual_section(results: dict[str, Any]) -> list[str]:
    """The main by-hand section, then any further ones (`"sections"`), each with its own title and rows."""
    manual = results.get("manual") or {}
    return [line for section in (manual, *(manual.get("sections") or [])) for line in _section(section)]


def _section(manual: dict[str, Any]) -> list[str]:
    rows = manual.get("rows") or []
    if not rows:
        return []
    cells = [
        [
            r["case"],
            fmt(r.get("requests")),
            fmt(r.get("bound")),
            f"{r['requests'] / r['bound']:.3f}×" if r.get("requests") and r.get("bound") else "–",
            fmt(r.get("changed_opportunities")),
            f"{r['wall_s']:.1f} s" if r.get("wall_s") is not None else "–",
            fmt(r.get("status_429")),
            f"{fmt(r.get('peak_rss_mb'))} MB" if r.get("peak_rss_mb") else "–",
            r.get("code", ""),
            r.get("note", ""),
        ]
        for r in rows
    ]
    header = ["case", "requests", "bound", "ratio", "changed opps", "wall", "429s", "peak RSS", "code", "note"]
    return [
        f"## {manual.get('title', 'Measured by hand')}",
        "",
        manual.get("intro", ""),
        "",
        *table(header, cells),
        "",
        *(f"- {line}" for line in manual.get("notes", [])),
        "",
    ]
