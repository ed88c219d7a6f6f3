"""Changes to the catalog: posting edits, states and deletions, user deactivation, and the removals that
leave real accounts with dangling references (a stage taken out of the pipeline, a deleted archive reason)."""

from __future__ import annotations

from .account import Account
from .generator.people import posting_tags
from .generator.postings import JOB_SITE
from .operations import touch

BUILT_IN_STAGES = ("lead-new", "applicant-new", "offer")  # every Lever account has them (doc §7.1)


def edit_posting(account: Account, posting: dict, text: str | None = None, categories: dict | None = None) -> int:
    """Title/category edits re-derive the posting tags of its opportunities (and so bump their updatedAt)."""
    before = posting_tags(posting)
    if text:
        posting["text"] = text
    posting["categories"].update(categories or {})
    posting["categories"]["allLocations"] = [posting["categories"]["location"]]
    posting["updatedAt"] = account.now_ms
    after = posting_tags(posting)
    retagged = 0
    if before != after:
        for oid in account.opportunities_by_posting.get(posting["id"], []):
            opportunity = account.live_opportunity(oid)
            if opportunity is None:
                continue
            stale = set(before) - set(after)
            opportunity.tags = [t for t in dict.fromkeys([*opportunity.tags, *after]) if t not in stale]
            touch(account, opportunity, updated=True)
            retagged += 1
    account.changed()
    return retagged


def set_posting_state(account: Account, posting: dict, state: str) -> None:
    posting["state"] = state
    show = f"{JOB_SITE}/{posting['id']}"
    posting["urls"] = (
        {"list": JOB_SITE, "show": show, "apply": f"{show}/apply"} if state in ("published", "internal") else None
    )  # draft and closed postings have urls: null
    posting["updatedAt"] = account.now_ms
    account.changed()


def delete_posting(account: Account, posting: dict, at: int | None = None) -> None:
    """Hard delete: gone from /postings and GETs, listed in /postings/deleted; applications keep its id.
    `at` backdates the deletion (a posting deleted before a warehouse's first sync)."""
    if account.posting_deleted(posting["id"]):
        raise ValueError(f"posting {posting['id']} is already deleted")
    deleted_at = account.now_ms if at is None else at
    if deleted_at > account.now_ms:
        raise ValueError("a posting cannot be deleted in the future")
    account.deleted["postings"][posting["id"]] = {"id": posting["id"], "deletedAt": deleted_at}
    account.changed()


def deactivate_user(account: Account, user: dict) -> None:
    user["deactivatedAt"] = account.now_ms
    account.changed()


def remove_stage(account: Account, stage_id: str) -> None:
    """Take a stage out of the pipeline: gone from /stages and /disposition_stages, GET /stages/:id is a 404,
    while opportunities (stage, stageChanges), interviews and notes keep referring to it."""
    if stage_id in BUILT_IN_STAGES:
        raise ValueError(f"{stage_id} is built into every Lever account and cannot be removed")
    if account.stage_index(stage_id) is None:
        raise ValueError(f"no stage {stage_id} in the pipeline")
    account.catalog.removed_stages.add(stage_id)
    account.changed()


def delete_archive_reason(account: Account, reason_id: str) -> None:
    """Delete an archive reason: gone from its lists and GET, still the reason of opportunities archived with it."""
    reason = account.archive_reason(reason_id)
    if reason is None:
        raise ValueError(f"no archive reason {reason_id}")
    if reason["type"] == "hired":
        raise ValueError("the Hired archive reason is built into every Lever account and cannot be deleted")
    account.catalog.deleted_reasons.add(reason_id)
    account.changed()
