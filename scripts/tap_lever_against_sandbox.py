"""Runs Singer's tap-lever 1.1.0 (PyPI) against the sandbox and compares what it emits with the ground truth.

    .venv/bin/python scripts/tap_lever_against_sandbox.py [--opportunities 300] [--seed 3]

tap-lever hard-codes https://api.lever.co/v1 (no base-URL option, like Airbyte's source-lever-hiring), so a
`sitecustomize` in the tap's process rewrites that prefix to the sandbox; nothing else of the tap changes.
It gets its own virtualenv (data/tap-lever-venv): its pins (requests, backoff, singer-python) are not ours.
Not part of `make test`: it needs PyPI once and runs at Lever's real 10 req/s for several minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from orchestration.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "data" / "tap-lever-venv"
SHIM = """import os, requests
_target = os.environ["LEVER_SANDBOX_URL"].rstrip("/")
_original = requests.Session.request
def _request(self, method, url, *args, **kwargs):
    return _original(self, method, url.replace("https://api.lever.co/v1", _target), *args, **kwargs)
requests.Session.request = _request
"""
# tap stream -> (sandbox entity, whether the tap can see it): the tap reads neither confidential records
# (no `confidentiality=all`) nor the deprecated /candidates endpoint's children.
STREAMS = {
    "opportunities": "opportunities",
    "opportunity_applications": "applications",
    "opportunity_offers": "offers",
    "opportunity_referrals": "referrals",
    "opportunity_resumes": "resumes",
    "stages": "stages",
    "archive_reasons": "archive_reasons",
    "users": "users",
    "postings": "postings",
    "requisitions": "requisitions",
}


def _tap() -> Path:
    if not (VENV / "bin" / "tap-lever").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", "tap-lever==1.1.0"], check=True)
    return VENV / "bin" / "tap-lever"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=300)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    tap = _tap()
    sandbox = Sandbox(seed=args.seed, opportunities=args.opportunities)  # Lever's 10 req/s, burst 20
    first = min(o["data"]["createdAt"] for o in sandbox.truth("opportunities")["records"])
    start = datetime.fromtimestamp(first / 1000, UTC).strftime("%Y-%m-%dT00:00:00Z")
    with tempfile.TemporaryDirectory() as work, sandbox.serve() as url:
        work_dir = Path(work)
        (work_dir / "sitecustomize.py").write_text(SHIM)
        config = work_dir / "config.json"
        config.write_text(json.dumps({"token": sandbox.api_key, "start_date": start, "user_agent": "check"}))
        env = {**os.environ, "LEVER_SANDBOX_URL": url, "PYTHONPATH": work}
        catalog = json.loads(subprocess.run([tap, "-c", config, "-d"], env=env, check=True, capture_output=True).stdout)
        for stream in catalog["streams"]:
            for entry in stream["metadata"]:
                if entry["breadcrumb"] == []:
                    entry["metadata"]["selected"] = stream["tap_stream_id"] in STREAMS
        (work_dir / "catalog.json").write_text(json.dumps(catalog))
        sandbox.reset_stats()
        command = [tap, "-c", config, "--catalog", work_dir / "catalog.json"]
        output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
        stats = sandbox.stats()
    emitted: dict[str, list] = defaultdict(list)
    for line in output.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            emitted[message["stream"]].append(message["record"].get("id"))
    print(f"tap-lever 1.1.0 against the sandbox (seed {args.seed}, {args.opportunities} opportunities, start {start})")
    print(f"requests: {stats['requests']} ({stats['by_status']})")
    print(f"{'stream':28} {'emitted':>8} {'unique':>7} {'truth':>6} {'missed':>7}")
    for stream, entity in STREAMS.items():
        truth = {r["id"] for r in sandbox.truth(entity)["records"]}
        ids = emitted.get(stream, [])
        missed = len(truth - set(ids))
        print(f"{stream:28} {len(ids):8} {len(set(ids)):7} {len(truth):6} {missed:7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
