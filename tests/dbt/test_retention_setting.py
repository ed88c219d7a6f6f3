"""One retention setting: the dbt models and the Python raw purge read the same `retention_days`."""

from __future__ import annotations

from pathlib import Path

from orchestration.lever.retention import retention

from .dbt_helpers import compile_inline


def test_dbt_and_the_raw_purge_use_the_same_retention(tmp_path: Path) -> None:
    compiled = compile_inline("select {{ is_past_retention('deleted_at') }}", tmp_path / "unused.duckdb", tmp_path)

    assert retention().days == 14, "unified-schema.md §1.7"
    assert f"interval {retention().days} days" in compiled
