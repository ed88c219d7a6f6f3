"""Personal-data retention in the raw tables: what left Lever 14 days ago keeps only its id and markers."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

import duckdb
import yaml

from .config import PROJECT_ROOT
from .endpoints import Kind, children_of, of_kind
from .store import SCHEMA


@cache
def retention() -> timedelta:
    """How long personal data outlives a record's departure: `vars.retention_days` of dbt_project.yml, the one
    setting the dbt models (is_past_retention) read too, so raw and the unified tables anonymize together."""
    with (PROJECT_ROOT / "dbt_project" / "dbt_project.yml").open() as project:
        return timedelta(days=int(yaml.safe_load(project)["vars"]["retention_days"]))


# Tombstone feeds hold ids and deletion times only; every other table may hold someone's data.
PURGEABLE = tuple(e.name for e in of_kind(Kind.ACCOUNT) + of_kind(Kind.OPPORTUNITIES) + of_kind(Kind.EMBEDDED)
                  + of_kind(Kind.OPPORTUNITY_CHILD) + of_kind(Kind.POSTING_CHILD))  # fmt: skip


def purge_personal_data(conn: duckdb.DuckDBPyConnection, now: datetime) -> dict[str, int]:
    """Null the payload of every raw row gone for 14 days, and at once for anonymized candidates' leftovers.

    Lever's own anonymization replaces the opportunity payload (raw keeps only the latest version), but
    children that vanished with it (resumes, files) still hold the old personal data until purged here.
    Purged rows get a new load sequence so the incremental dbt models re-read them.
    Returns rows purged per table. Runs inside the caller's transaction when there is one.
    """
    cutoff = now - retention()
    purged: dict[str, int] = {}
    anonymized_children = {child.name for child in children_of("opportunities")}
    # From the kept column (`Endpoint.columns`): testing the payloads would read and hold every one of them.
    conn.execute(
        f"""CREATE OR REPLACE TEMP TABLE _anonymized AS
            SELECT integration_id, id FROM {SCHEMA}.opportunities WHERE is_anonymized"""
    )
    try:
        for table in PURGEABLE:
            anonymized = ""
            if table in anonymized_children:
                anonymized = """
                    OR ((deleted_at IS NOT NULL OR missing_since IS NOT NULL) AND parent_id IN (
                        SELECT id FROM _anonymized a WHERE a.integration_id = t.integration_id))"""
            # `purged_at IS NULL`, not `payload IS NOT NULL`: testing the payload reads every payload in the
            # table (hundreds of MB held by DuckDB at 100k opportunities) even when nothing is due.
            count = conn.execute(
                f"""
                UPDATE {SCHEMA}.{table} AS t
                SET payload = NULL, payload_hash = NULL, purged_at = $now, _seq = nextval('{SCHEMA}._load_seq')
                WHERE purged_at IS NULL
                  AND (least(deleted_at, missing_since) <= $cutoff {anonymized})
                """,
                {"now": now, "cutoff": cutoff},
            ).fetchall()[0][0]
            if count:
                purged[table] = int(count)
    finally:
        conn.execute("DROP TABLE IF EXISTS _anonymized")
    return purged
