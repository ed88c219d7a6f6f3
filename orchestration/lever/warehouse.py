"""Opening the DuckDB warehouse: one writer at a time, waiting politely for a lock instead of failing at once."""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

import duckdb

from .errors import WarehouseError, WarehouseLockedError

log = logging.getLogger("lever_warehouse.warehouse")

LOCK_WAIT_ENV = "DUCKDB_LOCK_TIMEOUT"


def _lock_wait_default() -> float:
    return float(os.environ.get(LOCK_WAIT_ENV, "120"))


def connect(path: Path, *, read_only: bool = False, wait_seconds: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file; if another process holds it, retry until `wait_seconds`, then explain."""
    wait = _lock_wait_default() if wait_seconds is None else wait_seconds
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    announced = False
    while True:
        try:
            conn = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise WarehouseError(f"cannot open the warehouse {path}: {_first_line(message)}") from None
            holder = re.search(r"PID (\d+)", message)
            who = f"process {holder.group(1)}" if holder else "another process"
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"the warehouse {path} is locked by {who} (DuckDB allows one writer); waited {wait:.0f}s. "
                    f"Wait for that run to finish or stop it, or raise {LOCK_WAIT_ENV}"
                ) from None
            if not announced:
                log.warning("warehouse %s is locked by %s; waiting up to %.0fs", path, who, wait)
                announced = True
            time.sleep(0.5)
            continue
        conn.execute("SET TimeZone = 'UTC'")
        return conn


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0].removeprefix("IO Error: ").rstrip(".!")
