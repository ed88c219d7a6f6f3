"""What "done" means for each of the eight actions, in the three places it shows: Lever (the sandbox's ground
truth), the result row, and `ats` after the targeted sync and build."""

from __future__ import annotations

from typing import Any

from tests.actions.conftest import Ids, World


def by_action(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["action"]: row for row in rows}


def assert_all_applied(
    world: World,
    requests: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    first: Ids,
    second: Ids,
    *,
    built: bool = True,
) -> None:
    results = by_action(rows)
    assert set(results) == {r["action"] for r in requests}
    for row in rows:
        assert row["status"] == "succeeded" and row["attempts"] == 1, row
        assert row["applied_at"] and (row["visible_at"] or not built), row
        assert row["error"] is None, row
    params = {r["action"]: r["params"] for r in requests}
    account = world.sandbox.account

    created = results["create_candidate"]["lever_response"]["opportunity"]
    opportunity = account.opportunities[created]
    contact = account.contacts[opportunity.contact]
    assert contact.emails == [params["create_candidate"]["candidate"]["email_address"]]
    assert opportunity.posting_id == world.one("SELECT remote_id FROM ats.jobs WHERE id = ?", first.job)
    assert opportunity.stage == world.one("SELECT remote_id FROM ats.application_stages WHERE id = ?", first.stage)
    assert [r["file"]["name"] for r in account.children(opportunity)["resumes"]] == ["cv.pdf"]
    assert "Assessment partner" in opportunity.sources
    ids = results["create_candidate"]["created_ids"]
    assert world.one("SELECT remote_id FROM ats.candidates WHERE id = ?", ids["candidate_id"]) == created
    assert world.one("SELECT current_stage_id FROM ats.applications WHERE id = ?", ids["application_id"]) == first.stage

    applied = results["create_application"]["lever_response"]["opportunity"]
    second_contact = account.opportunities[second.opportunity].contact
    assert account.opportunities[applied].contact == second_contact and applied != second.opportunity
    new_app = results["create_application"]["created_ids"]["application_id"]
    assert world.one("SELECT job_id FROM ats.applications WHERE id = ?", new_app) == first.job

    tag = params["add_tag"]["tag"]["name"]
    assert tag in account.opportunities[first.opportunity].tags
    assert world.query(
        """SELECT 1 FROM ats.candidate_tags ct JOIN ats.tags t ON t.id = ct.tag_id
           WHERE ct.candidate_id = ? AND t.name = ? AND ct.remote_deleted_at IS NULL""",
        first.candidate,
        tag,
    )
    removed = params["remove_tag"]["tag"]["name"]
    assert removed not in account.opportunities[second.opportunity].tags
    assert not world.query(
        """SELECT 1 FROM ats.candidate_tags ct JOIN ats.tags t ON t.id = ct.tag_id
           WHERE ct.candidate_id = ? AND t.name = ? AND ct.remote_deleted_at IS NULL""",
        second.candidate,
        removed,
    )

    stage_lever = world.one("SELECT remote_id FROM ats.application_stages WHERE id = ?", second.stage)
    assert account.opportunities[second.opportunity].stage == stage_lever
    assert world.one("SELECT current_stage_id FROM ats.applications WHERE id = ?", second.application) == second.stage
    assert world.query(
        """SELECT 1 FROM ats.application_stage_changes WHERE application_id = ? AND stage_id = ? AND is_current""",
        second.application,
        second.stage,
    )

    reason_lever = world.one("SELECT remote_id FROM ats.rejection_reasons WHERE id = ?", first.reason)
    assert account.opportunities[first.opportunity].archived[0] == reason_lever
    outcome = world.query("SELECT outcome, rejection_reason_name FROM ats.applications WHERE id = ?", first.application)
    assert outcome == [("DECLINED", first.reason_name)]
    notes = [n["fields"][0]["value"] for n in account.children(account.opportunities[first.opportunity])["notes"]]
    assert notes.count("Not a fit this time") == 1

    files = account.children(account.opportunities[second.opportunity])["files"]
    name = params["add_attachment"]["attachment"]["name"]
    (uploaded,) = [f for f in files if f["name"] == name]
    assert results["add_attachment"]["lever_response"]["file"] == uploaded["id"]
    assert world.query("SELECT 1 FROM lever_raw.files WHERE id = ? AND deleted_at IS NULL", uploaded["id"])

    url = params["add_result_link"]["url"]
    assert url in account.contacts[second_contact].links
    notes = [n["fields"][0]["value"] for n in account.children(account.opportunities[second.opportunity])["notes"]]
    assert f"Coding test: {url}\nScore: 91%" in notes
    assert world.query(
        "SELECT 1 FROM ats.candidates WHERE id = ? AND list_contains([s.link FOR s IN social_media], ?)",
        second.candidate,
        url,
    )
