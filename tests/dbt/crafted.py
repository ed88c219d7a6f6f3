"""A hand-written raw warehouse: Lever records written straight into `lever_raw`, as the extractor stores them.

For cases the sandbox does not produce (records read by id, stage changes recorded after the archive time): each
row is (table, id, payload) plus the raw markers a test needs, so a test states exactly what raw holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from orchestration.lever.records import payload_hash
from orchestration.lever.store import RawStore

T0 = datetime(2026, 1, 10, tzinfo=UTC)


def ms(day: float) -> int:
    """Epoch ms of `day` days after T0 - 10 days (so that every test event lies before T0)."""
    return int((T0 + timedelta(days=day - 10)).timestamp() * 1000)


@dataclass(frozen=True)
class Row:
    table: str
    id: str
    payload: dict[str, Any] | None
    parent_id: str | None = None
    position: int | None = None
    deleted_at: datetime | None = None
    missing_since: datetime | None = None
    lookup_status: str | None = None  # 'found' | 'not_found' (read by id because something references it)
    referenced_by: str | None = None


def tombstone(table: str, record_id: str, referenced_by: str, first_404: datetime = T0) -> Row:
    """What the extractor stores when Lever answers 404 to a GET by id of a referenced record."""
    return Row(table, record_id, None, deleted_at=first_404, lookup_status="not_found", referenced_by=referenced_by)


def read_by_id(table: str, payload: dict[str, Any], referenced_by: str) -> Row:
    """What the extractor stores when no list returns a referenced record but a GET by id does."""
    return Row(table, payload["id"], payload, lookup_status="found", referenced_by=referenced_by)


def write_raw(path: Path, rows: list[Row], integration_id: str, extracted_at: datetime = T0) -> None:
    """Create `lever_raw` in a new warehouse at `path` and insert `rows`, each with its own load sequence."""
    with duckdb.connect(str(path)) as conn:
        RawStore.ensure_schema(conn)
        for row in rows:
            conn.execute(
                f"""insert into lever_raw.{row.table} (integration_id, id, parent_id, payload, payload_hash,
                        extracted_at, sync_run_id, deleted_at, missing_since, _seq, list_position, lookup_status,
                        referenced_by)
                    values (?, ?, ?, ?, ?, ?, 'crafted', ?, ?, nextval('lever_raw._load_seq'), ?, ?, ?)""",
                [
                    integration_id, row.id, row.parent_id,
                    None if row.payload is None else json.dumps(row.payload),
                    None if row.payload is None else payload_hash(row.payload),
                    extracted_at, row.deleted_at, row.missing_since, row.position, row.lookup_status,
                    row.referenced_by,
                ],
            )  # fmt: skip


def stage_change(stage: str, day: float, user: str | None = "u1") -> dict[str, Any]:
    entry: dict[str, Any] = {"toStageId": stage, "toStageIndex": 0, "updatedAt": ms(day)}
    if user:
        entry["userId"] = user
    return entry


def opportunity(
    record_id: str,
    name: str,
    stage: str,
    changes: list[dict[str, Any]],
    posting: str,
    archived: dict[str, Any] | None = None,
) -> list[Row]:
    """An opportunity (with its one application expanded) and the application's own raw row."""
    application = {"id": f"a-{record_id}", "posting": posting, "createdAt": ms(1), "type": "posting"}
    payload = {
        "id": record_id, "name": name, "contact": f"c-{record_id}", "headline": "", "stage": stage,
        "stageChanges": changes, "archived": archived, "tags": [], "sources": [], "emails": [], "phones": [],
        "links": [], "applications": [application], "createdAt": ms(1), "updatedAt": ms(5),
    }  # fmt: skip
    return [
        Row("opportunities", record_id, payload),
        Row("applications", application["id"], application, parent_id=record_id),
    ]
