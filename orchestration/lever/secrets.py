"""Secret values that cannot leak through repr, str, logging or exception text by accident."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import os
import threading

# Every secret value this process has held, in the forms a server could echo back (plain, base64, a Basic
# header's base64 of `key:`): `scrub()` masks them in any text bound for logs, summaries or the warehouse.
_KNOWN: set[str] = set()
_KNOWN_LOCK = threading.Lock()
_MIN_LENGTH = 6  # shorter values would mask ordinary words
MASK = "***"


def _forms(value: str) -> set[str]:
    raw = value.encode()
    forms = {value}
    for data in (raw, raw + b":", b":" + raw):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(data).decode()
            forms |= {text, text.rstrip("=")}
    return {form for form in forms if len(form) >= _MIN_LENGTH}


def remember(value: str) -> None:
    """Mask `value` (and its encodings) in every text `scrub()` sees from now on."""
    if len(value) >= _MIN_LENGTH:
        with _KNOWN_LOCK:
            _KNOWN.update(_forms(value))


def scrub(text: str) -> str:
    """`text` with every known secret form replaced by ***; longest first, so no tail of one survives."""
    if not _KNOWN or not text:
        return text
    with _KNOWN_LOCK:
        known = sorted(_KNOWN, key=len, reverse=True)
    for form in known:
        if form in text:
            text = text.replace(form, MASK)
    return text


class ScrubFilter(logging.Filter):
    """A handler filter: the record's final message, scrubbed (library messages quote server responses)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class Secret:
    """Wraps a credential; only `reveal()` gives the value, and only code that sends it calls that."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        remember(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(("secret", hashlib.sha256(self._value.encode()).hexdigest()))

    def __bool__(self) -> bool:
        return bool(self._value)


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest())
    return b"".join(blocks)[:length]


@functools.lru_cache(maxsize=8)
def _keys(passphrase: Secret) -> tuple[bytes, bytes]:
    # Derived once per process: sealing sits between receiving a rotated refresh token and committing it,
    # and that window (a crash there loses the only valid token) must stay as short as possible.
    root = hashlib.pbkdf2_hmac("sha256", passphrase.reveal().encode(), b"lever-warehouse/oauth", 50_000)
    return root[:16] + b"enc", root[16:] + b"mac"


def seal(plaintext: Secret, passphrase: Secret) -> str:
    """Encrypt-then-MAC with stdlib primitives.

    The rotated OAuth refresh token must survive restarts, yet no token may sit readable in the warehouse;
    sealing it with a key derived from the client secret (which lives only in the environment) does both.
    """
    enc_key, mac_key = _keys(passphrase)
    nonce = os.urandom(16)
    data = plaintext.reveal().encode()
    cipher = bytes(a ^ b for a, b in zip(data, _keystream(enc_key, nonce, len(data)), strict=True))
    tag = hmac.new(mac_key, nonce + cipher, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(nonce + tag + cipher).decode()


def unseal(sealed: str, passphrase: Secret) -> Secret:
    enc_key, mac_key = _keys(passphrase)
    raw = base64.urlsafe_b64decode(sealed.encode())
    nonce, tag, cipher = raw[:16], raw[16:48], raw[48:]
    expected = hmac.new(mac_key, nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise ValueError("stored OAuth state does not match this client secret")
    data = bytes(a ^ b for a, b in zip(cipher, _keystream(enc_key, nonce, len(cipher)), strict=True))
    return Secret(data.decode())
