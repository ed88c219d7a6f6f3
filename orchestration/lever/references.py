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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .client import LeverClient
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
        self.state = state
        self.client = client
        self.record = record
        self.clock = clock

    async def resolve(self) -> None:
        """Look up what rows loaded since the last check reference and no table holds; commit with the check."""
        since = int(self.state.cursor(CURSOR) or -1)
        upto = self.store.next_seq()
        wanted: dict[str, dict[str, str]] = {}  # target -> id -> first reference seen
        for ref in REFERENCES:
            for ref_id in self.store.unresolved(ref.source, ref.expression, ref.target, (since, upto)):
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
                self.store.insert_lookups(
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
