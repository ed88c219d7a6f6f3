"""From a request (action, parameters in unified ids) to a plan: every id looked up, every value checked and
every attachment read before the first request to Lever; running the plan is then Lever work only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import steps
from .apply_form import apply_body
from .attachments import Attachment, load
from .lever_side import LeverSide
from .lookup import Lookup
from .spec import ActionError, check_params
from .steps import NewOpportunity


@dataclass(frozen=True)
class Options:
    configured_perform_as: str | None  # LEVER_PERFORM_AS: a unified or Lever user id
    max_attachment_bytes: int
    http: httpx.AsyncClient  # downloads of `data_url` attachments (not Lever: no credentials on it)


@dataclass
class Plan:
    action: str
    perform_as: str | None  # Lever user id the writes are attributed to
    describe: dict[str, Any]  # what will be sent, in Lever ids; no personal data (dry runs print it)
    run: Callable[[LeverSide], Awaitable[dict[str, Any]]]
    attachments: list[Attachment] = field(default_factory=list)


def acting_user(lookup: Lookup, explicit: str | None, configured: str | None, owner: str | None) -> str:
    """Who the writes are performed as: the request's `perform_as`, else the configured default, else the owner
    of the job concerned (Lever's own suggestion, `perform_as_posting_owner`)."""
    if explicit:
        return lookup.user(explicit, "perform_as")
    if configured:
        return lookup.user(configured, "the configured perform_as (LEVER_PERFORM_AS)")
    if owner:
        return lookup.user(owner, "the job's owner (perform_as by default)")
    raise ActionError(
        "no user to act as: pass perform_as (a users id from ats.users) or set LEVER_PERFORM_AS; the job's owner "
        "is used otherwise, and this action concerns no job with an owner"
    )


async def prepare(
    action: str, params: object, lookup: Lookup, options: Options, *, perform_as: str | None = None
) -> Plan:
    checked = check_params(action, params)
    return await PREPARERS[action](action, checked, lookup, options, perform_as)


async def _create_candidate(action: str, p: dict, lookup: Lookup, options: Options, who: str | None) -> Plan:
    person = p["candidate"]
    job = lookup.job(p["application"]["job_id"], "application.job_id")
    stage = (
        lookup.stage(p["application"]["stage_id"], job.id, "application.stage_id")
        if p["application"].get("stage_id")
        else None
    )
    email = person["email_address"].strip()
    links = [item["url"] for item in person.get("social_links") or []]
    place = person.get("location") or {}
    location = ", ".join(v for v in (place.get("city"), place.get("country")) if v)
    headline = ", ".join(v for v in (person.get("company"), person.get("title")) if v)
    body: dict[str, Any] = {
        "name": f"{person['first_name'].strip()} {person['last_name'].strip()}",
        "emails": [email],
        "headline": headline or None,
        "location": location or None,
        "phones": [{"value": person["phone_number"], "type": "other"}] if person.get("phone_number") else [],
        "links": links,
        "postings": [job.posting],
        "stage": stage,
        "sources": [p["source"]["name"]] if p.get("source") else [],
    }
    personal = {
        "fullName": body["name"],
        "email": email,
        "phone": person.get("phone_number"),
        "currentCompany": person.get("company"),
        "currentLocation": location,
    }
    return await _creation(action, p, lookup, options, who, job, stage, ([], (email,)), body, personal, links)


async def _create_application(action: str, p: dict, lookup: Lookup, options: Options, who: str | None) -> Plan:
    candidate = lookup.candidate(p["candidate_id"])
    job = lookup.job(p["job_id"])
    stage = lookup.stage(p["stage_id"], job.id) if p.get("stage_id") else None
    if not candidate.contact:
        raise ActionError(f"candidate_id {candidate.id}: the warehouse does not know its Lever contact")
    body: dict[str, Any] = {
        "contact": candidate.contact,
        "postings": [job.posting],
        "stage": stage,
        "sources": [p["source"]["name"]] if p.get("source") else [],
    }
    if p.get("screening_question_answers") and not candidate.emails:
        raise ActionError(f"candidate_id {candidate.id} has no email address, which Lever's application form needs")
    name = lookup.conn.execute(
        "SELECT concat_ws(' ', first_name, last_name) FROM ats.candidates WHERE id = $1", [candidate.id]
    ).fetchall()[0][0]
    personal = {"fullName": name, "email": candidate.emails[0] if candidate.emails else None}
    match = ([("contact_id", candidate.contact)], ())
    return await _creation(action, p, lookup, options, who, job, stage, match, body, personal, [])


async def _creation(
    action: str,
    p: dict,
    lookup: Lookup,
    options: Options,
    who: str | None,
    job: Any,
    stage: str | None,
    match: tuple[list[tuple[str, str]], tuple[str, ...]],
    body: dict[str, Any],
    personal: dict[str, Any],
    links: list[str],
) -> Plan:
    user = acting_user(lookup, who, options.configured_perform_as, job.owner)
    attachments = await _attachments(action, p.get("attachments") or [], options)
    answers = p.get("screening_question_answers") or []
    source = p["source"]["name"] if p.get("source") else None
    form = apply_body(lookup, job, answers, personal, links, source) if answers else None
    new = NewOpportunity(
        match=[*match[0], ("posting_id", job.posting)],
        emails=match[1],
        confidential=job.confidential,
        body={k: v for k, v in body.items() if v not in (None, [], "")},
        posting=job.posting,
        stage=stage,
        attachments=attachments,
        apply=form,
    )
    describe = {"posting": job.posting, "stage": stage, "writes": new.requests(), "perform_as": user}
    return Plan(action, user, describe, lambda lever: steps.create(lever, new), attachments)


async def _tag(action: str, p: dict, lookup: Lookup, options: Options, who: str | None) -> Plan:
    candidate = lookup.candidate(p["candidate_id"])
    name = p["tag"]["name"].strip()
    user = acting_user(lookup, who, options.configured_perform_as, _owner(lookup, candidate.opportunity))
    add = action == "add_tag"

    async def run(lever: LeverSide) -> dict[str, Any]:
        await lever.opportunity(candidate.opportunity, confidential=candidate.confidential)
        return {"opportunity": candidate.opportunity, **await steps.tag(lever, candidate.opportunity, name, add=add)}

    verb = "addTags" if add else "removeTags"
    describe = {"opportunity": candidate.opportunity, "writes": [f"POST /opportunities/:id/{verb}"], "perform_as": user}
    return Plan(action, user, describe, run)


async def _move(action: str, p: dict, lookup: Lookup, options: Options, who: str | None) -> Plan:
    application = lookup.application(p["application_id"])
    stage = lookup.stage(p["stage_id"], application.job_id)
    user = acting_user(lookup, who, options.configured_perform_as, _owner(lookup, application.opportunity))

    async def run(lever: LeverSide) -> dict[str, Any]:
        await lever.opportunity(application.opportunity, confidential=application.confidential)
        return {"opportunity": application.opportunity, **await steps.move(lever, application.opportunity, stage)}

    describe = {
        "opportunity": application.opportunity,
        "stage": stage,
        "perform_as": user,
        "writes": ["PUT /opportunities/:id/stage"],
    }
    return Plan(action, user, describe, run)


async def _reject(action: str, p: dict, lookup: Lookup, options: Options, who: str | None) -> Plan:
    application = lookup.application(p["application_id"])
    reason, _ = lookup.rejection_reason(p["rejection_reason_id"])
    user = acting_user(lookup, who, options.configured_perform_as, _owner(lookup, application.opportunity))
    text = p.get("note")

    async def run(lever: LeverSide) -> dict[str, Any]:
        await lever.opportunity(application.opportunity, confidential=application.confidential)
        done = {"opportunity": application.opportunity, **await steps.archive(lever, application.opportunity, reason)}
        if text:
            done["note"] = (await steps.note(lever, application.opportunity, text))["note"]
        return done

    writes = ["PUT /opportunities/:id/archived"] + (["POST /opportunities/:id/notes"] if text else [])
    describe = {"opportunity": application.opportunity, "reason": reason, "writes": writes, "perform_as": user}
    return Plan(action, user, describe, run)


async def _attachment(action: str, p: dict, lookup: Lookup, options: Options, who: str | None) -> Plan:
    if p.get("application_id"):
        target = lookup.application(p["application_id"])
        opportunity, confidential = target.opportunity, target.confidential
    else:
        candidate = lookup.candidate(p["candidate_id"])
        opportunity, confidential = candidate.opportunity, candidate.confidential
    user = acting_user(lookup, who, options.configured_perform_as, _owner(lookup, opportunity))
    attachment = (await _attachments(action, [p["attachment"]], options))[0]

    async def run(lever: LeverSide) -> dict[str, Any]:
        await lever.opportunity(opportunity, confidential=confidential)
        return {"opportunity": opportunity, **await steps.upload(lever, opportunity, attachment)}

    describe = {
        "opportunity": opportunity,
        "writes": ["POST /opportunities/:id/files (multipart)"],
        "attachment": attachment.summary(),
        "perform_as": user,
    }
    return Plan(action, user, describe, run, [attachment])


async def _result_link(action: str, p: dict, lookup: Lookup, options: Options, who: str | None) -> Plan:
    application = lookup.application(p["application_id"])
    user = acting_user(lookup, who, options.configured_perform_as, _owner(lookup, application.opportunity))
    text = result_note(p)

    async def run(lever: LeverSide) -> dict[str, Any]:
        opportunity = application.opportunity
        await lever.opportunity(opportunity, confidential=application.confidential)
        done = {"opportunity": opportunity, **await steps.link(lever, opportunity, p["url"])}
        return {**done, **await steps.note(lever, opportunity, text)}

    describe = {
        "opportunity": application.opportunity,
        "perform_as": user,
        "writes": ["POST /opportunities/:id/addLinks", "POST /opportunities/:id/notes"],
    }
    return Plan(action, user, describe, run)


def result_note(p: dict[str, Any]) -> str:
    """The note a recruiter reads on the profile: the label and URL, then one line per detail attribute."""
    details = p.get("details") or {}
    prefix = details.get("custom_field_name_prefix") or ""
    lines = [f"{p['label']}: {p['url']}"]
    lines += [f"{prefix}{item['key']}: {item['value']}" for item in details.get("attributes") or []]
    return "\n".join(lines)


def _owner(lookup: Lookup, opportunity: str) -> str | None:
    """The owner of the job an opportunity applied to, as the warehouse has it."""
    rows = lookup.conn.execute(
        """SELECT json_extract_string(j.remote_data, '$."/postings".owner')
           FROM ats.applications a JOIN ats.jobs j ON j.id = a.job_id
           WHERE a.integration_id = $1 AND a.remote_id = $2""",
        [lookup.integration_id, opportunity],
    ).fetchall()
    return rows[0][0] if rows else None


async def _attachments(action: str, specs: list[dict[str, Any]], options: Options) -> list[Attachment]:
    return [
        await load(spec, max_bytes=options.max_attachment_bytes, http=options.http, where=f"{action}: attachment")
        for spec in specs
    ]


PREPARERS = {
    "create_candidate": _create_candidate,
    "create_application": _create_application,
    "add_tag": _tag,
    "remove_tag": _tag,
    "move_application_to_stage": _move,
    "reject_application": _reject,
    "add_attachment": _attachment,
    "add_result_link": _result_link,
}
