"""The Lever side of an action: the read before writing, writes through the shared client, and the read-back
that makes a resent write, a replayed request or a rerun after a crash apply nothing twice.

Lever has no idempotency keys and its writes are not idempotent (a second `PUT .../stage` adds a second stage
change, a second `POST /opportunities` a second opportunity: the email dedupe joins the contact, not the
opportunity). So every write is a step with a `present` check that finds its effect in Lever: checked first for
state-like effects (a tag, a stage), and for the others whenever an earlier attempt may have landed (a request
processed before, or a write whose answer never came).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..client import LeverClient, Params
from ..endpoints import Route, segment
from ..errors import LeverError, LeverWriteUnconfirmed
from ..pagination import iter_pages
from .spec import ActionError

log = logging.getLogger("lever_warehouse.actions")

# Writes whose answer never came are resent at most this often, each time after a read-back found nothing.
UNCONFIRMED_RESENDS = 2


def route(name: str, template: str) -> Route:
    """Action requests are counted under `actions:<name>` in the run log, apart from the sync's."""
    return Route(f"actions:{name}", template)


OPPORTUNITY = route("opportunity", "/opportunities/:id")
OPPORTUNITIES = route("opportunities", "/opportunities")


class ActionFailed(LeverError):
    """Lever refused the action, or it could not be confirmed either way; the message says which."""


class LeverSide:
    """One request's Lever work. `since_ms`: Lever time from which an earlier attempt's effect would show;
    `recovering`: whether an earlier attempt may have written anything."""

    def __init__(self, client: LeverClient, *, perform_as: str | None, since_ms: int, recovering: bool) -> None:
        self.client = client
        self.perform_as = perform_as
        self.since_ms = since_ms
        self.recovering = recovering
        self.touched: list[str] = []  # opportunities acted on or created: the targeted re-sync reads them
        self.done: list[str] = []  # steps whose effect is in Lever, for the error of a later step that fails
        self._cache: dict[str, dict[str, Any]] = {}

    def applied(self) -> str:
        """For an error: what of the action is in Lever already (a retry with the same key skips it)."""
        return f"; already in Lever: {', '.join(self.done)}" if self.done else "; nothing was written"

    def touch(self, opportunity_id: str) -> None:
        if opportunity_id not in self.touched:
            self.touched.append(opportunity_id)

    async def opportunity(self, opportunity_id: str, *, confidential: bool = False) -> dict[str, Any]:
        """The opportunity as Lever has it now (cached until the next write)."""
        if opportunity_id not in self._cache:
            path = f"/opportunities/{segment(opportunity_id)}"
            try:
                body = await self.client.get_json(path, [("expand", "applications")], route=OPPORTUNITY)
            except LeverError as exc:
                if exc.status != 404:
                    raise
                self.touch(opportunity_id)  # the re-sync records the deletion at once
                why = (
                    "it is confidential and the API key has no confidential access (Lever answers 404)"
                    if confidential
                    else "it was deleted in Lever since the last sync"
                )
                raise ActionError(f"opportunity {opportunity_id} is not in Lever: {why}") from None
            self._cache[opportunity_id] = body.get("data") or {}
            self.touch(opportunity_id)
        return self._cache[opportunity_id]

    async def write(
        self,
        method: str,
        path: str,
        on: Route,
        *,
        json: dict[str, Any] | None = None,
        files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
        form: list[tuple[str, str]] | None = None,
        replay_safe: bool = False,
        as_user: bool = True,
    ) -> dict[str, Any]:
        params: Params = [("perform_as", self.perform_as)] if as_user and self.perform_as else []
        self._cache.clear()
        return await self.client.request_json(
            method, path, params, route=on, json=json, files=files, form=form, replay_safe=replay_safe
        )

    async def step(
        self,
        label: str,
        send: Callable[[], Awaitable[dict[str, Any]]],
        present: Callable[[], Awaitable[dict[str, Any] | None]],
        *,
        check_first: bool = False,
    ) -> dict[str, Any]:
        """Send one write unless its effect is already in Lever; a write left unanswered is read back before any
        resend. Returns a summary of Lever's answer (ids and flags, never personal data)."""
        if check_first or self.recovering:
            found = await present()
            if found is not None:
                self.done.append(label)
                return {**found, "already_in_lever": True}
        last: LeverWriteUnconfirmed | None = None
        for _ in range(UNCONFIRMED_RESENDS + 1):
            try:
                answer = await send()
                self.done.append(label)
                return answer
            except LeverWriteUnconfirmed as exc:
                last = exc
                log.warning("%s: no answer from Lever (%s); reading back before deciding", label, exc)
                self._cache.clear()
                found = await present()
                if found is not None:
                    self.done.append(label)
                    return {**found, "confirmed_by_read_back": True}
        raise ActionFailed(
            f"{label}: {last}; {UNCONFIRMED_RESENDS} resends were not confirmed either and reading back found no "
            "trace: retried with the next attempt",
            endpoint=last.endpoint if last else "",
        )

    async def children(self, opportunity_id: str, kind: str) -> list[dict[str, Any]]:
        """One child list of an opportunity (notes, files, resumes), every page."""
        path = f"/opportunities/{segment(opportunity_id)}/{kind}"
        records: list[dict[str, Any]] = []
        async for page in iter_pages(self.client, path, [], route=route(kind, f"/opportunities/:id/{kind}")):
            records += [r for r in page if isinstance(r, dict)]
        return records

    async def created_opportunity(
        self, filters: Params, confidential: bool, emails: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        """An opportunity matching `filters` (contact or posting) created since the first attempt, with one of
        `emails` if given. Emails are compared here, not sent as a filter: URLs end up in logs."""
        params: Params = [*filters, ("created_at_start", str(self.since_ms)), ("expand", "applications")]
        if confidential:
            params.append(("confidentiality", "all"))
        wanted = {e.strip().lower() for e in emails}
        async for page in iter_pages(self.client, "/opportunities", params, route=OPPORTUNITIES):
            for record in page:
                if not isinstance(record, dict) or not record.get("id"):
                    continue
                if not wanted or wanted & {str(e).strip().lower() for e in record.get("emails") or []}:
                    return record
        return None

    async def note_since(self, opportunity_id: str, text: str) -> dict[str, Any] | None:
        for note in await self.children(opportunity_id, "notes"):
            written = (note.get("createdAt") or 0) >= self.since_ms and not note.get("deletedAt")
            if written and _note_text(note) == text:
                return {"note": note.get("id")}
        return None

    async def file_since(self, opportunity_id: str, name: str, size: int, kind: str = "files") -> dict[str, Any] | None:
        for record in await self.children(opportunity_id, kind):
            file = record.get("file") or record  # resumes nest their file
            if file.get("name") == name and file.get("size") == size and (file.get("uploadedAt") or 0) >= self.since_ms:
                return {kind[:-1]: record.get("id")}
        return None


def _note_text(note: dict[str, Any]) -> str:
    """A note's text: the top-level `value` (as created) or the fields Lever lists notes with."""
    if isinstance(note.get("value"), str):
        return note["value"]
    return "\n".join(str(f.get("value") or "") for f in note.get("fields") or [] if isinstance(f, dict))


def application_of(opportunity: dict[str, Any]) -> str | None:
    applications = opportunity.get("applications") or []
    first = applications[0] if applications else None
    return first.get("id") if isinstance(first, dict) else first
