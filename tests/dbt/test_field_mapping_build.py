"""Field mapping end to end on the sandbox: a sample mapping, a sync that reads the profile forms it needs, a dbt
build, and ats.jobs / candidates / offers custom_fields and integration_fields compared with the ground truth.
Then the mapping changes: only the rows whose value changed move `changed_at`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestration.lever.field_mapping import parse_mappings
from orchestration.lever.sync import Mode
from orchestration.warehouse.dbt_runner import SKIP_UNIT_TESTS, dbt_vars
from tests.reliability.harness import dbt_build
from tests.support import make_harness

MAPPING = {
    "jobs": {
        "custom_fields": {
            "cost_center": "requisition.costCenter",
            "budget": {"source": "requisition.budget", "type": "number", "default": 0},
            "target_hire_date": {"source": "requisition.targetDate", "type": "date"},
            "team": "posting.categories.team",
        },
        "integration_fields": ["requisition.region", "posting.workplaceType"],
    },
    "candidates": {
        "custom_fields": {
            "visa_sponsorship": {"source": "profile_form.Visa sponsorship required", "type": "boolean"},
            "salary_expectation": {"source": "profile_form.Salary expectation", "type": "number"},
            "languages": {"source": "profile_form.Languages", "type": "list"},
        },
        "integration_fields": ["profile_form.Preferred work model"],
    },
    "offers": {
        "custom_fields": {
            "salary": {"source": "offer.salary_amount", "type": "number"},
            "start_date": {"source": "offer.anticipated_start_date", "type": "date"},
            "equity": {"source": "offer.equity_options", "type": "number"},
            "remote": {"source": "offer.remote", "type": "boolean"},
        },
        "integration_fields": ["offer.signing_bonus"],
    },
}


def day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()


def build(harness, tmp_path, now: datetime) -> None:
    # dbt's unit tests pin the unmapped SQL with fixed fixtures (make test runs them): production skips them too.
    done, _ = dbt_build(harness.path, now, tmp_path, [*SKIP_UNIT_TESTS, *dbt_vars(harness.settings)])
    assert done.returncode == 0, done.stdout[-4000:]


def unified(harness, table: str) -> dict[str, tuple[Any, list, datetime]]:
    with harness.connect() as conn:
        rows = conn.execute(
            f"SELECT remote_id, custom_fields, to_json(integration_fields), changed_at FROM ats.{table}"
        ).fetchall()
    return {r[0]: (json.loads(r[1]), json.loads(r[2]), r[3]) for r in rows}


def passed(fields: list[dict]) -> dict[str, Any]:
    return {f["id"]: (f["type"], f["value"], f["label"]) for f in fields}


@pytest.fixture(scope="module")
def mapped(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("mapped")
    harness = make_harness(tmp_path, opportunities=150)
    harness.settings = replace(
        harness.settings, field_mappings=parse_mappings({"lever:test": MAPPING}, {"lever:test"}, "test")
    )
    result = harness.sync(Mode.FULL)
    assert result.errors == [] and result.requests["forms"] > 0  # the mapping asked for profile forms
    build(harness, tmp_path, harness.sandbox.now)
    return harness, tmp_path


def test_jobs_hold_the_requisition_and_posting_fields_of_the_truth(mapped):
    harness, _ = mapped
    truth = harness.sandbox.truth
    requisitions = [r["data"] for r in truth("requisitions")["records"]]
    labels = {f["id"]: f["text"] for f in (r["data"] for r in truth("requisition_fields")["records"])}
    jobs = unified(harness, "jobs")
    checked = 0
    for posting in (r["data"] for r in truth("postings")["records"]):
        custom, integration, _ = jobs[posting["id"]]
        linked = [r for r in requisitions if posting["id"] in r["postings"]]
        fields = linked[0]["customFields"] if linked else {}
        assert custom == {
            "cost_center": fields.get("costCenter"),
            "budget": float(fields.get("budget", 0)),
            "target_hire_date": day(fields["targetDate"]) if "targetDate" in fields else None,
            "team": posting["categories"].get("team"),
        }, posting["id"]
        expected = {"posting.workplaceType": ("DEFAULT", posting.get("workplaceType"), "workplaceType")}
        if "region" in fields:
            expected["requisition.region"] = ("CUSTOM", fields["region"], labels["region"])
        assert passed(integration) == {k: v for k, v in expected.items() if v[1] is not None}
        checked += bool(linked)
    assert checked > 5


def test_candidates_hold_their_profile_form_answers(mapped):
    harness, _ = mapped
    forms: dict[str, dict[str, Any]] = {}
    for form in sorted(harness.sandbox.truth("forms")["records"], key=lambda r: r["data"]["completedAt"]):
        for field in form["data"]["fields"]:
            forms.setdefault(form["parent_id"], {})[field["text"]] = field["value"]
    candidates = unified(harness, "candidates")
    with_forms = 0
    for opp in harness.sandbox.truth("opportunities")["records"]:
        answers = forms.get(opp["id"], {})
        custom, integration, _ = candidates[opp["id"]]
        visa, salary = answers.get("Visa sponsorship required"), answers.get("Salary expectation")
        assert custom == {
            "visa_sponsorship": None if visa is None else visa == "yes",
            "salary_expectation": None if salary is None else float(salary["value"]),
            "languages": answers.get("Languages"),
        }, opp["id"]
        model = answers.get("Preferred work model")
        assert passed(integration) == (
            {"profile_form.Preferred work model": ("CUSTOM", model, "Preferred work model")} if model else {}
        )
        with_forms += "Languages" in answers
    assert with_forms > 10


def test_offers_hold_their_offer_fields(mapped):
    harness, _ = mapped
    offers = unified(harness, "offers")
    records = harness.sandbox.truth("offers")["records"]
    assert records
    for record in records:
        values = {f["identifier"]: f["value"] for f in record["data"]["fields"]}
        custom, integration, _ = offers[record["id"]]
        assert custom == {
            "salary": float(values["salary_amount"]),
            "start_date": day(values["anticipated_start_date"]),
            "equity": float(values["equity_options"]),
            "remote": values["remote"] == "yes",
        }
        bonus = values.get("signing_bonus")
        assert passed(integration) == ({"offer.signing_bonus": ("CUSTOM", bonus, "Signing bonus")} if bonus else {})


def test_a_changed_mapping_moves_changed_at_only_where_the_value_changed(mapped):
    harness, tmp_path = mapped
    before = {table: unified(harness, table) for table in ("jobs", "candidates", "applications")}
    changed = json.loads(json.dumps(MAPPING))
    changed["jobs"]["custom_fields"]["budget"]["default"] = -1  # only jobs without a budget change
    changed["candidates"]["custom_fields"]["languages"]["type"] = "text"  # only candidates with languages change
    harness.settings = replace(
        harness.settings, field_mappings=parse_mappings({"lever:test": changed}, {"lever:test"}, "t")
    )
    later = harness.sandbox.now + timedelta(hours=1)
    build(harness, tmp_path, later)
    after = {table: unified(harness, table) for table in before}
    moved_jobs = {k for k, v in after["jobs"].items() if v[2] != before["jobs"][k][2]}
    assert moved_jobs == {k for k, v in after["jobs"].items() if v[0]["budget"] == -1.0} != set()
    moved = {k for k, v in after["candidates"].items() if v[2] != before["candidates"][k][2]}
    assert moved == {k for k, v in after["candidates"].items() if v[0]["languages"] is not None} != set()
    assert all(isinstance(v[0]["languages"], str) for k, v in after["candidates"].items() if k in moved)
    # A model whose mapping did not change is not touched.
    assert all(v[2] == before["applications"][k][2] for k, v in after["applications"].items())
