"""Test harness: a sandbox account wired to a temporary warehouse through the in-process transport."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.lever.client import RetryPolicy
from orchestration.lever.config import ApiKeyAuth, Integration, OAuthAuth, Settings
from orchestration.lever.runner import sync_integration
from orchestration.lever.secrets import Secret
from orchestration.lever.sync import Mode, SyncResult
from orchestration.sandbox import Sandbox

START = datetime(2026, 1, 5, tzinfo=UTC)
FAST_RETRY = RetryPolicy(max_retries=6, base_delay=0.001, max_delay=0.01)
SANDBOX_URL = "http://sandbox.test/v1"


@dataclass
class Harness:
    sandbox: Sandbox
    settings: Settings
    integration: Integration

    @property
    def path(self) -> Path:
        return self.settings.duckdb_path

    def sync(self, mode: Mode = Mode.DELTA, window: tuple[datetime, datetime] | None = None, **kwargs) -> SyncResult:
        return asyncio.run(
            sync_integration(
                self.settings,
                kwargs.pop("integration", self.integration),
                mode,
                window,
                transport=self.sandbox.async_transport(),
                clock=lambda: self.sandbox.now,
                retry=kwargs.pop("retry", FAST_RETRY),
                **kwargs,
            )
        )

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path))

    def with_auth(self, auth: ApiKeyAuth | OAuthAuth) -> Integration:
        return replace(self.integration, auth=auth)


def make_harness(tmp_path: Path, opportunities: int = 300, seed: int = 7, **sandbox_kwargs: Any) -> Harness:
    sandbox = Sandbox(seed=seed, opportunities=opportunities, start=START, rate_limit=0, **sandbox_kwargs)
    integration = Integration(
        id="lever:test", base_url=SANDBOX_URL, auth=ApiKeyAuth(Secret(sandbox.api_key)), rate_limit=0, concurrency=16
    )
    settings = Settings(duckdb_path=tmp_path / "warehouse.duckdb", integrations=(integration,))
    return Harness(sandbox, settings, integration)


def raw_live(conn: duckdb.DuckDBPyConnection, table: str, integration_id: str = "lever:test") -> dict[str, Any]:
    rows = conn.execute(
        f"""SELECT id, parent_id, payload FROM lever_raw.{table}
            WHERE integration_id = ? AND deleted_at IS NULL AND missing_since IS NULL""",
        [integration_id],
    ).fetchall()
    return {row[0]: (row[1], json.loads(row[2])) for row in rows}


def truth_records(sandbox: Sandbox, entity: str) -> dict[str, Any]:
    return {r["id"]: (r.get("parent_id"), r["data"]) for r in sandbox.truth(entity)["records"]}
