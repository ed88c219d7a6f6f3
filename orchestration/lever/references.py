"""Referential completeness: every id a stored record references resolves to a row of its table.

Real accounts reference records no list returns any more: a posting deleted before our first sync (the
deleted feed starts at that sync), a stage removed from the pipeline but still in `stageChanges` and
interviews, a deleted archive reason. Each such id is read by id once (`GET /postings/:id`); Lever's answer
is stored in the entity's own raw table marked `lookup_status = 'found'`, and a 404 leaves a tombstone
(`'not_found'`, NULL payload, `deleted_at` now). Either way the id is then held, so it is never asked again,
and the unified tables' relationship tests hold. Only rows loaded since the last check are searched.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from .client import LeverClient
from .clock import from_ms
from .duck import SCHEMA, Session
from .endpoints import BY_NAME, Route, segment
from .errors import LeverError
from .records import RawRecord, id_problem, to_record
from .run_record import RunRecord
from .state import SyncState
from .store import RawStore

# "checked": every stored row's references were resolved by the run that stored it. A number N: rows whose
# load sequence is above N may hold unchecked references (a run stopped before its check, or an older warehouse).
CURSOR = "references:checked_seq"
CHECKED = "checked"


def begin_run(state: SyncState, first_seq: int, *, now: datetime, run_id: str) -> None:
    """In the run's first transaction: from here on, rows are unchecked until this run's check completes."""
    if state.cursor(CURSOR) == CHECKED:
        state.set_cursor(CURSOR, str(first_seq - 1), now=now, run_id=run_id)


@dataclass(frozen=True)
class Reference:
    target: str  # the raw table the id belongs to
    source: str  # the raw table holding the reference
    path: str  # where the id is: `a.b` (a bare id, or an object holding one when `expand`ed), or `list[].field`
    label: str  # `referenced_by`, as the dbt tombstones show it

    @property
    def sql(self) -> str:
        """The referenced ids of one row as a SQL list (used once, for rows stored before this mechanism)."""
        if "[]" in self.path:
            head, field = self.path.split("[].")
            return f"json_extract_string(payload, '$.{head}[*].{field}')"
        path = f"$.{self.path}"
        return (
            f"[CASE json_type(payload, '{path}') WHEN 'VARCHAR' THEN json_extract_string(payload, '{path}') "
            f"WHEN 'OBJECT' THEN json_extract_string(payload, '{path}.id') END]"
        )

    def ids(self, payload: dict[str, Any]) -> list[str]:
        """The referenced ids of one record, from the payload already in memory."""
        if "[]" in self.path:
            head, field = self.path.split("[].")
            items = _at(payload, head)
            values = [item.get(field) for item in items if isinstance(item, dict)] if isinstance(items, list) else []
        else:
            value = _at(payload, self.path)
            values = [value.get("id") if isinstance(value, dict) else value]
        return [v for v in values if isinstance(v, str) and v]


def _at(payload: Any, path: str) -> Any:
    for step in path.split("."):
        payload = payload.get(step) if isinstance(payload, dict) else None
    return payload


# Exactly the references the unified tables turn into ids of other unified tables (their relationship tests).
REFERENCES = (
    Reference("postings", "applications", "posting", "applications.posting"),
    Reference("stages", "opportunities", "stage", "opportunities.stage"),
    Reference("stages", "opportunities", "stageChanges[].toStageId", "opportunities.stageChanges.toStageId"),
    Reference("stages", "interviews", "stage", "interviews.stage"),
    Reference("stages", "panels", "stage", "panels.stage"),
    Reference("archive_reasons", "opportunities", "archived.reason", "opportunities.archived.reason"),
    Reference("archive_reasons", "applications", "archived.reason", "applications.archived.reason"),
    Reference("users", "opportunities", "stageChanges[].userId", "opportunities.stageChanges.userId"),
    Reference("users", "interviews", "interviewers[].id", "interviews.interviewers.id"),
    Reference("users", "postings", "owner", "postings.owner"),
    Reference("users", "postings", "hiringManager", "postings.hiringManager"),
)  # fmt: skip
BY_SOURCE: dict[str, list[Reference]] = {}
for _reference in REFERENCES:
    BY_SOURCE.setdefault(_reference.source, []).append(_reference)


class Collector:
    """The ids referenced by the records a run writes, gathered as they are written (their payloads are in
    memory then): finding them afterwards in SQL would make DuckDB read and hold every payload."""

    def __init__(self) -> None:
        self.wanted: dict[str, dict[str, str]] = {}  # target -> id -> first reference seen

    def add(self, table: str, records: Sequence[RawRecord]) -> None:
        for ref in BY_SOURCE.get(table, ()):
            wanted = self.wanted.setdefault(ref.target, {})
            for record in records:
                for ref_id in ref.ids(record.payload):
                    wanted.setdefault(ref_id, ref.label)


def lookup_route(table: str) -> Route:
    return Route(f"{table}:by_id", f"/{table}/:id")


class Lookups(Session):
    """Finding unresolved references in the raw tables, and storing what the lookups found."""

    def referenced_before(self, ref: Reference, seqs: tuple[int, int]) -> list[str]:
        """Ids that rows of `ref.source` loaded in `seqs` (exclusive bounds) reference and `ref.target` lacks."""
        rows = self.execute(
            f"""SELECT DISTINCT ref FROM (
                    SELECT unnest({ref.sql}) AS ref FROM {SCHEMA}.{ref.source}
                    WHERE integration_id = $integration AND _seq > $since AND _seq < $upto AND payload IS NOT NULL)
                WHERE ref IS NOT NULL AND ref <> ''
                  AND ref NOT IN (SELECT id FROM {SCHEMA}.{ref.target} WHERE integration_id = $integration)
                ORDER BY ref""",
            since=seqs[0],
            upto=seqs[1],
        )
        return [row[0] for row in rows]

    def missing(self, target: str, ids: Iterable[str]) -> set[str]:
        """Those of `ids` that `target` does not hold in any form: neither listed, looked up nor tombstoned."""
        rows = self.select(
            f"""SELECT id FROM _ids WHERE id NOT IN
                (SELECT id FROM {SCHEMA}.{target} WHERE integration_id = $integration)""",
            _ids=ids,
        )
        return {row[0] for row in rows}

    def insert_lookups(
        self,
        table: str,
        found: Sequence[RawRecord],
        not_found: Sequence[str],
        referenced_by: dict[str, str],
        *,
        now: datetime,
        seq: int,
        run_id: str,
    ) -> None:
        """Store records read by id (`found`) and tombstones for ids Lever answered 404 for (`not_found`)."""
        if not found and not not_found:
            return
        ids = [r.id for r in found] + list(not_found)
        none = [None] * len(not_found)
        batch = pa.table(
            {
                "id": pa.array(ids, pa.string()),
                "payload": pa.array([json.dumps(r.payload, ensure_ascii=False) for r in found] + none, pa.string()),
                "payload_hash": pa.array([r.hash for r in found] + none, pa.string()),
                "source_updated_at": pa.array(
                    [from_ms(r.updated_ms) for r in found] + none, pa.timestamp("us", tz="UTC")
                ),
                "status": pa.array(["found"] * len(found) + ["not_found"] * len(not_found), pa.string()),
                "referenced_by": pa.array([referenced_by.get(i) for i in ids], pa.string()),
            }
        )
        with self.tables(_lookups=batch):
            self.execute(
                f"""INSERT INTO {SCHEMA}.{table} (integration_id, id, parent_id, payload, payload_hash,
                        source_updated_at, extracted_at, sync_run_id, deleted_at, _seq, lookup_status, referenced_by)
                    SELECT $integration, id, NULL, payload::JSON, payload_hash, source_updated_at, $now, $run_id,
                           CASE WHEN status = 'not_found' THEN $now END, $seq, status, referenced_by
                    FROM _lookups
                    ON CONFLICT (integration_id, id) DO NOTHING""",
                now=now,
                seq=seq,
                run_id=run_id,
            )


class ReferenceResolver:
    def __init__(
        self,
        store: RawStore,
        state: SyncState,
        client: LeverClient,
        record: RunRecord,
        clock: Callable[[], datetime],
        collector: Collector,
        first_seq: int,
    ) -> None:
        self.store = store
        self.lookups = Lookups(store.conn, store.integration_id)
        self.state = state
        self.client = client
        self.record = record
        self.clock = clock
        self.collector = collector
        self.first_seq = first_seq  # this run's first load sequence: rows below it were stored by earlier runs

    async def resolve(self) -> None:
        """Look up what this run's records (and any earlier ones not yet checked) reference and no table holds.

        The check moves past the earlier rows only when every reference got an answer; otherwise the next run
        searches them again. Records found by id may reference further records: those are looked up too."""
        stored = self.state.cursor(CURSOR)
        since = self.first_seq - 1 if stored == CHECKED else int(stored or -1)
        wanted = {target: dict(ids) for target, ids in self.collector.wanted.items()}
        # Rows stored before this run that no completed check covered (a warehouse made before this
        # mechanism, or a run whose lookups failed): found in SQL, once.
        if since < self.first_seq - 1:
            for ref in REFERENCES:
                for ref_id in self.lookups.referenced_before(ref, (since, self.first_seq)):
                    wanted.setdefault(ref.target, {}).setdefault(ref_id, ref.label)
        complete = True
        for _round in range(3):
            wanted = {t: {i: label for i, label in ids.items() if id_problem(i, in_paths=True) is None}
                      for t, ids in wanted.items()}  # fmt: skip
            todo = {t: {i: ids[i] for i in self.lookups.missing(t, ids)} for t, ids in wanted.items() if ids}
            todo = {t: ids for t, ids in todo.items() if ids}
            if not todo:
                break
            found_records, complete_round = await self._resolve_round(todo)
            complete = complete and complete_round
            wanted = {}
            collector = Collector()
            for target, records in found_records.items():
                collector.add(target, records)
            wanted = collector.wanted
        if complete:
            with self.store.transaction():
                self.state.set_cursor(CURSOR, CHECKED, now=self.clock(), run_id=self.record.run_id)
        if self.record.result.tombstones:
            shown = ", ".join(f"{t}: {n}" for t, n in sorted(self.record.result.tombstones.items()))
            self.record.warn(
                f"references to records Lever no longer has were kept as tombstones ({shown}); the unified rows "
                "exist with remote_deleted_at set"
            )

    async def _resolve_round(self, todo: dict[str, dict[str, str]]) -> tuple[dict[str, list[RawRecord]], bool]:
        """Look up `todo` ({target: {id: referenced_by}}) and store the answers; (records found, all answered)."""
        answers = {
            target: await self.record.readable(lookup_route(target).name, self._lookup(target, list(ids)))
            for target, ids in todo.items()
            if lookup_route(target).name not in self.record.forbidden
        }
        found_records: dict[str, list[RawRecord]] = {}
        with self.store.transaction() as seq:
            for target, answer in answers.items():
                if answer is None:
                    continue  # the key may not read them: noted, and looked for again next run
                found, not_found, _ = answer
                self.lookups.insert_lookups(
                    target, found, not_found, todo[target], now=self.clock(), seq=seq, run_id=self.record.run_id
                )
                found_records[target] = found
                self.record.count("lookup:" + target, len(found))
                if not_found:
                    self.record.count("tombstone:" + target, len(not_found))
                    tombstones = self.record.result.tombstones
                    tombstones[target] = tombstones.get(target, 0) + len(not_found)
        complete = len(answers) == len(todo) and all(a is not None and not a[2] for a in answers.values())
        return found_records, complete

    async def _lookup(self, target: str, ids: list[str]) -> tuple[list[RawRecord], list[str], int]:
        """GET each id: (records Lever returned, ids it answered 404 for, how many got no usable answer)."""
        route = lookup_route(target)
        endpoint = BY_NAME[target]

        async def one(ref_id: str) -> RawRecord | str | None:
            try:
                body = await self.client.get_json(f"/{target}/{segment(ref_id)}", [], route=route)
            except LeverError as exc:
                if exc.status == 404:
                    return ref_id
                raise
            data = body.get("data")
            record, rejected = to_record(endpoint, data if isinstance(data, dict) else None)
            if record is None or record.id != ref_id:
                self.record.warn(f"GET {route.template} for {ref_id!r} returned no usable record; asked again next run")
                return None
            return record

        answers = await asyncio.gather(*(one(i) for i in ids))
        found = [a for a in answers if isinstance(a, RawRecord)]
        return found, [a for a in answers if isinstance(a, str)], answers.count(None)
