"""Run one command as a dedicated child process: wall time, its own peak RSS and CPU (wait4), periodic samples."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .procinfo import load_average

TICK_S = 0.2


@dataclass
class ProcessRun:
    command: list[str]
    returncode: int
    wall_s: float
    peak_rss_mb: float  # ru_maxrss of this child alone (wait4), i.e. its VmHWM
    cpu_s: float
    load_avg: float  # 1-minute load average when the run started
    stdout: str
    stderr_tail: str
    samples: list[tuple[float, object]] = field(default_factory=list)

    def check(self) -> ProcessRun:
        if self.returncode != 0:
            raise RuntimeError(f"{' '.join(self.command)} failed ({self.returncode}):\n{self.stderr_tail}")
        return self


def run_measured(
    command: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path,
    log_dir: Path,
    name: str,
    sample: Callable[[], object] | None = None,
) -> ProcessRun:
    """Start `command`, sample every TICK_S while it runs, and reap it with wait4 for its own rusage.

    Output goes to files (a full pipe would stall the child). Samples are (seconds since start, value).
    """
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    load = load_average()
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.monotonic()
        process = subprocess.Popen(list(command), env=env, cwd=cwd, stdout=out, stderr=err)
        samples: list[tuple[float, object]] = []
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if sample is not None:
                samples.append((time.monotonic() - started, sample()))
            time.sleep(TICK_S)
        wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    if sample is not None:
        samples.append((wall, sample()))
    stderr = err_path.read_text(errors="replace")
    return ProcessRun(
        command=list(command),
        returncode=process.returncode,
        wall_s=wall,
        peak_rss_mb=usage.ru_maxrss / 1024,
        cpu_s=usage.ru_utime + usage.ru_stime,
        load_avg=load,
        stdout=out_path.read_text(errors="replace"),
        stderr_tail=stderr[-4000:],
        samples=samples,
    )
