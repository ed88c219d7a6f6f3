"""Bounded disk: dbt leaves a target folder per Dagster run (about 12 MB: manifest, run results, logs)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .dbt_runner import DBT_PROJECT_DIR

# One folder per Dagster dbt run under here (dagster-dbt's default is a new folder in target/ each time).
DAGSTER_TARGETS = DBT_PROJECT_DIR / "target" / "dagster_runs"
KEEP_DBT_TARGETS = 5


def prune_dbt_targets(root: Path = DAGSTER_TARGETS, keep: int = KEEP_DBT_TARGETS) -> list[Path]:
    """Delete all but the `keep` newest run folders under `root` (their artifacts help debug a recent run only)."""
    if not root.is_dir():
        return []
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    removed = folders[max(keep, 0) :]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def folder_bytes(root: Path) -> int:
    """Bytes of every file under `root` (0 if it does not exist)."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.exists() else 0
