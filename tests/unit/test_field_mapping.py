"""Field mappings are checked when the settings load: a bad one stops everything with one line naming the
integration and the key; a good one says which optional lists the integration must read."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.lever.config import load_settings
from orchestration.lever.endpoints import OPTIONAL
from orchestration.lever.errors import ConfigError
from orchestration.lever.field_mapping import as_dbt_var

GOOD = """
lever:sandbox:
  jobs:
    custom_fields:
      cost_center: requisition.costCenter
      budget: {source: requisition.budget, type: number, default: 0}
      target_hire_date: {source: requisition.targetDate, type: date}
      team: posting.categories.team
    integration_fields: [requisition.region, posting.workplaceType]
  offers:
    custom_fields:
      start_date: {source: offer.anticipated_start_date, type: date, default: "2026-01-01"}
"""


def settings_with(tmp_path: Path, text: str, **env: str):
    path = tmp_path / "fields.yml"
    path.write_text(text)
    return load_settings({"LEVER_FIELD_MAPPINGS": str(path), "DUCKDB_PATH": str(tmp_path / "w.duckdb"), **env})


def test_a_good_mapping_loads_and_compiles_to_the_dbt_var(tmp_path):
    settings = settings_with(tmp_path, GOOD)
    jobs = as_dbt_var(settings.field_mappings)["jobs"][0]
    assert jobs["integration_id"] == "lever:sandbox"
    assert [(f["key"], f["namespace"], f["name"], f["type"]) for f in jobs["custom_fields"]] == [
        ("cost_center", "requisition", "costCenter", "json"),
        ("budget", "requisition", "budget", "number"),
        ("target_hire_date", "requisition", "targetDate", "date"),
        ("team", "posting", "categories.team", "json"),
    ]
    assert jobs["custom_fields"][1]["default"] == "0"
    assert jobs["integration_fields"] == [
        {"namespace": "requisition", "name": "region", "type": "CUSTOM"},
        {"namespace": "posting", "name": "workplaceType", "type": "DEFAULT"},
    ]
    # No profile form is used: none is requested.
    assert settings.optional_lists("lever:sandbox") == frozenset()


def test_profile_forms_are_read_when_a_mapping_uses_them_or_the_setting_asks(tmp_path):
    uses = (
        GOOD
        + """
  candidates:
    custom_fields:
      visa: {source: "profile_form.Visa sponsorship required", type: boolean}
"""
    )
    assert settings_with(tmp_path, uses).optional_lists("lever:sandbox") == OPTIONAL
    assert settings_with(tmp_path, GOOD, LEVER_PROFILE_FORMS="1").optional_lists("lever:sandbox") == OPTIONAL


@pytest.mark.parametrize(
    ("body", "key", "says"),
    [
        ("jobs: {custom_fields: {team: posting.categoriez}}", "jobs.custom_fields.team", "unknown field"),
        ("jobs: {custom_fields: {team: opportunity.name}}", "jobs.custom_fields.team", "unknown field"),
        ("offers: {custom_fields: {pay: offer}}", "offers.custom_fields.pay", "unknown field"),
        ("jobs: {custom_fields: {c: {source: posting.categories, type: number}}}", "jobs.custom_fields.c",
         "cannot convert posting.categories"),
        ("candidates: {custom_fields: {t: {source: opportunity.tags, type: date}}}", "candidates.custom_fields.t",
         "cannot convert"),
        ("offers: {custom_fields: {s: {source: offer.salary_amount, type: number, default: lots}}}",
         "offers.custom_fields.s", "default 'lots' cannot be converted to number"),
        ("offers: {custom_fields: {s: {source: offer.salary_amount, type: decimal}}}", "offers.custom_fields.s",
         "unknown type 'decimal'"),
        ("offers: {custom_fields: {s: {source: offer.salary_amount, tpye: number}}}", "offers.custom_fields.s",
         "unknown option 'tpye'"),
        ("jobs:\n    custom_fields:\n      team: posting.text\n      team: posting.state", "jobs.custom_fields.team",
         "duplicate key"),
        ("jobs: {integration_fields: [posting.state, posting.state]}", "jobs.integration_fields.posting.state",
         "duplicate key"),
        ("people: {}", "people", "unknown model"),
    ],
)  # fmt: skip
def test_a_bad_mapping_fails_at_load_with_one_line_naming_integration_and_key(tmp_path, body, key, says):
    with pytest.raises(ConfigError) as failure:
        settings_with(tmp_path, "lever:sandbox:\n  " + body + "\n")
    message = str(failure.value)
    assert "\n" not in message
    assert "integration lever:sandbox" in message and key in message and says in message, message


def test_a_mapping_for_an_integration_not_configured_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="integration lever:acme: not a configured integration"):
        settings_with(tmp_path, "lever:acme:\n  jobs: {}\n")


def test_the_integrations_file_names_its_mapping_file_beside_it(tmp_path):
    (tmp_path / "fields.yml").write_text("lever:demo:\n  jobs: {custom_fields: {team: posting.nope}}\n")
    (tmp_path / "integrations.toml").write_text(
        'field_mappings = "fields.yml"\n[[integrations]]\nid = "lever:demo"\nsandbox = { seed = 1 }\n'
    )
    env = {"LEVER_INTEGRATIONS_FILE": str(tmp_path / "integrations.toml"), "DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    with pytest.raises(ConfigError, match=r"integration lever:demo, jobs.custom_fields.team: unknown field"):
        load_settings(env)


def test_without_a_mapping_file_nothing_is_mapped_and_no_optional_list_is_read(tmp_path):
    settings = load_settings({"DUCKDB_PATH": str(tmp_path / "w.duckdb")})
    assert settings.field_mappings == {}
    assert settings.optional_lists(settings.integrations[0].id) == frozenset()


def test_the_cli_stops_before_any_sync_with_one_line(tmp_path, monkeypatch, capsys):
    from orchestration.lever.cli import main

    bad = "lever:sandbox:\n  offers: {custom_fields: {pay: offer.salary_amount, pay: x}}\n"
    (tmp_path / "fields.yml").write_text(bad)
    for name in ("LEVER_INTEGRATIONS_FILE", "LEVER_API_KEY", "LEVER_INTEGRATION_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEVER_FIELD_MAPPINGS", str(tmp_path / "fields.yml"))
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    assert main(["sync"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "integration lever:sandbox, offers.custom_fields.pay: duplicate key" in err, err
    assert not (tmp_path / "w.duckdb").exists()  # nothing was synced, not even the file created
