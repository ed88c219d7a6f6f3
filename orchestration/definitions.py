"""The Dagster code location (loaded by workspace.yaml): its settings come from the environment, read here once."""

from __future__ import annotations

from orchestration.defs.location import build_definitions
from orchestration.defs.settings import LocationSettings

defs = build_definitions(LocationSettings.from_env())
