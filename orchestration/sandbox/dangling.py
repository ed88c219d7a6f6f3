"""Dangling references: ids that listed records carry but no list returns (deleted postings, removed stages,
deleted archive reasons), as real Lever accounts have them. Computed from the ground truth, so it costs a full
truth read (children included)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .account import Account
from .truth import truth

Refs = Callable[[dict], Iterator[tuple[str, str | None]]]  # record -> (target entity, referenced id)


def _opportunity(r: dict) -> Iterator[tuple[str, str | None]]:
    yield "stages", r["stage"]
    for change in r["stageChanges"]:
        yield "stages", change["toStageId"]
        yield "users", change.get("userId")
    yield "archive_reasons", (r["archived"] or {}).get("reason")
    yield "users", r["owner"]
    yield "users", r["sourcedBy"]
    yield from (("users", uid) for uid in r["followers"])


def _application(r: dict) -> Iterator[tuple[str, str | None]]:
    yield "postings", r["posting"]
    yield "archive_reasons", (r["archived"] or {}).get("reason")
    for field in ("user", "postingOwner", "postingHiringManager"):
        yield "users", r[field]


def _interview(r: dict) -> Iterator[tuple[str, str | None]]:
    yield "stages", r["stage"]
    yield "users", r["user"]
    yield "feedback_templates", r["feedbackTemplate"]
    yield from (("postings", pid) for pid in r["postings"])
    yield from (("users", person["id"]) for person in r["interviewers"])


def _stage_and_user(r: dict) -> Iterator[tuple[str, str | None]]:
    yield "stages", r.get("stage")
    yield "users", r.get("user")


def _note(r: dict) -> Iterator[tuple[str, str | None]]:
    yield "users", r["user"]
    for field in r["fields"]:
        yield from _stage_and_user(field)


def _offer(r: dict) -> Iterator[tuple[str, str | None]]:
    yield "postings", r["posting"]
    yield "users", r["creator"]


def _people(*fields: str) -> Refs:
    def refs(r: dict) -> Iterator[tuple[str, str | None]]:
        for field in fields:
            value = r.get(field)
            yield from (("users", uid) for uid in (value if isinstance(value, list) else [value]))

    return refs


def _requisition(r: dict) -> Iterator[tuple[str, str | None]]:
    yield from (("postings", pid) for pid in r["postings"])
    yield from _people("owner", "hiringManager", "creator")(r)


REFERENCES: dict[str, Refs] = {
    "opportunities": _opportunity,
    "applications": _application,
    "interviews": _interview,
    "panels": _stage_and_user,
    "notes": _note,
    "referrals": _stage_and_user,
    "forms": _stage_and_user,
    "feedback": _people("user"),
    "offers": _offer,
    "postings": _people("owner", "hiringManager", "user", "followers"),
    "requisitions": _requisition,
}
TARGETS = ("postings", "stages", "archive_reasons", "users", "feedback_templates")


def dangling(account: Account) -> dict[str, list[str]]:
    """{target entity: sorted ids referenced but not listed}; every target is present, usually empty."""
    with account.lock:
        listed = {entity: {r["id"] for r in truth(account, entity)["records"]} for entity in TARGETS}
        missing: dict[str, set[str]] = {entity: set() for entity in TARGETS}
        for entity, refs in REFERENCES.items():
            for record in truth(account, entity)["records"]:
                for target, ident in refs(record["data"]):
                    if ident is not None and ident not in listed[target]:
                        missing[target].add(ident)
    return {entity: sorted(ids) for entity, ids in missing.items()}
