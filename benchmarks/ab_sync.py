"""Before/after of a sync change on a finished run's warehouse: the same deltas, old code against new.

    python -m benchmarks.ab_sync --run data/bench/followup-1 --sandbox <its sandbox state>
        --before data/bench/code/<fingerprint> [--memory-limit 256MB] [--out data/bench/ab-sync]

For each side, on its own copy of the run's warehouse and sandbox state: a delta with no activity, then
`POST /_sandbox/advance?days=1` and a delta. "before" runs the frozen copy given (`data/bench/code/<fp>`, as
a harness run left it), "after" a frozen copy of the working tree. Both sides see the same account in the same
state, so requests match and wall time and CPU compare the code. Results go to `<out>/ab_sync.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .config import CODE_ROOT_ENV, BenchConfig
from .sandbox_process import SandboxProcess
from .snapshot import frozen_code
from .syncs import measure_sync


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ab_sync", description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a finished run's folder (its warehouse.duckdb)")
    parser.add_argument("--sandbox", type=Path, required=True, help="the sandbox state that warehouse is synced to")
    parser.add_argument("--before", type=Path, required=True, help="frozen code to compare against")
    parser.add_argument("--out", type=Path, default=Path("data/bench/ab-sync"))
    parser.add_argument("--memory-limit", help="LEVER_SYNC_MEMORY_LIMIT for both sides' deltas (default: none)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    results: dict[str, Any] = {
        "run": str(args.run),
        "before": args.before.name,
        "memory_limit": args.memory_limit,
        "sides": {},
    }
    extra = {"LEVER_SYNC_MEMORY_LIMIT": args.memory_limit} if args.memory_limit else {}
    with frozen_code(out.parent) as (_, fingerprint):
        results["after"] = fingerprint
        after_env = {name: os.environ[name] for name in (CODE_ROOT_ENV, "PYTHONPATH")}
        before_env = {CODE_ROOT_ENV: str(args.before.resolve()), "PYTHONPATH": str(args.before.resolve())}
        for side, env in (("before", before_env), ("after", after_env)):
            os.environ.update(env)
            results["sides"][side] = _deltas(args.run, args.sandbox, out / side, extra)
            (out / "ab_sync.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0


def _deltas(run: Path, state: Path, side_dir: Path, extra_env: dict[str, str]) -> list[dict[str, Any]]:
    config = BenchConfig()
    side_dir.mkdir(parents=True)
    warehouse = side_dir / "warehouse.duckdb"
    shutil.copy(run / "warehouse.duckdb", warehouse)
    measured = []
    sandbox = SandboxProcess.restored(state, side_dir, rate=config.rate, burst=config.burst, latency=config.latency_arg)
    with sandbox:
        now_ms = sandbox.saved_now_ms()
        for case in ("quiet", "advance_1"):
            if case == "advance_1":
                now_ms = int(sandbox.advance(1.0)["now"])
            result = measure_sync(
                case, config, sandbox, duckdb_path=warehouse, now_ms=now_ms, log_dir=side_dir, extra_env=extra_env
            )
            measured.append(asdict(result))
            print(f"{side_dir.name} {case}: {json.dumps(measured[-1])[:300]}", flush=True)
    warehouse.unlink()  # a 100k warehouse is gigabytes; the measurements are in the JSON
    return measured


if __name__ == "__main__":
    raise SystemExit(main())
