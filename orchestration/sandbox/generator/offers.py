"""Offers and the statuses they move through."""

from __future__ import annotations

import random

from ..clock import DAY_MS
from ..ids import new_id
from ..model import Genesis
from . import vocab
from .catalog import Catalog

OFFER_STATUSES = ["draft", "approval-sent", "approved", "sent", "sent-manually", "opened", "denied", "signed"]


def set_offer_status(offer: dict, status: str, at: int) -> None:
    """Status plus the timestamps and signatures each status implies."""
    rank = OFFER_STATUSES.index(status)
    offer["status"] = status
    offer["approved"] = rank >= 2 and status != "denied"
    offer["approvedAt"] = at if offer["approved"] and offer.get("approvedAt") is None else offer.get("approvedAt")
    sent = status in ("sent", "sent-manually", "opened", "signed")
    if sent and offer.get("sentAt") is None:
        offer["sentAt"] = at
        offer["sentDocument"] = {"fileName": "offer-letter.pdf", "uploadedAt": at, "downloadUrl": None}
    candidate = offer["signatures"]["candidate"]
    if status in ("opened", "signed"):
        candidate["firstOpenedAt"] = candidate["firstOpenedAt"] or at
        candidate["lastOpenedAt"] = at
    if status == "signed":
        candidate["signed"], candidate["signedAt"] = True, at
        offer["signedDocument"] = {"fileName": "offer-letter-signed.pdf", "uploadedAt": at, "downloadUrl": None}


def add_offer(children: dict, rng: random.Random, catalog: Catalog, genesis: Genesis, at: int, status: str) -> dict:
    posting = genesis.posting_id
    manager = catalog.users[rng.choice(catalog.hiring_managers)]
    offer = {
        "id": new_id(rng),
        "posting": posting,
        "createdAt": at,
        "status": "draft",
        "creator": genesis.owner,
        "fields": [
            {
                "text": "Job title",
                "identifier": "job_title",
                "value": catalog.original_titles.get(posting, "Specialist") if posting else "Specialist",
            },
            {"text": "Salary", "identifier": "salary_amount", "value": rng.randrange(45_000, 180_000, 500)},
            {"text": "Currency", "identifier": "compensation_currency", "value": rng.choice(vocab.CURRENCIES)},
            {"text": "Salary interval", "identifier": "salary_interval", "value": "per-year-salary"},
            {
                "text": "Start date",
                "identifier": "anticipated_start_date",
                "value": (at // DAY_MS + rng.randint(14, 60)) * DAY_MS,
            },
        ],
        "signatures": {
            "candidate": {
                "role": "candidate",
                "name": genesis.name,
                "email": genesis.email,
                "firstOpenedAt": None,
                "lastOpenedAt": None,
                "signedAt": None,
                "signed": False,
            },
            "hiringManager": {
                "role": "hiringManager",
                "name": manager["name"],
                "email": manager["email"],
                "firstOpenedAt": None,
                "lastOpenedAt": None,
                "signedAt": at,
                "signed": True,
            },
        },
        "approved": False,
        "approvedAt": None,
        "sentAt": None,
        "sentDocument": None,
        "signedDocument": None,
    }
    set_offer_status(offer, status, at)
    children["offers"].append(offer)
    return offer
