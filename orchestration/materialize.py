"""`make run`: materialize every asset against the configured source through Dagster, then summarize."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from orchestration.defs.location import build_definitions
from orchestration.defs.settings import LocationSettings
from orchestration.lever.config import Settings
from orchestration.lever.warehouse import connect
from orchestration.warehouse.publish import open_published
from orchestration.warehouse.summary import render_rows, unified_rows

EXAMPLE_QUERY = """\
select s.name as stage, count(distinct c.application_id) as applications
from ats.application_stage_changes c
join ats.application_stages s on s.id = c.stage_id
where c.event_type = 'STAGE_CHANGE' and c.remote_deleted_at is null
group by s.name, s.global_index
order by s.global_index"""


def dbt_output(instance: dg.DagsterInstance) -> Path:
    """Where `make run` puts what dbt prints, unless LOG_LEVEL asks for it on the screen."""
    return Path(instance.root_directory) / "logs" / "make_run_dbt.log"


def materialize_all(
    defs: dg.Definitions, settings: Settings, instance: dg.DagsterInstance, log_level: str = "WARNING"
) -> list[dg.ExecuteInProcessResult]:
    """One delta run per integration (raw, dbt, published copy), as the hourly schedule would launch it.

    Below INFO, what dbt prints (dagster-dbt echoes its log to stdout) goes to a file instead of the screen."""
    job = defs.resolve_job_def("lever_delta_sync")
    run_config = {
        "ops": {"lever_raw_sync": {"config": {"mode": "delta"}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }
    verbose = logging.getLevelName(log_level) <= logging.INFO
    output = dbt_output(instance)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("")
    results = []
    for integration in settings.integrations:
        started = time.monotonic()
        print(f"{integration.id}: delta sync, dbt build, publish ...", flush=True)
        with contextlib.ExitStack() as stack:
            if not verbose:
                stack.enter_context(contextlib.redirect_stdout(stack.enter_context(output.open("a"))))
            result = job.execute_in_process(
                instance=instance,
                partition_key=integration.id,
                run_config=run_config,
                raise_on_error=False,
            )
        state = "ok" if result.success else "FAILED"
        print(f"{integration.id}: {state} in {time.monotonic() - started:.0f}s (run {result.run_id})", flush=True)
        results.append(result)
    return results


def _last_syncs(settings: Settings) -> list[str]:
    conn = connect(settings.duckdb_path, read_only=True)
    try:
        runs = conn.execute(
            "select integration_id, mode, status, requests from lever_raw._sync_runs order by started_at desc"
        ).fetchall()
    finally:
        conn.close()
    lines, seen = [], set()
    for integration_id, mode, status, requests in runs:
        if integration_id not in seen:
            seen.add(integration_id)
            total = sum(json.loads(requests).values()) if requests else 0
            lines.append(f"Last sync of {integration_id}: {mode}, {status}, {total} Lever API requests")
    return lines


def summary(settings: Settings, elapsed: float) -> str:
    published = settings.published
    conn = open_published(settings)
    try:
        example = conn.execute(EXAMPLE_QUERY).fetchall()
    finally:
        conn.close()
    return "\n".join(
        [
            f"Done in {elapsed:.0f}s.",
            f"Warehouse for SQL and BI tools (read-only, never blocks a sync): {published}",
            "",
            *render_rows(unified_rows(settings), published),
            *_last_syncs(settings),
            "",
            'Query it:  make sql   (or .venv/bin/lever-warehouse sql "select * from ats.jobs limit 5")',
            "Dagster UI: make dev  (then http://127.0.0.1:3000)",
            "",
            "Example: applications that entered each stage",
            *("  " + line for line in EXAMPLE_QUERY.splitlines()),
            *(f"  -> {stage}: {count}" for stage, count in example[:12]),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run", description=__doc__)
    parser.add_argument(
        "--log-level", default="WARNING", help="Dagster's console log level (DEBUG shows every event; default WARNING)"
    )
    args = parser.parse_args(argv)
    if args.log_level.upper() != "DEBUG":
        # Dagster warns that `owners` is beta when it copies a sensor onto its resolved job (Dagster's own call,
        # not ours): a line a new user cannot act on.
        warnings.filterwarnings("ignore", category=dg.BetaWarning)
    started = time.monotonic()
    location = LocationSettings.from_env()
    settings = location.warehouse.settings()
    defs = build_definitions(location)
    with dg.DagsterInstance.get() as instance:
        results = materialize_all(defs, settings, instance, args.log_level.upper())
        output = dbt_output(instance)
    failed = [r for r in results if not r.success]
    if settings.published.exists():
        print(summary(settings, time.monotonic() - started))
    if failed:
        print(f"error: {len(failed)} run(s) failed; dbt's output is in {output}; `make run LOG_LEVEL=INFO` "
              "shows every step, `make dev` the runs", file=sys.stderr)  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
