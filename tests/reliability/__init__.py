"""Reliability suite (issue 6): crash/resume, fault matrix, bad input, concurrency, secrets, personal data.

Every scenario compares the warehouse with the sandbox's ground truth or scans it for what must not be there.
`make test` runs the fast subset; `make test-reliability` (pytest -m slow) the long matrix: twenty-plus
SIGKILLs, every fault kind in full and delta syncs, killed dbt builds, the Dagster UI during a run, and the
dbt-side scans. Shared machinery (CLI subprocesses against a served sandbox, state invariants, leak scans)
is in `harness.py`.
"""
