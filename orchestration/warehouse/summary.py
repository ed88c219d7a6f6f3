"""What a build leaves for readers, in a few lines: rows per unified table, and a warning when there is nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.lever.config import Settings
from orchestration.lever.warehouse import connect

from .publish import open_published


def empty_warehouse_warning(settings: Settings) -> str | None:
    """Why a build would produce empty tables, if it would: no warehouse file (often a mistyped DUCKDB_PATH), or
    one that no sync has filled."""
    path = settings.duckdb_path
    if not path.exists():
        return (
            f"warning: there is no warehouse at {path} (DUCKDB_PATH); the build creates empty tables. "
            "Run `lever-warehouse sync` first, or check DUCKDB_PATH"
        )
    conn = connect(path, read_only=True)
    try:
        synced = (
            _has_sync_runs(conn)
            and conn.execute("SELECT count(*) FROM lever_raw._sync_runs WHERE status = 'succeeded'").fetchall()[0][0]
        )
    finally:
        conn.close()
    if not synced:
        return (
            f"warning: the warehouse {path} holds no completed Lever sync; the unified tables will be empty. "
            "Run `lever-warehouse sync` first"
        )
    return None


def _has_sync_runs(conn: duckdb.DuckDBPyConnection) -> bool:
    found = conn.execute(
        """SELECT count(*) FROM information_schema.tables
           WHERE table_schema = 'lever_raw' AND table_name = '_sync_runs'"""
    ).fetchall()
    return bool(found[0][0])


def unified_rows(settings: Settings) -> dict[str, int]:
    """Rows per unified table, as readers see them (the published copy)."""
    conn = open_published(settings)
    try:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ats' ORDER BY 1"
        ).fetchall()
        return {t: conn.execute(f'SELECT count(*) FROM ats."{t}"').fetchall()[0][0] for (t,) in tables}
    finally:
        conn.close()


def render_rows(rows: dict[str, int], published: Path) -> list[str]:
    lines = [f"Rows per unified table (ats) in {published}:"]
    lines += [f"  {name:<28} {count:>8}" for name, count in rows.items()]
    if not any(rows.values()):
        lines.append("  (every unified table is empty: has a sync run against this warehouse?)")
    return lines
