"""The unified schema over a sandbox account's life: counts, stable ids, changed_at, deletion, anonymization.

One module-scoped scenario runs the steps in order (each a sync and/or `lever-warehouse build`) and keeps what
each step left behind; the tests then check one property each.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.lever.config import Settings
from orchestration.lever.store import RawStore
from orchestration.sandbox import operations
from tests.kombo_ids import unified_id
from tests.support import Harness, make_harness, truth_records

from .dbt_helpers import build, changed_at_by_id, column, dbt_command, find_text, ids_by_table

OPPORTUNITIES = 300


@dataclass
class Scenario:
    harness: Harness
    workdir: Path
    t0: datetime
    truth: dict[str, dict[str, Any]] = field(default_factory=dict)
    baseline_copy: Path | None = None
    changed_at: dict[str, dict[str, dict[str, datetime]]] = field(default_factory=dict)
    moved: str = ""  # opportunity whose stage we changed
    untagged: tuple[str, str] = ("", "")  # (opportunity, tag) we took off
    unarchived: str = ""  # opportunity we unarchived
    returned: str = ""  # opportunity a reconciliation missed once, listed again by the next sync
    deleted: str = ""  # opportunity we deleted
    deleted_person: list[str] = field(default_factory=list)
    times: dict[str, datetime] = field(default_factory=dict)

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.harness.path), read_only=True)

    def build(self, step: str, offset: timedelta, *, with_tests: bool = False) -> None:
        self.times[step] = self.t0 + offset
        build(self.harness.settings, self.workdir, self.times[step], with_tests=with_tests)
        with self.connect() as conn:
            self.changed_at[step] = changed_at_by_id(conn)


def _personal_data(opportunity: dict[str, Any]) -> list[str]:
    values = [opportunity["name"], *opportunity["emails"], *opportunity["links"]]
    values += [phone["value"] for phone in opportunity["phones"] if phone.get("value")]
    # JSON text may escape non-ASCII; search both spellings
    return sorted({text for value in values if value for text in (value, json.dumps(value)[1:-1])})


def _pick_deletable(harness: Harness, opportunities: dict[str, Any], taken: set[str]) -> str:
    """A live candidate with interviews and tags whose name nobody else (candidate or user) has."""
    sandbox = harness.sandbox
    names = Counter(data["name"] for _, data in opportunities.values())
    names.update(data["name"] for _, data in truth_records(sandbox, "users").values())
    interviews = Counter(parent for parent, _ in truth_records(sandbox, "interviews").values())
    for opportunity_id, (_, data) in sorted(opportunities.items()):
        contact = sandbox.account.contacts[data["contact"]]
        if (
            opportunity_id not in taken
            and interviews[opportunity_id]
            and data["tags"]
            and data["stageChanges"]
            and data["emails"]
            and len(contact.opportunity_ids) == 1
            and names[data["name"]] == 1
            and not any(data["name"] in other for other in names if other != data["name"])
        ):
            return opportunity_id
    raise AssertionError("the sandbox has no suitable candidate to delete")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    workdir = tmp_path_factory.mktemp("dbt_lifecycle")
    harness = make_harness(workdir, opportunities=OPPORTUNITIES)
    run = Scenario(harness, workdir, harness.sandbox.now)
    sandbox = harness.sandbox

    # 1. first sync and build, every data test included
    harness.sync()
    entities = ("opportunities", "postings", "users", "stages", "archive_reasons", "interviews", "offers")
    run.truth = {entity: truth_records(sandbox, entity) for entity in entities}
    run.build("baseline", timedelta(0), with_tests=True)
    run.baseline_copy = workdir / "baseline.duckdb"
    shutil.copy(harness.path, run.baseline_copy)

    # 2. a sync that brings nothing new, built an hour later
    harness.sync()
    run.build("no_change", timedelta(hours=1))

    # 3. edits in Lever: a stage move (a mapped field), a tag taken off, an unarchive...
    opportunities = run.truth["opportunities"]
    active = [oid for oid, (_, data) in sorted(opportunities.items()) if data["archived"] is None]
    run.moved = next(oid for oid in active if opportunities[oid][1]["stage"] != "offer")
    sandbox.write("PUT", f"/opportunities/{run.moved}/stage", {"stage": "offer"})
    tagged = next(oid for oid in active if oid != run.moved and opportunities[oid][1]["tags"])
    run.untagged = (tagged, opportunities[tagged][1]["tags"][0])
    sandbox.write("POST", f"/opportunities/{tagged}/removeTags", {"tags": [run.untagged[1]]})
    run.unarchived = next(oid for oid, (_, data) in sorted(opportunities.items()) if data["archived"] is not None)
    sandbox.write("PUT", f"/opportunities/{run.unarchived}/archived", {"reason": None})
    harness.sync()
    # ...and a reconciliation misses one that Lever still has (the next sync, in step 4, lists it again)
    run.returned = next(oid for oid in active if oid not in (run.moved, tagged))
    with harness.connect() as conn:
        store = RawStore(conn, harness.integration.id)
        with store.transaction() as seq:
            others = [oid for oid in opportunities if oid != run.returned]
            store.mark_missing("opportunities", others, now=sandbox.now, seq=seq, run_id="test")
    run.build("edited", timedelta(hours=2))

    # 4. a candidate is hard-deleted in Lever
    run.deleted = _pick_deletable(harness, opportunities, {run.moved, tagged, run.unarchived, run.returned})
    run.deleted_person = _personal_data(opportunities[run.deleted][1])
    with sandbox.account.lock:
        operations.delete_opportunity(sandbox.account, sandbox.account.opportunities[run.deleted])
    harness.sync()
    run.build("deleted", timedelta(hours=3))

    # 5. fifteen days later, with no sync in between: the clock alone must anonymize
    run.build("fifteen_days_later", timedelta(days=15, hours=3))
    return run


# -- counts and outcomes against the sandbox's ground truth ---------------------------------------------------


def _baseline_counts(scenario: Scenario) -> dict[str, int]:
    with duckdb.connect(str(scenario.baseline_copy), read_only=True) as conn:
        return {
            table: conn.execute(f"select count(*) from ats.{table} where remote_deleted_at is null").fetchone()[0]
            for table in (
                "candidates",
                "applications",
                "jobs",
                "job_postings",
                "users",
                "application_stages",
                "rejection_reasons",
                "interviews",
                "offers",
            )  # fmt: skip
        }


def test_row_counts_match_the_sandbox_ground_truth(scenario: Scenario) -> None:
    truth = scenario.truth
    counts = _baseline_counts(scenario)
    visible = len(truth["opportunities"])
    non_hired = [r for _, r in truth["archive_reasons"].values() if r["type"] != "hired"]

    assert counts["candidates"] == counts["applications"] == visible
    assert counts["jobs"] == counts["job_postings"] == len(truth["postings"])
    assert counts["users"] == len(truth["users"])
    assert any(user["deactivatedAt"] for _, user in truth["users"].values()), "deactivated users are included"
    assert counts["application_stages"] == len(truth["stages"])
    with duckdb.connect(str(scenario.baseline_copy), read_only=True) as conn:
        pipeline = column(conn, "select remote_id from ats.application_stages order by global_index")
    assert pipeline == list(truth["stages"]), "global_index follows the /stages order"
    assert counts["rejection_reasons"] == len(non_hired)
    assert counts["interviews"] == len(truth["interviews"])
    assert counts["offers"] == len(truth["offers"])


def test_outcomes_agree_with_the_sandbox_archive_state(scenario: Scenario) -> None:
    hired = {rid for rid, (_, reason) in scenario.truth["archive_reasons"].items() if reason["type"] == "hired"}
    expected = {
        oid: "PENDING" if data["archived"] is None else "HIRED" if data["archived"]["reason"] in hired else "DECLINED"
        for oid, (_, data) in scenario.truth["opportunities"].items()
    }
    with duckdb.connect(str(scenario.baseline_copy), read_only=True) as conn:
        actual = dict(conn.execute("select remote_id, outcome from ats.applications").fetchall())
    assert {oid: actual.get(oid) for oid in expected} == expected


# -- ids ----------------------------------------------------------------------------------------------------------


def _copy_of(scenario: Scenario, warehouse: Path, target: Path) -> Settings:
    """Settings for a copy of `warehouse` at `target`, so a test can rebuild it without touching the scenario's."""
    shutil.copy(warehouse, target)
    return replace(scenario.harness.settings, duckdb_path=target)


def test_ids_are_identical_after_a_rebuild_from_scratch(scenario: Scenario, tmp_path: Path) -> None:
    rebuilt = _copy_of(scenario, scenario.baseline_copy, tmp_path / "rebuilt.duckdb")
    with duckdb.connect(str(rebuilt.duckdb_path)) as conn:
        before = ids_by_table(conn)
        conn.execute("drop schema ats cascade")
        conn.execute("drop schema staging cascade")

    build(rebuilt, tmp_path, scenario.times["baseline"] + timedelta(days=1))

    with duckdb.connect(str(rebuilt.duckdb_path), read_only=True) as conn:
        assert ids_by_table(conn) == before
    assert all(before.values()), "every unified table has rows"


def test_incremental_builds_hold_what_a_full_rebuild_computes(scenario: Scenario, tmp_path: Path) -> None:
    """The incremental path (each model reads only the rows loaded since its last build, or anonymized by the clock
    since) against a full rebuild of the same warehouse: every row the rebuild produces is in the incrementally built
    table with the same content. The incremental tables may hold more: rows that vanished stay, soft-deleted, which
    a rebuild cannot know."""
    rebuilt = _copy_of(scenario, scenario.harness.path, tmp_path / "rebuilt.duckdb")
    build(rebuilt, tmp_path, scenario.times["fifteen_days_later"], full_refresh=True)

    with scenario.connect() as incremental, duckdb.connect(str(rebuilt.duckdb_path), read_only=True) as full:
        for table in column(full, "select table_name from information_schema.tables where table_schema = 'ats'"):
            query = f"select id, _content_hash from ats.{table}"
            rebuilt_rows = set(full.execute(query).fetchall())
            assert rebuilt_rows, table
            assert rebuilt_rows <= set(incremental.execute(query).fetchall()), table


def test_recomputing_every_row_changes_nothing_and_keeps_what_a_rebuild_loses(
    scenario: Scenario, tmp_path: Path
) -> None:
    """`--vars '{recompute_all: true}'` (after a change to a model's logic) recomputes every row incrementally: with
    the same logic nothing moves, and the vanished rows a full rebuild drops (the tag taken off, the archive event
    of the unarchived opportunity) stay."""
    copy = _copy_of(scenario, scenario.harness.path, tmp_path / "recomputed.duckdb")
    with duckdb.connect(str(copy.duckdb_path), read_only=True) as conn:
        before = changed_at_by_id(conn)

    build(copy, tmp_path, scenario.times["fifteen_days_later"] + timedelta(hours=1), dbt_vars={"recompute_all": True})

    with duckdb.connect(str(copy.duckdb_path), read_only=True) as conn:
        assert changed_at_by_id(conn) == before
    oid, tag = scenario.untagged
    assert unified_id(scenario.harness.integration.id, "candidate_tags", f"{oid}:{tag}") in before["candidate_tags"]


def test_every_model_has_the_columns_and_types_its_yml_declares(scenario: Scenario) -> None:
    """What Dagster shows (the yml's columns and data types) is what the warehouse holds."""
    manifest = json.loads((scenario.workdir / "target" / "manifest.json").read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    with duckdb.connect(str(scenario.baseline_copy), read_only=True) as conn:
        built = conn.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns"
        ).fetchall()
    actual: dict[tuple[str, str], dict[str, str]] = {}
    for schema, table, name, data_type in built:
        actual.setdefault((schema, table), {})[name] = data_type
    checked = [m for m in models if (m["schema"], m["name"]) in actual]
    assert len(checked) >= 40
    for model in checked:
        declared = {name: column["data_type"] for name, column in model["columns"].items()}
        assert declared == actual[(model["schema"], model["name"])], model["name"]


# -- changed_at -----------------------------------------------------------------------------------------------------


def test_a_sync_without_changes_leaves_every_changed_at_alone(scenario: Scenario) -> None:
    assert scenario.changed_at["no_change"] == scenario.changed_at["baseline"]


def test_a_changed_mapped_field_moves_changed_at_of_that_row_only(scenario: Scenario) -> None:
    before, after = scenario.changed_at["no_change"], scenario.changed_at["edited"]
    with scenario.connect() as conn:
        application = conn.execute(
            "select id, current_stage_id from ats.applications where remote_id = ?", [scenario.moved]
        ).fetchone()
        offer_stage = conn.execute("select id from ats.application_stages where remote_id = 'offer'").fetchone()[0]

    assert application[1] == offer_stage
    assert after["applications"][application[0]] == scenario.times["edited"]
    assert before["applications"][application[0]] < scenario.times["edited"]
    # the edits touch no job, user or stage, and no application they were not made on
    for table in ("jobs", "users", "application_stages"):
        assert after[table] == before[table]
    integration = scenario.harness.integration.id
    edited = {
        unified_id(integration, "applications", oid)
        for oid in (scenario.moved, scenario.untagged[0], scenario.unarchived, scenario.returned)
    }
    others = {i: t for i, t in after["applications"].items() if i not in edited}
    assert len(others) == len(after["applications"]) - 4
    assert others == {i: before["applications"][i] for i in others}


def test_a_tag_taken_off_soft_deletes_the_candidate_tag(scenario: Scenario) -> None:
    oid, tag = scenario.untagged
    row_id = unified_id(scenario.harness.integration.id, "candidate_tags", f"{oid}:{tag}")
    with scenario.connect() as conn:
        deleted_at = conn.execute("select remote_deleted_at from ats.candidate_tags where id = ?", [row_id]).fetchone()
    assert deleted_at == (scenario.times["edited"],)


def test_an_unarchive_keeps_the_archive_event_and_exits_it(scenario: Scenario) -> None:
    _, data = scenario.truth["opportunities"][scenario.unarchived]
    key = f"{scenario.unarchived}:archived:{data['archived']['archivedAt']}"
    with scenario.connect() as conn:
        event = conn.execute(
            "select event_type, exited_at, is_current, remote_deleted_at from ats.application_stage_changes "
            "where remote_id = ?",
            [key],
        ).fetchone()
        outcome = conn.execute("select outcome from ats.applications where remote_id = ?", [scenario.unarchived])
        assert outcome.fetchone() == ("PENDING",)
    assert event == ("ARCHIVED", scenario.times["edited"], False, None)


# -- soft delete and anonymization ---------------------------------------------------------------------------------


def test_deletion_sets_remote_deleted_at_on_the_record_and_its_children(scenario: Scenario) -> None:
    oid, integration = scenario.deleted, scenario.harness.integration.id
    _, opportunity = scenario.truth["opportunities"][oid]
    interviews = [iid for iid, (parent, _) in scenario.truth["interviews"].items() if parent == oid]
    expected_ids = {
        "candidates": [unified_id(integration, "candidates", oid)],
        "applications": [unified_id(integration, "applications", oid)],
        "interviews": [unified_id(integration, "interviews", iid) for iid in interviews],
        "candidate_tags": [unified_id(integration, "candidate_tags", f"{oid}:{tag}") for tag in opportunity["tags"]],
        "application_stage_changes": [
            unified_id(integration, "application_stage_changes", f"{oid}:stage:{n}")
            for n in range(len(opportunity["stageChanges"]))
        ],
    }
    with scenario.connect() as conn:
        deleted_at = {
            table: dict(conn.execute(f"select id, remote_deleted_at from ats.{table} where id in ?", [ids]).fetchall())
            for table, ids in expected_ids.items()
        }
    when = deleted_at["candidates"][expected_ids["candidates"][0]]
    assert when is not None
    assert scenario.changed_at["deleted"]["candidates"][expected_ids["candidates"][0]] == scenario.times["deleted"]
    for table, ids in expected_ids.items():
        assert ids, f"the deleted candidate has {table}"
        assert {deleted_at[table].get(i) for i in ids} == {when}, table


def test_a_record_that_comes_back_clears_remote_deleted_at(scenario: Scenario) -> None:
    candidate = unified_id(scenario.harness.integration.id, "candidates", scenario.returned)
    with duckdb.connect(str(scenario.harness.path), read_only=True) as conn:
        now = conn.execute("select remote_deleted_at from ats.candidates where id = ?", [candidate]).fetchone()
    assert scenario.changed_at["edited"]["candidates"][candidate] == scenario.times["edited"]
    assert scenario.changed_at["deleted"]["candidates"][candidate] == scenario.times["deleted"]
    assert now == (None,)


def test_deleted_rows_stay_until_anonymized_fourteen_days_later(scenario: Scenario) -> None:
    with scenario.connect() as conn:
        row = conn.execute(
            """select id, remote_id, integration_id, remote_deleted_at, changed_at,
                      first_name, last_name, email_addresses, phone_numbers, social_media, location, remote_data
               from ats.candidates where remote_id = ?""",
            [scenario.deleted],
        ).fetchone()
    assert row[0] and row[1] == scenario.deleted and row[2] and row[3]
    assert row[4] == scenario.times["fifteen_days_later"], "anonymizing moves changed_at"
    assert row[5:] == (None,) * 7, "lists and structs become NULL, not empty"


def test_no_column_anywhere_holds_the_deleted_candidates_personal_data(scenario: Scenario) -> None:
    with scenario.connect() as conn:
        assert find_text(conn, scenario.deleted_person) == []


def test_the_personal_data_scan_does_find_a_live_candidate(scenario: Scenario) -> None:
    # Regression guard for the scan itself: it must see data that is there.
    live = next(iter(d for oid, (_, d) in sorted(scenario.truth["opportunities"].items()) if d["emails"]
                     and oid not in (scenario.deleted,)))  # fmt: skip
    with scenario.connect() as conn:
        hits = {table for table, _, _ in find_text(conn, [live["emails"][0]])}
    assert {"lever_raw.opportunities", "staging.stg_lever__opportunities", "ats.candidates"} <= hits


# -- the data tests themselves --------------------------------------------------------------------------------------


def test_not_null_columns_fails_on_a_null_and_names_the_column(scenario: Scenario, tmp_path: Path) -> None:
    copy = tmp_path / "nulled.duckdb"
    shutil.copy(scenario.baseline_copy, copy)
    select = ["--select", "test_name:not_null_columns,users"]
    passing = dbt_command(["test", *select], copy, tmp_path)
    assert passing.returncode == 0, passing.stdout
    with duckdb.connect(str(copy)) as conn:
        conn.execute("update ats.users set remote_id = null where id = (select min(id) from ats.users)")
    failing = dbt_command(["test", *select, "--store-failures"], copy, tmp_path)
    assert failing.returncode != 0
    with duckdb.connect(str(copy), read_only=True) as conn:
        stored = "select table_schema || '.' || table_name from information_schema.tables where table_name like ?"
        (table,) = column(conn, stored, ["users_not_null"])
        assert conn.execute(f"select * from {table}").fetchall() == [("remote_id", 1)]
