from pathlib import Path

import pytest

from benchmarks.config import BenchConfig
from benchmarks.prepare import cache_dir
from benchmarks.run import main


@pytest.fixture
def finished_run(tmp_path: Path) -> tuple[Path, Path]:
    """(work folder of a finished 50-opportunity harness run, its saved account) for the tools run after one.

    The run's own sandbox copy is gone when it ends; its saved account is a valid (earlier) state of the account.
    """
    work = tmp_path / "work"
    argv = ["--sizes", "50", "--repeats", "1", "--latency-ms", "10-30", "--no-dbt", "--no-make-run"]
    assert main([*argv, "--work-dir", str(work), "--report", str(tmp_path / "BENCHMARKS.md")]) == 0
    return work, cache_dir(BenchConfig(work_dir=work)) / "seed1-n50"
