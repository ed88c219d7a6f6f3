"""Sync state beside the raw data: cursors, the run log, per-opportunity child bookkeeping, OAuth state and
rejected records. It lives in the warehouse so it commits in the same transaction as the data it describes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from .duck import SCHEMA, Session, ids_table, ms
from .records import Rejected

STATE_DDL = (
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}._sync_cursors (
        integration_id VARCHAR NOT NULL, stream VARCHAR NOT NULL, value VARCHAR,
        updated_at TIMESTAMPTZ NOT NULL, run_id VARCHAR NOT NULL,
        PRIMARY KEY (integration_id, stream))""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}._sync_runs (
        run_id VARCHAR PRIMARY KEY, integration_id VARCHAR NOT NULL, mode VARCHAR NOT NULL,
        window_start TIMESTAMPTZ, window_end TIMESTAMPTZ,
        started_at TIMESTAMPTZ NOT NULL, ended_at TIMESTAMPTZ, status VARCHAR NOT NULL,
        requests JSON, records JSON, retries INTEGER, errors VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}._opportunity_state (
        integration_id VARCHAR NOT NULL, opportunity_id VARCHAR NOT NULL,
        updated_at_ms BIGINT, last_interaction_at_ms BIGINT, children_synced_at TIMESTAMPTZ,
        children_pass VARCHAR,
        PRIMARY KEY (integration_id, opportunity_id))""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}._oauth_state (
        integration_id VARCHAR PRIMARY KEY, sealed_refresh_token VARCHAR NOT NULL,
        origin_fingerprint VARCHAR NOT NULL, updated_at TIMESTAMPTZ NOT NULL)""",
    # Rows that could not be stored as Lever sent them (records.py): kept with the error and an escaped excerpt,
    # re-tried by later runs, `resolved_at` set once a clean copy is stored. `record_key` is the Lever id, or
    # the excerpt's hash when the row has no usable id.
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}._rejected (
        integration_id VARCHAR NOT NULL, endpoint VARCHAR NOT NULL, record_key VARCHAR NOT NULL,
        lever_id VARCHAR, parent_id VARCHAR, error VARCHAR NOT NULL, excerpt VARCHAR,
        repaired BOOLEAN NOT NULL, first_seen_at TIMESTAMPTZ NOT NULL, last_seen_at TIMESTAMPTZ NOT NULL,
        last_run_id VARCHAR NOT NULL, resolved_at TIMESTAMPTZ,
        PRIMARY KEY (integration_id, endpoint, record_key))""",
)


@dataclass(frozen=True)
class OpportunityState:
    updated_at_ms: int | None
    last_interaction_at_ms: int | None
    children_synced_at: datetime | None
    children_pass: str | None


def _rejection_key(item: Rejected) -> str:
    return item.lever_id or "sha1:" + hashlib.sha1(item.excerpt.encode(errors="replace")).hexdigest()


class SyncState(Session):
    @staticmethod
    def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
        for ddl in STATE_DDL:
            conn.execute(ddl)

    # -- per-opportunity child bookkeeping --------------------------------------------------------------------
    def opportunity_states(self, ids: Sequence[str]) -> dict[str, OpportunityState]:
        rows = self.select(
            f"""SELECT opportunity_id, updated_at_ms, last_interaction_at_ms, children_synced_at, children_pass
                FROM {SCHEMA}._opportunity_state
                WHERE integration_id = $integration AND opportunity_id IN (SELECT id FROM _ids)""",
            _ids=ids,
        )
        return {row[0]: OpportunityState(*row[1:]) for row in rows}

    def opportunity_with_children_pass(self, children_pass: str) -> str | None:
        """One live opportunity whose children were last synced under `children_pass`, if any."""
        rows = self.execute(
            f"""SELECT s.opportunity_id FROM {SCHEMA}._opportunity_state s
                JOIN {SCHEMA}.opportunities o ON o.integration_id = s.integration_id AND o.id = s.opportunity_id
                WHERE s.integration_id = $integration AND s.children_pass = $pass
                  AND o.deleted_at IS NULL AND o.missing_since IS NULL
                ORDER BY s.opportunity_id LIMIT 1""",
            **{"pass": children_pass},
        )
        return rows[0][0] if rows else None

    def save_opportunity_states(
        self, opportunities: Sequence[dict[str, Any]], *, synced_at: datetime, children_pass: str
    ) -> None:
        """Remember what the children were refreshed against: the next run compares the list with this."""
        if not opportunities:
            return
        batch = pa.table(
            {
                "opportunity_id": pa.array([str(o["id"]) for o in opportunities], pa.string()),
                "updated_at_ms": pa.array([ms(o.get("updatedAt")) for o in opportunities], pa.int64()),
                "last_interaction_at_ms": pa.array([ms(o.get("lastInteractionAt")) for o in opportunities], pa.int64()),
            }
        )
        with self.tables(_states=batch):
            self.execute(
                f"""
                INSERT INTO {SCHEMA}._opportunity_state
                SELECT $integration, opportunity_id, updated_at_ms, last_interaction_at_ms, $synced_at, $pass
                FROM _states
                ON CONFLICT (integration_id, opportunity_id) DO UPDATE SET
                    updated_at_ms = excluded.updated_at_ms,
                    last_interaction_at_ms = excluded.last_interaction_at_ms,
                    children_synced_at = excluded.children_synced_at,
                    children_pass = excluded.children_pass
                """,
                synced_at=synced_at,
                **{"pass": children_pass},
            )

    # -- cursors and run log --------------------------------------------------------------------------------
    def cursor(self, stream: str) -> str | None:
        row = self.execute(
            f"SELECT value FROM {SCHEMA}._sync_cursors WHERE integration_id = $integration AND stream = $stream",
            stream=stream,
        )
        return row[0][0] if row else None

    def set_cursor(self, stream: str, value: str | None, *, now: datetime, run_id: str) -> None:
        if value is None:
            self.execute(
                f"DELETE FROM {SCHEMA}._sync_cursors WHERE integration_id = $integration AND stream = $stream",
                stream=stream,
            )
            return
        self.execute(
            f"INSERT OR REPLACE INTO {SCHEMA}._sync_cursors VALUES ($integration, $stream, $value, $now, $run_id)",
            stream=stream,
            value=value,
            now=now,
            run_id=run_id,
        )

    def close_interrupted_runs(self, live: Iterable[str], *, now: datetime) -> int:
        """Runs of this integration still 'running' that no live engine owns died mid-way (killed, crashed).

        DuckDB admits one writing process, so a new run holding the warehouse sees only dead runs and the
        live ones of its own process (`live`). Their committed pages are kept and the new run resumes from
        them; the run log says so instead of showing them running forever.
        """
        with self.tables(_live=pa.table({"run_id": pa.array(sorted(set(live)), pa.string())})):
            count = self.execute(
                f"""UPDATE {SCHEMA}._sync_runs SET status = 'interrupted', errors = $message
                    WHERE integration_id = $integration AND status = 'running'
                      AND run_id NOT IN (SELECT run_id FROM _live)""",
                message=f"the process ended before this run finished (killed or crashed); its committed "
                f"pages were kept and a later run (started {now.isoformat()}) resumed from them",
            )[0][0]
        return int(count)

    def last_completed_start(self) -> datetime | None:
        """Start of the newest run that finished, successful or not (clock sanity compares with it)."""
        row = self.execute(
            f"""SELECT max(started_at) FROM {SCHEMA}._sync_runs
                WHERE integration_id = $integration AND status IN ('succeeded', 'failed')"""
        )
        return row[0][0]

    def start_run(self, run_id: str, mode: str, *, now: datetime, window: tuple[datetime, datetime] | None) -> None:
        self.execute(
            f"""INSERT INTO {SCHEMA}._sync_runs (run_id, integration_id, mode, window_start, window_end,
                started_at, status) VALUES ($run_id, $integration, $mode, $ws, $we, $now, 'running')""",
            run_id=run_id,
            mode=mode,
            ws=window[0] if window else None,
            we=window[1] if window else None,
            now=now,
        )

    def finish_run(
        self,
        run_id: str,
        *,
        status: str,
        now: datetime,
        requests: dict[str, int],
        records: dict[str, int],
        retries: int,
        errors: list[str],
    ) -> None:
        self.conn.execute(
            f"""UPDATE {SCHEMA}._sync_runs SET ended_at = $now, status = $status, requests = $requests,
                records = $records, retries = $retries, errors = $errors WHERE run_id = $run_id""",
            {
                "run_id": run_id,
                "now": now,
                "status": status,
                "requests": json.dumps(requests, sort_keys=True),
                "records": json.dumps(records, sort_keys=True),
                "retries": retries,
                "errors": "\n".join(errors) or None,
            },
        )

    # -- rejected records -----------------------------------------------------------------------------------
    def record_rejected(self, items: Sequence[Rejected], *, now: datetime, run_id: str) -> None:
        if not items:
            return
        unique = {(i.endpoint, _rejection_key(i)): i for i in items}
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

    # -- OAuth ----------------------------------------------------------------------------------------------
    def oauth_state(self) -> tuple[str, str] | None:
        """(sealed refresh token, fingerprint of the configured token it descends from), if any."""
        row = self.execute(
            f"""SELECT sealed_refresh_token, origin_fingerprint FROM {SCHEMA}._oauth_state
                WHERE integration_id = $integration"""
        )
        return (row[0][0], row[0][1]) if row else None

    def save_oauth_state(self, sealed: str, fingerprint: str, *, now: datetime) -> None:
        self.execute(
            f"INSERT OR REPLACE INTO {SCHEMA}._oauth_state VALUES ($integration, $sealed, $fingerprint, $now)",
            sealed=sealed,
            fingerprint=fingerprint,
            now=now,
        )
