"""Follow-up measurements on a finished harness run: the run's warehouse and its sandbox state carried further.

    python -m benchmarks.followup --run data/bench/run-100000-1 --sandbox <copy of the run's sandbox state>
        [--memory-limit 256MB] [--advance 1,7]

The harness deletes a run's sandbox copy when the run ends; copy `<run>/sandbox` while its last delta runs (the
server saves its state after every advance). Then, on a copy of the run's warehouse and with the current code:
a dbt build catches the unified tables up; for each advance: the delta (optionally under a DuckDB memory cap,
`LEVER_SYNC_MEMORY_LIMIT`), then an incremental dbt build; last, a `--full-refresh` build of a copy of the same
warehouse, the denominator of the incremental/full ratio. Results go to `<out>/followup.json`.
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import asdict
from pathlib import Path

from .builds import measure_build
from .config import BenchConfig
from .sandbox_process import SandboxProcess
from .syncs import measure_sync


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.followup", description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a finished run's folder (its warehouse.duckdb)")
    parser.add_argument("--sandbox", type=Path, required=True, help="the run's sandbox state, copied before it ended")
    parser.add_argument("--out", type=Path, default=Path("data/bench/followup"))
    parser.add_argument("--memory-limit", help="LEVER_SYNC_MEMORY_LIMIT for the deltas (default: none)")
    parser.add_argument("--advance", default="1", help="days to advance before each delta, comma-separated")
    args = parser.parse_args(argv)
    config = BenchConfig()
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    warehouse = out / "warehouse.duckdb"
    shutil.copy(args.run / "warehouse.duckdb", warehouse)
    latency = config.latency_arg
    sandbox = SandboxProcess.restored(args.sandbox, out, rate=config.rate, burst=config.burst, latency=latency)
    extra = {"LEVER_SYNC_MEMORY_LIMIT": args.memory_limit} if args.memory_limit else {}
    results: dict = {"memory_limit": args.memory_limit, "steps": []}

    def save(kind: str, case: str, measured: object) -> None:
        results["steps"].append({"kind": kind, "case": case, **asdict(measured)})
        (out / "followup.json").write_text(json.dumps(results, indent=1) + "\n")
        print(f"{case}: {json.dumps(results['steps'][-1])[:400]}", flush=True)

    def build(case: str, path: Path, now_ms: int, *, full_refresh: bool = False) -> None:
        dbt_dir = out / "dbt"
        save("build", case, measure_build(case, duckdb_path=path, dbt_dir=dbt_dir, now_ms=now_ms, log_dir=out,
                                          full_refresh=full_refresh))  # fmt: skip

    with sandbox:
        now_ms = sandbox.saved_now_ms()
        build("catch_up", warehouse, now_ms)
        for days in (float(d) for d in args.advance.split(",")):
            answer = sandbox.advance(days)
            now_ms = int(answer["now"])
            results.setdefault("changes", {})[f"advance_{days:g}"] = answer["changes"]
            case = f"advance_{days:g}"
            save("sync", case, measure_sync(case, config, sandbox, duckdb_path=warehouse, now_ms=now_ms, log_dir=out,
                                            extra_env=extra))  # fmt: skip
            build(f"incremental_after_{case}", warehouse, now_ms)
        full = out / "full.duckdb"
        shutil.copy(warehouse, full)
        build("full_refresh", full, now_ms, full_refresh=True)
        full.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
