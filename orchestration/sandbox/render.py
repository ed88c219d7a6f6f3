"""Lever JSON for stored records: derived fields, anonymization blanking, `expand` and `include`.

Renderers never mutate or hand out stored containers that a caller could edit: truth() round-trips JSON.
"""

from __future__ import annotations

from .account import Account
from .model import Application, Contact, Opportunity

RECRUITER_UI = "https://hire.lever.co/candidates"


def _archived(archived: tuple[str, int] | None) -> dict | None:
    return {"reason": archived[0], "archivedAt": archived[1]} if archived else None


def opportunity(account: Account, opp: Opportunity) -> dict:
    contact = account.contacts[opp.contact]
    anonymized = opp.is_anonymized
    application = account.live_application(opp)
    record = {
        "id": opp.id,
        "name": "" if anonymized else contact.name,
        "headline": "" if anonymized else contact.headline,
        "contact": contact.id,
        "emails": [] if anonymized else contact.emails,
        "phones": [] if anonymized else contact.phones,
        "confidentiality": opp.confidentiality,
        "location": "" if anonymized else contact.location,
        "links": [] if anonymized else contact.links,
        "archived": _archived(opp.archived),
        "createdAt": opp.created_at,
        "updatedAt": opp.updated_at,
        "lastInteractionAt": opp.last_interaction_at,
        "lastAdvancedAt": opp.last_advanced_at,
        "snoozedUntil": opp.snoozed_until,
        "urls": {"list": RECRUITER_UI, "show": f"{RECRUITER_UI}/{opp.id}"},
        "dataProtection": opp.data_protection,
        "isAnonymized": anonymized,
        "followers": opp.followers,
        "applications": [application.id] if application else [],
        "sources": opp.sources,
        "tags": opp.tags,
        "stage": opp.stage,
        "stageChanges": [
            {"toStageId": to, "toStageIndex": index, "updatedAt": at, **({"userId": user} if user else {})}
            for to, index, at, user in opp.stage_changes
        ],
        "origin": opp.origin,
        "sourcedBy": opp.sourced_by,
        "owner": opp.owner,
    }
    if opp.opportunity_location is not None:
        record["opportunityLocation"] = opp.opportunity_location
    return record


def application(account: Account, app: Application) -> dict:
    return {
        "id": app.id,
        "type": app.type,
        "candidateId": app.opportunity_id,
        "opportunityId": app.opportunity_id,
        "posting": app.posting,
        "postingHiringManager": app.posting_hiring_manager,
        "postingOwner": app.posting_owner,
        "user": app.user,
        "name": app.name,
        "email": app.email,
        "phone": app.phone,
        "company": app.company,
        "links": app.links,
        "comments": app.comments,
        "customQuestions": account.custom_questions(app),
        "createdAt": app.created_at,
        "archived": _archived(app.archived),
        "requisitionForHire": app.requisition_for_hire,
        "ipAddress": app.ip_address,
        "referer": app.referer,
        "userAgent": app.user_agent,
        "acceptLanguage": app.accept_language,
        "timezone": app.timezone,
    }


def contact(account: Account, person: Contact) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "headline": person.headline,
        "isAnonymized": person.is_anonymized,
        "location": {"name": person.location},
        "emails": person.emails,
        "phones": person.phones,
        "dataProtection": None,
    }


def child(account: Account, kind: str, record: dict) -> dict:
    """Children are stored with path-only download URLs, rendered on the account's fixed public base."""
    if kind == "files":
        return {**record, "downloadUrl": account.public_url + record["downloadUrl"]}
    if kind == "resumes":
        file = record["file"]
        return {**record, "file": {**file, "downloadUrl": account.public_url + file["downloadUrl"]}}
    return record


def stage(account: Account, stage_id: str) -> dict | None:
    found = next((s for s in account.catalog.pipeline if s["id"] == stage_id), None)
    return {"id": found["id"], "text": found["text"]} if found else None


def _user(account: Account, uid: str | None) -> dict | None:
    return account.catalog.users.get(uid) if uid else None


def _expand_value(account: Account, target: str, value, opp: Opportunity | None):
    if isinstance(value, list):
        return [_expand_value(account, target, item, opp) for item in value]
    if value is None:
        return None
    if target == "user":
        return _user(account, value) or value
    if target == "stage":
        return stage(account, value) or value
    if target == "posting":
        return account.catalog.postings.get(value, value)
    if target == "contact":
        return contact(account, account.contacts[value])
    if target == "application":
        return application(account, account.applications[value])
    if target == "feedback" and opp is not None:
        forms = {f["id"]: f for f in account.children(opp)["feedback"]}
        return forms.get(value, value)
    return value


# entity -> {field: what its id expands to} (doc §4)
EXPANSIONS = {
    "opportunities": {
        "applications": "application",
        "stage": "stage",
        "owner": "user",
        "followers": "user",
        "sourcedBy": "user",
        "contact": "contact",
    },
    "applications": {"posting": "posting", "user": "user", "postingOwner": "user", "postingHiringManager": "user"},
    "postings": {"user": "user", "owner": "user", "hiringManager": "user", "followers": "user"},
    "interviews": {"user": "user", "stage": "stage", "feedbackForms": "feedback", "postings": "posting"},
    "feedback": {"user": "user"},
    "offers": {"creator": "user"},
}


def shape(
    account: Account,
    entity: str,
    record: dict,
    expand: frozenset[str],
    include: frozenset[str],
    opp: Opportunity | None = None,
) -> dict:
    """Apply `expand` (ids → objects) and the subtractive `include` (id is always kept)."""
    known = EXPANSIONS.get(entity, {})
    wanted = [name for name in expand if name in known and name in record]
    if wanted:
        record = dict(record)
        for name in wanted:
            record[name] = _expand_value(account, known[name], record[name], opp)
    if include:
        record = {key: value for key, value in record.items() if key in include or key in expand or key == "id"}
    return record
