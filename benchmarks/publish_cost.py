"""What publishing the read-only copy costs after a build: `python -m benchmarks.publish_cost RAW.duckdb NOW_MS`.

Copies a raw warehouse (e.g. /work/bench-data/10k/raw-day1.duckdb), builds it with dbt (untimed), then times
`publish` a few times and prints the median, the copy's size and its rows."""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from orchestration.lever.config import Settings
from orchestration.warehouse.dbt_runner import dbt_build
from orchestration.warehouse.publish import publish

REPEATS = 3


def main(raw: Path, now_ms: int) -> None:
    with tempfile.TemporaryDirectory(prefix="publish-cost-") as work:
        settings = Settings(duckdb_path=Path(work) / "warehouse.duckdb", integrations=())
        shutil.copy(raw, settings.duckdb_path)
        now = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
        dbt = ["--target-path", f"{work}/target", "--log-path", f"{work}/logs", "--quiet"]
        os.environ["WAREHOUSE_NOW"] = now.isoformat()
        assert dbt_build(settings, extra=dbt) == 0, "dbt build failed"
        runs = [publish(settings, now=now) for _ in range(REPEATS)]
        last = runs[-1]
        private_mb = settings.duckdb_path.stat().st_size / 2**20
        print(
            f"{raw}: publish median {statistics.median(r.seconds for r in runs):.2f}s "
            f"(runs {', '.join(f'{r.seconds:.2f}' for r in runs)}), {len(last.rows)} tables, "
            f"{sum(last.rows.values())} rows, published {last.size_bytes / 2**20:.0f} MB "
            f"(private warehouse {private_mb:.0f} MB)"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
