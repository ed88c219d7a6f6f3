"""The sandbox as a separate `lever-sandbox serve` process, restored from a saved state, and its control routes."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from .config import BIN
from .procinfo import cpu_seconds

STARTUP_TIMEOUT_S = 300.0


class SandboxProcess:
    """`lever-sandbox serve` on a free port, loading (a private copy of) a saved account."""

    def __init__(self, state_dir: Path, *, rate: float, burst: int, latency: str, log_path: Path) -> None:
        self.state_dir = state_dir
        self.log_path = log_path
        self.command = [
            str(BIN / "lever-sandbox"), "serve", "--port", "0", "--state-dir", str(state_dir),
            "--rate-limit", f"{rate:g}", "--burst", str(burst), "--latency-ms", latency,
            "--frozen-date",  # every sync pins WAREHOUSE_NOW to the sandbox clock
        ]  # fmt: skip
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.api_key = ""
        self._control: httpx.Client | None = None

    @classmethod
    def restored(cls, pristine: Path, run_dir: Path, **kwargs: Any) -> SandboxProcess:
        """A run's sandbox: the saved account copied, because the server writes its state back after advances."""
        target = run_dir / "sandbox"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(pristine, target)
        return cls(target, log_path=run_dir / "sandbox.log", **kwargs)

    def __enter__(self) -> SandboxProcess:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        log = self.log_path.open("w")
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        assert self.process.stdout is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not (self.url and self.api_key):
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"lever-sandbox exited during startup; see {self.log_path}")
            if match := re.search(r"serving (http://\S+/v1)", line):
                self.url = match.group(1)
            elif match := re.search(r"API key: (\S+)", line):
                self.api_key = match.group(1)
            if time.monotonic() > deadline:
                raise RuntimeError("lever-sandbox did not start in time")
        self._control = httpx.Client(base_url=self.url.removesuffix("/v1"), timeout=600.0)

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self.process is not None and self.process.poll() is None:
            # SIGTERM, not Ctrl-C: the CLI saves its state on KeyboardInterrupt, which a benchmark copy never needs.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def _call(self, method: str, path: str) -> httpx.Response:
        assert self._control is not None, "sandbox not started"
        response = self._control.request(method, path)
        response.raise_for_status()
        return response

    def advance(self, days: float) -> dict[str, Any]:
        """Simulated activity over `days`; returns {"now": ms, "changes": {kind: count}}."""
        return self._call("POST", f"/_sandbox/advance?days={days:g}").json()

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/_sandbox/stats").json()

    def reset_stats(self) -> None:
        self._call("DELETE", "/_sandbox/stats")

    def saved_now_ms(self) -> int:
        """The sandbox clock as saved with the state (it moves only on advance, which returns the new one)."""
        return int(json.loads((self.state_dir / "sandbox.json").read_text())["now_ms"])


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any Lever, warehouse or dbt configuration, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEVER_", "WAREHOUSE_NOW", "DUCKDB_", "DBT_"))}
    env.update(DO_NOT_TRACK="1", **values)
    return env


def warehouse_now(now_ms: int) -> str:
    return datetime.fromtimestamp(now_ms / 1000, UTC).isoformat()


def sync_env(
    sandbox: SandboxProcess, *, duckdb_path: Path, rate: float, burst: int, concurrency: int, now_ms: int | None = None
) -> dict[str, str]:
    """The environment of a real-account `lever-warehouse` run pointed at the sandbox.

    The warehouse clock is pinned to the sandbox clock, as the embedded sandbox does for `make run`: retention
    and the dbt models then see the same "now" as the account. The rolling verification is off
    (`LEVER_VERIFY_DAYS=0`): these syncs are compared with the lower bounds of the deltas themselves; the
    real-limit benchmark measures a steady state with it.
    """
    env = clean_env(
        LEVER_API_KEY=sandbox.api_key,
        LEVER_BASE_URL=sandbox.url,
        LEVER_RATE_LIMIT=f"{rate:g}",
        LEVER_BURST=str(burst),
        LEVER_CONCURRENCY=str(concurrency),
        LEVER_VERIFY_DAYS="0",
        DUCKDB_PATH=str(duckdb_path),
    )
    if now_ms is not None:
        env["WAREHOUSE_NOW"] = warehouse_now(now_ms)
    return env
