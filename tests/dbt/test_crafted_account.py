"""A hand-written account with what real Lever accounts have and the sandbox does not: records that no list returns
any more but that other records reference (read by id: found, or tombstones after a 404), and stage changes
recorded after the archive time. Built with every data test (the relationship tests must pass), then again 15
days later with no new raw rows (the clock alone anonymizes).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.lever.config import Settings
from tests.kombo_ids import unified_id

from .crafted import T0, Row, ms, opportunity, read_by_id, stage_change, tombstone, write_raw
from .dbt_helpers import build

INTEGRATION = "lever:crafted"
LATER = T0 + timedelta(days=15)


def _account() -> list[Row]:
    rows = [
        Row("users", "u1", {"id": "u1", "name": "Ada King Lovelace", "email": "ada@example.com"}, position=0),
        tombstone("users", "u-gone", "opportunities.stageChanges.userId"),
        Row("stages", "lead-new", {"id": "lead-new", "text": "New lead"}, position=0),
        Row("stages", "screen", {"id": "screen", "text": "Phone screen"}, position=1),
        Row("stages", "onsite", {"id": "onsite", "text": "On-site"}, position=2),
        tombstone("stages", "gone-stage", "interviews.stage"),
        read_by_id("stages", {"id": "old-stage", "text": "Old stage"}, "opportunities.stageChanges.toStageId"),
        Row("archive_reasons", "r-hired", {"id": "r-hired", "text": "Hired", "type": "hired"}, position=0),
        Row("archive_reasons", "r-withdrew", {"id": "r-withdrew", "text": "Withdrew", "type": "non-hired"}, position=1),
        tombstone("archive_reasons", "r-gone", "opportunities.archived.reason"),
        Row(
            "postings",
            "p1",
            {
                "id": "p1",
                "text": "Data Engineer",
                "state": "published",
                "owner": "u1",
                "hiringManager": "u1",
                "createdAt": ms(0),
            },
            position=0,
        ),  # fmt: skip
        tombstone("postings", "p-gone", "applications.posting"),
        read_by_id("postings", {"id": "p-found", "text": "Old Job", "state": "closed"}, "applications.posting"),
        Row(
            "interviews",
            "i1",
            {"id": "i1", "stage": "gone-stage", "interviewers": [{"id": "u-gone"}], "date": ms(2), "duration": 30},
            parent_id="o-tomb",
        ),  # fmt: skip
    ]
    # everything it references was read by id; the last two stage changes are by a user Lever deleted
    rows += opportunity(
        "o-tomb", "Elif van der Berg", "gone-stage",
        [stage_change("lead-new", 1), stage_change("gone-stage", 2, user="u-gone")],
        posting="p-gone", archived={"reason": "r-gone", "archivedAt": ms(3)},
    )  # fmt: skip
    # archived on day 3, in `screen`; moved to a stage while archived, on day 5
    rows += opportunity(
        "o-late", "Fatima García López", "old-stage",
        [stage_change("lead-new", 1), stage_change("screen", 2), stage_change("old-stage", 5)],
        posting="p-found", archived={"reason": "r-withdrew", "archivedAt": ms(3)},
    )  # fmt: skip
    # stageChanges out of time order, with a tie on day 3 (list position breaks it)
    rows += opportunity(
        "o-order", "Cher", "screen",
        [stage_change("onsite", 3), stage_change("lead-new", 1), stage_change("screen", 3)], posting="p1",
    )  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    workdir = tmp_path_factory.mktemp("dbt_crafted")
    path = workdir / "warehouse.duckdb"
    write_raw(path, _account(), INTEGRATION)
    settings = Settings(duckdb_path=path, integrations=())
    build(settings, workdir, T0, with_tests=True, unit_tests=False)  # every relationship test passes
    first = workdir / "first.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("checkpoint")
    first.write_bytes(path.read_bytes())
    build(settings, workdir, LATER)
    return {"first": first, "later": path}


def _row(path: Path, table: str, remote_id: str, columns: str) -> dict[str, Any]:
    with duckdb.connect(str(path), read_only=True) as conn:
        cursor = conn.execute(f"select {columns} from ats.{table} where remote_id = ?", [remote_id])
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    assert len(rows) == 1, (table, remote_id, rows)
    return dict(zip(names, rows[0], strict=True))


TOMBSTONES = [
    ("jobs", "p-gone", "/postings", "applications.posting", "name"),
    ("job_postings", "p-gone", "/postings", "applications.posting", "title"),
    ("application_stages", "gone-stage", "/stages", "interviews.stage", "name"),
    ("rejection_reasons", "r-gone", "/archive_reasons", "opportunities.archived.reason", "name"),
    ("users", "u-gone", "/users", "opportunities.stageChanges.userId", "first_name, last_name, email, status"),
]


@pytest.mark.parametrize(("table", "remote_id", "path", "referenced_by", "named"), TOMBSTONES)
def test_a_reference_lever_answers_404_for_becomes_a_tombstone_row(
    warehouse: dict[str, Path], table: str, remote_id: str, path: str, referenced_by: str, named: str
) -> None:
    row = _row(warehouse["first"], table, remote_id, f"id, remote_deleted_at, remote_data, {named}")
    assert row.pop("id") == unified_id(INTEGRATION, table, remote_id), "the id a listed record would have"
    assert row.pop("remote_deleted_at") == T0, "deleted at the first 404"
    why = {"tombstone": f"GET {path}/:id answered 404", "referenced_by": referenced_by}
    assert json.loads(row.pop("remote_data")) == {"lever_warehouse": why}
    assert set(row.values()) == {None}, "name and every personal field are NULL"


@pytest.mark.parametrize(("table", "remote_id", "named", "value"), [
    ("application_stages", "old-stage", "name", "Old stage"),
    ("jobs", "p-found", "name", "Old Job"),
])  # fmt: skip
def test_a_reference_read_by_id_is_an_ordinary_row_that_says_so(
    warehouse: dict[str, Path], table: str, remote_id: str, named: str, value: str
) -> None:
    row = _row(warehouse["first"], table, remote_id, f"{named} as named, remote_deleted_at, remote_data")
    remote_data = json.loads(row["remote_data"])
    path = "/stages" if table == "application_stages" else "/postings"
    assert (row["named"], row["remote_deleted_at"]) == (value, None)
    assert remote_data[path]["id"] == remote_id
    assert remote_data["lever_warehouse"]["read_by_id"] == f"GET {path}/:id"


def test_references_to_tombstones_use_their_ids(warehouse: dict[str, Path]) -> None:
    application = _row(warehouse["first"], "applications", "o-tomb", "job_id, current_stage_id, outcome")
    assert application == {
        "job_id": unified_id(INTEGRATION, "jobs", "p-gone"),
        "current_stage_id": unified_id(INTEGRATION, "application_stages", "gone-stage"),
        "outcome": "DECLINED",  # an archive reason without a type reads as non-hired
    }
    archived = _row(warehouse["first"], "application_stage_changes", f"o-tomb:archived:{ms(3)}",
                    "rejection_reason_id, rejection_reason_name")  # fmt: skip
    assert archived == {"rejection_reason_id": unified_id(INTEGRATION, "rejection_reasons", "r-gone"),
                        "rejection_reason_name": None}  # fmt: skip


def test_the_stage_positions_leave_out_stages_read_by_id(warehouse: dict[str, Path]) -> None:
    with duckdb.connect(str(warehouse["first"]), read_only=True) as conn:
        indexes = dict(conn.execute("select remote_id, global_index from ats.application_stages").fetchall())
    assert indexes == {"lead-new": 0, "screen": 1, "onsite": 2, "gone-stage": None, "old-stage": None}


@pytest.mark.parametrize(("table", "remote_id"), [(t[0], t[1]) for t in TOMBSTONES])
def test_tombstones_are_anonymized_14_days_after_like_every_deleted_row(
    warehouse: dict[str, Path], table: str, remote_id: str
) -> None:
    row = _row(warehouse["later"], table, remote_id, "*")
    assert row.pop("id") == unified_id(INTEGRATION, table, remote_id)
    kept = {key: row.pop(key) for key in ("remote_id", "integration_id", "remote_deleted_at", "changed_at")}
    assert kept == {"remote_id": remote_id, "integration_id": INTEGRATION, "remote_deleted_at": T0,
                    "changed_at": LATER}  # fmt: skip
    content = {key: value for key, value in row.items() if not key.startswith("_")}
    assert content == dict.fromkeys(content), "every other column is NULL, remote_data included"


# -- stage history -------------------------------------------------------------------------------------------------


def _history(path: Path, opportunity_id: str) -> list[tuple[Any, ...]]:
    """(remote_id, event_type, stage, from stage, entered day, exited day, is_current) in time order."""
    with duckdb.connect(str(path), read_only=True) as conn:
        stages = dict(conn.execute("select id, remote_id from ats.application_stages").fetchall())
        rows = conn.execute(
            """select remote_id, event_type, stage_id, from_stage_id, entered_at, exited_at, is_current
               from ats.application_stage_changes where _lever_opportunity_id = ?
               order by entered_at, event_type = 'ARCHIVED', remote_id""",
            [opportunity_id],
        ).fetchall()

    def day(moment: datetime | None) -> float | None:
        return None if moment is None else round((moment - T0).total_seconds() / 86400 + 10, 3)

    return [(r[0], r[1], stages.get(r[2]), stages.get(r[3]), day(r[4]), day(r[5]), r[6]) for r in rows]


def test_a_stage_change_after_the_archive_time_never_runs_backwards(warehouse: dict[str, Path]) -> None:
    assert _history(warehouse["first"], "o-late") == [
        ("o-late:stage:0", "STAGE_CHANGE", "lead-new", None, 1, 2, False),
        ("o-late:stage:1", "STAGE_CHANGE", "screen", "lead-new", 2, 3, False),
        # archived in the stage it was in at the archive time, not the later one
        (f"o-late:archived:{ms(3)}", "ARCHIVED", "screen", "screen", 3, None, True),
        # moved while archived: no time spent in that stage, and the archive stays the open interval
        ("o-late:stage:2", "STAGE_CHANGE", "old-stage", "screen", 5, 5, False),
    ]


def test_stage_changes_are_ordered_by_time_then_list_position(warehouse: dict[str, Path]) -> None:
    assert _history(warehouse["first"], "o-order") == [
        ("o-order:stage:1", "STAGE_CHANGE", "lead-new", None, 1, 3, False),
        ("o-order:stage:0", "STAGE_CHANGE", "onsite", "lead-new", 3, 3, False),
        ("o-order:stage:2", "STAGE_CHANGE", "screen", "onsite", 3, None, True),
    ]


def test_no_stage_interval_ends_before_it_starts(warehouse: dict[str, Path]) -> None:
    with duckdb.connect(str(warehouse["first"]), read_only=True) as conn:
        backwards = conn.execute(
            "select count(*) from ats.application_stage_changes where exited_at < entered_at"
        ).fetchone()
        current = conn.execute(
            "select max(n) from (select count(*) as n from ats.application_stage_changes where is_current "
            "group by application_id)"
        ).fetchone()
    assert backwards == (0,)
    assert current == (1,), "one open interval per application"


# -- names -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("table", "remote_id", "first", "last"), [
    ("candidates", "o-tomb", "Elif", "van der Berg"),
    ("candidates", "o-late", "Fatima", "García López"),
    ("candidates", "o-order", "Cher", None),
    ("users", "u1", "Ada", "King Lovelace"),
])  # fmt: skip
def test_names_split_after_the_first_word(
    warehouse: dict[str, Path], table: str, remote_id: str, first: str, last: str | None
) -> None:
    row = _row(warehouse["first"], table, remote_id, "first_name, last_name")
    assert row == {"first_name": first, "last_name": last}
