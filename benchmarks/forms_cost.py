"""The request cost of profile forms (issue 17): requests per opportunity of a full sync and of a delta after a
day of activity, on the same sandbox account, with and without LEVER_PROFILE_FORMS.

    python -m benchmarks.forms_cost [--opportunities 1000 10000] [--seed 0] [--out data/bench/forms-cost]

In process, no rate limit (requests are counted, not timed). Prints one line per size and side and writes
`<out>/forms_cost.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from orchestration.lever.config import ApiKeyAuth, Integration, Settings
from orchestration.lever.runner import sync_integration
from orchestration.lever.secrets import Secret
from orchestration.lever.sync import Mode
from orchestration.sandbox import Sandbox


def measure(opportunities: int, seed: int, forms: bool, folder: Path) -> dict[str, Any]:
    sandbox = Sandbox(seed=seed, opportunities=opportunities, rate_limit=0)
    integration = Integration(
        id="lever:bench", base_url="http://sandbox.test/v1", auth=ApiKeyAuth(Secret(sandbox.api_key)), rate_limit=0
    )
    folder.mkdir(parents=True)
    settings = Settings(duckdb_path=folder / "warehouse.duckdb", integrations=(integration,), profile_forms=forms)
    settings = replace(settings, verify_days=0)  # the delta's own cost, no verification slice

    def sync(mode: Mode) -> Any:
        transport = sandbox.async_transport()
        return asyncio.run(sync_integration(settings, integration, mode, None, transport=transport,
                                            clock=lambda: sandbox.now))  # fmt: skip

    full = sync(Mode.FULL)
    sandbox.advance(1)
    delta = sync(Mode.DELTA)
    return {
        side: {
            "requests": run.total_requests,
            "forms_requests": run.requests.get("forms", 0) + run.requests.get("form_templates", 0),
            "opportunities_refreshed": run.opportunities_refreshed,
            "per_opportunity": round(run.total_requests / max(run.opportunities_seen, 1), 3),
            "per_refreshed": round(run.total_requests / max(run.opportunities_refreshed, 1), 3),
            "forms_rows": run.records.get("forms", 0),
        }
        for side, run in (("full", full), ("delta_after_a_day", delta))
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.forms_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("data/bench/forms-cost"))
    args = parser.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    results = []
    for size in args.opportunities:
        for forms in (False, True):
            row = {"opportunities": size, "profile_forms": forms}
            row |= measure(size, args.seed, forms, args.out / f"{size}-{'forms' if forms else 'plain'}")
            results.append(row)
            for side in ("full", "delta_after_a_day"):
                r = row[side]
                print(
                    f"{size:>6} opportunities, profile forms {'on ' if forms else 'off'}, {side}: {r['requests']} "
                    f"requests ({r['per_opportunity']}/opportunity listed, {r['per_refreshed']}/opportunity "
                    f"refreshed), forms + templates {r['forms_requests']}, refreshed {r['opportunities_refreshed']}",
                    flush=True,
                )
            (args.out / "forms_cost.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
