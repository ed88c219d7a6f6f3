"""Runs the dbt build against the configured warehouse (for people who do not use Dagster)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .clock import warehouse_now
from .config import PROJECT_ROOT, Settings
from .retention import purge_personal_data
from .store import RawStore
from .warehouse import connect

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def dbt_env(settings: Settings) -> dict[str, str]:
    """dbt runs in its project folder, so it gets the absolute warehouse path Python resolved."""
    env = dict(os.environ)
    env["DUCKDB_PATH"] = str(settings.duckdb_path)
    env.setdefault("DO_NOT_TRACK", "1")
    return env


def purge_raw(settings: Settings) -> dict[str, int]:
    """Apply raw-table retention on the warehouse clock before dbt reads raw (time may have moved alone)."""
    conn = connect(settings.duckdb_path)
    try:
        RawStore.ensure_schema(conn)
        conn.execute("BEGIN TRANSACTION")
        purged = purge_personal_data(conn, warehouse_now())
        conn.execute("COMMIT")
        return purged
    finally:
        conn.close()


# dbt unit tests check the SQL against fixed fixtures: the same answer on every build, ~5 s each time. They run
# in `make test` (tests/dbt); production builds skip them, as dbt recommends.
SKIP_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]


def dbt_build(
    settings: Settings,
    *,
    full_refresh: bool = False,
    extra: list[str] | None = None,
    unit_tests: bool = False,
) -> int:
    purge_raw(settings)
    command = [dbt_executable(), "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    if full_refresh:
        command.append("--full-refresh")
    if not unit_tests:
        command += SKIP_UNIT_TESTS
    command += extra or []
    return subprocess.run(command, env=dbt_env(settings), check=False).returncode


def dbt_parse() -> None:
    """Rewrite dbt's manifest from the project files (what `make install` does), raising if dbt cannot.

    Parsing does not need the warehouse, so it gets a scratch DuckDB path: a running sync holding the
    warehouse lock cannot block it.
    """
    command = [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR)]
    command += ["--profiles-dir", str(DBT_PROJECT_DIR)]
    env = {**os.environ, "DUCKDB_PATH": str(PROJECT_ROOT / "data" / ".parse.duckdb")}
    env.setdefault("DO_NOT_TRACK", "1")
    done = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"dbt parse failed (exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
