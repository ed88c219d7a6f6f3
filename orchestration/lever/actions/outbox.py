"""The outbox: a small SQLite file beside the warehouse where anyone inserts action requests and processors
record results. Claims are leases taken in one write transaction, so concurrent processors never run one
request twice, and a processor that dies mid-way leaves a lease that expires and a request that is recovered.

SQLite, not DuckDB: DuckDB lets one process open a file for writing, so a notebook left open on the outbox would
stop every processor (the warehouse has the same problem, which is why readers get a published copy). SQLite
locks for the length of a statement, and DuckDB reads and writes it with `ATTACH ... (TYPE sqlite)`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
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


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds") if value is not None else None


def _parse(text: str | None) -> Any:
    if text is None:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return text


def fingerprint(action: str, params: str | None, integration_id: str | None, perform_as: str | None) -> str:
    """What makes two requests the same action: a key reused for anything else is refused."""
    canonical = json.dumps(_parse(params), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(json.dumps([action, canonical, integration_id, perform_as]).encode()).hexdigest()


class Outbox:
    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for the processor, nor it for them
            for ddl in SCHEMA:
                conn.execute(ddl)
        self.timeout = timeout

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=getattr(self, "timeout", 30.0), isolation_level=None)
        conn.row_factory = sqlite3.Row
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (IMMEDIATE): two processors claiming at once queue here."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def enqueue(
        self,
        action: str,
        params: Any,
        idempotency_key: str,
        *,
        integration_id: str | None = None,
        perform_as: str | None = None,
        dry_run: bool = False,
    ) -> int:
        with self._write() as conn:
            cursor = conn.execute(
                """INSERT INTO requests (idempotency_key, action, params, integration_id, perform_as, dry_run)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (idempotency_key, action, json.dumps(params), integration_id, perform_as, int(dry_run)),
            )
            return int(cursor.lastrowid or 0)

    def _register(self, conn: sqlite3.Connection, now: datetime) -> list[int]:
        """A result row for every new request. A key already in use makes a duplicate of the request using it
        (succeeded, or still in progress); a key whose requests all failed may be tried again (a failed request
        can have written something, so the retry reads back first); a key reused for other parameters is refused."""
        new = conn.execute(
            """SELECT r.* FROM requests r LEFT JOIN results s USING (request_id)
               WHERE s.request_id IS NULL ORDER BY r.request_id"""
        ).fetchall()
        settled = []  # registered as duplicates or refused: never claimed, reported by the pass that saw them
        for row in new:
            digest = fingerprint(row["action"], row["params"], row["integration_id"], row["perform_as"])
            status, error, duplicate_of = "pending", None, None
            if not row["dry_run"]:  # a dry run owns no key: the real request after it must still run
                earlier = conn.execute(
                    """SELECT s.request_id, s.params_sha256, s.status FROM results s JOIN requests r USING (request_id)
                       WHERE s.idempotency_key = ? AND s.duplicate_of IS NULL AND NOT coalesce(r.dry_run, 0)
                       ORDER BY s.status = 'failed', s.request_id LIMIT 1""",
                    (row["idempotency_key"],),
                ).fetchone()
                if earlier is not None and earlier["params_sha256"] != digest:
                    status, duplicate_of = "failed", earlier["request_id"]
                    error = (
                        f"idempotency key {row['idempotency_key']!r} already names request {earlier['request_id']}, "
                        "a different action: nothing was sent (use a new key)"
                    )
                elif earlier is not None and earlier["status"] != "failed":
                    status, duplicate_of = "duplicate", earlier["request_id"]
            final = _iso(now) if status != "pending" else None
            if final:
                settled.append(row["request_id"])
                _strip_attachment_data(conn, row["request_id"])
            conn.execute(
                """INSERT INTO results (request_id, idempotency_key, action, integration_id, status, error,
                       duplicate_of, params_sha256, received_at, finished_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    row["request_id"],
                    row["idempotency_key"],
                    row["action"],
                    row["integration_id"],
                    status,
                    error,
                    duplicate_of,
                    digest,
                    _iso(now),
                    final,
                ),
            )
        return settled

    def claim(
        self,
        owner: str,
        now: datetime,
        *,
        lease: timedelta,
        limit: int = 100,
        ids: Sequence[int] | None = None,
        integration: str | None = None,
        exclude_integrations: Sequence[str] | None = None,
        default_integration: str | None = None,
        settled: list[int] | None = None,
    ) -> list[Claimed]:
        """Take up to `limit` requests due now (or only `ids`): new ones, transient failures whose wait is over,
        and running ones whose processor's lease expired (it died: their effect may be in Lever already).
        `integration`: only that integration's (a request without one belongs to `default_integration`);
        `exclude_integrations`: only requests naming none of these (they can only fail). New requests settled on
        arrival (duplicates, reused keys) are added to `settled`."""
        with self._write() as conn:
            registered = self._register(conn, now)
            if settled is not None:
                settled.extend(registered)
            where, args = [], []
            if ids:
                where.append(f"s.request_id IN ({','.join('?' * len(ids))})")
                args += list(ids)
            if integration is not None:
                where.append("coalesce(s.integration_id, ?) = ?")
                args += [default_integration, integration]
            if exclude_integrations is not None:
                names = ",".join("?" * len(exclude_integrations))
                where.append(f"coalesce(coalesce(s.integration_id, ?) NOT IN ({names}), true)")
                args += [default_integration, *exclude_integrations]
            due = conn.execute(
                f"""SELECT s.request_id FROM results s
                    WHERE (s.status = 'pending' AND coalesce(s.next_attempt_at, '') <= ?
                           OR s.status = 'running' AND s.lease_expires_at < ?) {"".join(f" AND {w}" for w in where)}
                    ORDER BY s.request_id LIMIT ?""",
                (_iso(now), _iso(now), *args, limit),
            ).fetchall()
            claimed = []
            for (request_id,) in due:
                conn.execute(
                    """UPDATE results SET status = 'running', attempts = attempts + 1, lease_owner = ?,
                           lease_expires_at = ?, last_attempt_at = ?, first_attempt_at = coalesce(first_attempt_at, ?),
                           next_attempt_at = NULL
                       WHERE request_id = ?""",
                    (owner, _iso(now + lease), _iso(now), _iso(now), request_id),
                )
                row = conn.execute(
                    """SELECT r.*, s.attempts, s.first_attempt_at, k.attempts AS key_attempts, k.since
                       FROM requests r JOIN results s USING (request_id),
                       (SELECT sum(attempts) AS attempts, min(first_attempt_at) AS since FROM results
                        WHERE idempotency_key = (SELECT idempotency_key FROM requests WHERE request_id = ?)
                          AND duplicate_of IS NULL AND status != 'dry_run') AS k
                       WHERE request_id = ?""",
                    (request_id, request_id),
                ).fetchone()
                claimed.append(
                    Claimed(
                        request_id=row["request_id"],
                        idempotency_key=row["idempotency_key"],
                        action=row["action"],
                        params=_parse(row["params"]),
                        integration_id=row["integration_id"],
                        perform_as=row["perform_as"],
                        dry_run=bool(row["dry_run"]),
                        attempts=row["attempts"],
                        recovering=(row["key_attempts"] or 0) > 1 and not row["dry_run"],
                        since=datetime.fromisoformat(row["since"] or row["first_attempt_at"]),
                    )
                )
            return claimed

    def renew(self, owner: str, request_id: int, until: datetime) -> bool:
        """Extend a lease before working on its request; False if another processor took it over."""
        with self._write() as conn:
            cursor = conn.execute(
                """UPDATE results SET lease_expires_at = ?
                   WHERE request_id = ? AND lease_owner = ? AND status = 'running'""",
                (_iso(until), request_id, owner),
            )
            return cursor.rowcount == 1

    def record(self, owner: str, request_id: int, status: str, now: datetime, **fields: Any) -> bool:
        """Write an outcome (`status` final, or 'pending' to retry at `next_attempt_at`) if the lease is still ours."""
        values = {"status": status, "lease_owner": None, "lease_expires_at": None, **fields}
        if status in FINAL:
            values["finished_at"] = now
        columns = ", ".join(f"{name} = ?" for name in values)
        args = [
            json.dumps(v) if isinstance(v, dict | list) else _iso(v) if isinstance(v, datetime) else v
            for v in values.values()
        ]
        with self._write() as conn:
            cursor = conn.execute(
                f"UPDATE results SET {columns} WHERE request_id = ? AND lease_owner = ?", (*args, request_id, owner)
            )
            if cursor.rowcount == 1 and status in FINAL:
                _strip_attachment_data(conn, request_id)
            return cursor.rowcount == 1

    def note(self, request_id: int, text: str) -> None:
        """A remark on a succeeded request (it was applied; the warehouse does not show it yet, and why)."""
        with self._write() as conn:
            conn.execute("UPDATE results SET error = ? WHERE request_id = ?", (text, request_id))

    def set_visible(self, request_id: int, at: datetime, created_ids: dict[str, str] | None = None) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE results SET visible_at = ?, created_ids = coalesce(?, created_ids) WHERE request_id = ?",
                (_iso(at), json.dumps(created_ids) if created_ids else None, request_id),
            )

    def results(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        conn = self._connect()
        try:
            rows = conn.execute(
                f"SELECT * FROM results WHERE request_id IN ({','.join('?' * len(ids))}) ORDER BY request_id", ids
            ).fetchall()
        finally:
            conn.close()
        return [_decoded(dict(row)) for row in rows]

    def unseen(self) -> list[dict[str, Any]]:
        """Succeeded requests whose change the warehouse has not shown yet (their parameters not yet purged)."""
        conn = self._connect()
        try:
            rows = conn.execute(
                """SELECT s.request_id, s.action, s.integration_id, r.params, s.lever_response
                   FROM results s JOIN requests r USING (request_id)
                   WHERE s.status = 'succeeded' AND s.visible_at IS NULL AND r.params IS NOT NULL
                   ORDER BY s.request_id"""
            ).fetchall()
        finally:
            conn.close()
        return [
            {**dict(row), "params": _parse(row["params"]), "lever_response": _parse(row["lever_response"])}
            for row in rows
        ]

    def waiting(self, now: datetime) -> int:
        """Requests a processor would take now (the sensor's question); new requests count too."""
        conn = self._connect()
        try:
            new = conn.execute(
                "SELECT count(*) FROM requests r LEFT JOIN results s USING (request_id) WHERE s.request_id IS NULL"
            ).fetchone()[0]
            due = conn.execute(
                """SELECT count(*) FROM results WHERE status = 'pending' AND coalesce(next_attempt_at, '') <= ?
                   OR status = 'running' AND lease_expires_at < ?""",
                (_iso(now), _iso(now)),
            ).fetchone()[0]
        finally:
            conn.close()
        return int(new) + int(due)

    def purge(self, before: datetime) -> int:
        """Parameters (names, emails, files) of requests finished before `before` are removed; results stay."""
        with self._write() as conn:
            cursor = conn.execute(
                """UPDATE requests SET params = NULL WHERE params IS NOT NULL AND request_id IN
                   (SELECT request_id FROM results WHERE finished_at < ?)""",
                (_iso(before),),
            )
            return cursor.rowcount


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("lever_response", "created_ids"):
        row[name] = json.loads(row[name]) if row[name] else None
    return row


def _strip_attachment_data(conn: sqlite3.Connection, request_id: int) -> None:
    """A finished request keeps no file contents: `data` becomes its size and digest (the params hash stays)."""
    row = conn.execute("SELECT params FROM requests WHERE request_id = ?", (request_id,)).fetchone()
    params = _parse(row["params"]) if row else None
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
