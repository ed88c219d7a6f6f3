"""Compact in-memory records for the numerous entities (contacts, opportunities, applications).

Catalog entities (users, postings, stages, ...) and children are kept as Lever-shaped JSON dicts; these three
are slotted objects because there are hundreds of thousands of them and their JSON is partly derived.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (toStageId, toStageIndex, updatedAt, userId or None for imported history)
StageChange = tuple[str, int, int, str | None]
# (archive reason id, archivedAt)
Archived = tuple[str, int]


@dataclass(slots=True)
class Contact:
    id: str
    name: str
    headline: str
    location: str
    emails: list[str]
    phones: list[dict]
    links: list[str]
    opportunity_ids: list[str] = field(default_factory=list)
    is_anonymized: bool = False


@dataclass(slots=True, frozen=True)
class Genesis:
    """What an opportunity looked like when generated: the only input of its lazily generated children.

    Children must not depend on mutable state, or the same opportunity would grow different children
    before and after an edit; the tuples here are shared with the opportunity, so this costs a few pointers.
    """

    created_at: int
    horizon: int  # children are created no later than this (the generation-time lastInteractionAt)
    stage_changes: tuple[StageChange, ...]
    posting_id: str | None
    application_id: str | None
    owner: str
    name: str
    email: str
    origin: str
    hired: bool


@dataclass(slots=True)
class Opportunity:
    id: str
    contact: str
    stage: str
    stage_changes: tuple[StageChange, ...]
    confidentiality: str
    tags: list[str]
    sources: list[str]
    origin: str
    sourced_by: str | None
    owner: str | None
    followers: list[str]
    application_ids: list[str]
    created_at: int
    updated_at: int | None
    last_interaction_at: int
    last_advanced_at: int
    posting_id: str | None = None
    opportunity_location: str | None = None
    archived: Archived | None = None
    snoozed_until: int | None = None
    data_protection: dict | None = None
    is_anonymized: bool = False
    deleted_at: int | None = None
    deleted_by: str | None = None
    genesis: Genesis | None = None


@dataclass(slots=True)
class Application:
    id: str
    opportunity_id: str
    type: str  # posting | user | referral
    posting: str | None
    posting_owner: str | None
    posting_hiring_manager: str | None
    user: str | None
    name: str | None
    email: str | None
    phone: dict | None
    links: list[str]
    company: str | None
    comments: str | None
    created_at: int
    custom_questions: list[dict] | None = None  # None: generated from the posting form on demand
    archived: Archived | None = None
    requisition_for_hire: dict | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    accept_language: str | None = None
    referer: str | None = None
    timezone: str | None = None
    deleted_at: int | None = None
