"""`dagster dev` (as `make dev` starts it, venv not activated) must load the code location."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "dbt_project" / "target" / "manifest.json"


def test_the_code_location_loads_under_dagster_dev_without_dbt_on_path():
    before = MANIFEST.stat().st_mtime_ns
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/bin:/bin"  # no venv: dbt is only found beside the interpreter
    env["DAGSTER_IS_DEV_CLI"] = "1"  # what `dagster dev` sets for its code servers
    done = subprocess.run(
        [sys.executable, "-c", "import orchestration.definitions as d; print(len(d.defs.assets))"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.split()[-1]) > 0
    assert MANIFEST.stat().st_mtime_ns > before  # dev mode re-parsed the project, so model edits show up
