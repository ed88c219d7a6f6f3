"""The benchmark harness in its smallest mode: a 50-opportunity account, one run, no dbt, no `make run`."""

import json

from benchmarks.report_manual import manual_section
from benchmarks.run import main

CASES = ("full", "quiet", "advance_1", "advance_7")


def test_smallest_benchmark_writes_a_report_and_never_beats_the_lower_bound(tmp_path):
    report = tmp_path / "BENCHMARKS.md"
    # Lever's real latency only lengthens the run here: the smoke test answers in 10-30 ms.
    argv = ["--sizes", "50", "--repeats", "1", "--scale", "100", "--latency-ms", "10-30", "--no-dbt", "--no-make-run"]
    assert main([*argv, "--work-dir", str(tmp_path / "work"), "--report", str(report)]) == 0

    results = json.loads((tmp_path / "work" / "results.json").read_text())
    bounds = {b["case"]: b for b in results["bounds"]["50"]["bounds"]}
    (run,) = results["runs"]
    for case in CASES:
        measured = run["syncs"][case]
        # A correct extractor can match the bound, never beat it: fewer requests would mean missed data.
        assert measured["requests"] >= bounds[case]["total"] > 0, case
        assert measured["peak_rss_mb"] > 0 and measured["wall_s"] > 0
    assert run["advance_changes"]["advance_1"] == bounds["advance_1"]["advance_changes"]

    text = report.read_text()
    for heading in ("## Machine", "## Method", "## Results (medians)", "## Targets (issue 7)", "## Lower bounds",
                    "## Raw runs"):  # fmt: skip
        assert heading in text
    assert "| requests (lower bound, ratio) |" in text


def test_each_by_hand_section_is_reported_under_its_own_title():
    row = {"case": "delta", "requests": 110, "bound": 100, "wall_s": 2.0}
    manual = {"title": "Follow-up", "rows": [row], "sections": [{"title": "A/B", "rows": [{**row, "note": "after"}]}]}
    lines = manual_section({"manual": manual})
    assert "## Follow-up" in lines and "## A/B" in lines
    assert lines.index("## Follow-up") < lines.index("## A/B")
    assert sum("1.100×" in line for line in lines) == 2
    assert manual_section({"manual": {"title": "empty", "rows": []}}) == []
