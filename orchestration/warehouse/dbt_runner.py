"""Runs dbt against the configured warehouse: the build of `lever-warehouse build` and the parse Dagster loads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.lever.clock import warehouse_now
from orchestration.lever.config import PROJECT_ROOT, Settings, load_settings
from orchestration.lever.retention import purge_personal_data
from orchestration.lever.store import RawStore
from orchestration.lever.warehouse import connect

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


def dbt_parse(settings: Settings | None = None) -> None:
    """Rewrite dbt's manifest from the project files (what `make install` does), raising if dbt cannot.

    It parses against the warehouse's own path: dbt keys its partial-parse state on the connection's path and
    database, so any other path makes every later build re-parse the whole project (seconds each time), and the
    manifest's database names the real one. Parsing never opens the file, so a sync holding its lock cannot
    block it."""
    settings = settings or load_settings()
    command = [dbt_executable(), "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR)]
    command += ["--profiles-dir", str(DBT_PROJECT_DIR)]
    done = subprocess.run(command, env=dbt_env(settings), check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"dbt parse failed (exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


DOCS_TARGET = DBT_PROJECT_DIR / "target" / "docs"


def dbt_docs(settings: Settings | None = None) -> Path:
    """Generate dbt's documentation site (models, columns, tests, lineage, the warehouse's catalog) for
    `make docs`. It reads the warehouse (the catalog's column types and sizes), so it waits for a running sync."""
    settings = settings or load_settings()
    command = [dbt_executable(), "docs", "generate", "--static", "--quiet"]
    command += ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    command += ["--target-path", str(DOCS_TARGET)]
    done = subprocess.run(command, env=dbt_env(settings), check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"dbt docs generate failed (exit {done.returncode}):\n{done.stdout[-2000:]}")
    return DOCS_TARGET


if __name__ == "__main__":  # `make install` parses (the manifest Dagster loads); `make docs` generates docs
    dbt_docs() if sys.argv[1:] == ["docs"] else dbt_parse()
