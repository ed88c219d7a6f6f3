"""Bad input gives one clear error per request, sends nothing for it, and leaves the other requests unaffected."""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import replace

from orchestration.lever.actions.api import process_outbox
from tests.actions.conftest import OTHER, PDF, World, pick

UNKNOWN = "1" * 24


def insert(world: World, rows: list[tuple[str, str, object]]) -> None:
    """What a SQL user does: rows into the outbox's `requests` table."""
    with sqlite3.connect(world.settings.outbox_path) as conn:
        conn.executemany(
            "INSERT INTO requests (idempotency_key, action, params) VALUES (?, ?, ?)",
            [(key, action, params if isinstance(params, str) else json.dumps(params)) for key, action, params in rows],
        )


def test_each_bad_request_fails_alone_with_one_clear_line_and_nothing_sent(world: World):
    assert world.outbox.path.exists()  # the outbox and its tables exist once anything opened it
    ids = pick(world)
    removed = world.one("SELECT id FROM ats.application_stages WHERE remote_deleted_at IS NOT NULL LIMIT 1")
    deleted = world.one("SELECT id FROM ats.candidates WHERE remote_deleted_at IS NOT NULL LIMIT 1")
    other_stage = world.one("SELECT id FROM ats.application_stages WHERE integration_id = ? LIMIT 1", OTHER)
    executable = base64.b64encode(b"MZ\x90\x00 not a pdf").decode()
    move = "move_application_to_stage"
    bad = {
        "unknown id": (move, {"application_id": UNKNOWN, "stage_id": ids.stage}, "is no id in the warehouse"),
        "deleted candidate": ("add_tag", {"candidate_id": deleted, "tag": {"name": "x"}}, "was deleted in Lever"),
        "job id as application": (
            move,
            {"application_id": ids.job, "stage_id": ids.stage},
            "is a job id, not an application id",
        ),
        "candidate id as application": (
            move,
            {"application_id": ids.candidate, "stage_id": ids.stage},
            "ats.applications.candidate_id",
        ),
        "stage of another account": (
            move,
            {"application_id": ids.application, "stage_id": other_stage},
            f"belongs to integration {OTHER}",
        ),
        "stage out of the pipeline": (
            move,
            {"application_id": ids.application, "stage_id": removed},
            "stage was deleted in Lever",
        ),
        "missing field": (
            "create_candidate",
            {"candidate": {"first_name": "A", "last_name": "B"}, "application": {"job_id": ids.job}},
            "candidate.email_address is required",
        ),
        "bad email": (
            "create_candidate",
            {
                "candidate": {"first_name": "A", "last_name": "B", "email_address": "nope"},
                "application": {"job_id": ids.job},
            },
            "must be an email address",
        ),
        "unknown field": (
            "add_tag",
            {"candidate_id": ids.candidate, "tag": {"name": "x"}, "colour": "red"},
            "unknown field 'colour'",
        ),
        "executable as pdf": (
            "add_attachment",
            {
                "candidate_id": ids.candidate,
                "attachment": {"name": "cv.pdf", "content_type": "application/pdf", "data": executable},
            },
            "is not application/pdf",
        ),
        "forbidden type": (
            "add_attachment",
            {
                "candidate_id": ids.candidate,
                "attachment": {"name": "x.exe", "content_type": "application/x-msdownload", "data": PDF},
            },
            "is not accepted",
        ),
        "unknown action": ("delete_candidate", {}, "unknown action 'delete_candidate'"),
        "params not json": ("add_tag", "{not json", "params must be a JSON object"),
    }
    good = ("add_tag", {"candidate_id": ids.candidate, "tag": {"name": "still-works"}})
    rows = [(f"bad:{name}", action, params) for name, (action, params, _) in bad.items()]
    insert(world, [rows[0], ("good", *good), *rows[1:]])
    writes_before = _writes(world)
    processed = process_outbox(world.settings, show_changes=False, **world.processing())
    results = {row["idempotency_key"]: row for row in processed}
    assert results["good"]["status"] == "succeeded"
    assert "still-works" in world.sandbox.account.opportunities[ids.opportunity].tags
    assert _writes(world) - writes_before == 1  # the good request's addTags, nothing else
    for name, (_, _, message) in bad.items():
        row = results[f"bad:{name}"]
        assert row["status"] == "failed" and row["attempts"] <= 1, (name, row)
        assert message in row["error"] and "\n" not in row["error"], (name, row["error"])


def test_an_attachment_over_the_cap_is_refused_before_anything_is_sent(world: World):
    world.harness.settings = replace(world.settings, attachment_max_bytes=16)
    ids = pick(world)
    request = {
        "candidate_id": ids.candidate,
        "attachment": {"name": "cv.pdf", "content_type": "application/pdf", "data": PDF},
    }
    before = world.sandbox.stats()["requests"]
    (row,) = world.run([{"action": "add_attachment", "params": request, "idempotency_key": "big"}])
    assert row["status"] == "failed" and "larger than the 16-byte attachment cap" in row["error"]
    assert world.sandbox.stats()["requests"] == before


def test_a_key_reused_for_another_action_is_refused(world: World):
    ids = pick(world)
    tag = {"action": "add_tag", "params": {"candidate_id": ids.candidate, "tag": {"name": "a"}}, "idempotency_key": "k"}
    other = {**tag, "params": {"candidate_id": ids.candidate, "tag": {"name": "b"}}}
    first, second = world.run([tag, other], show_changes=False)
    assert first["status"] == "succeeded"
    assert second["status"] == "failed" and "already names request" in second["error"]
    assert "b" not in world.sandbox.account.opportunities[ids.opportunity].tags


def _writes(world: World) -> int:
    by_status = world.sandbox.stats()["by_endpoint_status"]
    return sum(sum(v.values()) for k, v in by_status.items() if not k.startswith("GET"))
