"""The small account-wide lists (users, stages, postings, ...), re-read whole on every run, and the apply forms
of new or changed postings."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from .endpoints import BY_NAME, Kind, of_kind
from .errors import LeverError
from .listing import Lister
from .records import RawRecord, Rejected, payload_hash, to_record, to_records
from .run_record import RunRecord
from .store import RawStore
from .writer import Writer

POSTING_FORMS = BY_NAME["posting_forms"]


@dataclass
class Fetched:
    lists: dict[str, tuple[list[RawRecord], list[Rejected]]] = field(default_factory=dict)
    # posting id -> its form (None: the posting has none); only postings whose form was read
    forms: dict[str, RawRecord | None] = field(default_factory=dict)
    form_rejections: list[Rejected] = field(default_factory=list)


class AccountLists:
    def __init__(self, store: RawStore, lister: Lister, writer: Writer, record: RunRecord) -> None:
        self.store = store
        self.lister = lister
        self.writer = writer
        self.record = record

    async def fetch(self, *, full: bool) -> Fetched:
        """Every readable account-wide list, and the forms of postings that need one read. Nothing is written
        yet: a run that stops here (say, for clock skew) leaves no trace."""
        endpoints = [e for e in of_kind(Kind.ACCOUNT) if e.name not in self.record.forbidden]
        known = self.store.row_counts([e.name for e in endpoints])
        lists = await asyncio.gather(
            *(self.record.readable(e.name, self.lister.all(e, known=known.get(e.name, 0))) for e in endpoints),
            return_exceptions=True,
        )
        fetched = Fetched()
        for endpoint, rows in zip(endpoints, lists, strict=True):
            if isinstance(rows, BaseException):
                raise rows
            if rows is not None:
                fetched.lists[endpoint.name] = to_records(endpoint, rows, positions=True)
        if "postings" in fetched.lists and POSTING_FORMS.name not in self.record.forbidden:
            forms = await self.record.readable(POSTING_FORMS.name, self._forms(fetched.lists["postings"][0], full))
            if forms is not None:
                fetched.forms, fetched.form_rejections = forms
        return fetched

    def write(self, fetched: Fetched) -> None:
        """One transaction: the lists (rows they no longer hold marked missing) and the forms read with them,
        so a crash can never leave a posting stored as unchanged whose form was not read."""
        with self.store.transaction() as seq:
            for name, (records, rejected) in fetched.lists.items():
                self.writer.write(BY_NAME[name], records, seq, scope="table", rejected=rejected)
            if fetched.forms or fetched.form_rejections:
                present = [form for form in fetched.forms.values() if form is not None]
                self.writer.write(POSTING_FORMS, present, seq, scope=fetched.forms, rejected=fetched.form_rejections)
            if "postings" in fetched.lists:
                self.store.cascade_to_children("postings", seq=seq, run_id=self.record.run_id)

    async def _forms(self, postings: list[RawRecord], full: bool) -> tuple[dict[str, RawRecord | None], list[Rejected]]:
        """Apply forms of new or changed postings (all of them in full mode)."""
        stored = self.store.stored_hashes("postings", [r.id for r in postings])
        have_form = self.store.stored_hashes("posting_forms", [r.id for r in postings])
        wanted = [
            r.id for r in postings if full or r.id not in have_form or stored.get(r.id, (None, False))[0] != r.hash
        ]

        async def fetch(posting_id: str) -> tuple[str, Any]:
            try:
                body = await self.lister.client.get_json(POSTING_FORMS.url(posting_id), [], route=POSTING_FORMS.route)
            except LeverError as exc:
                if exc.status == 404:
                    return posting_id, None
                raise
            return posting_id, body.get("data")

        forms: dict[str, RawRecord | None] = {}
        rejected: list[Rejected] = []
        for posting_id, data in await asyncio.gather(*(fetch(pid) for pid in wanted)):
            if not isinstance(data, dict):
                forms[posting_id] = None
                continue
            # A form has no id of its own: it is checked and stored under its posting's.
            checked, problem = to_record(POSTING_FORMS, {**data, "id": posting_id}, parent_id=posting_id)
            if problem is not None:
                rejected.append(problem)
            if checked is not None:
                form = checked.payload if "id" in data else {k: v for k, v in checked.payload.items() if k != "id"}
                forms[posting_id] = RawRecord(posting_id, form, posting_id, None, None, payload_hash(form))
        return forms, rejected
