"""The account state: every record the API serves, indexes over them, the lock and the children store."""

from __future__ import annotations

import random
import threading
from collections import OrderedDict

from .clock import Clock
from .generator.catalog import Catalog
from .generator.children import KINDS, application_questions, generate_children
from .ids import new_id
from .model import Application, Contact, Opportunity

CHILD_CACHE_SIZE = 4096
DELETED_FEEDS = ("opportunities", "applications", "postings")
# Where resume and file `downloadUrl`s point: a fixed public base, like Lever's own API host, never the port a
# sandbox happens to serve on (that changed every run and with it every candidate's rendered data). The routes
# answer on whatever URL is served: the path after /v1 is the download route.
PUBLIC_URL = "https://api.sandbox-lever.test/v1"


class Account:
    """State plus lookups. Mutations live in `operations`; callers hold `lock` around reads and writes."""

    def __init__(self, seed: int, clock: Clock, catalog: Catalog, public_url: str = PUBLIC_URL) -> None:
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
        self.public_url = public_url  # base of absolute downloadUrls, fixed for the account's lifetime
        self.version = 0  # bumped by every mutation; list caches key on it
        self.write_rng = random.Random(f"{seed}:writes")  # ids of records created by API writes
        self.advances = 0
        self.blobs: dict[str, bytes] = {}  # contents of files uploaded through the API
        self.webhooks: dict[str, dict] = {}  # id -> Lever's webhook record (event, url, signatureToken, ...)
        self.outbox: list[tuple[str, int, dict]] = []  # (event, triggeredAt, data) not yet handed to the sender
        self.stage_rank = {stage["id"]: stage["rank"] for stage in catalog.stages}
        self.lock = threading.RLock()
        self._child_cache: OrderedDict[str, dict] = OrderedDict()
        self.listing_cache: dict[tuple, object] = {}

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
        del state["lock"], state["_child_cache"], state["listing_cache"], state["outbox"]
        return state

    def __setstate__(self, state: dict) -> None:
        if "base_url" in state:  # snapshots from before stable download URLs kept the last served URL
            del state["base_url"]
            state["public_url"] = PUBLIC_URL
        state.setdefault("webhooks", {})  # snapshots from before webhooks
        self.__dict__.update(state)
        self.outbox = []  # events in flight are the sender's, not the account's: a restart does not resend them
        self.lock = threading.RLock()
        self._child_cache = OrderedDict()
        self.listing_cache = {}

    @property
    def now_ms(self) -> int:
        return self.clock.now_ms

    def changed(self) -> None:
        self.version += 1

    def emit(self, event: str, data: dict) -> None:
        """A webhook event happening now (Lever's `triggeredAt`), kept only if a webhook listens for it."""
        if any(hook["event"] == event for hook in self.webhooks.values()):
            self.outbox.append((event, self.clock.live_ms(), data))

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
        """Position in the pipeline as listed now; None for unknown and removed stages."""
        return next((i for i, stage in enumerate(self.catalog.pipeline) if stage["id"] == stage_id), None)

    def stages_after(self, stage_id: str) -> list[dict]:
        """Listed stages ranked after this one (which may itself have been removed since)."""
        rank = self.stage_rank[stage_id]
        return [stage for stage in self.catalog.pipeline if stage["rank"] > rank]

    def archive_reason(self, reason_id: str | None) -> dict | None:
        """A reason that may be used now (listed: not deleted)."""
        return next((r for r in self.catalog.listed_reasons if r["id"] == reason_id), None)

    def new_id(self) -> str:
        return new_id(self.write_rng)
