"""Before/after of a sync change: both sides replay the same deltas from the same warehouse and account state."""

import json

import pytest

from benchmarks import ab_sync


@pytest.mark.slow
def test_both_sides_sync_the_same_account_state_so_their_requests_match(tmp_path, finished_run):
    work, pristine = finished_run
    (frozen,) = (work / "code").iterdir()  # the code the run measured stands in for "before"

    out = tmp_path / "ab"
    args = ["--run", str(work / "run-50-1"), "--sandbox", str(pristine), "--before", str(frozen), "--out", str(out)]
    args += ["--memory-limit", "64MB"]
    assert ab_sync.main(args) == 0

    result = json.loads((out / "ab_sync.json").read_text())
    assert result["before"] == frozen.name and result["memory_limit"] == "64MB"
    sides = {side: {m["case"]: m for m in measured} for side, measured in result["sides"].items()}
    assert list(sides) == ["before", "after"]
    for case in ("quiet", "advance_1"):
        assert sides["before"][case]["requests"] == sides["after"][case]["requests"] > 0
        assert sides["after"][case]["status_429"] == 0
    assert (
        sides["before"]["advance_1"]["opportunities_refreshed"]
        == sides["after"]["advance_1"]["opportunities_refreshed"]
        > 0
    )
    assert not list(out.glob("*/warehouse.duckdb"))  # gigabytes at 100k: each side deletes its copy
