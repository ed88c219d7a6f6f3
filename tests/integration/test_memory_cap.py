"""The sync memory cap (LEVER_SYNC_MEMORY_LIMIT) keeps syncs small, but never fails one: DuckDB cannot spill every
operation to disk, and a 100k steady delta ran out of the 160 MB default (BENCHMARKS.md)."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import replace

import duckdb
import pytest

from orchestration.lever.sync import Mode
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.support import make_harness


def test_a_sync_that_outgrows_the_cap_goes_on_uncapped_with_one_warning(tmp_path, caplog):
    harness = make_harness(tmp_path, opportunities=60)
    harness.settings = replace(harness.settings, sync_memory_limit="1MB")  # far too small for any sync
    with caplog.at_level(logging.WARNING, logger="lever_warehouse.runner"):
        result = harness.sync(Mode.FULL)
    warnings = [r.getMessage() for r in caplog.records if "LEVER_SYNC_MEMORY_LIMIT=1MB" in r.getMessage()]
    assert len(warnings) == 1 and "without the cap" in warnings[0]
    assert not result.errors
    assert_raw_equals_truth(harness)


def test_without_a_cap_an_out_of_memory_error_is_not_retried(tmp_path, monkeypatch):
    from orchestration.lever import runner

    calls = []

    @asynccontextmanager
    async def out_of_memory(settings, *args, **kwargs):
        calls.append(settings.sync_memory_limit)
        raise duckdb.OutOfMemoryException("out of memory")
        yield  # an async generator, as open_session is

    monkeypatch.setattr(runner, "open_session", out_of_memory)
    harness = make_harness(tmp_path, opportunities=5)
    harness.settings = replace(harness.settings, sync_memory_limit=None)
    with pytest.raises(duckdb.OutOfMemoryException):
        harness.sync(Mode.FULL)
    harness.settings = replace(harness.settings, sync_memory_limit="64MB")
    with pytest.raises(duckdb.OutOfMemoryException):
        harness.sync(Mode.FULL)
    assert calls == [None, "64MB", None]  # capped: one retry, uncapped; uncapped: none
