"""`make bench`: sync and build benchmarks against the Lever sandbox; writes BENCHMARKS.md.

    python -m benchmarks.run [--sizes 10000,100000] [--repeats 3] [--scale F] [--quick]

Every step runs as its own process: the sandbox (`lever-sandbox serve`, restored from a saved account), each
sync (`lever-warehouse sync`), each dbt build (`lever-warehouse build`) and `make run`. Raw results are saved
as JSON next to the runs, so the report can be rewritten without measuring again (`--report-only`).
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from . import report
from .ab import before_after
from .calibrate import calibrate
from .config import ROOT, BenchConfig
from .machine import describe
from .make_run import install, measure_make_run
from .prepare import lower_bounds, pristine_state
from .scenario import run_once
from .snapshot import frozen_code

QUICK_SIZE = 1_000
CALIBRATION_SIZE = 10_000
CALIBRATION_SCALES = (10.0, 20.0, 30.0, 40.0, 50.0, 60.0)
CALIBRATION_SECONDS = 20.0


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())


def _latency(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high or low)


def parse_args(argv: list[str] | None) -> tuple[BenchConfig, argparse.Namespace]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, help="opportunities per account, comma-separated (10000,100000)")
    parser.add_argument("--repeats", type=int, help="runs per size; the report gives medians (3)")
    parser.add_argument("--scale", type=float, help="multiple of Lever's 10 req/s and burst 20 (default 30)")
    parser.add_argument("--seed", type=int, help="sandbox seed (1)")
    parser.add_argument("--latency-ms", type=_latency, help="sandbox response time range, MIN-MAX (100-300)")
    parser.add_argument("--quick", action="store_true", help="smoke test: one 1k run, no make run")
    parser.add_argument("--no-dbt", action="store_true", help="skip the dbt builds")
    parser.add_argument("--no-make-run", action="store_true", help="skip `make run`")
    parser.add_argument("--calibrate", action="store_true", help="measure sustainable scale factors first")
    parser.add_argument("--before-after", action="store_true", help="measure the extractor fixes against the old code")
    parser.add_argument("--work-dir", type=Path, help="runs, cached accounts and raw results (data/bench)")
    parser.add_argument("--report", type=Path, help="where to write the report (BENCHMARKS.md)")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from the saved results")
    parser.add_argument(
        "--append", action="store_true", help="add runs to the saved results (same scale) instead of replacing them"
    )
    args = parser.parse_args(argv)
    config = BenchConfig()
    if args.quick:
        config = replace(config, sizes=(QUICK_SIZE,), repeats=1, make_run=False, quick=True)
    overrides: dict[str, Any] = {
        "sizes": args.sizes,
        "repeats": args.repeats,
        "scale": args.scale,
        "seed": args.seed,
        "latency_ms": args.latency_ms,
        "work_dir": args.work_dir.resolve() if args.work_dir else None,
        "report": args.report.resolve() if args.report else None,
    }
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    if args.no_dbt:
        config = replace(config, dbt=False)
    if args.no_make_run:
        config = replace(config, make_run=False)
    return config, args


def _saved_for_append(config: BenchConfig) -> dict[str, Any]:
    """The saved results, if their runs are comparable with `config`: medians must not mix scales or latencies."""
    saved = json.loads((config.work_dir / "results.json").read_text())
    wanted = json.loads(json.dumps(asdict(config), default=str))
    for key in ("scale", "latency_ms", "seed"):
        if saved["config"][key] != wanted[key]:
            raise SystemExit(f"--append: the saved runs used {key}={saved['config'][key]}, this one {wanted[key]}")
    return saved


def measure(
    config: BenchConfig, *, with_calibration: bool, with_before_after: bool, code: str, append: bool = False
) -> dict[str, Any]:
    work = config.work_dir
    work.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work / "dbt", ignore_errors=True)  # parsed again from this session's code, once
    saved = _saved_for_append(config) if append else None
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "code": "",
        "config": {**asdict(config), "rate": config.rate, "burst": config.burst, "concurrency": config.concurrency},
        "machine": describe(),
        "bounds": {},
        "runs": [],
        "make_run": [],
        "calibration": {},
        "before_after": {},
    }
    if saved is not None:
        results = {**saved, "config": {**saved["config"], "repeats": max(config.repeats, saved["config"]["repeats"])}}
        results.pop("finished", None)
    states = {size: pristine_state(config, size) for size in config.sizes}
    for size, state in states.items():
        results["bounds"][str(size)] = lower_bounds(config, size, state)
    if with_calibration:
        pristine = pristine_state(config, CALIBRATION_SIZE)
        points = calibrate(config, pristine, work / "calibration", list(CALIBRATION_SCALES), CALIBRATION_SECONDS)
        results["calibration"] = {"measured": time.strftime("%Y-%m-%d %H:%M %Z"), "points": points}
    if with_before_after:
        results["before_after"] = {
            "measured": time.strftime("%Y-%m-%d %H:%M %Z"),
            **before_after(config, pristine_state(config, CALIBRATION_SIZE), work),
        }
    if config.make_run:
        install()
    for size, state in states.items():
        done = sum(1 for run in results["runs"] if run["size"] == size)
        for repeat in range(done + 1, done + config.repeats + 1):
            print(f"{size} opportunities, run {repeat}/{done + config.repeats}", flush=True)
            results["runs"].append({**run_once(config, size, repeat, state, work).to_json(), "code": code})
            _save(work, results)
    if config.make_run:
        results["make_run"] = []
        for repeat in range(1, config.repeats + 1):
            measured = measure_make_run(work, repeat)
            print(f"make run #{repeat}: {measured.wall_s}s, {measured.requests} requests", flush=True)
            results["make_run"].append(asdict(measured))
            _save(work, results)
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    _save(work, results)
    return results


def _save(work: Path, results: dict[str, Any]) -> None:
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")


def _reuse(path: Path, results: dict[str, Any], key: str) -> None:
    """Calibration and before/after runs are slow and optional: keep the latest, and report it when not rerun."""
    if results.get(key):
        path.write_text(json.dumps(results[key], indent=1) + "\n")
    elif path.exists():
        results[key] = json.loads(path.read_text())


def main(argv: list[str] | None = None) -> int:
    config, args = parse_args(argv)
    if args.report_only:
        results = json.loads((config.work_dir / "results.json").read_text())
    else:
        with frozen_code(config.work_dir) as (code, fingerprint):
            print(f"measuring a frozen copy of the code: {code}", flush=True)
            results = measure(
                config,
                with_calibration=args.calibrate,
                with_before_after=args.before_after,
                code=fingerprint,
                append=args.append,
            )
        results["code"] = fingerprint
        results["command"] = shlex.join(["python", "-m", "benchmarks.run", *(sys.argv[1:] if argv is None else argv)])
        _save(config.work_dir, results)
    if config.report is not None:
        for key in ("calibration", "before_after", "manual"):
            _reuse(config.work_dir / f"{key}.json", results, key)
        config.report.write_text(report.render(results))
        print(f"report: {config.report.relative_to(ROOT) if config.report.is_relative_to(ROOT) else config.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
