"""`make run`: materialize every asset against the configured source through Dagster, then summarize."""

from __future__ import annotations

import json
import sys
import time

import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.partitions import settings
from orchestration.lever.clock import warehouse_now
from orchestration.lever.warehouse import connect

EXAMPLE_QUERY = """\
select s.name as stage, count(distinct c.application_id) as applications
from ats.application_stage_changes c
join ats.application_stages s on s.id = c.stage_id
where c.event_type = 'STAGE_CHANGE' and c.remote_deleted_at is null
group by s.name, s.global_index
order by s.global_index"""


def materialize_all(instance: dg.DagsterInstance) -> list[dg.ExecuteInProcessResult]:
    """One delta run per integration (raw + dbt), as the hourly schedule would launch it."""
    job = defs.resolve_job_def("lever_delta_sync")
    day = warehouse_now().strftime("%Y-%m-%d")
    results = []
    for integration in settings().integrations:
        key = dg.MultiPartitionKey({"integration": integration.id, "date": day})
        results.append(job.execute_in_process(instance=instance, partition_key=key, raise_on_error=False))
    return results


def summary(elapsed: float) -> str:
    conn = connect(settings().duckdb_path, read_only=True)
    try:
        tables = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'ats' order by 1"
        ).fetchall()
        counts = [(t, conn.execute(f'select count(*) from ats."{t}"').fetchall()[0][0]) for (t,) in tables]
        runs = conn.execute(
            "select integration_id, mode, status, requests from lever_raw._sync_runs order by started_at desc"
        ).fetchall()
        example = conn.execute(EXAMPLE_QUERY).fetchall()
    finally:
        conn.close()
    lines = [f"Done in {elapsed:.0f}s. Warehouse: {settings().duckdb_path}", "", "Rows per unified table (ats):"]
    lines += [f"  {name:<28} {count:>8}" for name, count in counts]
    seen = set()
    for integration_id, mode, status, requests in runs:
        if integration_id in seen:
            continue
        seen.add(integration_id)
        total = sum(json.loads(requests).values()) if requests else 0
        lines.append(f"Last sync of {integration_id}: {mode}, {status}, {total} Lever API requests")
    lines += [
        "",
        "Open the Dagster UI: make dev   (then http://127.0.0.1:3000)",
        "Query the warehouse: .venv/bin/python -c \"import duckdb; print(duckdb.connect('"
        + str(settings().duckdb_path)
        + "', read_only=True).sql('select * from ats.candidates limit 5'))\"",
        "",
        "Example: applications that entered each stage",
        *("  " + line for line in EXAMPLE_QUERY.splitlines()),
        *(f"  -> {stage}: {count}" for stage, count in example[:12]),
    ]
    return "\n".join(lines)


def main() -> int:
    started = time.monotonic()
    with dg.DagsterInstance.get() as instance:
        results = materialize_all(instance)
    failed = [r for r in results if not r.success]
    print(summary(time.monotonic() - started))
    if failed:
        print(f"error: {len(failed)} run(s) failed; see the Dagster output above or open the UI", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
