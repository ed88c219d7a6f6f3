"""The outbox: a small SQLite file beside the warehouse where anyone inserts action requests and processors
record results. Claims are leases taken in one write transaction, so concurrent processors never run one
request twice, and a processor that dies mid-way leaves a lease that expires and a request that is recovered.

SQLite, not DuckDB: DuckDB lets one process open a file for writing, so a notebook left open on the outbox would
stop every processor (the warehouse has the same problem, which is why readers get a published copy). SQLite
locks for the length of a statement, and DuckDB reads and writes it with `ATTACH ... (TYPE sqlite)`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .outbox_schema import FINAL, SCHEMA, Claimed, decoded, fingerprint, iso, parse_json, strip_attachment_data


class Outbox:
    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout  # seconds a statement waits for another writer's lock
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for the processor, nor it for them
            for ddl in SCHEMA:
                conn.execute(ddl)
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
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
            final = iso(now) if status != "pending" else None
            if final:
                settled.append(row["request_id"])
                strip_attachment_data(conn, row["request_id"])
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
                    iso(now),
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
                (iso(now), iso(now), *args, limit),
            ).fetchall()
            claimed = []
            for (request_id,) in due:
                conn.execute(
                    """UPDATE results SET status = 'running', attempts = attempts + 1, lease_owner = ?,
                           lease_expires_at = ?, last_attempt_at = ?, first_attempt_at = coalesce(first_attempt_at, ?),
                           next_attempt_at = NULL
                       WHERE request_id = ?""",
                    (owner, iso(now + lease), iso(now), iso(now), request_id),
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
                        params=parse_json(row["params"]),
                        integration_id=row["integration_id"],
                        perform_as=row["perform_as"],
                        dry_run=bool(row["dry_run"]),
                        attempts=row["attempts"],
                        recovering=(row["key_attempts"] or 0) > 1 and not row["dry_run"],
                        since=datetime.fromisoformat(row["since"] or row["first_attempt_at"]),
                    )
                )
            return claimed

    def record(self, owner: str, request_id: int, status: str, now: datetime, **fields: Any) -> bool:
        """Write an outcome (`status` final, or 'pending' to retry at `next_attempt_at`) if the lease is still ours."""
        values = {"status": status, "lease_owner": None, "lease_expires_at": None, **fields}
        if status in FINAL:
            values["finished_at"] = now
        columns = ", ".join(f"{name} = ?" for name in values)
        args = [
            json.dumps(v) if isinstance(v, dict | list) else iso(v) if isinstance(v, datetime) else v
            for v in values.values()
        ]
        with self._write() as conn:
            cursor = conn.execute(
                f"UPDATE results SET {columns} WHERE request_id = ? AND lease_owner = ?", (*args, request_id, owner)
            )
            if cursor.rowcount == 1 and status in FINAL:
                strip_attachment_data(conn, request_id)
            return cursor.rowcount == 1

    def note(self, request_id: int, text: str) -> None:
        """A remark on a succeeded request (it was applied; the warehouse does not show it yet, and why)."""
        with self._write() as conn:
            conn.execute("UPDATE results SET error = ? WHERE request_id = ?", (text, request_id))

    def set_visible(self, request_id: int, at: datetime, created_ids: dict[str, str] | None = None) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE results SET visible_at = ?, created_ids = coalesce(?, created_ids) WHERE request_id = ?",
                (iso(at), json.dumps(created_ids) if created_ids else None, request_id),
            )

    def results(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        conn = self._connect()
        try:
            rows = conn.execute(
                f"SELECT * FROM results WHERE request_id IN ({','.join('?' * len(ids))}) ORDER BY request_id", ids
            ).fetchall()
        finally:
            conn.close()
        return [decoded(dict(row)) for row in rows]

    def unseen(self, since: datetime) -> list[dict[str, Any]]:
        """Requests applied since `since` whose change the warehouse has not shown yet."""
        conn = self._connect()
        try:
            rows = conn.execute(
                """SELECT s.request_id, s.action, s.integration_id, r.params, s.lever_response
                   FROM results s JOIN requests r USING (request_id)
                   WHERE s.status = 'succeeded' AND s.visible_at IS NULL AND r.params IS NOT NULL
                     AND s.applied_at >= ?
                   ORDER BY s.request_id""",
                (iso(since),),
            ).fetchall()
        finally:
            conn.close()
        return [
            {**dict(row), "params": parse_json(row["params"]), "lever_response": parse_json(row["lever_response"])}
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
                (iso(now), iso(now)),
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
                (iso(before),),
            )
            return cursor.rowcount
