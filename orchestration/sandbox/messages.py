"""Framework-free request and response, shared by the socket server and the in-process transports."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(slots=True)
class Request:
    method: str
    path: str  # as sent (percent-encoded), without the query string; the router decodes each segment
    query: list[tuple[str, str]] = field(default_factory=list)  # decoded once; repeated params preserved
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0  # seconds to wait before answering (latency, slow-response faults)
    action: str | None = None  # "drop" (close without answering) or "truncate" (half the body, then close)


def json_body(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
