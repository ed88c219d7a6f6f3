"""Saved sandbox accounts and their lower bounds, generated once per (sandbox code, seed, size) and reused."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .config import BenchConfig, code_root


def sandbox_fingerprint() -> str:
    """Changes whenever the simulator's code does: a cached account or bound is then stale."""
    code = code_root() / "orchestration" / "sandbox"
    digest = hashlib.sha1()
    for path in sorted(code.rglob("*.py")):
        digest.update(path.relative_to(code).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_dir(config: BenchConfig) -> Path:
    return config.work_dir / "cache" / sandbox_fingerprint()


def pristine_state(config: BenchConfig, size: int) -> Path:
    """A saved account of `size` opportunities (generated on first use, in a child process)."""
    target = cache_dir(config) / f"seed{config.seed}-n{size}"
    if (target / "sandbox.pickle").exists():
        return target
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    print(f"generating a {size}-opportunity sandbox account (seed {config.seed})...", flush=True)
    script = (
        "import sys; from orchestration.sandbox import Sandbox; "
        "Sandbox(seed=int(sys.argv[1]), opportunities=int(sys.argv[2]), rate_limit=0, state_dir=sys.argv[3])"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(config.seed), str(size), str(partial)], cwd=code_root(), check=True
    )
    partial.rename(target)
    return target


def lower_bounds(config: BenchConfig, size: int, state: Path) -> dict[str, Any]:
    """{"seconds", "bounds": [...]} from `benchmarks.bounds`, computed once per saved account."""
    path = state.with_name(state.name + ".bounds.json")
    if not path.exists():
        print(f"computing lower bounds for {size} opportunities from the ground truth...", flush=True)
        partial = path.with_name(path.name + ".partial")
        command = [sys.executable, "-m", "benchmarks.bounds", str(state), str(partial)]
        subprocess.run(command, cwd=code_root(), check=True, stderr=subprocess.DEVNULL)
        partial.rename(path)
    return json.loads(path.read_text())
