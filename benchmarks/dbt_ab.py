"""dbt build times of two versions of the dbt project on the same raw warehouse states (before/after a dbt change).

    python -m benchmarks.dbt_ab prepare --size 10000 --out /work/bench-data/10k
    python -m benchmarks.dbt_ab measure --data /work/bench-data/10k --code <code root> --out data/bench/dbt-ab/after

`prepare` fills a warehouse from an in-process sandbox without a rate limit (minutes, not the harness's hours):
a full sync (`raw-day0.duckdb`), then `advance(1)` and a delta (`raw-day1.duckdb`), the sandbox state after
each (`sandbox-day0/`, `sandbox-day1/`) and the two clocks (`meta.json`). Only raw tables: no dbt has run.

`measure` runs, `--repeats` times on a fresh copy: a `--full-refresh` build of day 0; then the raw tables of
day 1 replace day 0's (exactly what the delta wrote) and an incremental build runs; then an incremental build an
hour later with no new raw rows. `--code` is a code root holding `orchestration/` and `dbt_project/` (e.g.
`git archive main orchestration dbt_project | tar -x -C <dir>`); the venv is this checkout's. Results and medians
go to `<out>/dbt_ab.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb

from .builds import measure_build, parse_once
from .config import CODE_ROOT_ENV, SEED

HOUR_MS = 3_600_000


def prepare(size: int, out: Path, seed: int) -> None:
    # Imported here: `measure` must run the code under test, not this checkout's (PYTHONPATH is set before it).
    from orchestration.lever.config import ApiKeyAuth, Integration, Settings
    from orchestration.lever.runner import sync_integration
    from orchestration.lever.secrets import Secret
    from orchestration.lever.sync import Mode
    from orchestration.sandbox import Sandbox

    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    sandbox = Sandbox(seed=seed, opportunities=size, rate_limit=0)
    integration = Integration(
        id="lever:bench", base_url="http://sandbox.test/v1", auth=ApiKeyAuth(Secret(sandbox.api_key)),
        rate_limit=0, concurrency=16,
    )  # fmt: skip
    warehouse = out / "warehouse.duckdb"
    settings = Settings(duckdb_path=warehouse, integrations=(integration,))
    meta: dict[str, Any] = {"size": size, "seed": seed, "integration_id": integration.id, "seconds": {}}

    def sync(mode: Mode, day: int) -> None:
        begin = time.monotonic()
        result = asyncio.run(sync_integration(settings, integration, mode, transport=sandbox.async_transport(),
                                              clock=lambda: sandbox.now))  # fmt: skip
        meta["seconds"][f"sync_day{day}"] = round(time.monotonic() - begin, 1)
        meta[f"now_ms_day{day}"] = sandbox.now_ms
        meta[f"requests_day{day}"] = result.total_requests
        shutil.copy(warehouse, out / f"raw-day{day}.duckdb")
        sandbox.save(out / f"sandbox-day{day}")
        print(f"day {day}: synced in {meta['seconds'][f'sync_day{day}']} s", flush=True)

    meta["seconds"]["generate"] = round(time.monotonic() - started, 1)
    sync(Mode.FULL, 0)
    meta["changes_day1"] = sandbox.advance(1.0)
    sync(Mode.DELTA, 1)
    warehouse.unlink()
    (out / "meta.json").write_text(json.dumps(meta, indent=1, default=str) + "\n")


def replace_raw(target: Path, source: Path) -> None:
    """The raw tables of `target` become those of `source` (same schema, a later state of the same account)."""
    with duckdb.connect(str(target)) as conn:
        conn.execute(f"attach '{source}' as later (read_only)")
        tables = conn.execute(
            "select table_name from information_schema.tables where table_catalog = 'later' "
            "and table_schema = 'lever_raw' and table_type = 'BASE TABLE'"
        ).fetchall()
        for (table,) in tables:
            conn.execute(f"delete from lever_raw.{table}")
            conn.execute(f"insert into lever_raw.{table} by name select * from later.lever_raw.{table}")
        # the purge before each build draws from the sequence: carry on where the later state left it
        (last,) = conn.execute(
            "select last_value from duckdb_sequences() where database_name = 'later' and sequence_name = '_load_seq'"
        ).fetchone()
        conn.execute("drop sequence lever_raw._load_seq")
        conn.execute(f"create sequence lever_raw._load_seq start {int(last or 0) + 1}")


def measure(data: Path, code: Path, out: Path, repeats: int) -> None:
    meta = json.loads((data / "meta.json").read_text())
    os.environ[CODE_ROOT_ENV] = str(code.resolve())
    os.environ["PYTHONPATH"] = str(code.resolve())
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    dbt_dir = out / "dbt"
    warehouse = out / "warehouse.duckdb"
    parse_once(dbt_dir, warehouse)
    results: dict[str, Any] = {"data": str(data), "code": str(code), "runs": []}
    day0, day1 = meta["now_ms_day0"], meta["now_ms_day1"]
    cases = (("full", day0, True), ("incremental_after_day", day1, False), ("incremental_quiet", day1 + HOUR_MS, False))
    for repeat in range(repeats):
        shutil.copy(data / "raw-day0.duckdb", warehouse)
        run: dict[str, Any] = {}
        for case, now_ms, full_refresh in cases:
            if case == "incremental_after_day":
                replace_raw(warehouse, data / "raw-day1.duckdb")
            measured = measure_build(f"{case}-{repeat}", duckdb_path=warehouse, dbt_dir=dbt_dir, now_ms=now_ms,
                                     log_dir=out, full_refresh=full_refresh)  # fmt: skip
            run[case] = asdict(measured)
            # every node's time, for comparing builds model by model
            shutil.copy(dbt_dir / "target" / "run_results.json", out / f"{case}-{repeat}.run_results.json")
            print(
                f"{code.name} #{repeat} {case}: {measured.wall_s} s (dbt {measured.dbt_elapsed_s} s, cpu "
                f"{measured.cpu_s} s, load {measured.load_avg})",
                flush=True,
            )
        results["runs"].append(run)
        (out / "dbt_ab.json").write_text(json.dumps(results, indent=1) + "\n")
    results["medians"] = {
        case: {
            key: statistics.median(run[case][key] for run in results["runs"])
            for key in ("wall_s", "dbt_elapsed_s", "cpu_s")
        }
        for case, _, _ in cases
    }
    results["warehouse_mb"] = results["runs"][-1]["incremental_quiet"]["warehouse_mb"]
    (out / "dbt_ab.json").write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results["medians"]), flush=True)
    warehouse.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dbt_ab", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prep = commands.add_parser("prepare")
    prep.add_argument("--size", type=int, required=True)
    prep.add_argument("--seed", type=int, default=SEED)
    prep.add_argument("--out", type=Path, required=True)
    meas = commands.add_parser("measure")
    meas.add_argument("--data", type=Path, required=True, help="a `prepare` folder")
    meas.add_argument("--code", type=Path, required=True, help="code root with orchestration/ and dbt_project/")
    meas.add_argument("--out", type=Path, required=True)
    meas.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.size, args.out.resolve(), args.seed)
    else:
        measure(args.data.resolve(), args.code, args.out.resolve(), args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
