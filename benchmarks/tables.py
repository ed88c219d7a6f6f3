"""Markdown tables and number formatting for the report."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path


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


def put_section(report: Path, lines: Sequence[str], start: str, end: str) -> None:
    """Put a section between its `start` and `end` markers into the report, replacing an earlier one, or before
    *Raw runs*; the rest of the file is left alone."""
    text = report.read_text() if report.exists() else "# Benchmarks\n"
    block = "\n".join([start, *lines, end])
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        marker = "\n## Raw runs"
        text = text.replace(marker, "\n" + block + "\n" + marker, 1) if marker in text else text + "\n" + block + "\n"
    report.write_text(text)
