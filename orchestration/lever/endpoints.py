"""One declarative table of every Lever endpoint the pipeline reads; each raw table is named after its entry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from urllib.parse import quote


class Kind(Enum):
    ACCOUNT = "account"  # account-wide list, re-read whole on every run (small; no reliable change filter)
    OPPORTUNITIES = "opportunities"  # the central list, scanned every run
    EMBEDDED = "embedded"  # arrives inside another entity's payload (applications via expand)
    OPPORTUNITY_CHILD = "opportunity_child"  # one list per opportunity, re-read only when it changed
    POSTING_CHILD = "posting_child"  # one object per posting, re-read only when the posting changed
    DELETED_FEED = "deleted_feed"  # tombstones, read in bounded windows from a cursor


@dataclass(frozen=True)
class Route:
    """What a request is counted under (`name`, stable) and shown as in messages (Lever's path template)."""

    name: str
    template: str


def segment(value: str) -> str:
    """An id as one URL path segment: ids come from the API and are untrusted, so nothing in one may end the
    segment, start a query or climb the path (an id `../users?x=` once read /v1/users as an opportunity's notes).
    """
    encoded = quote(value, safe="")
    return encoded.replace(".", "%2E") if not encoded.strip(".") else encoded


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    kind: Kind
    description: str
    params: tuple[tuple[str, str], ...] = ()
    paginated: bool = True
    id_field: str = "id"
    updated_field: str | None = None
    # Lever hides confidential records unless asked; a key without confidential access gets a 403 for it.
    confidential: bool = False
    # For deleted feeds: the table whose rows they mark deleted. For children: the parent table.
    parent: str | None = None
    # Lever's path template with placeholders, as used for `remote_data` keys downstream.
    template: str = ""
    # Payload fields a sync reads across many rows, also kept as typed columns (column, field path with dots,
    # BIGINT, BOOLEAN or VARCHAR): finding them in the JSON would make DuckDB read and hold every payload.
    columns: tuple[tuple[str, str, str], ...] = ()

    def url(self, parent_id: str = "") -> str:
        return self.path.format(parent=segment(parent_id))

    @property
    def lever_template(self) -> str:
        return self.template or self.path.replace("{parent}", ":id")

    @property
    def route(self) -> Route:
        return Route(self.name, self.lever_template)


_OPP = "/opportunities/{parent}"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("users", "/users", Kind.ACCOUNT, "Lever users, deactivated ones included.",
             params=(("includeDeactivated", "true"),)),
    Endpoint("stages", "/stages", Kind.ACCOUNT, "Account-wide pipeline stages in pipeline order."),
    Endpoint("archive_reasons", "/archive_reasons", Kind.ACCOUNT,
             "Archive reasons (one hired-type reason, the rest non-hired; retired ones inactive)."),
    Endpoint("tags", "/tags", Kind.ACCOUNT, "Tag texts with candidate counts (the text is the key).",
             id_field="text"),
    Endpoint("sources", "/sources", Kind.ACCOUNT, "Source texts with candidate counts (the text is the key).",
             id_field="text"),
    Endpoint("requisitions", "/requisitions", Kind.ACCOUNT, "Requisitions (headcount planning).",
             updated_field="updatedAt", confidential=True),
    Endpoint("requisition_fields", "/requisition_fields", Kind.ACCOUNT,
             "Custom requisition field definitions (unpaginated).", paginated=False),
    Endpoint("feedback_templates", "/feedback_templates", Kind.ACCOUNT, "Interview feedback form templates.",
             updated_field="updatedAt"),
    Endpoint("postings", "/postings", Kind.ACCOUNT, "Job postings in every state.",
             updated_field="updatedAt", confidential=True),
    Endpoint("posting_forms", "/postings/{parent}/apply", Kind.POSTING_CHILD,
             "Each posting's application form (custom, EEO, personal-information questions).",
             parent="postings", paginated=False, template="/postings/:posting/apply"),
    Endpoint("opportunities", "/opportunities", Kind.OPPORTUNITIES,
             "Opportunities (candidacies), applications expanded inline.",
             params=(("expand", "applications"),), updated_field="updatedAt", confidential=True,
             columns=(("created_at_ms", "createdAt", "BIGINT"), ("is_anonymized", "isAnonymized", "BOOLEAN"),
                      ("updated_at_ms", "updatedAt", "BIGINT"),
                      ("last_interaction_at_ms", "lastInteractionAt", "BIGINT"),
                      ("archived_at_ms", "archived.archivedAt", "BIGINT"),
                      # a contact webhook names the person: the drain finds their opportunities by it
                      ("contact_id", "contact", "VARCHAR"))),
    Endpoint("applications", "/opportunities/{parent}/applications", Kind.EMBEDDED,
             "Applications, taken from the opportunities list (expand=applications) at no extra request.",
             parent="opportunities", template="/opportunities/:opportunity/applications",
             columns=(("application_type", "type", "VARCHAR"),)),
    Endpoint("interviews", _OPP + "/interviews", Kind.OPPORTUNITY_CHILD, "Scheduled interviews.",
             parent="opportunities", template="/opportunities/:opportunity/interviews"),
    Endpoint("panels", _OPP + "/panels", Kind.OPPORTUNITY_CHILD, "Interview panels.",
             parent="opportunities", template="/opportunities/:opportunity/panels"),
    Endpoint("feedback", _OPP + "/feedback", Kind.OPPORTUNITY_CHILD, "Interview feedback forms.",
             parent="opportunities", updated_field="updatedAt", template="/opportunities/:opportunity/feedback"),
    Endpoint("notes", _OPP + "/notes", Kind.OPPORTUNITY_CHILD, "Notes on the candidate profile.",
             parent="opportunities", template="/opportunities/:opportunity/notes"),
    Endpoint("offers", _OPP + "/offers", Kind.OPPORTUNITY_CHILD, "Offers and their approval/signature state.",
             parent="opportunities", template="/opportunities/:opportunity/offers"),
    Endpoint("referrals", _OPP + "/referrals", Kind.OPPORTUNITY_CHILD, "Referral forms.",
             parent="opportunities", template="/opportunities/:opportunity/referrals"),
    Endpoint("resumes", _OPP + "/resumes", Kind.OPPORTUNITY_CHILD, "Resume metadata with parsed positions/schools.",
             parent="opportunities", template="/opportunities/:opportunity/resumes"),
    Endpoint("files", _OPP + "/files", Kind.OPPORTUNITY_CHILD, "Attached file metadata (no file contents).",
             parent="opportunities", template="/opportunities/:opportunity/files"),
    Endpoint("opportunities_deleted", "/opportunities/deleted", Kind.DELETED_FEED,
             "Tombstones of hard-deleted opportunities.", parent="opportunities"),
    Endpoint("applications_deleted", "/applications/deleted", Kind.DELETED_FEED,
             "Tombstones of deleted applications.", parent="applications"),
    Endpoint("postings_deleted", "/postings/deleted", Kind.DELETED_FEED,
             "Tombstones of deleted postings.", parent="postings"),
)  # fmt: skip

BY_NAME = {endpoint.name: endpoint for endpoint in ENDPOINTS}
RAW_TABLES = tuple(endpoint.name for endpoint in ENDPOINTS)


# Tables whose ids become URL path segments (their children's paths): those ids must be safe to send back.
PATH_PARENTS = frozenset(e.parent for e in ENDPOINTS if e.parent and "{parent}" in e.path)


def of_kind(kind: Kind) -> tuple[Endpoint, ...]:
    return tuple(e for e in ENDPOINTS if e.kind is kind)


def children_of(parent: str) -> tuple[Endpoint, ...]:
    """Tables whose rows live under a `parent` row and leave with it."""
    return tuple(
        e
        for e in ENDPOINTS
        if e.parent == parent and e.kind in (Kind.OPPORTUNITY_CHILD, Kind.POSTING_CHILD, Kind.EMBEDDED)
    )
