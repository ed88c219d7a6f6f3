"""The published copy: the unified schema in a DuckDB file of its own, swapped in whole, for SQL users and BI tools.

DuckDB admits one process when one writes, so any reader of the warehouse file (a notebook, a BI tool, the duckdb
CLI left open) would make every sync wait for its lock and fail. Readers open this copy instead. It is written
beside its final name and renamed over it in one step: a reader sees the previous snapshot or the new one, never a
mix, and a reader that opened the previous file keeps reading it (a rename unlinks the name, not the open file)
until it reconnects. The writer never opens the published file, so no reader can hold a lock it needs.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.lever.clock import warehouse_now
from orchestration.lever.config import Settings
from orchestration.lever.errors import ConfigError
from orchestration.lever.warehouse import connect

log = logging.getLogger("lever_warehouse.publish")

# What readers need: the unified tables, stage history included. lever_raw (payloads, deletion bookkeeping,
# sealed OAuth state) and the staging views stay in the private warehouse.
PUBLISHED_SCHEMAS = ("ats",)
# One row saying when the copy was made, so a reader can tell how fresh it is.
META_TABLE = "_meta.publication"


@dataclass(frozen=True)
class Publication:
    path: Path
    rows: dict[str, int]  # "ats.jobs" -> rows
    seconds: float
    size_bytes: int


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _tables(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return conn.execute(
        """SELECT table_schema, table_name FROM information_schema.tables
           WHERE table_catalog = current_database() AND table_schema IN (SELECT unnest($schemas))
           ORDER BY 1, 2""",
        {"schemas": list(PUBLISHED_SCHEMAS)},
    ).fetchall()


def _write(conn: duckdb.DuckDBPyConnection, staging: Path, now: datetime) -> dict[str, int]:
    """Copy the published schemas into `staging` in one transaction: one consistent snapshot of the warehouse."""
    source = _quote(conn.execute("SELECT current_database()").fetchall()[0][0])
    conn.execute(f"ATTACH {_literal(str(staging))} AS published")
    try:
        conn.execute("BEGIN TRANSACTION")
        tables = _tables(conn)
        for schema in sorted({s for s, _ in tables} | set(PUBLISHED_SCHEMAS)):
            conn.execute(f"CREATE SCHEMA published.{_quote(schema)}")
        rows = {}
        for schema, table in tables:
            name = f"{_quote(schema)}.{_quote(table)}"
            conn.execute(f"CREATE TABLE published.{name} AS SELECT * FROM {source}.{name}")
            rows[f"{schema}.{table}"] = conn.execute(f"SELECT count(*) FROM published.{name}").fetchall()[0][0]
        conn.execute("CREATE SCHEMA published._meta")
        conn.execute(
            f"CREATE TABLE published.{META_TABLE} AS SELECT ?::TIMESTAMPTZ AS published_at, ?::INTEGER AS tables",
            [now, len(tables)],
        )
        conn.execute("COMMIT")
        conn.execute("CHECKPOINT published")  # everything in the file itself: a WAL would not move with it
    finally:
        conn.execute("DETACH DATABASE IF EXISTS published")
    return rows


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(settings: Settings, *, now: datetime | None = None) -> Publication:
    """Write the unified schema of the warehouse to `settings.published` and swap it in atomically.

    Runs right after a successful build, in the process that holds the warehouse (it opens the warehouse as a
    writer, waiting for its lock like every writer)."""
    started = time.monotonic()
    target = settings.published
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same folder as the target: a rename is atomic only within one file system.
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    wal = staging.with_name(staging.name + ".wal")
    conn = connect(settings.duckdb_path)
    # Holding the warehouse as its writer, this is the only publisher: what a killed one left can go.
    for leftover in target.parent.glob(f".{target.name}.*.tmp*"):
        leftover.unlink(missing_ok=True)
    try:
        rows = _write(conn, staging, now or warehouse_now())
        conn.close()
        if wal.exists():  # cannot happen after the checkpoint; a WAL left behind would not move with the file
            raise RuntimeError(f"publishing left a write-ahead log beside {staging}; the previous copy is kept")
        _fsync(staging)
        os.replace(staging, target)
    except BaseException:
        conn.close()
        for leftover in (staging, wal):
            leftover.unlink(missing_ok=True)
        raise
    _fsync(target.parent)  # the rename itself survives a power cut
    publication = Publication(target, rows, round(time.monotonic() - started, 2), target.stat().st_size)
    log.info(
        "published %d tables (%d rows) to %s in %.1fs",
        len(rows),
        sum(rows.values()),
        target,
        publication.seconds,
    )
    return publication


def open_published(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published copy (what SQL users should open)."""
    path = settings.published
    if not path.exists():
        raise ConfigError(f"no published warehouse at {path} yet: run `lever-warehouse run` or `make run` first")
    conn = duckdb.connect(str(path), read_only=True)
    conn.execute("SET TimeZone = 'UTC'")
    return conn
