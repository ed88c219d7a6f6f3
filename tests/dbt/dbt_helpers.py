"""Helpers for the dbt tests: build the warehouse the way `lever-warehouse build` does, read it back."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.lever.config import Settings
from orchestration.warehouse.dbt_runner import DBT_PROJECT_DIR, dbt_build, dbt_executable

TEXT_TYPES = ("VARCHAR", "JSON")


def isolated_paths(workdir: Path) -> list[str]:
    """Per-module dbt target and log folders: the project's own target/ (Dagster reads its manifest) stays as is."""
    return ["--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")]


def build(
    settings: Settings,
    workdir: Path,
    now: datetime,
    *,
    with_tests: bool = False,
    full_refresh: bool = False,
    unit_tests: bool | None = None,
    dbt_vars: dict | None = None,
) -> None:
    """`lever-warehouse build` at warehouse time `now` (raw purge, then dbt); data tests (and, unless told
    otherwise, unit tests) only when asked."""
    unit_tests = with_tests if unit_tests is None else unit_tests
    extra = isolated_paths(workdir) + (["--vars", json.dumps(dbt_vars)] if dbt_vars else [])
    if not with_tests:
        extra += ["--resource-type", "model"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_NOW", now.isoformat())
        if with_tests:  # the intermediate views' tests too, which production builds leave out
            patch.setenv("LEVER_DBT_VIEW_TESTS", "true")
        # the unit tests run with the data tests
        code = dbt_build(settings, full_refresh=full_refresh, extra=extra, unit_tests=unit_tests)
        assert code == 0, "dbt build failed (see the captured output)"
    if with_tests and unit_tests:  # production builds skip unit tests, so make sure this one did run them
        results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
        unit = [r for r in results if r["unique_id"].startswith("unit_test.")]
        assert len(unit) >= 10 and all(r["status"] == "pass" for r in unit)
        views = [r for r in results if r["unique_id"].startswith("test.") and "int_lever__" in r["unique_id"]]
        assert len(views) >= 10 and all(r["status"] == "pass" for r in views)


def dbt_command(args: list[str], duckdb_path: Path, workdir: Path) -> subprocess.CompletedProcess:
    """A dbt command on the project against `duckdb_path`, with this module's own target and log folders."""
    command = [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
               *isolated_paths(workdir)]  # fmt: skip
    env = {**os.environ, "DUCKDB_PATH": str(duckdb_path), "DO_NOT_TRACK": "1"}
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def compile_inline(sql: str, duckdb_path: Path, workdir: Path) -> str:
    """The compiled SQL of an inline query, macros expanded."""
    result = dbt_command(["compile", "--quiet", "--inline", sql], duckdb_path, workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def ats_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return column(conn, "select table_name from information_schema.tables where table_schema = 'ats' order by 1")


def ids_by_table(conn: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    return {table: set(column(conn, f"select id from ats.{table}")) for table in ats_tables(conn)}


def changed_at_by_id(conn: duckdb.DuckDBPyConnection) -> dict[str, dict[str, datetime]]:
    return {
        table: dict(conn.execute(f"select id, changed_at from ats.{table}").fetchall()) for table in ats_tables(conn)
    }


def column(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list:
    """The first column of a query's rows."""
    return [row[0] for row in conn.execute(sql, params or []).fetchall()]


def text_columns(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """Every column of every base table and view that can hold text: VARCHAR, JSON, and STRUCT/LIST/MAP of them."""
    rows = conn.execute(
        """select c.table_schema, c.table_name, c.column_name, c.data_type
           from information_schema.columns as c
           where c.table_schema not in ('information_schema', 'pg_catalog')"""
    ).fetchall()
    nested = ("STRUCT", "MAP", "[]", "UNION")
    return [
        (schema, table, column)
        for schema, table, column, data_type in rows
        if data_type in TEXT_TYPES or any(marker in data_type for marker in nested)
    ]


def find_text(conn: duckdb.DuckDBPyConnection, needles: list[str]) -> list[tuple[str, str, str]]:
    """(schema.table, column, needle) for every text column holding any needle; one scan per table."""
    by_table: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in text_columns(conn):
        by_table.setdefault((schema, table), []).append(column)
    hits = []
    for (schema, table), columns in by_table.items():
        checks = [(column, needle) for column in columns for needle in needles]
        counts = ", ".join(f'count(*) filter (where contains("{column}"::varchar, ?))' for column, _ in checks)
        row = conn.execute(f'select {counts} from "{schema}"."{table}"', [needle for _, needle in checks]).fetchone()
        hits += [
            (f"{schema}.{table}", column, needle) for (column, needle), found in zip(checks, row, strict=True) if found
        ]
    return hits
