"""The account's webhooks (Lever's `/webhooks`): which events go to which URL, signed with which token."""

from __future__ import annotations

from .account import Account
from .errors import bad_request

# Lever's webhook events (docs/lever-api.md §11); `operations` emits each where its change happens.
EVENTS = (
    "applicationCreated",
    "candidateHired",
    "candidateStageChange",
    "candidateArchiveChange",
    "candidateDeleted",
    "interviewCreated",
    "interviewUpdated",
    "interviewDeleted",
    "contactCreated",
    "contactUpdated",
)


def add_webhook(
    account: Account, event: str, url: str, configuration: dict | None = None, signature_token: str | None = None
) -> dict:
    """A webhook for one event. Its signature token comes from the account's write RNG unless given, so a
    journal replay recreates the same token."""
    if event not in EVENTS:
        raise bad_request(f"Invalid event: {event}")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise bad_request("url must be an http(s) URL")
    hook = {
        "id": account.new_id(),
        "event": event,
        "url": url,
        "configuration": configuration or {},
        "signatureToken": signature_token or f"{account.write_rng.getrandbits(128):032x}",
        "createdAt": account.now_ms,
    }
    account.webhooks[hook["id"]] = hook
    return hook


def public(hook: dict) -> dict:
    """As listed: the signature token is shown once, by the create call."""
    return {key: value for key, value in hook.items() if key != "signatureToken"}
