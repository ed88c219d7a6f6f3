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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

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

CURSOR = "references:checked_seq"


def _ref(path: str) -> str:
    """A reference that is a bare id, or an object holding one (`expand`ed), as a one-element list."""
    return (
        f"[CASE json_type(payload, '{path}') WHEN 'VARCHAR' THEN json_extract_string(payload, '{path}') "
        f"WHEN 'OBJECT' THEN json_extract_string(payload, '{path}.id') END]"
    )


def _refs(path: str) -> str:
    """Every id at a wildcard path (`$.stageChanges[*].toStageId`)."""
    return f"json_extract_string(payload, '{path}')"


@dataclass(frozen=True)
class Reference:
    target: str  # the raw table the id belongs to
    source: str  # the raw table holding the reference
    expression: str  # SQL giving the list of referenced ids of one row
    label: str  # `referenced_by`, as the dbt tombstones show it


# Exactly the references the unified tables turn into ids of other unified tables (their relationship tests).
REFERENCES = (
    Reference("postings", "applications", _ref("$.posting"), "applications.posting"),
    Reference("stages", "opportunities", _ref("$.stage"), "opportunities.stage"),
    Reference("stages", "opportunities", _refs("$.stageChanges[*].toStageId"), "opportunities.stageChanges.toStageId"),
    Reference("stages", "interviews", _ref("$.stage"), "interviews.stage"),
    Reference("stages", "panels", _ref("$.stage"), "panels.stage"),
    Reference("archive_reasons", "opportunities", _ref("$.archived.reason"), "opportunities.archived.reason"),
    Reference("archive_reasons", "applications", _ref("$.archived.reason"), "applications.archived.reason"),
    Reference("users", "opportunities", _refs("$.stageChanges[*].userId"), "opportunities.stageChanges.userId"),
    Reference("users", "interviews", _refs("$.interviewers[*].id"), "interviews.interviewers.id"),
    Reference("users", "postings", _ref("$.owner"), "postings.owner"),
    Reference("users", "postings", _ref("$.hiringManager"), "postings.hiringManager"),
)  # fmt: skip


def lookup_route(table: str) -> Route:
    return Route(f"{table}:by_id", f"/{table}/:id")


class Lookups(Session):
    """Finding unresolved references in the raw tables, and storing what the lookups found."""

    def unresolved(self, table: str, expression: str, target: str, seqs: tuple[int, int]) -> list[str]:
        """Ids that rows of `table` loaded in `seqs` (exclusive bounds) reference (`expression`: a list of them per
        row) and that `target` does not hold in any form: neither listed, looked up nor tombstoned."""
        rows = self.execute(
            f"""SELECT DISTINCT ref FROM (
                    SELECT unnest({expression}) AS ref FROM {SCHEMA}.{table}
                    WHERE integration_id = $integration AND _seq > $since AND _seq < $upto AND payload IS NOT NULL)
                WHERE ref IS NOT NULL AND ref <> ''
                  AND ref NOT IN (SELECT id FROM {SCHEMA}.{target} WHERE integration_id = $integration)
                ORDER BY ref""",
            since=seqs[0],
            upto=seqs[1],
        )
        return [row[0] for row in rows]

    def next_seq(self) -> int:
        """A load sequence number above every row written so far."""
        return int(self.conn.execute(f"SELECT nextval('{SCHEMA}._load_seq')").fetchall()[0][0])

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
    ) -> None:
        self.store = store
        self.lookups = Lookups(store.conn, store.integration_id)
        self.state = state
        self.client = client
        self.record = record
        self.clock = clock

    async def resolve(self) -> None:
        """Look up what rows loaded since the last check reference and no table holds; commit with the check."""
        since = int(self.state.cursor(CURSOR) or -1)
        upto = self.lookups.next_seq()
        wanted: dict[str, dict[str, str]] = {}  # target -> id -> first reference seen
        for ref in REFERENCES:
            for ref_id in self.lookups.unresolved(ref.source, ref.expression, ref.target, (since, upto)):
                if id_problem(ref_id, in_paths=True) is None:
                    wanted.setdefault(ref.target, {}).setdefault(ref_id, ref.label)
        answers = {
            target: await self.record.readable(lookup_route(target).name, self._lookup(target, list(ids)))
            for target, ids in wanted.items()
            if lookup_route(target).name not in self.record.forbidden
        }
        with self.store.transaction() as seq:
            for target, answer in answers.items():
                if answer is None:
                    continue  # the key may not read them: noted, and looked for again next run
                found, not_found, _ = answer
                self.lookups.insert_lookups(
                    target, found, not_found, wanted[target], now=self.clock(), seq=seq, run_id=self.record.run_id
                )
                self.record.count("lookup:" + target, len(found))
                if not_found:
                    self.record.count("tombstone:" + target, len(not_found))
                    self.record.result.tombstones[target] = len(not_found)
            # Anything left unanswered is searched for again next run: the check does not move past it.
            if len(answers) == len(wanted) and all(a is not None and not a[2] for a in answers.values()):
                self.state.set_cursor(CURSOR, str(upto), now=self.clock(), run_id=self.record.run_id)
        if self.record.result.tombstones:
            shown = ", ".join(f"{t}: {n}" for t, n in sorted(self.record.result.tombstones.items()))
            self.record.warn(
                f"references to records Lever no longer has were kept as tombstones ({shown}); the unified rows "
                "exist with remote_deleted_at set"
            )

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
