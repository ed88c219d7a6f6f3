"""Reliability harness: the CLI as a subprocess against a served sandbox, state invariants and leak scans.

The invariants hold after *any* interruption (SIGKILL, a failed run) and are what "no partial page, no
cursor past uncommitted data" means in terms of tables:

- no id twice per integration in any raw table;
- every live raw record is a version Lever really served: the ground truth before or after the activity
  being synced (never a mix, never a half-written page);
- an opportunity whose children are recorded as synced against its current version has exactly its
  current children in raw (the per-page transaction holds the opportunity, its children and that record);
- the opportunities cursor was written by a run recorded as succeeded;
- a deleted feed's cursor covers only tombstones that were applied.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.lever.clock import parse_instant, to_ms
from orchestration.lever.config import PROJECT_ROOT
from orchestration.lever.endpoints import ENDPOINTS, RAW_TABLES, Kind
from orchestration.lever.retention import purge_personal_data
from orchestration.lever.warehouse import connect
from orchestration.sandbox import Sandbox
from orchestration.warehouse.dbt_runner import DBT_PROJECT_DIR, dbt_executable
from tests.integration.test_sync_sandbox import COMPARED
from tests.support import START, raw_live, truth_records

INTEGRATION = "lever:test"
CHILD_TABLES = [e.name for e in ENDPOINTS if e.kind is Kind.OPPORTUNITY_CHILD]
FEEDS = [(e.name, e.parent) for e in ENDPOINTS if e.kind is Kind.DELETED_FEED]
# The CLI under test gets only the configuration a test injects (Served.env), never what a developer's shell has set.
_ISOLATED_PREFIXES = ("LEVER_", "DUCKDB_", "WAREHOUSE_NOW", "DAGSTER_", "DBT_")

Truth = dict[str, dict[str, Any]]


# -- ground truth ---------------------------------------------------------------------------------------------
def snapshot(sandbox: Sandbox) -> Truth:
    """Every compared entity as {id: (parent_id, data)}, frozen now (the sandbox only changes on advance/write)."""
    return {table: truth_records(sandbox, table) for table in COMPARED}


# -- the CLI against a served sandbox ---------------------------------------------------------------------------
def cli_command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("lever-warehouse")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "orchestration.lever.cli", *args]


def isolated_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_ISOLATED_PREFIXES)}
    env.update(DO_NOT_TRACK="1", PYTHONUNBUFFERED="1")
    env.update(values)
    return env


@dataclass
class Served:
    """A sandbox served on 127.0.0.1 by this test process, and a warehouse the CLI syncs it into."""

    sandbox: Sandbox
    url: str
    db: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self, **overrides: str) -> dict[str, str]:
        work = self.db.parent
        values = {
            "LEVER_API_KEY": self.sandbox.api_key,
            "LEVER_BASE_URL": self.url,
            "LEVER_INTEGRATION_ID": INTEGRATION,
            "LEVER_RATE_LIMIT": "0",
            "LEVER_MAX_RETRIES": "3",
            "DUCKDB_PATH": str(self.db),
            # The warehouse clock follows the sandbox clock, as in production it follows Lever's.
            "WAREHOUSE_NOW": self.sandbox.now.isoformat(),
            # dbt artifacts of this test stay in its own folder (other builds may run in the project).
            "DBT_TARGET_PATH": str(work / "dbt_target"),
            "DBT_LOG_PATH": str(work / "dbt_logs"),
            **self.extra_env,
        }
        values.update(overrides)
        return isolated_env(**values)

    def start(self, *args: str, quiet: bool = False, **env: str) -> subprocess.Popen:
        """The CLI in its own process group, so a crash can take its children (dbt) down with it.

        `quiet` discards the output (dbt's is long enough to fill a pipe nobody reads and stall the build)."""
        output = subprocess.DEVNULL if quiet else subprocess.PIPE
        return subprocess.Popen(
            cli_command(*args),
            cwd=PROJECT_ROOT,
            env=self.env(**env),
            stdout=output,
            stderr=output,
            text=True,
            start_new_session=True,
        )

    def run(self, *args: str, timeout: float = 180, **env: str) -> subprocess.CompletedProcess:
        proc = self.start(*args, **env)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            crash(proc)
            raise
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.db), read_only=read_only)


@contextmanager
def served(tmp_path: Path, opportunities: int, seed: int = 7, latency_ms=(1.0, 6.0), **kwargs: Any) -> Iterator[Served]:
    sandbox = Sandbox(
        seed=seed, opportunities=opportunities, start=START, rate_limit=0, latency_ms=latency_ms, **kwargs
    )
    with sandbox.serve() as url:
        yield Served(sandbox, url, tmp_path / "warehouse.duckdb")


def kill_when(proc: subprocess.Popen, sandbox: Sandbox, requests: int, delay: float) -> bool:
    """SIGKILL `proc` `delay` seconds after the sandbox has answered `requests` requests since its stats reset.

    Returns True if the process was killed, False if it ended first.
    """
    while proc.poll() is None and sandbox.stats()["requests"] < requests:
        time.sleep(0.002)
    if delay:
        time.sleep(delay)
    if proc.poll() is not None:
        proc.communicate()
        return False
    crash(proc)
    return proc.returncode == -signal.SIGKILL


def crash(proc: subprocess.Popen) -> None:
    """SIGKILL the process and everything it started (a machine or container dying mid-run), and wait until
    none of them runs any more (a killed grandchild such as dbt lets go of the warehouse only when it is gone)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    deadline = time.monotonic() + 30
    while _group_alive(proc.pid):
        assert time.monotonic() < deadline, f"process group {proc.pid} survived SIGKILL"
        time.sleep(0.02)


def _group_alive(pgid: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields: state, ppid, pgrp, ..., num_threads (index 17). A zombie leader whose other threads are
        # still exiting holds its files (the warehouse lock) until the last one is gone.
        if int(fields[2]) == pgid and (fields[0] != "Z" or int(fields[17]) > 1):
            return True
    return False


def dbt_build(db: Path, now: datetime, work: Path) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """What `lever-warehouse build` does (raw retention purge on the warehouse clock, then `dbt build`), with
    dbt's artifacts in `work`. Returns the process and run_results.json's results."""
    conn = connect(db)
    try:
        conn.execute("BEGIN TRANSACTION")
        purge_personal_data(conn, now)
        conn.execute("COMMIT")
    finally:
        conn.close()
    target = work / "dbt_target"
    env = isolated_env(
        DUCKDB_PATH=str(db),
        WAREHOUSE_NOW=now.isoformat(),
        DBT_TARGET_PATH=str(target),
        DBT_LOG_PATH=str(work / "dbt_logs"),
    )
    done = subprocess.run(
        [dbt_executable(), "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    results_file = target / "run_results.json"
    results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
    return done, results


# -- state invariants ------------------------------------------------------------------------------------------
def duplicate_ids(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    found = {}
    for table in RAW_TABLES:
        dupes = conn.execute(
            f"SELECT count(*) - count(DISTINCT (integration_id, id)) FROM lever_raw.{table}"
        ).fetchall()[0][0]
        if dupes:
            found[table] = dupes
    return found


def cursor(conn: duckdb.DuckDBPyConnection, stream: str = "opportunities") -> tuple[str, str] | None:
    """(value, run_id) of a cursor, or None."""
    rows = conn.execute(
        "SELECT value, run_id FROM lever_raw._sync_cursors WHERE integration_id = ? AND stream = ?",
        [INTEGRATION, stream],
    ).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None


def run_statuses(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0] for r in conn.execute("SELECT status FROM lever_raw._sync_runs ORDER BY started_at, run_id").fetchall()
    ]


def _strays(raw: dict[str, Any], versions: list[dict[str, Any]]) -> list[str]:
    return [key for key, value in raw.items() if not any(v.get(key) == value for v in versions)]


def assert_consistent(
    conn: duckdb.DuckDBPyConnection,
    sandbox: Sandbox,
    *versions: Truth,
    cursor_before: tuple[str, str] | None = None,
) -> None:
    """The invariants of the module docstring; `versions` are the truths a live raw record may equal."""
    now = versions[-1]
    assert duplicate_ids(conn) == {}
    # Every live record is a version Lever served: nothing half-written, nothing invented.
    for table in COMPARED:
        raw = raw_live(conn, table, INTEGRATION)
        strays = _strays(raw, [v[table] for v in versions])
        assert not strays, f"{table}: {len(strays)} live raw records match no version of the truth, e.g. {strays[:3]}"
    # Children recorded as synced against an opportunity's current version are exactly its current children.
    states = {
        row[0]: (row[1], row[2])
        for row in conn.execute(
            """SELECT opportunity_id, updated_at_ms, last_interaction_at_ms FROM lever_raw._opportunity_state
               WHERE integration_id = ?""",
            [INTEGRATION],
        ).fetchall()
    }
    current = {
        opp_id: (data.get("updatedAt"), data.get("lastInteractionAt"))
        for opp_id, (_, data) in now["opportunities"].items()
    }
    settled = {opp_id for opp_id, version in current.items() if states.get(opp_id) == version}
    for table in CHILD_TABLES:
        raw = {k: v for k, v in raw_live(conn, table, INTEGRATION).items() if v[0] in settled}
        truth = {k: v for k, v in now[table].items() if v[0] in settled}
        assert raw == truth, (
            f"{table}: children of opportunities recorded as synced differ from the truth "
            f"({len(truth.keys() - raw.keys())} missing, {len(raw.keys() - truth.keys())} extra, "
            f"{sum(1 for k in raw.keys() & truth.keys() if raw[k] != truth[k])} changed)"
        )
    # The opportunities cursor moves only in the final transaction of a successful run.
    value = cursor(conn)
    if value is not None:
        status = conn.execute("SELECT status FROM lever_raw._sync_runs WHERE run_id = ?", [value[1]]).fetchall()
        assert status == [("succeeded",)], f"opportunities cursor written by a run that is {status}"
    if cursor_before is not None and value != cursor_before:
        assert value is not None, "the opportunities cursor disappeared"
    # A deleted feed's cursor covers only applied tombstones.
    for feed, parent in FEEDS:
        feed_cursor = cursor(conn, feed)
        if feed_cursor is None:
            continue
        up_to = to_ms(parse_instant(feed_cursor[0]))
        tombstones = {d["id"] for d in sandbox.truth(parent)["deleted"] if d["deletedAt"] <= up_to}
        live = set(raw_live_ids(conn, parent))
        assert not tombstones & live, f"{feed}: cursor at {feed_cursor[0]} but {len(tombstones & live)} rows still live"


def raw_live_ids(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            f"""SELECT id FROM lever_raw.{table}
                WHERE integration_id = ? AND deleted_at IS NULL AND missing_since IS NULL""",
            [INTEGRATION],
        ).fetchall()
    ]


def assert_opens(path: Path) -> None:
    """The file opens (replaying any WAL the killed process left) and every table can be read."""
    with duckdb.connect(str(path)) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        ).fetchall()
        for schema, name in tables:
            conn.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchall()
        conn.execute("CHECKPOINT")


# -- leak scans ------------------------------------------------------------------------------------------------
_SCALAR_TEXT = ("VARCHAR", "JSON")


def _is_texty(data_type: str) -> bool:
    upper = data_type.upper()
    return upper in _SCALAR_TEXT or upper.startswith(("STRUCT", "MAP", "UNION")) or upper.endswith("]")


def text_columns(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[str]]:
    """(schema, table) -> every VARCHAR/JSON/STRUCT/MAP/LIST column, for every table and view of the file."""
    columns: dict[tuple[str, str], list[str]] = {}
    rows = conn.execute(
        """SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
           WHERE table_catalog = current_database() ORDER BY table_schema, table_name, ordinal_position"""
    ).fetchall()
    for schema, table, column, data_type in rows:
        if _is_texty(data_type):
            columns.setdefault((schema, table), []).append(column)
    return columns


def find_leaks(path: Path, needles: Iterable[str], *, read_only: bool = True) -> dict[str, list[str]]:
    """Scan every text-like column of every table and view in the warehouse file for each needle.

    Returns needle -> ["schema.table.column", ...]. One pass per relation over all its columns; only the
    relations with a hit are scanned again column by column, to say where.
    """
    wanted = sorted({n for n in needles if n})
    hits: dict[str, list[str]] = {}
    if not wanted:
        return hits
    with duckdb.connect(str(path), read_only=read_only) as conn:
        conn.execute("CREATE TEMP TABLE _needles (needle VARCHAR)")
        conn.executemany("INSERT INTO _needles VALUES (?)", [[n] for n in wanted])
        for (schema, table), columns in text_columns(conn).items():
            if schema == "temp" or table == "_needles":
                continue
            relation = f'"{schema}"."{table}"'
            row_text = "concat_ws(chr(1), " + ", ".join(f'"{c}"::VARCHAR' for c in columns) + ")"
            present = conn.execute(
                f"SELECT DISTINCT n.needle FROM {relation} t, _needles n WHERE contains({row_text}, n.needle)"
            ).fetchall()
            for (needle,) in present:
                for column in columns:
                    inside = conn.execute(
                        f"""SELECT 1 FROM {relation} WHERE contains("{column}"::VARCHAR, ?) LIMIT 1""", [needle]
                    ).fetchall()
                    if inside:
                        hits.setdefault(needle, []).append(f"{schema}.{table}.{column}")
    return hits
