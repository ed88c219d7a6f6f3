"""What each list endpoint holds, in which order, and how its items render; shared by routes and truth().

Orders ([inf] except opportunities, which follow the recorded default): opportunities by stage rank asc,
lastAdvancedAt desc, id asc (whatever the filters); stages by rank; archive reasons in account order;
tags and sources by text; deleted feeds by deletedAt, id; everything else by createdAt, id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import render
from .account import Account
from .clock import DAY_MS
from .errors import bad_request
from .filters import AnyOf, Flag, Range, canonical_email, compile_filters, confidentiality, parse_bool, parse_ms
from .model import Opportunity
from .pagination import Sort

DELETED_WINDOW_MS = 30 * DAY_MS
BY_CREATED = Sort("createdAt,id", lambda r: (r["createdAt"], r["id"]), 2)
BY_TEXT = Sort("text", lambda r: (r["text"],), 1)
BY_DELETED = Sort("deletedAt,id", lambda r: (r["deletedAt"], r["id"]), 2)
BY_RANK = Sort("rank,id", lambda r: (r["rank"], r["id"]), 2)
BY_TEMPLATE = Sort("createdAt,id", lambda r: (r["createdAt"] or 0, r["id"]), 2)  # built-ins (null) first


@dataclass
class Listing:
    entity: str
    sort: Sort
    items: list
    render: Callable[[object], dict]
    keys: list[tuple] | None = None

    def __post_init__(self) -> None:
        if self.keys is None:
            self.items.sort(key=self.sort.key)
            self.keys = [self.sort.key(item) for item in self.items]


@dataclass(frozen=True)
class Viewer:
    confidential: bool = True


def _cached(account: Account, cache_key: tuple, build: Callable[[], Listing]) -> Listing:
    """Big lists are filtered and sorted once per account version, not once per page."""
    cache = account.listing_cache
    key = (account.version, *cache_key)
    listing = cache.get(key)
    if listing is None:
        if len(cache) >= 16:
            cache.clear()
        listing = cache[key] = build()
    return listing


def _frozen_query(query: dict[str, list[str]]) -> tuple:
    return tuple(
        sorted(
            (name, tuple(sorted(values)))
            for name, values in query.items()
            if name not in ("limit", "offset", "expand", "include")
        )
    )


def opportunity_filters(account: Account) -> list:
    def emails(o: Opportunity) -> list[str]:
        return [] if o.is_anonymized else account.contacts[o.contact].emails

    return [
        AnyOf("tag", lambda o: o.tags),
        AnyOf("email", emails, canonical_email),
        AnyOf("origin", lambda o: o.origin),
        AnyOf("source", lambda o: o.sources),
        AnyOf("stage_id", lambda o: o.stage),
        AnyOf("posting_id", lambda o: o.posting_id),
        AnyOf("archived_posting_id", lambda o: o.posting_id if o.archived else None),
        AnyOf("archive_reason_id", lambda o: o.archived[0] if o.archived else None),
        AnyOf("contact_id", lambda o: o.contact),
        AnyOf("location", lambda o: o.opportunity_location),
        Range("created_at", lambda o: o.created_at),
        Range("updated_at", lambda o: o.updated_at),
        Range("advanced_at", lambda o: o.last_advanced_at),
        Range("archived_at", lambda o: o.archived[1] if o.archived else None),
        Flag("archived", lambda o: o.archived is not None),
        Flag("snoozed", lambda o: (o.snoozed_until or 0) > account.now_ms),
    ]


def shaping(query: dict[str, list[str]]) -> tuple[frozenset[str], frozenset[str]]:
    """`expand` and `include`, repeated or comma-joined (both forms are accepted)."""

    def split(name: str) -> frozenset[str]:
        return frozenset(part.strip() for raw in query.get(name, []) for part in raw.split(",") if part.strip())

    return split("expand"), split("include")


def opportunities(account: Account, query: dict[str, list[str]], viewer: Viewer) -> Listing:
    visible = confidentiality(query, viewer.confidential)
    expand, include = shaping(query)

    def build() -> Listing:
        predicates = compile_filters(opportunity_filters(account), query)
        items = [
            o
            for o in account.opportunities.values()
            if o.deleted_at is None and o.confidentiality in visible and all(p(o) for p in predicates)
        ]
        rank = account.stage_rank
        sort = Sort(
            "stageRank,lastAdvancedAt-desc,id", lambda o: (rank[o.stage], -o.last_advanced_at, o.id), 3, frozenset({1})
        )
        return Listing("opportunities", sort, items, lambda o: o)

    listing = _cached(account, ("opportunities", visible, _frozen_query(query)), build)
    return Listing(
        "opportunities",
        listing.sort,
        listing.items,
        lambda o: render.shape(account, "opportunities", render.opportunity(account, o), expand, include, o),
        listing.keys,
    )


def postings(account: Account, query: dict[str, list[str]], viewer: Viewer) -> Listing:
    visible = confidentiality(query, viewer.confidential)
    expand, include = shaping(query)
    specs = [
        AnyOf("state", lambda p: p["state"]),
        AnyOf("distribution_channel", lambda p: p["distributionChannels"] or []),
        AnyOf("team", lambda p: p["categories"]["team"]),
        AnyOf("department", lambda p: p["categories"]["department"]),
        AnyOf("location", lambda p: [p["categories"]["location"], *p["categories"]["allLocations"]]),
        AnyOf("commitment", lambda p: p["categories"]["commitment"]),
        AnyOf("level", lambda p: p["categories"]["level"]),
        AnyOf("requisition_code", lambda p: p["requisitionCodes"]),
        Range("updated_at", lambda p: p["updatedAt"]),
        Range("created_at", lambda p: p["createdAt"]),
    ]
    predicates = compile_filters(specs, query)
    items = [
        p
        for pid, p in account.catalog.postings.items()
        if not account.posting_deleted(pid) and p["confidentiality"] in visible and all(pred(p) for pred in predicates)
    ]
    return Listing("postings", BY_CREATED, items, lambda p: render.shape(account, "postings", p, expand, include))


def users(account: Account, query: dict[str, list[str]], viewer: Viewer) -> Listing:
    include_deactivated = parse_bool(query.get("includeDeactivated", ["false"])[-1], "includeDeactivated")
    specs = [
        AnyOf("email", lambda u: u["email"], canonical_email),
        AnyOf("accessRole", lambda u: u["accessRole"]),
        AnyOf("external_directory_id", lambda u: u["externalDirectoryId"]),
    ]
    predicates = compile_filters(specs, query)
    items = [
        u
        for u in account.catalog.users.values()
        if (include_deactivated or u["deactivatedAt"] is None) and all(p(u) for p in predicates)
    ]
    return Listing("users", BY_CREATED, items, lambda u: u)


def requisitions(account: Account, query: dict[str, list[str]], viewer: Viewer) -> Listing:
    visible = confidentiality(query, viewer.confidential)
    specs = [
        AnyOf("status", lambda r: r["status"]),
        AnyOf("requisition_code", lambda r: r["requisitionCode"]),
        Range("created_at", lambda r: r["createdAt"]),
    ]
    predicates = compile_filters(specs, query)
    items = [
        r
        for r in account.catalog.requisitions.values()
        if r["confidentiality"] in visible and all(p(r) for p in predicates)
    ]
    return Listing("requisitions", BY_CREATED, items, lambda r: r)


def stages(account: Account, query: dict[str, list[str]], viewer: Viewer) -> Listing:
    return Listing("stages", BY_RANK, account.catalog.pipeline, lambda s: {"id": s["id"], "text": s["text"]})


def archive_reasons(account: Account, query: dict[str, list[str]], viewer: Viewer) -> Listing:
    position = {r["id"]: i for i, r in enumerate(account.catalog.archive_reasons)}
    sort = Sort("position,id", lambda r: (position[r["id"]], r["id"]), 2)
    return Listing("archive_reasons", sort, account.catalog.listed_reasons, lambda r: r)


def feedback_templates(account: Account, query: dict[str, list[str]], viewer: Viewer) -> Listing:
    return Listing("feedback_templates", BY_TEMPLATE, list(account.catalog.feedback_templates), lambda t: t)


def _counted(account: Account, entity: str, field: str) -> Listing:
    """Tags/sources with the number of (non-deleted) opportunities carrying them; unused ones are not listed."""

    def build() -> Listing:
        counts: dict[str, int] = {}
        for opportunity in account.opportunities.values():
            if opportunity.deleted_at is None:
                for value in getattr(opportunity, field):
                    counts[value] = counts.get(value, 0) + 1
        return Listing(entity, BY_TEXT, [{"text": t, "count": n} for t, n in counts.items()], lambda r: r)

    return _cached(account, (entity,), build)


def tags(account: Account, query: dict[str, list[str]], viewer: Viewer) -> Listing:
    return _counted(account, "tags", "tags")


def sources(account: Account, query: dict[str, list[str]], viewer: Viewer) -> Listing:
    return _counted(account, "sources", "sources")


def deleted(account: Account, feed: str, query: dict[str, list[str]]) -> Listing:
    """Deleted feeds; windows longer than 30 days (both bounds given) are a 400, as Lever's."""
    low_raw = query.get("deleted_at_start", [None])[-1]
    high_raw = query.get("deleted_at_end", [None])[-1]
    low = parse_ms(low_raw, "deleted_at_start") if low_raw is not None else None
    high = parse_ms(high_raw, "deleted_at_end") if high_raw is not None else None
    if low is not None and high is not None and high - low > DELETED_WINDOW_MS:
        raise bad_request("deleted_at window must not exceed 30 days")
    items = [
        row
        for row in account.deleted[feed].values()
        if (low is None or row["deletedAt"] >= low) and (high is None or row["deletedAt"] <= high)
    ]
    return Listing(feed, BY_DELETED, items, lambda r: r)


def children(account: Account, opportunity: Opportunity, kind: str, query: dict[str, list[str]]) -> Listing:
    expand, include = shaping(query)
    items = list(account.children(opportunity)[kind])
    if kind in ("resumes", "files"):

        def uploaded(r: dict) -> int:
            # resumes: the file's uploadedAt, falling back to createdAt (doc §7.13)
            return (r["file"]["uploadedAt"] or r["createdAt"]) if kind == "resumes" else r["uploadedAt"]

        predicates = compile_filters([Range("uploaded_at", uploaded)], query)
        items = [r for r in items if all(p(r) for p in predicates)]
    sort = BY_CREATED if kind != "files" else Sort("uploadedAt,id", lambda r: (r["uploadedAt"], r["id"]), 2)
    return Listing(
        kind,
        sort,
        items,
        lambda r: render.shape(account, kind, render.child(account, kind, r), expand, include, opportunity),
    )


def applications(account: Account, opportunity: Opportunity, query: dict[str, list[str]]) -> Listing:
    expand, _ = shaping(query)
    application = account.live_application(opportunity)
    items = [application] if application else []
    sort = Sort("createdAt,id", lambda a: (a.created_at, a.id), 2)
    return Listing(
        "applications",
        sort,
        items,
        lambda a: render.shape(account, "applications", render.application(account, a), expand, frozenset()),
    )
