"""Raw landing in DuckDB schema `lever_raw`: verbatim payloads, deletion markers, cursors and the run log."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import duckdb
import pyarrow as pa

from .clock import from_ms
from .endpoints import BY_NAME, ENDPOINTS, children_of

SCHEMA = "lever_raw"

# What a write is a complete listing of: the whole table (an account-wide list), the children of these
# parents, or nothing beyond its own records.
Scope = Collection[str] | Literal["table"] | None

_ENTITY_DDL = """
CREATE TABLE IF NOT EXISTS {schema}.{table} (
    integration_id VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    parent_id VARCHAR,
    payload JSON,
    payload_hash VARCHAR,
    source_updated_at TIMESTAMPTZ,
    extracted_at TIMESTAMPTZ NOT NULL,
    sync_run_id VARCHAR NOT NULL,
    deleted_at TIMESTAMPTZ,
    missing_since TIMESTAMPTZ,
    purged_at TIMESTAMPTZ,
    _seq BIGINT NOT NULL,
    list_position INTEGER,
    lookup_status VARCHAR,
    referenced_by VARCHAR,
    PRIMARY KEY (integration_id, id)
)
"""

# Rows no list returned, read by id because another record references them (`lever/references.py`):
# 'found' (Lever answered the GET by id) or 'not_found' (404: a tombstone with a NULL payload and `deleted_at`
# at the first 404); `referenced_by` names the first reference seen (e.g. 'applications.posting'). NULL for
# every row a list returned. Added in place to warehouses made before them.
_LOOKUP_COLUMNS = (("lookup_status", "VARCHAR"), ("referenced_by", "VARCHAR"))

_STATE_DDL = (
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
class RawRecord:
    id: str
    payload: dict[str, Any]
    parent_id: str | None = None
    updated_ms: int | None = None
    # Index in a complete account-wide listing: Lever's order carries meaning (/stages is the pipeline).
    position: int | None = None


@dataclass(frozen=True)
class OpportunityState:
    updated_at_ms: int | None
    last_interaction_at_ms: int | None
    children_synced_at: datetime | None
    children_pass: str | None


def canonical_json(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(payload: Any) -> str:
    # Sorted keys: Lever reordering fields is not a change.
    return hashlib.md5(canonical_json(payload).encode(), usedforsecurity=False).hexdigest()


def _ids(values: Iterable[str]) -> pa.Table:
    return pa.table({"id": pa.array(sorted(set(values)), pa.string())})


def _ms(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


# How a kept payload field becomes its column (`Endpoint.columns`): from a record in Python, and from a stored
# payload in SQL when a warehouse made before the column gains it.
_KEPT: dict[str, tuple[Any, pa.DataType, str]] = {
    "BIGINT": (_ms, pa.int64(), "CASE WHEN json_type(payload, '$.{field}') IN ('BIGINT', 'UBIGINT', 'DOUBLE') "
                                "THEN json_extract(payload, '$.{field}')::DOUBLE::BIGINT END"),
    "BOOLEAN": (_flag, pa.bool_(), "CASE WHEN json_type(payload, '$.{field}') = 'BOOLEAN' "
                                   "THEN json_extract(payload, '$.{field}')::BOOLEAN END"),
}  # fmt: skip


def _add_kept_column(conn: duckdb.DuckDBPyConnection, table: str, column: str, field: str, kind: str) -> None:
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = ?",
        [SCHEMA, table, column],
    ).fetchall()[0][0]
    if exists:
        return
    # One transaction: a column left unfilled would read as "not anonymized" and "no createdAt" for good.
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(f"ALTER TABLE {SCHEMA}.{table} ADD COLUMN {column} {kind}")
        conn.execute(f"UPDATE {SCHEMA}.{table} SET {column} = {_KEPT[kind][2].format(field=field)}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class RawStore:
    """All writes of one sync go through one connection; callers group them in `transaction()`."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, integration_id: str) -> None:
        self.conn = conn
        self.integration_id = integration_id

    @contextmanager
    def _tables(self, **tables: pa.Table) -> Iterator[None]:
        """Arrow tables visible to SQL under the given names for the duration of the block."""
        for name, table in tables.items():
            self.conn.register(name, table)
        try:
            yield
        finally:
            for name in tables:
                # An aborted transaction refuses it, and the error that aborted it is the one to report.
                with contextlib.suppress(duckdb.Error):
                    self.conn.unregister(name)

    def _select(self, sql: str, **ids: Iterable[str]) -> list[tuple[Any, ...]]:
        """Run `sql` with each id list readable as a one-column (`id`) table and the integration as `$integration`."""
        with self._tables(**{name: _ids(values) for name, values in ids.items()}):
            return self.conn.execute(sql, {"integration": self.integration_id}).fetchall()

    # -- schema ---------------------------------------------------------------------------------------------
    @staticmethod
    def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {SCHEMA}._load_seq")
        for endpoint in ENDPOINTS:
            conn.execute(_ENTITY_DDL.format(schema=SCHEMA, table=endpoint.name))
            for column, kind in _LOOKUP_COLUMNS:
                conn.execute(f"ALTER TABLE {SCHEMA}.{endpoint.name} ADD COLUMN IF NOT EXISTS {column} {kind}")
            for column, field, kind in endpoint.columns:
                _add_kept_column(conn, endpoint.name, column, field, kind)
        for ddl in _STATE_DDL:
            conn.execute(ddl)

    @contextmanager
    def transaction(self) -> Iterator[int]:
        """One atomic unit; yields the load sequence number every row written in it carries."""
        self.conn.execute("BEGIN TRANSACTION")
        try:
            seq = self.conn.execute(f"SELECT nextval('{SCHEMA}._load_seq')").fetchall()[0][0]
            yield int(seq)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- records --------------------------------------------------------------------------------------------
    def upsert(self, table: str, records: Sequence[RawRecord], *, run_id: str, now: datetime, seq: int) -> int:
        """Insert new records, replace changed ones, leave identical ones untouched (replay changes nothing).

        Seeing a record in a list proves it exists, so any deletion marker on it is cleared.
        Returns the number of rows inserted or changed.
        """
        return self.write_listing(table, records, run_id=run_id, now=now, seq=seq, scope=None)[0]

    def write_listing(
        self,
        table: str,
        records: Sequence[RawRecord],
        *,
        run_id: str,
        now: datetime,
        seq: int,
        scope: Scope,
    ) -> tuple[int, int]:
        """Upsert `records`, a complete listing of `scope`, and mark the stored rows it no longer holds missing.

        Returns (rows inserted or changed, rows newly missing).
        """
        unique: dict[str, RawRecord] = {}
        for record in records:  # the same id twice in one batch (a page overlap): the later copy wins
            unique[record.id] = record
        if scope is None and not unique:
            return 0, 0
        if scope is None:
            parents, by_id, where = [], list(unique), "id IN (SELECT id FROM _ids)"
        elif scope == "table":
            parents, by_id, where = [], [], "TRUE"
        else:
            # Children are stored under the parent that lists them, so reading by parent finds them; only a
            # record listed under a parent outside the scope needs a lookup by id.
            parents = list(scope)
            inside = set(parents)
            by_id = [key for key, r in unique.items() if r.parent_id not in inside]
            where = "parent_id IN (SELECT id FROM _parents)" + (" OR id IN (SELECT id FROM _ids)" if by_id else "")
        # One read of the stored rows answers both questions. Most of a delta's rows are unchanged, and
        # DuckDB's ON CONFLICT costs as much for a row it leaves alone as for one it rewrites; a record the
        # read missed is written through ON CONFLICT, which is right, only slower.
        stored = self._select(
            f"""SELECT id, payload_hash, parent_id, list_position, deleted_at IS NULL AND missing_since IS NULL
                FROM {SCHEMA}.{table} WHERE integration_id = $integration AND ({where})""",
            _ids=by_id,
            _parents=parents,
        )
        live = {row[0]: tuple(row[1:4]) for row in stored if row[4]}
        hashes = {key: payload_hash(r.payload) for key, r in unique.items()}
        changed = [r for key, r in unique.items() if live.get(key) != (hashes[key], r.parent_id, r.position)]
        self._insert(table, changed, hashes, run_id=run_id, now=now, seq=seq)
        gone = [key for key in live if key not in unique] if scope is not None else []
        return len(changed), self._set_missing(table, gone, now=now, seq=seq, run_id=run_id)

    def _insert(
        self, table: str, rows: list[RawRecord], hashes: dict[str, str], *, run_id: str, now: datetime, seq: int
    ) -> None:
        if not rows:
            return
        kept = BY_NAME[table].columns
        arrays = {
            "integration_id": pa.array([self.integration_id] * len(rows), pa.string()),
            "id": pa.array([r.id for r in rows], pa.string()),
            "parent_id": pa.array([r.parent_id for r in rows], pa.string()),
            "payload": pa.array([json.dumps(r.payload, ensure_ascii=False) for r in rows], pa.string()),
            "payload_hash": pa.array([hashes[r.id] for r in rows], pa.string()),
            "source_updated_at": pa.array([from_ms(r.updated_ms) for r in rows], pa.timestamp("us", tz="UTC")),
            "list_position": pa.array([r.position for r in rows], pa.int32()),
        }
        for column, field, kind in kept:
            convert, arrow_type, _ = _KEPT[kind]
            arrays[column] = pa.array([convert(r.payload.get(field)) for r in rows], arrow_type)
        extra = "".join(f", {column}" for column, _, _ in kept)
        extra_set = "".join(f", {column} = excluded.{column}" for column, _, _ in kept)
        with self._tables(_raw_batch=pa.table(arrays)):
            self.conn.execute(
                f"""
                INSERT INTO {SCHEMA}.{table} (integration_id, id, parent_id, payload, payload_hash, source_updated_at,
                    extracted_at, sync_run_id, deleted_at, missing_since, purged_at, _seq, list_position{extra})
                SELECT integration_id, id, parent_id, payload::JSON, payload_hash, source_updated_at,
                       $now, $run_id, NULL, NULL, NULL, $seq, list_position{extra}
                FROM _raw_batch
                ON CONFLICT (integration_id, id) DO UPDATE SET
                    parent_id = excluded.parent_id, payload = excluded.payload,
                    payload_hash = excluded.payload_hash, source_updated_at = excluded.source_updated_at,
                    extracted_at = excluded.extracted_at, sync_run_id = excluded.sync_run_id,
                    deleted_at = NULL, missing_since = NULL, purged_at = NULL, _seq = excluded._seq,
                    list_position = excluded.list_position, lookup_status = NULL, referenced_by = NULL{extra_set}
                """,
                {"now": now, "run_id": run_id, "seq": seq},
            ).fetchall()

    def mark_missing(
        self,
        table: str,
        seen_ids: Iterable[str],
        *,
        now: datetime,
        seq: int,
        run_id: str,
        parent_ids: Iterable[str] | None = None,
    ) -> int:
        """Rows no longer returned by a complete listing get `missing_since` (first time only).

        `parent_ids` narrows the listing's scope to the children of those parents (a per-opportunity list).
        """
        scope = "" if parent_ids is None else "AND parent_id IN (SELECT id FROM _parents)"
        gone = self._select(
            f"""SELECT id FROM {SCHEMA}.{table}
                WHERE integration_id = $integration AND missing_since IS NULL AND deleted_at IS NULL
                  AND id NOT IN (SELECT id FROM _seen) {scope}""",
            _seen=seen_ids,
            _parents=parent_ids or [],
        )
        return self._set_missing(table, [row[0] for row in gone], now=now, seq=seq, run_id=run_id)

    def _set_missing(self, table: str, ids: list[str], *, now: datetime, seq: int, run_id: str) -> int:
        if not ids:
            return 0
        with self._tables(_gone=_ids(ids)):
            count = self.conn.execute(
                f"""
                UPDATE {SCHEMA}.{table} SET missing_since = $now, _seq = $seq, sync_run_id = $run_id
                WHERE integration_id = $integration AND missing_since IS NULL AND deleted_at IS NULL
                  AND id IN (SELECT id FROM _gone)
                """,
                {"now": now, "seq": seq, "run_id": run_id, "integration": self.integration_id},
            ).fetchall()[0][0]
        return int(count)

    def mark_deleted(self, table: str, tombstones: Sequence[tuple[str, datetime]], *, seq: int, run_id: str) -> int:
        """Apply a deleted feed to the table it covers; the earliest known deletion time wins."""
        if not tombstones:
            return 0
        batch = pa.table(
            {
                "id": pa.array([t[0] for t in tombstones], pa.string()),
                "deleted_at": pa.array([t[1] for t in tombstones], pa.timestamp("us", tz="UTC")),
            }
        )
        with self._tables(_tombstones=batch):
            count = self.conn.execute(
                f"""
                UPDATE {SCHEMA}.{table} AS t SET deleted_at = d.deleted_at, _seq = $seq, sync_run_id = $run_id
                FROM (SELECT id, min(deleted_at) AS deleted_at FROM _tombstones GROUP BY id) AS d
                WHERE t.integration_id = $integration AND t.id = d.id
                  AND t.deleted_at IS DISTINCT FROM d.deleted_at
                """,
                {"seq": seq, "run_id": run_id, "integration": self.integration_id},
            ).fetchall()[0][0]
        return int(count)

    def cascade_to_children(self, parent_table: str, *, seq: int, run_id: str) -> int:
        """Children of a deleted or missing parent are gone with it (Lever lists them nowhere else)."""
        total = 0
        for child in children_of(parent_table):
            total += self.conn.execute(
                f"""
                UPDATE {SCHEMA}.{child.name} AS c
                SET missing_since = coalesce(p.deleted_at, p.missing_since), _seq = $seq, sync_run_id = $run_id
                FROM {SCHEMA}.{parent_table} AS p
                WHERE c.integration_id = $integration AND p.integration_id = $integration
                  AND c.parent_id = p.id AND c.missing_since IS NULL AND c.deleted_at IS NULL
                  AND (p.deleted_at IS NOT NULL OR p.missing_since IS NOT NULL)
                """,
                {"seq": seq, "run_id": run_id, "integration": self.integration_id},
            ).fetchall()[0][0]
        return int(total)

    def stored_hashes(self, table: str, ids: Sequence[str]) -> dict[str, tuple[str | None, bool]]:
        """id -> (payload hash, currently marked gone) for the given ids."""
        rows = self._select(
            f"""SELECT id, payload_hash, (deleted_at IS NOT NULL OR missing_since IS NOT NULL)
                FROM {SCHEMA}.{table} WHERE integration_id = $integration AND id IN (SELECT id FROM _ids)""",
            _ids=ids,
        )
        return {row[0]: (row[1], bool(row[2])) for row in rows}

    def live_ids(self, table: str) -> list[str]:
        rows = self.conn.execute(
            f"""SELECT id FROM {SCHEMA}.{table} WHERE integration_id = $integration
                AND deleted_at IS NULL AND missing_since IS NULL""",
            {"integration": self.integration_id},
        ).fetchall()
        return [row[0] for row in rows]

    # -- per-opportunity child bookkeeping --------------------------------------------------------------------
    def opportunity_states(self, ids: Sequence[str]) -> dict[str, OpportunityState]:
        rows = self._select(
            f"""SELECT opportunity_id, updated_at_ms, last_interaction_at_ms, children_synced_at, children_pass
                FROM {SCHEMA}._opportunity_state
                WHERE integration_id = $integration AND opportunity_id IN (SELECT id FROM _ids)""",
            _ids=ids,
        )
        return {row[0]: OpportunityState(*row[1:]) for row in rows}

    def opportunity_created_bounds(self, parts: int) -> tuple[int, list[int]]:
        """(live opportunities, `createdAt` values cutting them into `parts` equal ranges); no cuts if any live
        opportunity lacks a `createdAt` (a `created_at` filter could not be trusted to return it)."""
        fractions = [i / parts for i in range(1, parts)]
        total, undated, cuts = self.conn.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE created IS NULL),
                       CASE WHEN len($fractions) > 0 THEN quantile_disc(created, $fractions) END
                FROM (SELECT created_at_ms AS created FROM {SCHEMA}.opportunities
                      WHERE integration_id = $integration AND deleted_at IS NULL AND missing_since IS NULL)""",
            {"integration": self.integration_id, "fractions": fractions},
        ).fetchall()[0]
        return int(total), ([] if undated or not cuts else sorted({int(c) for c in cuts if c is not None}))

    def opportunity_with_children_pass(self, children_pass: str) -> str | None:
        """One live opportunity whose children were last synced under `children_pass`, if any."""
        rows = self.conn.execute(
            f"""SELECT s.opportunity_id FROM {SCHEMA}._opportunity_state s
                JOIN {SCHEMA}.opportunities o ON o.integration_id = s.integration_id AND o.id = s.opportunity_id
                WHERE s.integration_id = $integration AND s.children_pass = $pass
                  AND o.deleted_at IS NULL AND o.missing_since IS NULL
                ORDER BY s.opportunity_id LIMIT 1""",
            {"integration": self.integration_id, "pass": children_pass},
        ).fetchall()
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
                "updated_at_ms": pa.array([_ms(o.get("updatedAt")) for o in opportunities], pa.int64()),
                "last_interaction_at_ms": pa.array(
                    [_ms(o.get("lastInteractionAt")) for o in opportunities], pa.int64()
                ),
            }
        )
        with self._tables(_states=batch):
            self.conn.execute(
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
                {"integration": self.integration_id, "synced_at": synced_at, "pass": children_pass},
            )

    # -- cursors and run log --------------------------------------------------------------------------------
    def cursor(self, stream: str) -> str | None:
        row = self.conn.execute(
            f"SELECT value FROM {SCHEMA}._sync_cursors WHERE integration_id = $integration AND stream = $stream",
            {"integration": self.integration_id, "stream": stream},
        ).fetchall()
        return row[0][0] if row else None

    def set_cursor(self, stream: str, value: str | None, *, now: datetime, run_id: str) -> None:
        if value is None:
            self.conn.execute(
                f"DELETE FROM {SCHEMA}._sync_cursors WHERE integration_id = $integration AND stream = $stream",
                {"integration": self.integration_id, "stream": stream},
            )
            return
        self.conn.execute(
            f"""INSERT OR REPLACE INTO {SCHEMA}._sync_cursors VALUES ($integration, $stream, $value, $now, $run_id)""",
            {"integration": self.integration_id, "stream": stream, "value": value, "now": now, "run_id": run_id},
        )

    def close_interrupted_runs(self, live: Iterable[str], *, now: datetime) -> int:
        """Runs of this integration still 'running' that no live engine owns died mid-way (killed, crashed).

        DuckDB admits one writing process, so a new run holding the warehouse sees only dead runs and the
        live ones of its own process (`live`). Their committed pages are kept and the new run resumes from
        them; the run log says so instead of showing them running forever.
        """
        with self._tables(_live=pa.table({"run_id": pa.array(sorted(set(live)), pa.string())})):
            count = self.conn.execute(
                f"""UPDATE {SCHEMA}._sync_runs SET status = 'interrupted', errors = $message
                    WHERE integration_id = $integration AND status = 'running'
                      AND run_id NOT IN (SELECT run_id FROM _live)""",
                {
                    "integration": self.integration_id,
                    "message": f"the process ended before this run finished (killed or crashed); its committed "
                    f"pages were kept and a later run (started {now.isoformat()}) resumed from them",
                },
            ).fetchall()[0][0]
        return int(count)

    def start_run(self, run_id: str, mode: str, *, now: datetime, window: tuple[datetime, datetime] | None) -> None:
        self.conn.execute(
            f"""INSERT INTO {SCHEMA}._sync_runs (run_id, integration_id, mode, window_start, window_end,
                started_at, status) VALUES ($run_id, $integration, $mode, $ws, $we, $now, 'running')""",
            {
                "run_id": run_id,
                "integration": self.integration_id,
                "mode": mode,
                "ws": window[0] if window else None,
                "we": window[1] if window else None,
                "now": now,
            },
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
        row = self.conn.execute(
            f"SELECT sealed_refresh_token, origin_fingerprint FROM {SCHEMA}._oauth_state WHERE integration_id = $i",
            {"i": self.integration_id},
        ).fetchall()
        return (row[0][0], row[0][1]) if row else None

    def save_oauth_state(self, sealed: str, fingerprint: str, *, now: datetime) -> None:
        self.conn.execute(
            f"INSERT OR REPLACE INTO {SCHEMA}._oauth_state VALUES ($i, $sealed, $fingerprint, $now)",
            {"i": self.integration_id, "sealed": sealed, "fingerprint": fingerprint, "now": now},
        )
