"""Dagster tests load the real code location, configured here (before it is imported) for two small sandboxes."""

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(tempfile.mkdtemp(prefix="lever-dagster-tests-"))
INTEGRATIONS = ROOT / "integrations.toml"
INTEGRATIONS.write_text(
    """
[[integrations]]
id = "lever:acme"
sandbox = { seed = 11, opportunities = 120 }

[[integrations]]
id = "lever:globex"
sandbox = { seed = 12, opportunities = 80 }
"""
)
os.environ.update(
    {
        "DUCKDB_PATH": str(ROOT / "warehouse.duckdb"),
        "LEVER_INTEGRATIONS_FILE": str(INTEGRATIONS),
        "WAREHOUSE_NOW": "2026-03-02T09:00:00Z",
        "LEVER_PARTITIONS_START": "2025-01-01",
        "DAGSTER_HOME": str(ROOT / "dagster_home"),
    }
)
(ROOT / "dagster_home").mkdir()


@pytest.fixture(scope="session")
def warehouse_path() -> Path:
    return ROOT / "warehouse.duckdb"
