"""Contacts, opportunities and applications: the hiring funnel of the last two years."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..clock import DAY_MS, HOUR_MS
from ..ids import new_id
from ..model import Application, Contact, Genesis, Opportunity
from . import vocab
from .catalog import Catalog

LEAD_STAGE_INDEX = 0
APPLICANT_STAGE_INDEX = 3
OFFER_STAGE_INDEX = 8
_SOURCES_BY_ORIGIN = {
    "applied": ["Job site", "LinkedIn", "Indeed"],
    "sourced": ["LinkedIn", "GitHub", "Added manually"],
    "referred": ["Referral"],
    "agency": ["Agency: TalentCo"],
    "internal": ["Added manually"],
    "university": ["Added manually", "Job site"],
}


@dataclass
class People:
    contacts: dict[str, Contact] = field(default_factory=dict)
    opportunities: dict[str, Opportunity] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    # Fates applied through the account's operations once everything exists: (at, opportunity id).
    to_delete: list[tuple[int, str]] = field(default_factory=list)
    to_anonymize: list[tuple[int, str]] = field(default_factory=list)


class PersonFactory:
    """Names, unique emails, phones and links; shared by generation, activity and apply."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._slug_counts: dict[str, int] = {}

    def contact(self, cid: str) -> Contact:
        rng = self.rng
        if rng.random() < 0.15:
            name, slug = rng.choice(vocab.NON_LATIN_NAMES)
        else:
            first, first_slug = rng.choice(vocab.FIRST_NAMES)
            last, last_slug = rng.choice(vocab.LAST_NAMES)
            name, slug = f"{first} {last}", f"{first_slug}.{last_slug}"
        count = self._slug_counts[slug] = self._slug_counts.get(slug, 0) + 1
        handle = slug if count == 1 else f"{slug}{count}"
        emails = [f"{handle}@{rng.choice(vocab.EMAIL_DOMAINS)}"]
        if rng.random() < 0.2:
            emails.append(f"{handle}@work-{rng.choice(vocab.COMPANIES).split()[0].lower()}.com")
        phones = [
            {
                "type": rng.choice(vocab.PHONE_TYPES),
                "value": f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(1_000_000, 9_999_999)}",
            }
            for _ in range(rng.choice([0, 1, 1, 1, 2]))
        ]
        link_handle = handle.replace(".", "")
        links = [fmt.format(slug=link_handle) for fmt in rng.sample(vocab.LINK_FORMATS, rng.choice([0, 1, 1, 2, 3]))]
        return Contact(
            cid, name, rng.choice(vocab.HEADLINES), rng.choice(vocab.CANDIDATE_LOCATIONS), emails, phones, links
        )


def posting_tags(posting: dict) -> list[str]:
    """Tags Lever derives from a posting: title, department, team, location, commitment."""
    categories = posting["categories"]
    values = [
        posting["text"],
        categories.get("department"),
        categories.get("team"),
        categories.get("location"),
        categories.get("commitment"),
    ]
    return [value for value in dict.fromkeys(values) if value]


def generate_people(seed: int, count: int, now_ms: int, catalog: Catalog) -> People:
    rng = random.Random(f"{seed}:people")
    factory = PersonFactory(random.Random(f"{seed}:contacts"))
    people = People()
    postings = list(catalog.postings.values())
    open_postings = [p for p in postings if p["confidentiality"] == "non-confidential"]
    confidential_postings = [p for p in postings if p["confidentiality"] == "confidential"] or open_postings
    requisition_by_code = {r["requisitionCode"]: r for r in catalog.requisitions.values()}
    origins, weights = zip(*vocab.ORIGINS, strict=True)
    contact_count = max(1, round(count / 1.12))
    contacts: list[Contact] = []
    for index in range(count):
        if index < contact_count:
            contact = factory.contact(new_id(rng))
            contacts.append(contact)
            people.contacts[contact.id] = contact
        else:  # a returning person: several opportunities per contact
            contact = rng.choice(contacts)
        origin = rng.choices(origins, weights)[0]
        has_posting = origin in ("applied", "referred", "agency") or rng.random() < 0.6
        posting = None
        if has_posting:
            posting = rng.choice(confidential_postings if rng.random() < 0.03 else open_postings)
        opportunity = _opportunity(rng, catalog, contact, origin, posting, now_ms)
        people.opportunities[opportunity.id] = opportunity
        contact.opportunity_ids.append(opportunity.id)
        if posting is not None or rng.random() < 0.5:
            application = _application(rng, catalog, opportunity, contact, posting, requisition_by_code)
            people.applications[application.id] = application
            opportunity.application_ids.append(application.id)
        genesis_stage_changes = opportunity.stage_changes
        opportunity.genesis = Genesis(
            opportunity.created_at,
            opportunity.last_interaction_at,
            genesis_stage_changes,
            posting["id"] if posting else None,
            next(iter(opportunity.application_ids), None),
            opportunity.owner,
            contact.name,
            contact.emails[0],
            origin,
            opportunity.archived is not None and opportunity.archived[0] == catalog.hired_reason,
        )
        fate = rng.random()
        if fate < 0.02:
            at = opportunity.last_interaction_at + int(rng.random() * (now_ms - opportunity.last_interaction_at))
            people.to_delete.append((at, opportunity.id))
        elif fate < 0.03:
            at = opportunity.last_interaction_at + int(rng.random() * (now_ms - opportunity.last_interaction_at))
            people.to_anonymize.append((at, opportunity.id))
    return people


def _opportunity(
    rng: random.Random, catalog: Catalog, contact: Contact, origin: str, posting: dict | None, now_ms: int
) -> Opportunity:
    stages = catalog.stages
    created = now_ms - int(730 * DAY_MS * rng.random() ** 1.6) - rng.randint(0, HOUR_MS)
    owner = rng.choice(catalog.recruiters)
    imported = created < now_ms - 540 * DAY_MS and rng.random() < 0.5  # imported history has no userId
    index = APPLICANT_STAGE_INDEX if origin in ("applied", "referred", "agency") else LEAD_STAGE_INDEX
    at = created
    changes = [(stages[index]["id"], index, at, None if imported else owner)]
    while index < OFFER_STAGE_INDEX and rng.random() < 0.6:
        index = min(OFFER_STAGE_INDEX, index + (1 if rng.random() < 0.8 else 2))
        at_next = at if rng.random() < 0.05 else at + int(rng.expovariate(1 / (6 * DAY_MS)))  # ties happen
        if at_next > now_ms:
            break
        at = at_next
        changes.append((stages[index]["id"], index, at, None if imported else rng.choice([owner, *catalog.recruiters])))
    archived = None
    if now_ms - at > 21 * DAY_MS and rng.random() < 0.8:
        if index == OFFER_STAGE_INDEX and rng.random() < 0.7:
            reason = catalog.hired_reason
        else:
            candidates = [
                r
                for r in catalog.archive_reasons
                if r["type"] != "hired" and (r["status"] == "active" or created < now_ms - 365 * DAY_MS)
            ]
            reason = rng.choice(candidates)["id"]
        archived = (reason, min(now_ms, at + int(rng.expovariate(1 / (7 * DAY_MS)))))
    settled = max(at, archived[1] if archived else 0)
    last_interaction = min(now_ms, settled + int(rng.expovariate(1 / (3 * DAY_MS))))
    updated = None if created < now_ms - 365 * DAY_MS and rng.random() < 0.2 else settled
    tags = posting_tags(posting) if posting else []
    tags += [tag for tag in rng.sample(vocab.EXTRA_TAGS, rng.choice([0, 0, 1, 2])) if tag not in tags]
    location = None
    if posting:
        location = "unspecified" if rng.random() < 0.1 else posting["categories"]["location"]
    protection = None
    if rng.random() < 0.3:
        protection = {
            "store": {"allowed": True, "expiresAt": created + 730 * DAY_MS},
            "contact": {"allowed": rng.random() < 0.8, "expiresAt": None},
        }
    return Opportunity(
        id=new_id(rng),
        contact=contact.id,
        stage=changes[-1][0],
        stage_changes=tuple(changes),
        confidentiality=posting["confidentiality"] if posting else "non-confidential",
        tags=tags,
        sources=rng.sample(_SOURCES_BY_ORIGIN[origin], 1),
        origin=origin,
        sourced_by=owner if origin in ("sourced", "agency") else None,
        owner=owner,
        followers=list(dict.fromkeys([owner, *rng.sample(catalog.recruiters, rng.randint(0, 2))])),
        application_ids=[],
        created_at=created,
        updated_at=updated,
        last_interaction_at=last_interaction,
        last_advanced_at=at,
        posting_id=posting["id"] if posting else None,
        opportunity_location=location,
        archived=archived,
        snoozed_until=now_ms + rng.randint(1, 30) * DAY_MS if not archived and rng.random() < 0.04 else None,
        data_protection=protection,
    )


def _application(
    rng: random.Random,
    catalog: Catalog,
    opportunity: Opportunity,
    contact: Contact,
    posting: dict | None,
    requisition_by_code: dict[str, dict],
) -> Application:
    kind = {"applied": "posting", "agency": "posting", "referred": "referral"}.get(opportunity.origin, "user")
    typed = kind != "user"  # candidates type their own data on forms; users adding someone often do not
    phone = None
    if typed and contact.phones:
        phone = dict(contact.phones[0])
        if rng.random() < 0.1:
            phone["type"] = None  # null phone types were observed on applications
    hire = None
    if opportunity.archived and opportunity.archived[0] == catalog.hired_reason and posting:
        codes = posting["requisitionCodes"]
        if codes and codes[0] in requisition_by_code:
            requisition = requisition_by_code[codes[0]]
            hire = {
                "id": requisition["id"],
                "requisitionCode": codes[0],
                "hiringManagerOnHire": requisition["hiringManager"],
            }
    recent = kind == "posting" and opportunity.created_at > 1_740_000_000_000
    return Application(
        id=new_id(rng),
        opportunity_id=opportunity.id,
        type=kind,
        posting=posting["id"] if posting else None,
        posting_owner=posting["owner"] if posting else None,
        posting_hiring_manager=posting["hiringManager"] if posting else None,
        user=rng.choice(catalog.interviewers)
        if kind == "referral"
        else (opportunity.owner if kind == "user" else None),
        name=contact.name if typed else None,
        email=contact.emails[0] if typed else None,
        phone=phone,
        links=list(contact.links) if typed else [],
        company=rng.choice(vocab.COMPANIES) if typed and rng.random() < 0.6 else None,
        comments="Looking forward to hearing from you." if typed and rng.random() < 0.3 else None,
        created_at=opportunity.created_at,
        archived=opportunity.archived,
        requisition_for_hire=hire,
        ip_address=f"203.0.113.{rng.randint(1, 254)}" if recent else None,
        user_agent=rng.choice(vocab.USER_AGENTS) if recent else None,
        accept_language="en-US,en;q=0.9" if recent else None,
        referer="https://jobs.lever.co/sandbox" if recent else None,
        timezone=rng.choice(vocab.TIMEZONES) if recent else None,
    )
