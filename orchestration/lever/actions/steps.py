"""Every Lever write of the actions as a step that a rerun finds in Lever instead of repeating.

Creating a candidate or an application is `POST /opportunities` (one request, attachments included), or, when
screening questions are answered, Lever's application form (`POST /postings/:id/apply`) followed by the
attachments and the stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..client import Params
from ..endpoints import segment
from .attachments import Attachment
from .lever_side import ActionFailed, LeverSide, application_of, route

CREATE = route("create", "/opportunities")
APPLY = route("apply", "/postings/:id/apply")
STAGE = route("stage", "/opportunities/:id/stage")
ARCHIVE = route("archive", "/opportunities/:id/archived")
TAGS = route("tags", "/opportunities/:id/addTags")
LINKS = route("links", "/opportunities/:id/addLinks")
NOTE = route("note", "/opportunities/:id/notes")
UPLOAD = route("upload", "/opportunities/:id/files")
APPLIED_STAGE = "applicant-new"  # where Lever's application form puts new applicants


@dataclass
class NewOpportunity:
    """What to create, in Lever's terms. `match` (contact or posting) and `emails` find it again."""

    match: Params
    emails: tuple[str, ...]
    confidential: bool
    body: dict[str, Any]  # POST /opportunities (without files)
    posting: str
    stage: str | None
    attachments: list[Attachment] = field(default_factory=list)
    apply: dict[str, Any] | None = None  # the application form's payload, when screening questions are answered

    def requests(self) -> list[str]:
        """The writes it takes, for dry runs."""
        if self.apply is None:
            return ["POST /opportunities" + (" (multipart, with the attachments)" if self.attachments else "")]
        writes = [f"POST /postings/{self.posting}/apply"]
        writes += [f"POST /opportunities/:new/files ({a.name})" for a in self.attachments]
        return writes + ([f"PUT /opportunities/:new/stage ({self.stage})"] if self.stage else [])


async def create(lever: LeverSide, new: NewOpportunity) -> dict[str, Any]:
    async def find() -> dict[str, Any] | None:
        found = await lever.created_opportunity(new.match, new.confidential, new.emails)
        return None if found is None else {"opportunity": found["id"], "application": application_of(found)}

    if new.apply is None:
        created = await lever.step("POST /opportunities", lambda: _post(lever, new), find)
        lever.touch(created["opportunity"])
        return created

    async def apply() -> dict[str, Any]:
        body = await lever.write(
            "POST", f"/postings/{segment(new.posting)}/apply", APPLY, json=new.apply, as_user=False
        )
        found = await find()
        if found is None:
            raise ActionFailed(
                f"Lever accepted the application to posting {new.posting} but does not list the new opportunity "
                "yet; the next attempt finds it instead of applying again",
                endpoint=APPLY.name,
            )
        return {**found, "application": (body.get("data") or {}).get("applicationId") or found["application"]}

    created = await lever.step(f"POST /postings/{new.posting}/apply", apply, find)
    opportunity = created["opportunity"]
    lever.touch(opportunity)
    created["files"] = [(await upload(lever, opportunity, a))["file"] for a in new.attachments]
    if new.stage and new.stage != APPLIED_STAGE:
        await move(lever, opportunity, new.stage)
        created["stage"] = new.stage
    return created


async def _post(lever: LeverSide, new: NewOpportunity) -> dict[str, Any]:
    if new.attachments:
        resume = next((a for a in new.attachments if a.kind == "CV"), None)
        files = [
            ("resumeFile" if a is resume else "files[]", (a.name, a.content, a.content_type)) for a in new.attachments
        ]
        body = await lever.write("POST", "/opportunities", CREATE, form=_form_fields(new.body), files=files)
    else:
        body = await lever.write("POST", "/opportunities", CREATE, json=new.body)
    data = body.get("data") or {}
    return {"opportunity": data.get("id"), "application": application_of(data), "deduped": bool(body.get("deduped"))}


async def upload(lever: LeverSide, opportunity: str, attachment: Attachment) -> dict[str, Any]:
    """One attachment as a file of the opportunity (Lever has no resume upload for an existing opportunity)."""

    async def send() -> dict[str, Any]:
        files = [("file", (attachment.name, attachment.content, attachment.content_type))]
        body = await lever.write("POST", f"/opportunities/{segment(opportunity)}/files", UPLOAD, files=files)
        return {"file": (body.get("data") or {}).get("id")}

    async def present() -> dict[str, Any] | None:
        return await lever.file_since(opportunity, attachment.name, len(attachment.content))

    return await lever.step(f"upload {attachment.summary()['type']} file", send, present)


async def move(lever: LeverSide, opportunity: str, stage: str) -> dict[str, Any]:
    """Present when the opportunity is in the stage, or entered it since the first attempt (and moved on)."""

    async def present() -> dict[str, Any] | None:
        current = await lever.opportunity(opportunity)
        entered = any(
            change.get("toStageId") == stage and (change.get("updatedAt") or 0) >= lever.since_ms
            for change in current.get("stageChanges") or []
        )
        return {"stage": stage} if current.get("stage") == stage or entered else None

    async def send() -> dict[str, Any]:
        body = await lever.write("PUT", f"/opportunities/{segment(opportunity)}/stage", STAGE, json={"stage": stage})
        return {"stage": (body.get("data") or {}).get("stage")}

    return await lever.step("PUT /opportunities/:id/stage", send, present, check_first=True)


async def archive(lever: LeverSide, opportunity: str, reason: str) -> dict[str, Any]:
    """Archived with this reason (Lever's rejection); another reason is replaced, the same one left alone."""

    async def present() -> dict[str, Any] | None:
        archived = (await lever.opportunity(opportunity)).get("archived") or {}
        return {"archived": reason} if archived.get("reason") == reason else None

    async def send() -> dict[str, Any]:
        path = f"/opportunities/{segment(opportunity)}/archived"
        body = await lever.write("PUT", path, ARCHIVE, json={"reason": reason})
        return {"archived": ((body.get("data") or {}).get("archived") or {}).get("reason")}

    return await lever.step("PUT /opportunities/:id/archived", send, present, check_first=True)


async def tag(lever: LeverSide, opportunity: str, name: str, *, add: bool) -> dict[str, Any]:
    """Tags are a set: adding or removing one twice changes nothing, so these writes may be resent."""
    verb = "addTags" if add else "removeTags"

    async def present() -> dict[str, Any] | None:
        tags = (await lever.opportunity(opportunity)).get("tags") or []
        return {"tag": "present" if add else "absent"} if (name in tags) == add else None

    async def send() -> dict[str, Any]:
        path = f"/opportunities/{segment(opportunity)}/{verb}"
        await lever.write("POST", path, TAGS, json={"tags": [name]}, replay_safe=True)
        return {"tag": "added" if add else "removed"}

    return await lever.step(f"POST /opportunities/:id/{verb}", send, present, check_first=True)


async def link(lever: LeverSide, opportunity: str, url: str) -> dict[str, Any]:
    """A link on the candidate's profile (Lever's place for links: contact data, shown on every opportunity)."""

    async def present() -> dict[str, Any] | None:
        return {"link": "present"} if url in ((await lever.opportunity(opportunity)).get("links") or []) else None

    async def send() -> dict[str, Any]:
        path = f"/opportunities/{segment(opportunity)}/addLinks"
        await lever.write("POST", path, LINKS, json={"links": [url]}, replay_safe=True)
        return {"link": "added"}

    return await lever.step("POST /opportunities/:id/addLinks", send, present, check_first=True)


async def note(lever: LeverSide, opportunity: str, text: str) -> dict[str, Any]:
    async def present() -> dict[str, Any] | None:
        return await lever.note_since(opportunity, text)

    async def send() -> dict[str, Any]:
        body = await lever.write("POST", f"/opportunities/{segment(opportunity)}/notes", NOTE, json={"value": text})
        data = body.get("data") or {}
        return {"note": data.get("noteId") or data.get("id")}

    return await lever.step("POST /opportunities/:id/notes", send, present)


def _form_fields(body: dict[str, Any]) -> list[tuple[str, str]]:
    """A JSON body as Lever's multipart fields: lists repeat their key, objects in lists use indexed keys."""
    pairs: list[tuple[str, str]] = []
    for key, value in body.items():
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, dict):
                pairs += [(f"{key}[{index}][{k}]", str(v)) for k, v in item.items() if v is not None]
            elif item is not None:
                pairs.append((key, str(item)))
    return pairs
