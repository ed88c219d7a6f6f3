"""Project-wide settings of the dbt project: one retention setting, and what Dagster shows of every test and model."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orchestration.lever.retention import retention

from .dbt_helpers import compile_inline


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """One inline compile: its SQL, and the manifest dbt parsed for it."""
    workdir = tmp_path_factory.mktemp("dbt_settings")
    sql = compile_inline("select {{ is_past_retention('deleted_at') }}", workdir / "unused.duckdb", workdir)
    return sql, json.loads((workdir / "target" / "manifest.json").read_text())


def test_dbt_and_the_raw_purge_use_the_same_retention(compiled: tuple[str, dict[str, Any]]) -> None:
    assert retention().days == 14, "unified-schema.md §1.7"
    assert f"interval {retention().days} days" in compiled[0]


def _nodes(manifest: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [node for node in manifest["nodes"].values() if node["resource_type"] == kind]


def test_every_data_test_has_a_short_name_of_its_own_and_says_what_it_proves(
    compiled: tuple[str, dict[str, Any]],
) -> None:
    tests = _nodes(compiled[1], "test")
    assert len(tests) >= 120
    # dbt's generated names start with the test's macro (`relationships_...`) and get truncated with a hash
    generated = [t["name"] for t in tests if t["name"].startswith(t["test_metadata"]["name"] + "_")]
    assert generated == []
    assert max(len(t["name"]) for t in tests) <= 64
    assert [t["name"] for t in tests if len(t.get("description") or "") < 20] == []


def test_every_model_column_has_a_type(compiled: tuple[str, dict[str, Any]]) -> None:
    models = [m for m in _nodes(compiled[1], "model") if m["config"]["materialized"] != "ephemeral"]
    untyped = [f"{m['name']}.{c}" for m in models for c, column in m["columns"].items() if not column.get("data_type")]
    assert len(models) >= 40 and untyped == []
