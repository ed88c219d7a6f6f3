"""The one resource every Dagster asset uses: where the warehouse is and which Lever accounts feed it."""

from __future__ import annotations

import os

import dagster as dg

from orchestration.lever.config import Settings, load_settings


class WarehouseResource(dg.ConfigurableResource):
    """The private DuckDB warehouse, its published copy for readers, and the Lever integrations synced into it.

    Credentials are never config (the UI shows config): an integrations file names the environment variables
    that hold them, and the single-account variables (`LEVER_API_KEY`, `LEVER_OAUTH_*`) are read when a run
    starts, as `lever-warehouse` reads them."""

    duckdb_path: str
    published_path: str
    integrations_file: str = ""

    @classmethod
    def from_settings(cls, settings: Settings, integrations_file: str = "") -> WarehouseResource:
        return cls(
            duckdb_path=str(settings.duckdb_path),
            published_path=str(settings.published),
            integrations_file=integrations_file,
        )

    def settings(self) -> Settings:
        env = {**os.environ, "DUCKDB_PATH": self.duckdb_path, "DUCKDB_PUBLISHED_PATH": self.published_path}
        if self.integrations_file:
            env["LEVER_INTEGRATIONS_FILE"] = self.integrations_file
        return load_settings(env)
