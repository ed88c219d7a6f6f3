"""The follow-up of a finished run: its warehouse carried further with the current code, builds timed."""

import json

import pytest

from benchmarks import followup


@pytest.mark.slow
def test_followup_syncs_under_the_cap_and_times_the_incremental_and_full_builds(tmp_path, finished_run):
    work, pristine = finished_run

    out = tmp_path / "followup"
    args = ["--run", str(work / "run-50-1"), "--sandbox", str(pristine), "--out", str(out), "--memory-limit", "64MB"]
    assert followup.main(args) == 0

    steps = {step["case"]: step for step in json.loads((out / "followup.json").read_text())["steps"]}
    assert list(steps) == ["catch_up", "advance_1", "incremental_after_advance_1", "full_refresh"]
    assert steps["advance_1"]["requests"] > 0 and steps["advance_1"]["status_429"] == 0
    assert steps["incremental_after_advance_1"]["nodes_by_kind"]["test"] > 0
    assert all(step["wall_s"] > 0 for step in steps.values())
