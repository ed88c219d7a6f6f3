"""Rows that could not be stored as Lever sent them (`records.py`), kept in `lever_raw._rejected` with the error
and an escaped excerpt, re-tried by later runs and resolved once a clean copy arrives."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

import duckdb
import pyarrow as pa

from .duck import SCHEMA, Session, ids_table
from .records import Rejected

# `record_key` is the Lever id, or the excerpt's hash when the row has no usable id.
DDL = f"""CREATE TABLE IF NOT EXISTS {SCHEMA}._rejected (
    integration_id VARCHAR NOT NULL, endpoint VARCHAR NOT NULL, record_key VARCHAR NOT NULL,
    lever_id VARCHAR, parent_id VARCHAR, error VARCHAR NOT NULL, excerpt VARCHAR,
    repaired BOOLEAN NOT NULL, first_seen_at TIMESTAMPTZ NOT NULL, last_seen_at TIMESTAMPTZ NOT NULL,
    last_run_id VARCHAR NOT NULL, resolved_at TIMESTAMPTZ,
    PRIMARY KEY (integration_id, endpoint, record_key))"""


def _key(item: Rejected) -> str:
    return item.lever_id or "sha1:" + hashlib.sha1(item.excerpt.encode(errors="replace")).hexdigest()


class Rejections(Session):
    @staticmethod
    def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
        conn.execute(DDL)

    def record_rejected(self, items: Sequence[Rejected], *, now: datetime, run_id: str) -> None:
        if not items:
            return
        unique = {(i.endpoint, _key(i)): i for i in items}
        batch = pa.table(
            {
                "endpoint": pa.array([k[0] for k in unique], pa.string()),
                "record_key": pa.array([k[1] for k in unique], pa.string()),
                "lever_id": pa.array([i.lever_id for i in unique.values()], pa.string()),
                "parent_id": pa.array([i.parent_id for i in unique.values()], pa.string()),
                "error": pa.array([i.error for i in unique.values()], pa.string()),
                "excerpt": pa.array([i.excerpt for i in unique.values()], pa.string()),
                "repaired": pa.array([i.repaired for i in unique.values()], pa.bool_()),
            }
        )
        with self.tables(_rejected_batch=batch):
            self.execute(
                f"""
                INSERT INTO {SCHEMA}._rejected
                SELECT $integration, endpoint, record_key, lever_id, parent_id, error, excerpt, repaired,
                       $now, $now, $run_id, NULL
                FROM _rejected_batch
                ON CONFLICT (integration_id, endpoint, record_key) DO UPDATE SET
                    lever_id = excluded.lever_id, parent_id = excluded.parent_id, error = excluded.error,
                    excerpt = excluded.excerpt, repaired = excluded.repaired, last_seen_at = excluded.last_seen_at,
                    last_run_id = excluded.last_run_id, resolved_at = NULL
                """,
                now=now,
                run_id=run_id,
            )

    def resolve_rejected(self, endpoint: str, clean_ids: Iterable[str], *, now: datetime, run_id: str) -> int:
        """Open rejections of records that arrived clean this time (stored as sent) are resolved."""
        with self.tables(_stored=ids_table(clean_ids)):
            return int(
                self.execute(
                    f"""UPDATE {SCHEMA}._rejected SET resolved_at = $now, last_run_id = $run_id
                        WHERE integration_id = $integration AND endpoint = $endpoint AND resolved_at IS NULL
                          AND lever_id IN (SELECT id FROM _stored)""",
                    now=now,
                    run_id=run_id,
                    endpoint=endpoint,
                )[0][0]
            )

    def open_rejections(self) -> dict[str, int]:
        """Unresolved rejections per endpoint (repaired ones included: their original is still unstored)."""
        rows = self.execute(
            f"""SELECT endpoint, count(*) FROM {SCHEMA}._rejected
                WHERE integration_id = $integration AND resolved_at IS NULL GROUP BY 1"""
        )
        return {row[0]: int(row[1]) for row in rows}
