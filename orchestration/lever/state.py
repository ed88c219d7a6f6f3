"""Sync state beside the raw data: cursors, the run log, per-opportunity child bookkeeping and OAuth state.
It lives in the warehouse so it commits in the same transaction as the data it describes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from .duck import SCHEMA, Session, ms
from .rejections import Rejections

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
)


@dataclass(frozen=True)
class OpportunityState:
    updated_at_ms: int | None
    last_interaction_at_ms: int | None
    children_synced_at: datetime | None
    children_pass: str | None


class SyncState(Session):
    @staticmethod
    def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
        for ddl in STATE_DDL:
            conn.execute(ddl)
        Rejections.ensure_schema(conn)

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
        self, opportunities: Sequence[dict[str, Any]], *, synced_at: datetime | None, children_pass: str
    ) -> None:
        """Remember what the children were refreshed against: the next run compares the list with this.
        `synced_at` None: not read at all (left to the backlog)."""
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
                SELECT $integration, opportunity_id, updated_at_ms, last_interaction_at_ms,
                       $synced_at::TIMESTAMPTZ, $pass
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

    # -- the children backlog and rolling verification (`verify.py`) ---------------------------------------------
    def children_due(self, pending: str, verified_before: datetime, limit: int) -> list[tuple[Any, ...]]:
        """Live opportunities whose children should be read now, most urgent first: never read (`pending`), open
        before archived, newest first; then those read longest ago, if before `verified_before`.
        Rows: (id, createdAt ms, lastInteractionAt ms, updatedAt ms, application types)."""
        if limit <= 0:
            return []
        return self.execute(
            f"""
            WITH due AS (
                SELECT o.id, o.created_at_ms, o.last_interaction_at_ms, o.updated_at_ms,
                       row_number() OVER (ORDER BY s.children_pass = $pending DESC,
                           CASE WHEN s.children_pass = $pending THEN o.archived_at_ms IS NOT NULL END,
                           CASE WHEN s.children_pass = $pending THEN -o.created_at_ms END,
                           s.children_synced_at, o.id) AS rank
                FROM {SCHEMA}.opportunities o
                JOIN {SCHEMA}._opportunity_state s
                  ON s.integration_id = o.integration_id AND s.opportunity_id = o.id
                WHERE o.integration_id = $integration AND o.deleted_at IS NULL AND o.missing_since IS NULL
                  AND (s.children_pass = $pending OR s.children_synced_at < $before)
                QUALIFY rank <= $limit
            )
            SELECT due.id, any_value(due.created_at_ms), any_value(due.last_interaction_at_ms),
                   any_value(due.updated_at_ms),
                   list_distinct(list(a.application_type) FILTER (WHERE a.application_type IS NOT NULL))
            FROM due LEFT JOIN {SCHEMA}.applications a
              ON a.integration_id = $integration AND a.parent_id = due.id
             AND a.deleted_at IS NULL AND a.missing_since IS NULL
            GROUP BY due.id, due.rank
            ORDER BY due.rank
            """,
            pending=pending,
            before=verified_before,
            limit=limit,
        )

    def children_coverage(self, pending: str) -> tuple[int, int, datetime | None]:
        """(live opportunities, of which never read, oldest read time among the others)."""
        total, waiting, oldest = self.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE s.children_pass = $pending OR s.opportunity_id IS NULL),
                       min(s.children_synced_at)
                FROM {SCHEMA}.opportunities o
                LEFT JOIN {SCHEMA}._opportunity_state s
                  ON s.integration_id = o.integration_id AND s.opportunity_id = o.id
                WHERE o.integration_id = $integration AND o.deleted_at IS NULL AND o.missing_since IS NULL""",
            pending=pending,
        )[0]
        return int(total), int(waiting), oldest

    def requests_since(self, since: datetime) -> int:
        """Lever requests of this integration's runs started since `since` (the daily budget counts them)."""
        rows = self.execute(
            f"""SELECT requests FROM {SCHEMA}._sync_runs
                WHERE integration_id = $integration AND started_at >= $since AND requests IS NOT NULL""",
            since=since,
        )
        return sum(sum(json.loads(row[0]).values()) for row in rows)

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
