"""Dagster tests build the code location from their own settings: two small embedded sandboxes, a temp warehouse."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

from orchestration.defs.location import build_definitions
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.settings import LocationSettings

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-03-02T09:00:00Z"
INTEGRATIONS = """
[[integrations]]
id = "lever:acme"
sandbox = { seed = 11, opportunities = 120 }

[[integrations]]
id = "lever:globex"
sandbox = { seed = 12, opportunities = 80 }
"""


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="lever-dagster-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def warehouse_clock() -> Iterator[None]:
    """The warehouse clock (WAREHOUSE_NOW is how the library and dbt read it), pinned for the session only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_NOW", NOW)
        yield


@pytest.fixture(scope="session")
def location(workdir: Path) -> LocationSettings:
    integrations = workdir / "integrations.toml"
    integrations.write_text(INTEGRATIONS)
    warehouse = WarehouseResource(
        duckdb_path=str(workdir / "warehouse.duckdb"),
        published_path=str(workdir / "published" / "warehouse.duckdb"),
        integrations_file=str(integrations),
    )
    return LocationSettings(
        warehouse=warehouse,
        dbt_targets=workdir / "dbt_targets",
        dbt_targets_kept=2,
    )


@pytest.fixture(scope="session")
def defs(location: LocationSettings) -> dg.Definitions:
    return build_definitions(location)


@pytest.fixture(scope="session")
def warehouse_path(location: LocationSettings) -> Path:
    return Path(location.warehouse.duckdb_path)


@pytest.fixture(scope="session")
def published_path(location: LocationSettings) -> Path:
    return Path(location.warehouse.published_path)


def instance_settings() -> dict:
    """The instance settings of dagster_home/dagster.yaml that change what a run records (library logs)."""
    config = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text())
    return {"python_logs": config["python_logs"]}
