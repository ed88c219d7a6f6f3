"""The README's SQL, one statement per action, run by DuckDB against `ats`: the Dagster sensor notices the requests
it inserts and its job carries them out, with the effect in Lever, the result row and the `ats` row; replaying the
script inserts duplicates and applies nothing twice."""

from __future__ import annotations

import base64
import re
import sqlite3
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.actions import build_actions
from orchestration.defs.resources import WarehouseResource
from orchestration.lever.config import PROJECT_ROOT, load_settings
from tests.actions.conftest import PDF, World, pick

SCHEMA = """CREATE TABLE actions.requests (idempotency_key VARCHAR, action VARCHAR, params VARCHAR,
            integration_id VARCHAR, perform_as VARCHAR, dry_run INTEGER)"""


def readme_examples() -> list[str]:
    """The statements of the README's example block, one per action (and the closing query of results)."""
    text = (PROJECT_ROOT / "README.md").read_text()
    block = re.search(r"```sql\n(-- create_candidate.*?)```", text, re.S)
    assert block, "README: the example block of 'Write back to Lever'"
    return [s.strip() for s in block.group(1).split(";\n") if s.strip() and "INSERT" in s]


def run_examples(world: World, statements: list[str], ids: dict[str, str], tmp_path: Path) -> None:
    """DuckDB runs them against the warehouse's `ats`; their rows go into the SQLite outbox unchanged. (Offline,
    DuckDB cannot fetch its sqlite extension, so `actions` is a DuckDB catalog here and the rows are copied.)"""
    report = tmp_path / "report.pdf"
    report.write_bytes(base64.b64decode(PDF))
    with duckdb.connect() as conn:
        conn.execute(f"ATTACH '{world.harness.path}' AS warehouse (READ_ONLY)")
        conn.execute("USE warehouse")
        conn.execute("ATTACH ':memory:' AS actions")
        conn.execute(SCHEMA)
        for statement in statements:
            for placeholder, value in ids.items():
                statement = statement.replace(placeholder, value)
            conn.execute(statement.replace("read_blob('report.pdf')", f"read_blob('{report}')"))
        rows = conn.execute("SELECT idempotency_key, action, params FROM actions.requests").fetchall()
    assert world.outbox.path.exists()
    with sqlite3.connect(world.settings.outbox_path) as outbox:
        outbox.executemany("INSERT INTO requests (idempotency_key, action, params) VALUES (?, ?, ?)", rows)


def test_the_readme_examples_carry_out_every_action_once_even_when_replayed(served: World, tmp_path: Path):
    world = served  # the Dagster job reads its settings from the environment, as in production
    statements = readme_examples()
    actions = [
        re.search(
            r"'(create_candidate|create_application|add_tag|remove_tag|move_application_to_stage|"
            r"reject_application|add_attachment|add_result_link)'",
            s,
        ).group(1)
        for s in statements
    ]
    assert sorted(actions) == sorted(set(actions)) and len(actions) == 8, actions
    assert world.one("SELECT count(*) FROM ats.applications") > 0
    first, second = pick(world, 0), pick(world, 1)
    ids = {
        "JOB_ID": first.job,
        "CANDIDATE_ID": second.candidate,
        "APPLICATION_ID": second.application,
        "STAGE_ID": second.stage,
        "REJECTION_REASON_ID": first.reason,
    }
    instance = dg.DagsterInstance.ephemeral()
    resources = {"warehouse": WarehouseResource.from_settings(load_settings())}
    job, sensor = build_actions()

    def tick() -> dg.RunRequest | dg.SkipReason:
        return sensor(dg.build_sensor_context(instance=instance, resources=resources))

    assert isinstance(tick(), dg.SkipReason)
    run_examples(world, statements, ids, tmp_path)
    request = tick()
    assert isinstance(request, dg.RunRequest)
    assert job.execute_in_process(instance=instance, tags=request.tags, resources=resources).success
    assert isinstance(tick(), dg.SkipReason)
    rows = world.outbox.results(list(range(1, int(request.tags["lever-warehouse/requests-due"]) + 1)))
    assert rows and all(r["status"] == "succeeded" and r["visible_at"] for r in rows), rows
    done = {r["action"]: r for r in rows}
    account = world.sandbox.account

    created = account.opportunities[done["create_candidate"]["lever_response"]["opportunity"]]
    assert account.contacts[created.contact].emails == ["ada@example.org"] and "Sourcing tool" in created.sources
    assert (
        world.one(
            "SELECT company FROM ats.candidates WHERE id = ?", done["create_candidate"]["created_ids"]["candidate_id"]
        )
        == "Analytical Engines"
    )
    second_job = account.opportunities[done["create_application"]["lever_response"]["opportunity"]]
    assert second_job.contact == account.opportunities[second.opportunity].contact
    tagged = [r for r in rows if r["action"] == "add_tag"]
    for row in tagged:
        assert "Priority" in account.opportunities[row["lever_response"]["opportunity"]].tags
    assert "Priority" not in account.opportunities[second.opportunity].tags
    opportunity = account.opportunities[second.opportunity]
    assert opportunity.stage == world.one("SELECT remote_id FROM ats.application_stages WHERE id = ?", second.stage)
    assert opportunity.archived[0] == world.one(
        "SELECT remote_id FROM ats.rejection_reasons WHERE id = ?", first.reason
    )
    assert world.query("SELECT outcome, current_stage_id FROM ats.applications WHERE id = ?", second.application) == [
        ("DECLINED", second.stage)
    ]
    children = account.children(opportunity)
    assert [f["name"] for f in children["files"]].count("report.pdf") == 1
    notes = [n["fields"][0]["value"] for n in children["notes"]]
    assert notes.count("Screened out: no work permit") == 1
    assert notes.count("Coding test: https://assess.example/r/123\nScore: 91%") == 1

    run_examples(world, statements, ids, tmp_path)  # the whole script again
    replayed = world.process(show_changes=False)
    keys = {r["idempotency_key"] for r in rows}
    assert {r["status"] for r in replayed if r["idempotency_key"] in keys} == {"duplicate"}
    new = [r for r in replayed if r["idempotency_key"] not in keys]  # candidates the first run created, now tagged
    created = {r["created_ids"]["candidate_id"] for r in rows if r["created_ids"]}
    assert {r["idempotency_key"].removeprefix("priority:") for r in new} <= created
    notes = [n["fields"][0]["value"] for n in account.children(opportunity)["notes"]]
    assert notes.count("Screened out: no work permit") == 1 and len(created) == 2
    assert len(world.sandbox.truth("opportunities")["records"]) == len(account.opportunities) - 1  # no new ones
    with sqlite3.connect(world.settings.outbox_path) as outbox:
        kept = outbox.execute("SELECT params FROM requests WHERE action = 'add_attachment'").fetchall()
    assert all(PDF not in params and "data_removed" in params for (params,) in kept)  # no file content kept
