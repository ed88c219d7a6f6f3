"""Unified ids to Lever ids, from the warehouse's `ats` tables: unknown, deleted, foreign and mistyped ids refused."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from .spec import ActionError

# The unified tables an id of a request may name, and what each is called in an error.
KINDS = {
    "candidates": "candidate",
    "applications": "application",
    "jobs": "job",
    "application_stages": "stage",
    "rejection_reasons": "rejection reason",
    "users": "user",
    "tags": "tag",
    "screening_questions": "screening question",
    "interviews": "interview",
    "offers": "offer",
}


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


@dataclass(frozen=True)
class Candidate:
    id: str
    opportunity: str  # Lever opportunity id (candidates and applications are both the opportunity)
    contact: str | None
    emails: tuple[str, ...]
    confidential: bool


@dataclass(frozen=True)
class Application:
    id: str
    opportunity: str
    candidate_id: str
    job_id: str | None
    posting: str | None
    stage: str | None  # Lever stage id
    outcome: str | None
    confidential: bool


@dataclass(frozen=True)
class Job:
    id: str
    posting: str
    state: str | None
    owner: str | None  # Lever user id of the posting owner
    confidential: bool


class Lookup:
    """Reads `ats` (and, for apply forms, `lever_raw`) of one integration through the session's connection."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, integration_id: str) -> None:
        self.conn = conn
        self.integration_id = integration_id
        listed = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'ats'")
        tables = {row[0] for row in listed.fetchall()}
        if not set(KINDS) <= tables:
            raise ActionError(
                "the warehouse has no unified schema (ats) to look ids up in yet: run `lever-warehouse run` first"
            )

    def _rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, list(params)).fetchall()

    def remote_id(self, unified_id: str, kind: str, field: str) -> tuple[str, datetime | None]:
        """(Lever id, deletion time) of a unified id that must be a row of `kind` in this integration."""
        union = " UNION ALL ".join(
            f"SELECT '{table}', integration_id, remote_id, remote_deleted_at FROM ats.{table} WHERE id = $1"
            for table in KINDS
        )
        rows = self._rows(union, unified_id)
        mine = [row for row in rows if row[0] == kind and row[1] == self.integration_id]
        if mine:
            return mine[0][2], mine[0][3]
        if not rows:
            raise ActionError(f"{field} {unified_id} is no id in the warehouse (ats.{kind} or any other ats table)")
        table, integration, _, _ = rows[0]
        if integration != self.integration_id:
            raise ActionError(f"{field} {unified_id} belongs to integration {integration}, not {self.integration_id}")
        pair = {table, kind} == {"candidates", "applications"}
        hint = (
            " (candidates and applications have different ids: ats.applications.candidate_id links them)"
            if pair
            else ""
        )
        raise ActionError(f"{field} {unified_id} is {_a(KINDS[table])} id, not {_a(KINDS[kind])} id{hint}")

    def live(self, unified_id: str, kind: str, field: str) -> str:
        """The Lever id of a row that Lever still has."""
        lever_id, deleted_at = self.remote_id(unified_id, kind, field)
        if deleted_at is not None:
            raise ActionError(
                f"{field} {unified_id}: that {KINDS[kind]} was deleted in Lever (the warehouse saw it gone at "
                f"{deleted_at.isoformat(timespec='seconds')})"
            )
        return lever_id

    def candidate(self, unified_id: str, field: str = "candidate_id") -> Candidate:
        opportunity = self.live(unified_id, "candidates", field)
        contact, emails, confidential = self._rows(
            """SELECT json_extract_string(remote_data, '$."/opportunities".contact'),
                      [e.email_address FOR e IN coalesce(email_addresses, [])], coalesce(confidential, false)
               FROM ats.candidates WHERE id = $1""",
            unified_id,
        )[0]
        return Candidate(unified_id, opportunity, contact, tuple(emails), bool(confidential))

    def application(self, unified_id: str, field: str = "application_id") -> Application:
        opportunity = self.live(unified_id, "applications", field)
        row = self._rows(
            """SELECT a.candidate_id, a.job_id, j.remote_id, s.remote_id, a.outcome, coalesce(c.confidential, false)
               FROM ats.applications a
               LEFT JOIN ats.candidates c ON c.id = a.candidate_id
               LEFT JOIN ats.jobs j ON j.id = a.job_id
               LEFT JOIN ats.application_stages s ON s.id = a.current_stage_id
               WHERE a.id = $1""",
            unified_id,
        )[0]
        return Application(unified_id, opportunity, row[0], row[1], row[2], row[3], row[4], bool(row[5]))

    def job(self, unified_id: str, field: str = "job_id") -> Job:
        posting = self.live(unified_id, "jobs", field)
        remote = json.loads(self._rows("SELECT remote_data FROM ats.jobs WHERE id = $1", unified_id)[0][0] or "{}")
        payload = remote.get("/postings") or {}
        confidential = payload.get("confidentiality") == "confidential"
        return Job(unified_id, posting, payload.get("state"), payload.get("owner"), confidential)

    def stage(self, unified_id: str, job_id: str | None, field: str = "stage_id") -> str:
        """A stage of the job's pipeline (every account stage Lever still lists, in `job_application_stages`)."""
        stage = self.live(unified_id, "application_stages", field)
        if job_id is not None and not self._rows(
            """SELECT 1 FROM ats.job_application_stages
               WHERE job_id = $1 AND stage_id = $2 AND remote_deleted_at IS NULL""",
            job_id,
            unified_id,
        ):
            raise ActionError(f"{field} {unified_id} is not a stage of job {job_id}'s pipeline")
        return stage

    def rejection_reason(self, unified_id: str, field: str = "rejection_reason_id") -> tuple[str, str]:
        """(Lever archive reason id, its name)."""
        reason = self.live(unified_id, "rejection_reasons", field)
        return reason, self._rows("SELECT name FROM ats.rejection_reasons WHERE id = $1", unified_id)[0][0]

    def user(self, key: str, field: str = "perform_as") -> str:
        """The Lever id of an active user named by unified id or by Lever id (configuration may use either)."""
        rows = self._rows(
            """SELECT id, remote_id, status, remote_deleted_at FROM ats.users
               WHERE integration_id = $1 AND (id = $2 OR remote_id = $2)""",
            self.integration_id,
            key,
        )
        if not rows:
            self.remote_id(key, "users", field)  # raises the precise error (unknown, other kind or integration)
        unified, lever_id, status, deleted_at = rows[0]
        if deleted_at is not None or status == "INACTIVE":
            raise ActionError(f"{field} {unified}: that user is deactivated in Lever and cannot act")
        return lever_id
