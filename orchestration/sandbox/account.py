"""The account state: every record the API serves, indexes over them, the lock and the children store."""

from __future__ import annotations

import random
import threading
from collections import OrderedDict

from .clock import Clock
from .generator.catalog import Catalog, generate_catalog
from .generator.children import KINDS, application_questions, generate_children
from .generator.people import generate_people
from .ids import new_id
from .model import Application, Contact, Opportunity

CHILD_CACHE_SIZE = 4096
DELETED_FEEDS = ("opportunities", "applications", "postings")


class Account:
    """State plus lookups. Mutations live in `operations`; callers hold `lock` around reads and writes."""

    def __init__(self, seed: int, clock: Clock, catalog: Catalog) -> None:
        self.seed = seed
        self.clock = clock
        self.catalog = catalog
        self.contacts: dict[str, Contact] = {}
        self.opportunities: dict[str, Opportunity] = {}
        self.applications: dict[str, Application] = {}
        self.deleted: dict[str, dict[str, dict]] = {feed: {} for feed in DELETED_FEEDS}
        self.materialized: dict[str, dict[str, list[dict]]] = {}
        self.contact_by_email: dict[str, str] = {}
        self.opportunities_by_posting: dict[str, list[str]] = {}
        self.base_url = "http://127.0.0.1/v1"  # absolute downloadUrls; serve() sets the real one
        self.version = 0  # bumped by every mutation; list caches key on it
        self.write_rng = random.Random(f"{seed}:writes")  # ids of records created by API writes
        self.advances = 0
        self.blobs: dict[str, bytes] = {}  # contents of files uploaded through the API
        self.stage_rank = {stage["id"]: stage["rank"] for stage in catalog.stages}
        self.lock = threading.RLock()
        self._child_cache: OrderedDict[str, dict] = OrderedDict()
        self.listing_cache: dict[tuple, object] = {}

    @classmethod
    def generate(cls, seed: int, opportunities: int, now_ms: int) -> Account:
        from . import operations  # generation applies deletions and anonymizations as ordinary operations

        account = cls(seed, Clock(now_ms), generate_catalog(seed, opportunities, now_ms))
        people = generate_people(seed, opportunities, now_ms, account.catalog)
        account.contacts, account.opportunities = people.contacts, people.opportunities
        account.applications = people.applications
        account.reindex()
        fates = [(at, oid, operations.delete_opportunity) for at, oid in people.to_delete]
        fates += [(at, oid, operations.anonymize) for at, oid in people.to_anonymize]
        for at, oid, fate in sorted(fates, key=lambda item: (item[0], item[1])):
            account.clock.now_ms = at
            fate(account, account.opportunities[oid])
        account.clock.now_ms = now_ms
        return account

    def reindex(self) -> None:
        self.contact_by_email = {
            email.lower(): contact.id for contact in self.contacts.values() for email in contact.emails
        }
        self.opportunities_by_posting = {}
        for opportunity in self.opportunities.values():
            if opportunity.posting_id:
                self.opportunities_by_posting.setdefault(opportunity.posting_id, []).append(opportunity.id)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["lock"], state["_child_cache"], state["listing_cache"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.lock = threading.RLock()
        self._child_cache = OrderedDict()
        self.listing_cache = {}

    @property
    def now_ms(self) -> int:
        return self.clock.now_ms

    def changed(self) -> None:
        self.version += 1

    def children(self, opportunity: Opportunity) -> dict[str, list[dict]]:
        """Read-only children: the stored copy if any, else generated (LRU-cached)."""
        stored = self.materialized.get(opportunity.id)
        if stored is not None:
            return stored
        cached = self._child_cache.get(opportunity.id)
        if cached is None:
            cached = generate_children(self.seed, opportunity.id, opportunity.genesis, self.catalog)
            self._child_cache[opportunity.id] = cached
            if len(self._child_cache) > CHILD_CACHE_SIZE:
                self._child_cache.popitem(last=False)
        else:
            self._child_cache.move_to_end(opportunity.id)
        return cached

    def materialize(self, opportunity: Opportunity) -> dict[str, list[dict]]:
        """Children to edit: stored for good from now on (generation ignores later edits)."""
        stored = self.materialized.get(opportunity.id)
        if stored is None:
            stored = generate_children(self.seed, opportunity.id, opportunity.genesis, self.catalog)
            for kind in KINDS:
                stored.setdefault(kind, [])
            self.materialized[opportunity.id] = stored
            self._child_cache.pop(opportunity.id, None)
        return stored

    def custom_questions(self, application: Application) -> list[dict]:
        if application.custom_questions is not None:
            return application.custom_questions
        return application_questions(self.seed, application, self.catalog.posting_forms.get(application.posting or ""))

    def live_opportunity(self, oid: str) -> Opportunity | None:
        opportunity = self.opportunities.get(oid)
        return opportunity if opportunity is not None and opportunity.deleted_at is None else None

    def live_application(self, opportunity: Opportunity) -> Application | None:
        for aid in opportunity.application_ids:
            application = self.applications[aid]
            if application.deleted_at is None:
                return application
        return None

    def posting_deleted(self, pid: str) -> bool:
        return pid in self.deleted["postings"]

    def hired_reason(self) -> str:
        return self.catalog.hired_reason

    def stage_index(self, stage_id: str) -> int | None:
        return next((i for i, stage in enumerate(self.catalog.stages) if stage["id"] == stage_id), None)

    def new_id(self) -> str:
        return new_id(self.write_rng)
