"""Markdown tables and number formatting for the report."""

from __future__ import annotations

from collections.abc import Sequence


def fmt(value: float | int | None, digits: int | None = None) -> str:
    """Thousands separators; floats get `digits` decimals, else one below 100 and none above."""
    if value is None:
        return "–"
    if digits is not None:
        return f"{value:,.{digits}f}"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines
