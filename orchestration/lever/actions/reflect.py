"""After actions: the targeted build of the unified tables they can change and the published copy SQL users read,
then, per request, the check that its `ats` row shows the change; `visible_at` records when it did."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import duckdb

from orchestration.warehouse.dbt_runner import dbt_build
from orchestration.warehouse.publish import publish

from ..config import Settings
from ..secrets import scrub
from ..warehouse import connect
from .outbox import Outbox
from .processor import Batch

log = logging.getLogger("lever_warehouse.actions")

# Every model fed by what a targeted sync writes (an opportunity, its application and child lists): incremental
# models among them recompute only the opportunities that changed, so the build is proportional to the actions.
SOURCES = (
    "opportunities",
    "applications",
    "files",
    "notes",
    "resumes",
    "interviews",
    "panels",
    "offers",
    "feedback",
    "referrals",
)
SELECTOR = " ".join(f"source:lever_raw.{table}+" for table in SOURCES)

Check = Callable[[duckdb.DuckDBPyConnection, str, dict[str, Any], dict[str, Any]], dict[str, str] | None]


def _one(conn: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> tuple[Any, ...] | None:
    rows = conn.execute(sql, list(params)).fetchall()
    return rows[0] if rows else None


def _created(conn: duckdb.DuckDBPyConnection, integration: str, params: dict, summary: dict) -> dict[str, str] | None:
    row = _one(
        conn,
        """SELECT candidate_id, id FROM ats.applications
           WHERE integration_id = $1 AND remote_id = $2 AND remote_deleted_at IS NULL""",
        integration,
        summary.get("opportunity"),
    )
    return {"candidate_id": row[0], "application_id": row[1]} if row else None


def _tagged(conn: duckdb.DuckDBPyConnection, integration: str, params: dict, summary: dict) -> bool:
    return (
        _one(
            conn,
            """SELECT 1 FROM ats.candidate_tags ct JOIN ats.tags t ON t.id = ct.tag_id
               WHERE ct.candidate_id = $1 AND t.name = $2 AND ct.remote_deleted_at IS NULL""",
            params["candidate_id"],
            params["tag"]["name"].strip(),
        )
        is not None
    )


def _in_stage(conn: duckdb.DuckDBPyConnection, integration: str, params: dict, summary: dict) -> bool:
    sql = "SELECT 1 FROM ats.applications WHERE id = $1 AND current_stage_id = $2"
    return _one(conn, sql, params["application_id"], params["stage_id"]) is not None


def _rejected(conn: duckdb.DuckDBPyConnection, integration: str, params: dict, summary: dict) -> bool:
    sql = """SELECT 1 FROM ats.applications a JOIN ats.rejection_reasons r ON r.id = $2
             WHERE a.id = $1 AND a.outcome = 'DECLINED' AND a.rejection_reason_name = r.name"""
    return _one(conn, sql, params["application_id"], params["rejection_reason_id"]) is not None


def _file_landed(conn: duckdb.DuckDBPyConnection, integration: str, params: dict, summary: dict) -> bool:
    """Attachments have no unified table (Kombo reads them on request): the file's row in `lever_raw.files`."""
    sql = """SELECT 1 FROM lever_raw.files
             WHERE integration_id = $1 AND id = $2 AND deleted_at IS NULL AND missing_since IS NULL"""
    return _one(conn, sql, integration, summary.get("file")) is not None


def _linked(conn: duckdb.DuckDBPyConnection, integration: str, params: dict, summary: dict) -> bool:
    sql = """SELECT 1 FROM ats.candidates c JOIN ats.applications a ON a.candidate_id = c.id
             WHERE a.id = $1 AND list_contains([s.link FOR s IN coalesce(c.social_media, [])], $2)"""
    return _one(conn, sql, params["application_id"], params["url"]) is not None


CHECKS: dict[str, Callable[..., Any]] = {
    "create_candidate": _created,
    "create_application": _created,
    "add_tag": _tagged,
    "remove_tag": lambda *args: not _tagged(*args),
    "move_application_to_stage": _in_stage,
    "reject_application": _rejected,
    "add_attachment": _file_landed,
    "add_result_link": _linked,
}


def reflect(
    settings: Settings, outbox: Outbox, batch: Batch, clock: Callable[[], datetime], dbt_args: Sequence[str] = ()
) -> None:
    """Build what the actions of `batch` changed, then record when each applied request's change showed."""
    for request_id, warning in batch.warnings.items():
        outbox.note(request_id, warning)
    built = [rid for rid in batch.applied if rid not in batch.warnings]
    if built:
        # Quiet: the CLI prints the result rows as JSON on stdout, where dbt logs; a failure still shows.
        code = dbt_build(settings, extra=[*dbt_args, "--quiet", "--select", SELECTOR])
        problem = f"the targeted build failed (dbt exit {code})" if code else _publish(settings)
        if problem:
            for rid in built:
                outbox.note(rid, f"applied in Lever; {problem}: the next build shows it")
            return
    shown = record_visible(settings, outbox, clock)
    for rid in built:
        if rid not in shown:
            outbox.note(rid, "applied in Lever; the targeted sync and build ran but ats does not show it yet")


def _publish(settings: Settings) -> str | None:
    """Refresh the published copy (what SQL users read); None, or why it failed."""
    try:
        publish(settings)
    except Exception as exc:  # the actions are applied and built: say why SQL users do not see them yet
        log.warning("publishing after actions failed: %s", exc)
        return scrub(f"the published copy was not refreshed ({type(exc).__name__}: {exc})")
    return None


def record_visible(settings: Settings, outbox: Outbox, clock: Callable[[], datetime]) -> set[int]:
    """Every succeeded request not yet shown whose change `ats` now shows gets `visible_at` (this one's, or an
    earlier request's that ran without a build): call it after a build has been published."""
    # A change overtaken in Lever (a tag removed again) never shows: look for a day, not forever.
    waiting = outbox.unseen(clock() - timedelta(days=1))
    if not waiting:
        return set()
    conn = connect(settings.duckdb_path, read_only=True)
    shown = set()
    try:
        at = clock()
        for row in waiting:
            found = CHECKS[row["action"]](conn, row["integration_id"], row["params"], row["lever_response"] or {})
            if found:
                outbox.set_visible(row["request_id"], at, found if isinstance(found, dict) else None)
                shown.add(row["request_id"])
    finally:
        conn.close()
    return shown
