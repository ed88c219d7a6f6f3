"""The webhooks benchmark's BENCHMARKS.md section: rendered from its result, replacing an earlier one in place."""

from benchmarks.report_webhooks import END, START, write_section

RESULT = {
    "size": 10000, "hours": 1.0, "intensity": 24.0, "watch_s": 5.0, "rate_limit": "10 req/s, burst 20",
    "latency_ms": [100, 300], "code": "abc1234", "events": {"candidateStageChange": 120, "applicationCreated": 60},
    "deliveries": 180, "deliveries_retried": 2, "drains": {"targeted": 70}, "events_per_drain": 2.6,
    "requests_per_event_targeted": 6.3, "requests_per_opportunity_targeted": 7.6,
    "latency_to_raw": {"n": 180, "median_s": 9.0, "p90_s": 15.0, "max_s": 30.0},
    "latency_to_ats": {"n": 180, "median_s": 21.0, "p90_s": 35.0, "max_s": 58.2},
    "over_60s": 0, "events_reaching_ats": 180, "build_s": {"n": 70, "median_s": 10.0, "p90_s": 14.0, "max_s": 20.0},
    "scheduled_delta_s": 45.0, "raw_equals_truth_after_delta": True,
    "load_average": {"min": 1.0, "mean": 2.5, "max": 4.0},
}  # fmt: skip


def test_the_section_says_the_latency_and_replaces_itself(tmp_path):
    report = tmp_path / "BENCHMARKS.md"
    report.write_text("# Benchmarks\n\nintro\n\n## Raw runs\n\nrows\n")
    write_section(report, RESULT)
    first = report.read_text()
    assert first.index(START) < first.index("## Raw runs") and first.count(START) == 1
    assert "21.0 s / 35.0 s / **58.2 s** (180 events)" in first and "180: candidateStageChange 120" in first
    write_section(report, {**RESULT, "raw_equals_truth_after_delta": "opportunities: 1 missing"})
    second = report.read_text()
    assert second.count(START) == second.count(END) == 1 and "**no**: opportunities: 1 missing" in second
    assert second.startswith("# Benchmarks\n\nintro\n") and second.endswith("## Raw runs\n\nrows\n")
