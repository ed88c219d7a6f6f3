"""Raw records in DuckDB schema `lever_raw`: one table per endpoint, verbatim payloads and deletion markers.

A little over 300 lines on purpose: the table layout, the write of a page and the markers it sets read the same
columns, and keeping them together is what lets a reader check that every write path sets every marker."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

import duckdb
import pyarrow as pa

from .clock import from_ms
from .duck import SCHEMA, Session, ids_table, ms
from .endpoints import BY_NAME, ENDPOINTS, children_of
from .records import RawRecord
from .state import SyncState

__all__ = ["SCHEMA", "RawRecord", "RawStore", "Scope"]

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

# Rows no list returned, read by id because another record references them (`references.py`): 'found'
# (Lever answered the GET by id) or 'not_found' (404: a tombstone with a NULL payload and `deleted_at` at the
# first 404); `referenced_by` names the first reference seen (e.g. 'applications.posting'). NULL for every
# row a list returned. Added in place to warehouses made before them.
_LOOKUP_COLUMNS = (("lookup_status", "VARCHAR"), ("referenced_by", "VARCHAR"))


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# How a kept payload field becomes its column (`Endpoint.columns`): from a record in Python, and from a stored
# payload in SQL when a warehouse made before the column gains it.
_KEPT: dict[str, tuple[Any, pa.DataType, str]] = {
    "BIGINT": (ms, pa.int64(), "CASE WHEN json_type(payload, '$.{field}') IN ('BIGINT', 'UBIGINT', 'DOUBLE') "
                               "THEN json_extract(payload, '$.{field}')::DOUBLE::BIGINT END"),
    "BOOLEAN": (_flag, pa.bool_(), "CASE WHEN json_type(payload, '$.{field}') = 'BOOLEAN' "
                                   "THEN json_extract(payload, '$.{field}')::BOOLEAN END"),
    "VARCHAR": (_text, pa.string(), "CASE WHEN json_type(payload, '$.{field}') = 'VARCHAR' "
                                    "THEN json_extract_string(payload, '$.{field}') END"),
}  # fmt: skip


def _field(payload: dict[str, Any], path: str) -> Any:
    """`payload` at a dotted path (`archived.archivedAt`); None where any step is missing or not an object."""
    value: Any = payload
    for step in path.split("."):
        value = value.get(step) if isinstance(value, dict) else None
    return value


def _add_kept_column(conn: duckdb.DuckDBPyConnection, table: str, column: str, field: str, kind: str) -> None:
    # One transaction: a column left unfilled would read as "not anonymized" and "no createdAt" for good.
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(f"ALTER TABLE {SCHEMA}.{table} ADD COLUMN {column} {kind}")
        conn.execute(f"UPDATE {SCHEMA}.{table} SET {column} = {_KEPT[kind][2].format(field=field)}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class RawStore(Session):
    """All writes of one sync go through one connection; callers group them in `transaction()`."""

    @staticmethod
    def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
        """Every raw table and the sync state, created or brought up to date (idempotent).

        Only what is missing is created: every targeted sync (a webhook's) and every build starts here, and
        some 70 statements that find everything in place took over a second of a webhook's latency."""
        present = set(
            conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?", [SCHEMA]
            ).fetchall()
        )
        if not present:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {SCHEMA}._load_seq")
        for endpoint in ENDPOINTS:
            if (endpoint.name, "id") not in present:
                conn.execute(_ENTITY_DDL.format(schema=SCHEMA, table=endpoint.name))
            for column, kind in _LOOKUP_COLUMNS:
                if (endpoint.name, column) not in present:
                    conn.execute(f"ALTER TABLE {SCHEMA}.{endpoint.name} ADD COLUMN IF NOT EXISTS {column} {kind}")
            for column, field, kind in endpoint.columns:
                if (endpoint.name, column) not in present:
                    _add_kept_column(conn, endpoint.name, column, field, kind)
        SyncState.ensure_schema(conn)

    def write_listing(
        self,
        table: str,
        records: Sequence[RawRecord],
        *,
        run_id: str,
        now: datetime,
        seq: int,
        scope: Scope,
        also_listed: Collection[str] | None = (),
    ) -> tuple[int, int]:
        """Upsert `records`, a complete listing of `scope`, and mark the stored rows it no longer holds missing.

        `also_listed`: ids the listing held in a form that could not be stored (rejected rows); their stored
        rows stay as they are instead of being marked missing. None: the listing held rows of unknown id, so it
        cannot say what left and marks nothing missing.
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
        stored = self.select(
            f"""SELECT id, payload_hash, parent_id, list_position, deleted_at IS NULL AND missing_since IS NULL
                FROM {SCHEMA}.{table} WHERE integration_id = $integration AND ({where})""",
            _ids=by_id,
            _parents=parents,
        )
        live = {row[0]: tuple(row[1:4]) for row in stored if row[4]}
        changed = [r for key, r in unique.items() if live.get(key) != (r.hash, r.parent_id, r.position)]
        self._insert(table, changed, run_id=run_id, now=now, seq=seq)
        kept = set(also_listed or ())
        complete = scope is not None and also_listed is not None
        gone = [key for key in live if key not in unique and key not in kept] if complete else []
        return len(changed), self._set_missing(table, gone, now=now, seq=seq, run_id=run_id)

    def _insert(self, table: str, rows: list[RawRecord], *, run_id: str, now: datetime, seq: int) -> None:
        if not rows:
            return
        kept = BY_NAME[table].columns
        arrays = {
            "integration_id": pa.array([self.integration_id] * len(rows), pa.string()),
            "id": pa.array([r.id for r in rows], pa.string()),
            "parent_id": pa.array([r.parent_id for r in rows], pa.string()),
            "payload": pa.array([json.dumps(r.payload, ensure_ascii=False) for r in rows], pa.string()),
            "payload_hash": pa.array([r.hash for r in rows], pa.string()),
            "source_updated_at": pa.array([from_ms(r.updated_ms) for r in rows], pa.timestamp("us", tz="UTC")),
            "list_position": pa.array([r.position for r in rows], pa.int32()),
        }
        for column, field, kind in kept:
            convert, arrow_type, _ = _KEPT[kind]
            arrays[column] = pa.array([convert(_field(r.payload, field)) for r in rows], arrow_type)
        extra = "".join(f", {column}" for column, _, _ in kept)
        extra_set = "".join(f", {column} = excluded.{column}" for column, _, _ in kept)
        with self.tables(_raw_batch=pa.table(arrays)):
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

    def mark_missing(self, table: str, seen_ids: Iterable[str], *, now: datetime, seq: int, run_id: str) -> int:
        """Rows of `table` no longer returned by a complete listing (`seen_ids`) get `missing_since` (first time
        only)."""
        gone = self.select(
            f"""SELECT id FROM {SCHEMA}.{table}
                WHERE integration_id = $integration AND missing_since IS NULL AND deleted_at IS NULL
                  AND id NOT IN (SELECT id FROM _seen)""",
            _seen=seen_ids,
        )
        return self._set_missing(table, [row[0] for row in gone], now=now, seq=seq, run_id=run_id)

    def _set_missing(self, table: str, ids: list[str], *, now: datetime, seq: int, run_id: str) -> int:
        if not ids:
            return 0
        with self.tables(_gone=ids_table(ids)):
            count = self.execute(
                f"""
                UPDATE {SCHEMA}.{table} SET missing_since = $now, _seq = $seq, sync_run_id = $run_id
                WHERE integration_id = $integration AND missing_since IS NULL AND deleted_at IS NULL
                  AND id IN (SELECT id FROM _gone)
                """,
                now=now,
                seq=seq,
                run_id=run_id,
            )[0][0]
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
        with self.tables(_tombstones=batch):
            count = self.execute(
                f"""
                UPDATE {SCHEMA}.{table} AS t SET deleted_at = d.deleted_at, _seq = $seq, sync_run_id = $run_id
                FROM (SELECT id, min(deleted_at) AS deleted_at FROM _tombstones GROUP BY id) AS d
                WHERE t.integration_id = $integration AND t.id = d.id
                  AND t.deleted_at IS DISTINCT FROM d.deleted_at
                """,
                seq=seq,
                run_id=run_id,
            )[0][0]
        return int(count)

    def cascade_to_children(self, parent_table: str, *, seq: int, run_id: str) -> int:
        """Children of a deleted or missing parent are gone with it (Lever lists them nowhere else)."""
        total = 0
        for child in children_of(parent_table):
            total += self.execute(
                f"""
                UPDATE {SCHEMA}.{child.name} AS c
                SET missing_since = coalesce(p.deleted_at, p.missing_since), _seq = $seq, sync_run_id = $run_id
                FROM {SCHEMA}.{parent_table} AS p
                WHERE c.integration_id = $integration AND p.integration_id = $integration
                  AND c.parent_id = p.id AND c.missing_since IS NULL AND c.deleted_at IS NULL
                  AND (p.deleted_at IS NOT NULL OR p.missing_since IS NOT NULL)
                """,
                seq=seq,
                run_id=run_id,
            )[0][0]
        return int(total)

    def gone_ids(self, table: str, ids: Sequence[str]) -> set[str]:
        """Those of `ids` stored with a deletion or missing mark."""
        rows = self.select(
            f"""SELECT id FROM {SCHEMA}.{table} WHERE integration_id = $integration AND id IN (SELECT id FROM _ids)
                AND (deleted_at IS NOT NULL OR missing_since IS NOT NULL)""",
            _ids=ids,
        )
        return {row[0] for row in rows}

    def row_counts(self, tables: Sequence[str]) -> dict[str, int]:
        """Live rows per table (sizes the runaway-listing guard of each list)."""
        if not tables:
            return {}
        union = " UNION ALL ".join(
            f"SELECT '{t}', count(*) FROM {SCHEMA}.{t} WHERE integration_id = $integration "
            "AND deleted_at IS NULL AND missing_since IS NULL"
            for t in tables
        )
        return {row[0]: int(row[1]) for row in self.execute(union)}

    def stored_hashes(self, table: str, ids: Sequence[str]) -> dict[str, tuple[str | None, bool]]:
        """id -> (payload hash, currently marked gone) for the given ids."""
        rows = self.select(
            f"""SELECT id, payload_hash, (deleted_at IS NOT NULL OR missing_since IS NOT NULL)
                FROM {SCHEMA}.{table} WHERE integration_id = $integration AND id IN (SELECT id FROM _ids)""",
            _ids=ids,
        )
        return {row[0]: (row[1], bool(row[2])) for row in rows}

    def opportunity_created_bounds(self, parts: int) -> tuple[int, list[int]]:
        """(live opportunities, `createdAt` values cutting them into `parts` equal ranges); no cuts if any live
        opportunity lacks a `createdAt` (a `created_at` filter could not be trusted to return it)."""
        fractions = [i / parts for i in range(1, parts)]
        total, undated, cuts = self.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE created IS NULL),
                       CASE WHEN len($fractions) > 0 THEN quantile_disc(created, $fractions) END
                FROM (SELECT created_at_ms AS created FROM {SCHEMA}.opportunities
                      WHERE integration_id = $integration AND deleted_at IS NULL AND missing_since IS NULL)""",
            fractions=fractions,
        )[0]
        return int(total), ([] if undated or not cuts else sorted({int(c) for c in cuts if c is not None}))
