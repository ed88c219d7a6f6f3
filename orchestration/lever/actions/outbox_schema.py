"""The outbox's tables, what a claimed request carries, and the row helpers its transactions share."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS requests (
        request_id INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL,  -- names one action forever: a request repeating it is a duplicate
        action TEXT NOT NULL,           -- create_candidate, add_tag, ... (README: write back to Lever)
        params TEXT,                    -- JSON object, ids as ats shows them
        integration_id TEXT,            -- NULL: the only configured integration
        perform_as TEXT,                -- a users id; NULL: LEVER_PERFORM_AS, else the job's owner
        dry_run INTEGER,                -- 1: check and describe only, send nothing
        created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))""",
    "CREATE INDEX IF NOT EXISTS requests_by_key ON requests (idempotency_key)",
    """CREATE TABLE IF NOT EXISTS results (
        request_id INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL,
        action TEXT,
        integration_id TEXT,
        status TEXT NOT NULL,           -- pending, running, succeeded, failed, duplicate, dry_run
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,                     -- one line: what was wrong, and that nothing (or what) was applied
        lever_response TEXT,            -- JSON summary: Lever ids and flags, never personal data
        created_ids TEXT,               -- JSON: unified ids of what the action created
        duplicate_of INTEGER,           -- the request that owns this idempotency key
        params_sha256 TEXT,
        received_at TEXT,               -- timestamps: ISO-8601 UTC on the warehouse clock
        first_attempt_at TEXT,
        last_attempt_at TEXT,
        next_attempt_at TEXT,           -- a transient failure (429 storm, Lever down) is retried after it
        applied_at TEXT,                -- Lever confirmed the effect
        visible_at TEXT,                -- the ats row showed it, after the targeted sync and build
        finished_at TEXT,
        lease_owner TEXT,
        lease_expires_at TEXT)""",
    "CREATE INDEX IF NOT EXISTS results_by_status ON results (status)",
    "CREATE INDEX IF NOT EXISTS results_by_key ON results (idempotency_key)",
)
FINAL = ("succeeded", "failed", "duplicate", "dry_run")


@dataclass(frozen=True)
class Claimed:
    request_id: int
    idempotency_key: str
    action: str
    params: Any  # parsed JSON, or the raw text when it is not JSON (the action then fails with that)
    integration_id: str | None
    perform_as: str | None
    dry_run: bool
    attempts: int  # of this request, this one included
    # An earlier attempt of this key (this request's, or a failed request's with the same key) may have written
    # to Lever: its effects are looked for first, from `since` (the key's first attempt) on.
    recovering: bool
    since: datetime


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds") if value is not None else None


def parse_json(text: str | None) -> Any:
    if text is None:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return text


def fingerprint(action: str, params: str | None, integration_id: str | None, perform_as: str | None) -> str:
    """What makes two requests the same action: a key reused for anything else is refused."""
    canonical = json.dumps(parse_json(params), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(json.dumps([action, canonical, integration_id, perform_as]).encode()).hexdigest()


def decoded(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("lever_response", "created_ids"):
        row[name] = json.loads(row[name]) if row[name] else None
    return row


def strip_attachment_data(conn: sqlite3.Connection, request_id: int) -> None:
    """A finished request keeps no file contents: `data` becomes its size and digest (the params hash stays)."""
    row = conn.execute("SELECT params FROM requests WHERE request_id = ?", (request_id,)).fetchone()
    params = parse_json(row["params"]) if row else None
    if not isinstance(params, dict):
        return
    attachments = [*(params.get("attachments") or []), *([params["attachment"]] if params.get("attachment") else [])]
    changed = False
    for attachment in attachments:
        if isinstance(attachment, dict) and isinstance(attachment.get("data"), str):
            data = attachment.pop("data")
            attachment["data_removed"] = {
                "base64_chars": len(data),
                "sha256": hashlib.sha256(data.encode()).hexdigest(),
            }
            changed = True
    if changed:
        conn.execute("UPDATE requests SET params = ? WHERE request_id = ?", (json.dumps(params), request_id))
