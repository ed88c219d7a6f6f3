"""Lever's webhook signature: HMAC-SHA256 of `token + triggeredAt` keyed with the webhook's signature token."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from ..secrets import Secret


def sign(signature_token: str, token: str, triggered_at_ms: int) -> str:
    """The hex signature Lever sends: the two strings concatenated with no separator; the body is not hashed."""
    message = f"{token}{triggered_at_ms}".encode()
    return hmac.new(signature_token.encode(), message, hashlib.sha256).hexdigest()


def signed_by_any(tokens: Sequence[Secret], token: str, triggered_at_ms: int, signature: str) -> bool:
    """Whether one of `tokens` made `signature`. Every token is tried (no early exit), each in constant time,
    so the answer's timing says nothing about which token came close."""
    given = signature.strip().lower().encode()
    matched = False
    for secret in tokens:
        expected = sign(secret.reveal(), token, triggered_at_ms).encode()
        matched |= hmac.compare_digest(expected, given)
    return matched
