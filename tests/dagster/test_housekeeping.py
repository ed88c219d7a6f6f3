"""Dagster's history stays bounded: pruning deletes old runs with their event logs and captured output."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg

from orchestration.defs.housekeeping import prune_runs
from orchestration.warehouse.housekeeping import folder_bytes, prune_dbt_targets


@dg.op
def chatty(context: dg.OpExecutionContext) -> None:
    print("x" * 20_000)  # captured step output, as dbt's log is
    for i in range(50):
        context.log.info(f"event {i}")


@dg.job
def small_job() -> None:
    chatty()


def test_n_runs_leave_bounded_disk_after_pruning(tmp_path: Path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.DagsterInstance.local_temp(str(home)) as instance:
        sizes = []
        for _ in range(3):
            for _ in range(4):
                assert small_job.execute_in_process(instance=instance).success
            # The daily job keeps what finished within retention; here everything finished "a day ago".
            prune_runs(instance, older_than=timedelta(days=1), now=datetime.now(UTC) + timedelta(days=1, seconds=1))
            assert not instance.get_run_records()
            sizes.append(folder_bytes(home))
        # The same 4 runs added and pruned three times leave the same footprint, not three times as much.
        assert sizes[2] <= sizes[0] * 1.2, sizes
        assert not list(home.glob("storage/*/compute_logs"))  # captured step output
        assert [p.name for p in (home / "history" / "runs").iterdir()] == ["index.db"]  # no per-run event log


def test_pruning_keeps_runs_within_retention(tmp_path: Path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.DagsterInstance.local_temp(str(home)) as instance:
        assert small_job.execute_in_process(instance=instance).success
        assert prune_runs(instance, older_than=timedelta(days=30)) == []
        assert len(instance.get_run_records()) == 1


def test_dbt_target_pruning_keeps_the_newest(tmp_path: Path):
    for i in range(7):
        folder = tmp_path / f"run-{i}"
        folder.mkdir()
        (folder / "manifest.json").write_text("{}")
        stamp = 1_700_000_000 + i
        os.utime(folder, (stamp, stamp))
    removed = prune_dbt_targets(tmp_path, keep=3)
    assert sorted(p.name for p in removed) == [f"run-{i}" for i in range(4)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-4", "run-5", "run-6"]
