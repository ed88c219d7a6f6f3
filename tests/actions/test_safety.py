"""Safety of write actions: a 429 storm, a key without write permission or confidential access, the request budget,
dry runs, and no personal data of a request in the logs."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from tests.actions.conftest import PDF, World, pick


def tag(ids, name: str, key: str) -> dict:
    return {
        "action": "add_tag",
        "params": {"candidate_id": ids.candidate, "tag": {"name": name}},
        "idempotency_key": key,
    }


def test_a_429_storm_fails_the_request_clearly_holds_back_nothing_else_and_is_retried_once(world: World):
    first, second = pick(world, 0), pick(world, 1)
    world.sandbox.faults.add("opportunities:429")  # every opportunity request is refused, as in a long storm
    stormed, waiting = world.run([tag(first, "storm", "s1"), tag(second, "calm", "s2")], show_changes=False)
    assert stormed["status"] == "pending" and stormed["attempts"] == 1 and stormed["next_attempt_at"]
    assert "still failing after" in stormed["error"] and "HTTP 429" in stormed["error"]
    assert "\n" not in stormed["error"]
    assert waiting["status"] == "pending" and waiting["attempts"] == 0 and waiting["error"] is None  # untouched
    world.sandbox.faults.clear()
    world.sandbox.advance(minutes_as_days(2))  # past the backoff of the first attempt
    rows = world.process(show_changes=False)  # both due now
    assert [(r["idempotency_key"], r["status"], r["attempts"]) for r in rows] == [
        ("s1", "succeeded", 2),
        ("s2", "succeeded", 1),
    ]
    assert world.sandbox.account.opportunities[first.opportunity].tags.count("storm") == 1


def test_a_key_without_write_permission_fails_those_requests_and_no_other(world: World):
    ids = pick(world)
    world.with_key(world.sandbox.create_key(read_only={"opportunities"}))  # may read everything, write no opportunity
    attachment = {"name": "ok.pdf", "content_type": "application/pdf", "data": PDF}
    refused, uploaded = world.run(
        [
            tag(ids, "nope", "w1"),
            {
                "action": "add_attachment",
                "params": {"candidate_id": ids.candidate, "attachment": attachment},
                "idempotency_key": "w2",
            },
        ],
        show_changes=False,
    )
    assert refused["status"] == "failed" and "403" in refused["error"] and "write permission" in refused["error"]
    assert "nothing was written" in refused["error"]
    assert uploaded["status"] == "succeeded"
    assert "nope" not in world.sandbox.account.opportunities[ids.opportunity].tags


def test_a_confidential_candidate_needs_a_key_with_confidential_access(world: World):
    confidential = world.query(
        """SELECT id FROM ats.candidates WHERE integration_id = 'lever:test' AND confidential
           AND remote_deleted_at IS NULL LIMIT 1"""
    )
    assert confidential, "the account has a confidential candidate"
    world.with_key(world.sandbox.create_key(confidential=False))
    request = {
        "action": "add_tag",
        "params": {"candidate_id": confidential[0][0], "tag": {"name": "x"}},
        "idempotency_key": "c",
    }
    (row,) = world.run([request], show_changes=False)
    assert row["status"] == "failed" and "confidential and the API key has no confidential access" in row["error"]


def test_a_dry_run_checks_and_describes_but_sends_nothing_and_owns_no_key(world: World):
    ids = pick(world)
    request = {
        "action": "move_application_to_stage",
        "params": {"application_id": ids.application, "stage_id": ids.stage},
        "idempotency_key": "d",
    }
    before = world.sandbox.stats()["requests"]
    (dry,) = world.run([{**request, "dry_run": True}])
    assert dry["status"] == "dry_run" and world.sandbox.stats()["requests"] == before
    would = dry["lever_response"]["would_send"]
    assert would["writes"] == ["PUT /opportunities/:id/stage"] and would["opportunity"] == ids.opportunity
    (real,) = world.run([request], show_changes=False)  # the dry run did not take the key
    assert real["status"] == "succeeded"


def test_actions_wait_when_the_daily_request_budget_is_spent(world: World):
    world.harness.integration = replace(world.harness.integration, daily_budget=10)  # today's syncs spent more
    world.harness.settings = replace(world.settings, integrations=(world.harness.integration,))
    before = world.sandbox.stats()["requests"]
    (row,) = world.run([tag(pick(world), "later", "b")], show_changes=False)
    assert row["status"] == "pending" and row["attempts"] == 0 and "daily request budget" in row["error"]
    assert row["next_attempt_at"].startswith((world.sandbox.now + timedelta(days=1)).date().isoformat())
    assert world.sandbox.stats()["requests"] == before


def test_no_personal_data_of_a_request_reaches_the_logs(world: World, caplog):
    ids = pick(world)
    person = {
        "first_name": "Zelda",
        "last_name": "Quimby",
        "email_address": "zelda.quimby@example.org",
        "phone_number": "+44 7700 900123",
    }
    request = {
        "candidate": person,
        "application": {"job_id": ids.job},
        "attachments": [{"name": "zelda-quimby-cv.pdf", "content_type": "application/pdf", "data": PDF, "type": "CV"}],
    }
    with caplog.at_level(logging.DEBUG):
        (row,) = world.run(
            [{"action": "create_candidate", "params": request, "idempotency_key": "p"}], show_changes=False
        )
    assert row["status"] == "succeeded"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "request" in logged  # the processor did log
    for value in ("Zelda", "Quimby", "zelda.quimby", "7700 900123", PDF):
        assert value not in logged
        assert value not in str(row["lever_response"]) and value not in str(row["error"])


def minutes_as_days(minutes: float) -> float:
    return minutes / (24 * 60)
