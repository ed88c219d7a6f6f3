"""The webhook queue: verified deliveries in a small SQLite file beside the warehouse, durable before Lever
hears 200, and never behind the warehouse's writer lock (a sync may hold DuckDB for an hour).

SQLite in WAL mode with `synchronous=FULL` fsyncs every commit, and a commit is atomic: a receiver killed
mid-append leaves the row either whole or absent, never half, and Lever (which got no 200) delivers again.
Events move pending -> claimed (by one drain, for a lease) -> acknowledged (after the sync that read them
committed) -> built (the unified schema has them). A drain that dies leaves its claim to expire, and the
events are drained again: delivered at least once, and a re-read of an opportunity changes nothing twice.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .delivery import Delivery

_DDL = (
    """CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        integration_id TEXT NOT NULL,
        event TEXT NOT NULL,
        triggered_at_ms INTEGER NOT NULL,  -- Lever's clock
        received_at_ms INTEGER NOT NULL,   -- ours, as are the three below
        opportunity_id TEXT,
        contact_id TEXT,
        token TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        claimed_by TEXT,
        claimed_at_ms INTEGER,
        acked_at_ms INTEGER,
        acked_by TEXT,
        built_at_ms INTEGER,
        UNIQUE (integration_id, token),
        UNIQUE (integration_id, fingerprint))""",
    "CREATE INDEX IF NOT EXISTS events_pending ON events (integration_id, acked_at_ms, seq)",
    "CREATE INDEX IF NOT EXISTS events_acked_by ON events (acked_by)",
)
_COLUMNS = "seq, integration_id, event, triggered_at_ms, received_at_ms, opportunity_id, contact_id"


@dataclass(frozen=True)
class QueuedEvent:
    seq: int
    integration_id: str
    event: str
    triggered_at_ms: int
    received_at_ms: int
    opportunity_id: str | None
    contact_id: str | None


@dataclass(frozen=True)
class Built:
    """An event that reached the unified schema: its latencies from Lever's `triggeredAt`, in milliseconds."""

    integration_id: str
    event: str
    to_raw_ms: int
    to_ats_ms: int
    built_at_ms: int


class WebhookQueue:
    """One SQLite file shared by the receiver (appends) and the drains (claim, acknowledge); safe across
    threads and processes."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 30.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")  # fsync on every commit: queued means on disk
        with self._write():
            for ddl in _DDL:
                self._conn.execute(ddl)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, taking SQLite's write lock at once (no upgrade deadlock between processes)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # -- the receiver -------------------------------------------------------------------------------------
    def append(self, integration_id: str, delivery: Delivery, *, received_at_ms: int) -> bool:
        """Store a verified delivery, durably; False if it is a replay or a duplicate (same token, or the same
        event, instant and data), which is stored nothing."""
        with self._write() as conn:
            cursor = conn.execute(
                """INSERT OR IGNORE INTO events (integration_id, event, triggered_at_ms, received_at_ms,
                       opportunity_id, contact_id, token, fingerprint)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    integration_id,
                    delivery.event,
                    delivery.triggered_at_ms,
                    received_at_ms,
                    delivery.opportunity_id,
                    delivery.contact_id,
                    delivery.token,
                    delivery.fingerprint,
                ),
            )
            return cursor.rowcount == 1

    # -- the drain ----------------------------------------------------------------------------------------
    def claim(self, integration_id: str, owner: str, *, now_ms: int, lease_ms: int) -> list[QueuedEvent]:
        """Take every pending event of an integration that no live claim holds; a claim older than `lease_ms`
        belongs to a drain that died, and its events are taken again."""
        with self._write() as conn:
            rows = conn.execute(
                f"""UPDATE events SET claimed_by = ?, claimed_at_ms = ?
                    WHERE integration_id = ? AND acked_at_ms IS NULL
                      AND (claimed_at_ms IS NULL OR claimed_at_ms <= ?)
                    RETURNING {_COLUMNS}""",
                (owner, now_ms, integration_id, now_ms - lease_ms),
            ).fetchall()
        return sorted((QueuedEvent(*row) for row in rows), key=lambda e: e.seq)

    def ack(self, seqs: Sequence[int], owner: str, *, now_ms: int) -> int:
        """The sync that read these events committed: they are done (called only after that commit)."""
        with self._write() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS _seqs (seq INTEGER PRIMARY KEY)")
            conn.execute("DELETE FROM _seqs")
            conn.executemany("INSERT OR IGNORE INTO _seqs VALUES (?)", [(s,) for s in seqs])
            return conn.execute(
                """UPDATE events SET acked_at_ms = ?, acked_by = ?
                   WHERE acked_at_ms IS NULL AND seq IN (SELECT seq FROM _seqs)""",
                (now_ms, owner),
            ).rowcount

    def release(self, owner: str) -> int:
        """Give back a failed drain's claim at once (instead of after the lease)."""
        with self._write() as conn:
            return conn.execute(
                """UPDATE events SET claimed_by = NULL, claimed_at_ms = NULL
                   WHERE claimed_by = ? AND acked_at_ms IS NULL""",
                (owner,),
            ).rowcount

    def mark_built(self, *, acked_before_ms: int, now_ms: int, owners: Sequence[str] = ()) -> int:
        """A build of the unified schema that started at `acked_before_ms` has finished: every event acknowledged
        before that (its sync committed first) is in `ats`, and so are the events of `owners` (the drains whose
        own build this was)."""
        with self._write() as conn:
            marked = conn.execute(
                "UPDATE events SET built_at_ms = ? WHERE built_at_ms IS NULL AND acked_at_ms <= ?",
                (now_ms, acked_before_ms),
            ).rowcount
            for owner in owners:
                marked += conn.execute(
                    "UPDATE events SET built_at_ms = ? WHERE built_at_ms IS NULL AND acked_by = ?", (now_ms, owner)
                ).rowcount
            return marked

    def prune(self, *, before_ms: int) -> int:
        """Forget acknowledged events triggered before `before_ms`. Pass an instant older than the receiver's
        age window: a replay of a forgotten token is then refused as stale instead."""
        with self._write() as conn:
            return conn.execute(
                "DELETE FROM events WHERE acked_at_ms IS NOT NULL AND triggered_at_ms < ?", (before_ms,)
            ).rowcount

    # -- what operators and Dagster see ------------------------------------------------------------------
    def depth(self) -> dict[str, int]:
        """Events waiting for a sync, per integration (claimed ones included)."""
        rows = self._read("SELECT integration_id, count(*) FROM events WHERE acked_at_ms IS NULL GROUP BY 1")
        return dict(rows)

    def claimable(self, now_ms: int, lease_ms: int) -> dict[str, int]:
        """Per integration with pending events: how many no live claim holds (what a new drain would take)."""
        rows = self._read(
            """SELECT integration_id, count(*) FILTER (WHERE claimed_at_ms IS NULL OR claimed_at_ms <= ?)
               FROM events WHERE acked_at_ms IS NULL GROUP BY 1""",
            (now_ms - lease_ms,),
        )
        return dict(rows)

    def claim_owners(self) -> set[str]:
        """Every drain that has claimed events still stored (acknowledged ones included)."""
        return {row[0] for row in self._read("SELECT DISTINCT claimed_by FROM events WHERE claimed_by IS NOT NULL")}

    def oldest_pending_ms(self, integration_id: str) -> int | None:
        rows = self._read(
            "SELECT min(triggered_at_ms) FROM events WHERE integration_id = ? AND acked_at_ms IS NULL",
            (integration_id,),
        )
        return rows[0][0]

    def unbuilt_owners(self) -> list[str]:
        """Drains whose events are in `lever_raw` and not yet known to be in `ats`."""
        rows = self._read(
            "SELECT DISTINCT acked_by FROM events WHERE acked_at_ms IS NOT NULL AND built_at_ms IS NULL ORDER BY 1"
        )
        return [row[0] for row in rows]

    def built_since(self, since_ms: int) -> list[Built]:
        rows = self._read(
            """SELECT integration_id, event, acked_at_ms - triggered_at_ms, built_at_ms - triggered_at_ms, built_at_ms
               FROM events WHERE built_at_ms >= ? ORDER BY seq""",
            (since_ms,),
        )
        return [Built(*row) for row in rows]

    def events(self, integration_id: str | None = None) -> list[QueuedEvent]:
        """Every stored event (tests, benchmarks)."""
        where, params = ("WHERE integration_id = ?", (integration_id,)) if integration_id else ("", ())
        return [QueuedEvent(*row) for row in self._read(f"SELECT {_COLUMNS} FROM events {where} ORDER BY seq", params)]
