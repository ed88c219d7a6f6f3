"""Every state change, shared by API writes, simulated activity and generation.

Where `updatedAt` moves (Lever's documented list, see README): stage, stageChanges, archived, tags, sources,
links/emails/phones/name (contact data), applications and their fields, isAnonymized, owner, followers.
Child activity (notes, feedback, interviews, panels, offers, files, resumes, referrals and their deletions)
moves only `lastInteractionAt`.

The changes Lever sends webhooks for emit their event here (`Account.emit`, docs/lever-api.md §11): payloads
carry ids only. Notes, feedback, offers, documents, tags, sources, application deletions and anonymization of
an opportunity send none, as on Lever.
"""

from __future__ import annotations

from collections.abc import Iterable

from .account import Account
from .errors import bad_request
from .generator import children as children_module
from .generator.people import posting_tags
from .model import Application, Contact, Opportunity

DELETED_BY_RETENTION = None  # deletions by a retention policy carry no user


def _candidate(opportunity: Opportunity) -> dict:
    """The ids every candidate event carries (`candidateId` is the opportunity's legacy name)."""
    return {"opportunityId": opportunity.id, "candidateId": opportunity.id, "contactId": opportunity.contact}


def _archived(archived: tuple[str, int] | None) -> dict | None:
    return {"reason": archived[0], "archivedAt": archived[1]} if archived else None


def touch(account: Account, opportunity: Opportunity, *, updated: bool) -> None:
    now = account.now_ms
    opportunity.last_interaction_at = max(opportunity.last_interaction_at, now)
    if updated:
        opportunity.updated_at = now
    account.changed()


def change_stage(account: Account, opportunity: Opportunity, stage_id: str, user: str | None) -> None:
    index = account.stage_index(stage_id)
    if index is None:
        raise bad_request(f"Invalid stage: {stage_id}")
    now = account.now_ms
    previous, opportunity.stage = opportunity.stage, stage_id
    opportunity.stage_changes = (*opportunity.stage_changes, (stage_id, index, now, user))
    opportunity.last_advanced_at = now
    touch(account, opportunity, updated=True)
    account.emit("candidateStageChange", {**_candidate(opportunity), "fromStageId": previous, "toStageId": stage_id})


def archive(
    account: Account,
    opportunity: Opportunity,
    reason: str | None,
    requisition_id: str | None = None,
    at: int | None = None,
) -> None:
    """Archiving keeps the stage and adds no stageChanges entry; reason None unarchives."""
    if reason is not None and account.archive_reason(reason) is None:
        raise bad_request(f"Invalid archive reason: {reason}")
    archived = (reason, account.now_ms if at is None else at) if reason else None
    previous, opportunity.archived = opportunity.archived, archived
    application = account.live_application(opportunity)
    if application is not None:
        application.archived = archived
        requisition = account.catalog.requisitions.get(requisition_id or "")
        if requisition and reason == account.hired_reason():
            application.requisition_for_hire = {
                "id": requisition["id"],
                "requisitionCode": requisition["requisitionCode"],
                "hiringManagerOnHire": requisition["hiringManager"],
            }
            if not requisition["headcountInfinite"]:
                requisition["headcountHired"] += 1
            requisition["updatedAt"] = account.now_ms
    touch(account, opportunity, updated=True)
    change = {"fromArchived": _archived(previous), "toArchived": _archived(archived)}
    account.emit("candidateArchiveChange", {**_candidate(opportunity), **change})
    if reason is not None and reason == account.hired_reason():
        account.emit("candidateHired", _candidate(opportunity))


def edit_list(
    account: Account, opportunity: Opportunity, field: str, add: Iterable[str] = (), remove: Iterable[str] = ()
) -> None:
    """tags / sources on the opportunity; links are contact data, shared by all of the person's opportunities."""
    removed = set(remove)
    if field == "links":
        contact = account.contacts[opportunity.contact]
        contact.links = [v for v in dict.fromkeys([*contact.links, *add]) if v not in removed]
        for oid in contact.opportunity_ids:
            sibling = account.live_opportunity(oid)
            if sibling is not None:
                touch(account, sibling, updated=True)
        account.emit("contactUpdated", {"contactId": contact.id})
        return
    current = getattr(opportunity, field)
    setattr(opportunity, field, [v for v in dict.fromkeys([*current, *add]) if v not in removed])
    touch(account, opportunity, updated=True)


def child_added(account: Account, opportunity: Opportunity) -> dict[str, list[dict]]:
    """Children to append to; the caller's edit moves lastInteractionAt only."""
    children = account.materialize(opportunity)
    touch(account, opportunity, updated=False)
    return children


def add_note(
    account: Account,
    opportunity: Opportunity,
    text: str,
    user: str | None,
    secret: bool = False,
    score: int | None = None,
) -> dict:
    children = child_added(account, opportunity)
    return children_module.add_note(
        children, account.write_rng, account.now_ms, text, user, opportunity.stage, secret, score
    )


def remove_child(account: Account, opportunity: Opportunity, kind: str, child_id: str) -> bool:
    """Notes and feedback soft-delete (`deletedAt`); other children disappear from their lists."""
    children = account.materialize(opportunity)
    record = next((r for r in children[kind] if r["id"] == child_id), None)
    if record is None or record.get("deletedAt"):
        return False
    if kind in ("notes", "feedback"):
        record["deletedAt"] = account.now_ms
    else:
        children[kind].remove(record)
    if kind == "interviews":
        for panel in children["panels"]:
            panel["interviews"] = [i for i in panel["interviews"] if i["id"] != child_id]
        children["panels"] = [p for p in children["panels"] if p["interviews"]]
    touch(account, opportunity, updated=False)
    if kind == "interviews":
        account.emit("interviewDeleted", _interview(opportunity, record))
    return True


def _interview(opportunity: Opportunity, interview: dict) -> dict:
    return {"interviewId": interview["id"], "panelId": interview.get("panel"), **_candidate(opportunity)}


def interviews_scheduled(account: Account, opportunity: Opportunity, interviews: Iterable[dict]) -> None:
    """Interviews just added (with their panel) by the caller's edit of `child_added` children."""
    for interview in interviews:
        account.emit("interviewCreated", _interview(opportunity, interview))


def interview_updated(account: Account, opportunity: Opportunity, interview: dict) -> None:
    """An interview the caller just changed (feedback submitted on it joins its `feedbackForms`)."""
    account.emit("interviewUpdated", _interview(opportunity, interview))


def new_contact(
    account: Account, name: str, headline: str, location: str, emails: list[str], phones: list[dict], links: list[str]
) -> Contact:
    contact = Contact(account.new_id(), name, headline, location, emails, phones, links)
    account.contacts[contact.id] = contact
    for email in emails:
        account.contact_by_email.setdefault(email.lower(), contact.id)
    account.emit("contactCreated", {"contactId": contact.id})
    return contact


def find_contact(account: Account, emails: Iterable[str]) -> Contact | None:
    for email in emails:
        cid = account.contact_by_email.get(email.strip().lower())
        if cid is not None:
            return account.contacts[cid]
    return None


def create_opportunity(
    account: Account,
    contact: Contact,
    *,
    stage: str,
    origin: str,
    owner: str | None,
    posting: dict | None,
    tags: list[str],
    sources: list[str],
    followers: list[str],
    created_at: int,
    application_type: str,
    user: str | None,
    application_fields: dict | None = None,
) -> Opportunity:
    """A new opportunity with one application (Lever creates one even without a posting)."""
    if account.stage_index(stage) is None:
        raise bad_request(f"Invalid stage: {stage}")
    now = account.now_ms
    derived = posting_tags(posting) if posting else []
    opportunity = Opportunity(
        id=account.new_id(),
        contact=contact.id,
        stage=stage,
        stage_changes=((stage, account.stage_index(stage), created_at, user),),
        confidentiality=posting["confidentiality"] if posting else "non-confidential",
        tags=list(dict.fromkeys([*tags, *derived])),
        sources=list(dict.fromkeys(sources)),
        origin=origin,
        sourced_by=user if origin in ("sourced", "agency") else None,
        owner=owner,
        followers=list(dict.fromkeys([*followers, *([user] if user else [])])),
        application_ids=[],
        created_at=created_at,
        updated_at=now,
        last_interaction_at=now,
        last_advanced_at=created_at,
        posting_id=posting["id"] if posting else None,
        opportunity_location=posting["categories"]["location"] if posting else None,
    )
    application = Application(
        id=account.new_id(),
        opportunity_id=opportunity.id,
        type=application_type,
        posting=posting["id"] if posting else None,
        posting_owner=posting["owner"] if posting else None,
        posting_hiring_manager=posting["hiringManager"] if posting else None,
        user=user,
        name=None,
        email=None,
        phone=None,
        links=[],
        company=None,
        comments=None,
        created_at=created_at,
        custom_questions=[],
    )
    for key, value in (application_fields or {}).items():
        setattr(application, key, value)
    account.opportunities[opportunity.id] = opportunity
    account.applications[application.id] = application
    opportunity.application_ids.append(application.id)
    contact.opportunity_ids.append(opportunity.id)
    if posting:
        account.opportunities_by_posting.setdefault(posting["id"], []).append(opportunity.id)
    account.changed()
    created = {"applicationId": application.id, **_candidate(opportunity), "postingId": application.posting}
    account.emit("applicationCreated", created)
    return opportunity


def delete_opportunity(account: Account, opportunity: Opportunity, by: str | None = DELETED_BY_RETENTION) -> None:
    """Hard delete: gone from lists and GETs, listed in the deleted feeds (its application too)."""
    now = account.now_ms
    opportunity.deleted_at, opportunity.deleted_by = now, by
    account.deleted["opportunities"][opportunity.id] = {"id": opportunity.id, "deletedAt": now, "deletedBy": by}
    for aid in opportunity.application_ids:
        application = account.applications[aid]
        if application.deleted_at is None:
            application.deleted_at = now
            account.deleted["applications"][aid] = {"id": aid, "opportunityId": opportunity.id, "deletedAt": now}
    account.changed()
    account.emit("candidateDeleted", {**_candidate(opportunity), "deletedBy": by})


def delete_application(account: Account, opportunity: Opportunity) -> bool:
    application = account.live_application(opportunity)
    if application is None:
        return False
    application.deleted_at = account.now_ms
    account.deleted["applications"][application.id] = {
        "id": application.id,
        "opportunityId": opportunity.id,
        "deletedAt": account.now_ms,
    }
    touch(account, opportunity, updated=True)  # the `applications` field changed
    return True


def anonymize(account: Account, opportunity: Opportunity) -> None:
    """GDPR anonymization: personal fields blank, resumes and files gone, candidate signatures blank."""
    opportunity.is_anonymized = True
    application = account.live_application(opportunity)
    if application is not None:
        application.name, application.email, application.phone = "", "", None
        application.links, application.company = [], ""
    children = account.materialize(opportunity)
    children["resumes"], children["files"] = [], []
    for offer in children["offers"]:
        offer["signatures"]["candidate"].update(name="", email="")
    touch(account, opportunity, updated=True)
    contact = account.contacts[opportunity.contact]
    if all(
        account.opportunities[oid].is_anonymized or account.opportunities[oid].deleted_at
        for oid in contact.opportunity_ids
    ):
        for email in contact.emails:
            account.contact_by_email.pop(email.lower(), None)
        contact.name = contact.headline = contact.location = ""
        contact.emails, contact.phones, contact.links = [], [], []
        contact.is_anonymized = True
        account.emit("contactUpdated", {"contactId": contact.id})
