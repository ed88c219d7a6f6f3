"""`make run` end to end from an empty data folder (the install step is done, untimed, beforehand)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .config import ROOT
from .measure import run_measured
from .sandbox_process import clean_env


@dataclass
class MakeRunMeasurement:
    repeat: int
    load_avg: float
    wall_s: float
    requests: int
    opportunities: int
    steps_s: dict[str, float]  # Dagster step -> seconds, from its STEP_SUCCESS events


def _seconds(value: str) -> float:
    """Dagster's durations: "28.67s", "950ms", "1m 5s"."""
    total = 0.0
    for number, unit in re.findall(r"([\d.]+)(ms|s|m|h)", value):
        total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return round(total, 2)


def install() -> None:
    """`make install` (venv, package, dbt manifest): not part of what `make run` is measured for."""
    subprocess.run(["make", "install"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def measure_make_run(work: Path, repeat: int) -> MakeRunMeasurement:
    run_dir = work / f"make-run-{repeat}"
    shutil.rmtree(run_dir, ignore_errors=True)
    home = run_dir / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    # No LEVER_* variables: the default configuration, the embedded sandbox with its default account.
    env = clean_env(DUCKDB_PATH=str(run_dir / "data" / "warehouse.duckdb"))
    env.pop("PYTHONPATH", None)  # the working tree, as `make run` runs it (not the session's frozen copy)
    command = ["make", "--no-print-directory", "run", f"DAGSTER_HOME={home}"]
    run = run_measured(command, env=env, cwd=ROOT, log_dir=run_dir, name="make-run").check()
    log = (run_dir / "make-run.err").read_text(errors="replace")
    requests = re.search(r"Last sync of \S+: \w+, \w+, (\d+) Lever API requests", run.stdout)
    sandbox = re.search(r"sandbox \(seed \d+, (\d+) opportunities\)", log)
    steps = {
        step: _seconds(duration)
        for step, duration in re.findall(r'Finished execution of step "([^"]+)" in ([^.]+(?:\.\d+)?[a-z]+)', log)
    }
    shutil.rmtree(run_dir / "data" / "sandbox", ignore_errors=True)
    return MakeRunMeasurement(
        repeat=repeat,
        load_avg=run.load_avg,
        wall_s=round(run.wall_s, 1),
        requests=int(requests.group(1)) if requests else -1,
        opportunities=int(sandbox.group(1)) if sandbox else -1,
        steps_s=steps,
    )
