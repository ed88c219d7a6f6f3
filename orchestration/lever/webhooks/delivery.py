"""A Lever webhook delivery as sent (`{event, triggeredAt, token, signature, data}`), parsed and bounded."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

# Lever's events (docs/lever-api.md §11). Every one carries ids only: the warehouse reads the record by id.
OPPORTUNITY_EVENTS = frozenset(
    {
        "applicationCreated",
        "candidateHired",
        "candidateStageChange",
        "candidateArchiveChange",
        "candidateDeleted",
        "interviewCreated",
        "interviewUpdated",
        "interviewDeleted",
    }
)
CONTACT_EVENTS = frozenset({"contactCreated", "contactUpdated"})
EVENTS = OPPORTUNITY_EVENTS | CONTACT_EVENTS
_MAX_TEXT = 256  # tokens, ids and event names are far shorter; anything longer is not Lever's


class MalformedDelivery(ValueError):
    """The body is not a Lever delivery (not JSON, not an object, a field missing or of the wrong type)."""


@dataclass(frozen=True)
class Delivery:
    event: str
    triggered_at_ms: int
    token: str  # Lever's random string for this delivery: part of the signed message, and what a replay repeats
    signature: str
    data: dict[str, Any]

    @property
    def opportunity_id(self) -> str | None:
        """The opportunity an event concerns (`candidateId` is its legacy name); None for contact events and
        Lever's "test connection" ping, which carries no ids."""
        if self.event not in OPPORTUNITY_EVENTS:
            return None
        return _id(self.data.get("opportunityId")) or _id(self.data.get("candidateId"))

    @property
    def contact_id(self) -> str | None:
        return _id(self.data.get("contactId")) if self.event in CONTACT_EVENTS else None

    @property
    def fingerprint(self) -> str:
        """What the delivery says, without its token: a retry Lever sends with a fresh token is still a duplicate."""
        canonical = json.dumps([self.event, self.triggered_at_ms, self.data], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _id(value: Any) -> str | None:
    if isinstance(value, str) and 0 < len(value) <= _MAX_TEXT and value.isprintable():
        return value
    return None


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_TEXT:
        raise MalformedDelivery(f"`{name}` must be a non-empty string of at most {_MAX_TEXT} characters")
    return value


def parse(raw: bytes) -> Delivery:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedDelivery(f"the body is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(body, dict):
        raise MalformedDelivery("the body is not a JSON object")
    triggered_at = body.get("triggeredAt")
    if not isinstance(triggered_at, int) or isinstance(triggered_at, bool) or not 0 < triggered_at < 10**14:
        raise MalformedDelivery("`triggeredAt` must be epoch milliseconds")
    data = body.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MalformedDelivery("`data` must be an object")
    event = _text(body, "event")
    delivery = Delivery(event, triggered_at, _text(body, "token"), _text(body, "signature"), data)
    named = "opportunityId" in data or "candidateId" in data
    if event in OPPORTUNITY_EVENTS and named and delivery.opportunity_id is None:
        raise MalformedDelivery("`data.opportunityId` is not an id")
    if event in CONTACT_EVENTS and "contactId" in data and delivery.contact_id is None:
        raise MalformedDelivery("`data.contactId` is not an id")
    return delivery
