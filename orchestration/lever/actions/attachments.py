"""Attachments of a request: read from base64 data or a URL, capped in size, and their type checked by content."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import httpx

from .spec import ActionError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# What recruiters attach (CVs, cover letters, work samples), each with the bytes its files start with: a declared
# type that the content contradicts (an executable named cv.pdf) is refused. Plain text has no signature.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "application/msword": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04",),
    "application/rtf": (b"{\\rtf",),
    "text/plain": (),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    kind: str  # CV, COVER_LETTER or OTHER
    content: bytes

    def summary(self) -> dict[str, Any]:
        """What a result may say about the file: never its content."""
        return {"name": self.name, "type": self.kind, "content_type": self.content_type, "bytes": len(self.content)}


def check_declared(spec: dict[str, Any], where: str) -> str:
    """The declared content type, if it is one that may be attached (checked before anything is downloaded)."""
    declared = spec["content_type"].split(";")[0].strip().lower()
    if declared not in SIGNATURES:
        raise ActionError(f"{where}: content_type {declared!r} is not accepted (accepted: {', '.join(SIGNATURES)})")
    if "/" in spec["name"] or "\\" in spec["name"]:
        raise ActionError(f"{where}: name must be a file name, not a path")
    return declared


async def load(spec: dict[str, Any], *, max_bytes: int, http: httpx.AsyncClient, where: str) -> Attachment:
    """The attachment's bytes, from `data` (base64) or `data_url`, at most `max_bytes`, matching its declared type."""
    declared = check_declared(spec, where)
    if spec.get("data"):
        encoded = spec["data"].strip()
        if len(encoded) * 3 // 4 > max_bytes + 3:
            raise ActionError(f"{where}: {spec['name']} is larger than the {max_bytes:,}-byte attachment cap")
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ActionError(f"{where}: data of {spec['name']} is not base64") from None
    else:
        content = await _download(spec["data_url"], max_bytes=max_bytes, http=http, where=where)
    if len(content) > max_bytes:
        raise ActionError(f"{where}: {spec['name']} is larger than the {max_bytes:,}-byte attachment cap")
    if not content:
        raise ActionError(f"{where}: {spec['name']} is empty")
    signatures = SIGNATURES[declared]
    if signatures and not content.startswith(signatures):
        raise ActionError(f"{where}: the content of {spec['name']} is not {declared}")
    if not signatures and b"\x00" in content[:4096]:
        raise ActionError(f"{where}: {spec['name']} is declared text/plain but holds binary content")
    return Attachment(spec["name"], declared, spec.get("type") or "OTHER", content)


async def _download(url: str, *, max_bytes: int, http: httpx.AsyncClient, where: str) -> bytes:
    """Streamed, so a huge file is refused after `max_bytes` instead of being read whole. Only the host is
    named in errors: a URL may carry a signed token."""
    host = httpx.URL(url).host
    try:
        async with http.stream("GET", url, follow_redirects=True) as response:
            if response.status_code != 200:
                raise ActionError(
                    f"{where}: downloading the attachment from {host} answered HTTP {response.status_code}"
                )
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise ActionError(f"{where}: the attachment at {host} is larger than the {max_bytes:,}-byte cap")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise ActionError(f"{where}: cannot download the attachment from {host} ({type(exc).__name__})") from None
    return b"".join(chunks)
