"""Kombo-style ids: 24 base58 characters from (integration, model, remote key); the twin of the dbt macro that the
tests compare it with (the library itself never derives unified ids: dbt does)."""

from __future__ import annotations

import hashlib

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
SEPARATOR = chr(31)


def unified_id(integration_id: str, model: str, remote_key: str) -> str:
    """Same bytes in, same id out, on every machine and after every rebuild (unified-schema.md §1.3)."""
    digest = hashlib.sha256(SEPARATOR.join((integration_id, model, remote_key)).encode()).hexdigest()
    return "".join(ALPHABET[int(digest[2 * i : 2 * i + 2], 16) % 58] for i in range(24))
