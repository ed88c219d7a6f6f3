"""SQL users never block the pipeline: a reader held open on the published copy during a full run."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.lever.config import PROJECT_ROOT, Settings
from orchestration.warehouse.publish import publish
from tests.reliability.harness import cli_command, isolated_env

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
# What a snapshot is judged by: rows of every unified table, the stage history's content and when it was made.
SNAPSHOT = """
    select (select published_at::date::varchar from _meta.publication),
           (select list(table_name || '=' || estimated_size order by table_name)
              from duckdb_tables() where schema_name = 'ats'),
           (select count(*) from ats.applications),
           (select count(*) from ats.application_stage_changes),
           (select sum(hash(id, changed_at)) from ats.application_stage_changes)
"""
NEW_READER = "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True).execute(sys.argv[2]).fetchall())"


def cli(workdir: Path, now: datetime, *args: str) -> subprocess.CompletedProcess:
    env = isolated_env(
        DUCKDB_PATH=str(workdir / "warehouse.duckdb"),
        LEVER_SANDBOX_OPPORTUNITIES="60",
        WAREHOUSE_NOW=now.isoformat(),
        DUCKDB_LOCK_TIMEOUT="0",  # any wait for a lock fails the run at once
        DBT_TARGET_PATH=str(workdir / "dbt_target"),
        DBT_LOG_PATH=str(workdir / "dbt_logs"),
    )
    return subprocess.run(
        cli_command(*args), cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_a_reader_held_open_during_a_full_run_blocks_nothing_and_keeps_its_snapshot(tmp_path):
    first = cli(tmp_path, T0, "run")
    assert first.returncode == 0, first.stderr[-3000:]
    published = tmp_path / "published" / "warehouse.duckdb"
    assert f"in {published}" in first.stdout  # the build's summary names the file to open

    reader = duckdb.connect(str(published), read_only=True)  # a BI tool left open
    before = reader.execute(SNAPSHOT).fetchall()
    later = T0 + timedelta(days=3)  # the embedded sandbox simulates three days of recruiting first
    second = cli(tmp_path, later, "run", "--full")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "locked" not in second.stderr

    # The open reader still sees the snapshot it opened, whole: no table of the new one leaks in.
    assert reader.execute(SNAPSHOT).fetchall() == before
    # A reader opened now (another process, as a new BI session is) sees the new data.
    done = subprocess.run(
        [sys.executable, "-c", NEW_READER, str(published), SNAPSHOT], capture_output=True, text=True, check=True
    )
    after = done.stdout.strip()
    assert after != str(before)
    assert later.date().isoformat() in after and T0.date().isoformat() in str(before)
    reader.close()
    assert not list(published.parent.glob(".*.tmp*"))  # nothing left of the staging file


def test_publishing_replaces_the_copy_whole_and_leaves_the_warehouse_private(tmp_path):
    settings = Settings(duckdb_path=tmp_path / "warehouse.duckdb", integrations=())
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        conn.execute("create schema ats; create table ats.jobs as select range as id from range(3)")
        conn.execute("create schema lever_raw; create table lever_raw._oauth_state as select 'sealed' as token")
    first = publish(settings, now=T0)
    assert first.rows == {"ats.jobs": 3} and first.path == tmp_path / "published" / "warehouse.duckdb"
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        conn.execute("insert into ats.jobs values (3)")
    assert publish(settings, now=T0).rows == {"ats.jobs": 4}
    with duckdb.connect(str(first.path), read_only=True) as reader:
        schemas = {r[0] for r in reader.execute("select schema_name from duckdb_tables()").fetchall()}
        assert schemas == {"ats", "_meta"}
        assert reader.execute("select count(*) from ats.jobs").fetchall() == [(4,)]


def test_a_failed_publication_keeps_the_previous_copy(tmp_path, monkeypatch):
    settings = Settings(duckdb_path=tmp_path / "warehouse.duckdb", integrations=())
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        conn.execute("create schema ats; create table ats.jobs as select 1 as id")
    publish(settings, now=T0)
    monkeypatch.setattr("orchestration.warehouse.publish.os.replace", _boom)
    with pytest.raises(OSError, match="disk full"):
        publish(settings, now=T0)
    monkeypatch.undo()
    assert [p.name for p in settings.published.parent.iterdir()] == ["warehouse.duckdb"]  # no staging file left
    with duckdb.connect(str(settings.published), read_only=True) as reader:
        assert reader.execute("select count(*) from ats.jobs").fetchall() == [(1,)]


def _boom(*args: object) -> None:
    raise OSError("disk full")
