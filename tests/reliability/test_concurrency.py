"""Concurrency on one warehouse file: two syncs at once, readers while a sync writes.

What DuckDB does (duckdb 1.x/2.x, one file, several processes): the first process that opens the file
read-write takes an exclusive OS lock on it for as long as its connection is open. Any other process is
refused at `connect()` (IOException "Could not set lock on file ... Conflicting lock is held in <exe>
(PID n)"), whether it asks for read-write or read-only; read-only connections share the lock only with
each other. Nothing waits inside DuckDB. `orchestration.lever.warehouse.connect` turns that into a polite
wait (up to DUCKDB_LOCK_TIMEOUT seconds, logged once) and then a `WarehouseLockedError` that names the
holder and the variable. A sync holds the file for its whole run, so a second sync starts after it, and a
reader (BI tool, notebook, `duckdb -readonly`) is refused until it ends. The Dagster UI never opens the
warehouse: asset metadata comes from the Dagster instance storage, so it answers while a run writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from orchestration.lever.config import PROJECT_ROOT
from orchestration.lever.errors import WarehouseLockedError
from orchestration.lever.warehouse import connect
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.reliability.harness import Served, assert_opens, duplicate_ids, run_statuses, served


def wait_until_locked(srv: Served, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until the sync subprocess holds the warehouse (its first request reached the sandbox)."""
    deadline = time.monotonic() + timeout
    while srv.sandbox.stats()["requests"] == 0:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the sync never started"
        time.sleep(0.01)


def test_two_syncs_at_once_run_one_after_the_other(tmp_path):
    with served(tmp_path, opportunities=60) as srv:
        srv.sandbox.reset_stats()
        first = srv.start("sync", "--full")
        second = srv.start("sync", "--full")
        outputs = [p.communicate(timeout=300) for p in (first, second)]
        assert [p.returncode for p in (first, second)] == [0, 0], outputs
        waited = [err for _, err in outputs if "is locked by process" in err]
        assert len(waited) == 1, "exactly one of the two should have waited for the other"
        assert "waiting up to 120s" in waited[0]
        assert_opens(srv.db)
        assert_raw_equals_truth(srv)
        with srv.connect() as conn:
            assert duplicate_ids(conn) == {}
            assert run_statuses(conn) == ["succeeded", "succeeded"]


@pytest.mark.slow
def test_a_short_lock_timeout_refuses_clearly_and_harms_nothing(tmp_path):
    with served(tmp_path, opportunities=120, latency_ms=(5.0, 15.0)) as srv:
        srv.sandbox.reset_stats()
        first = srv.start("sync", "--full")
        wait_until_locked(srv, first)
        second = srv.run("sync", "--full", DUCKDB_LOCK_TIMEOUT="1")
        assert first.poll() is None, "the first sync should still be running (make it slower)"
        assert second.returncode == 1
        assert f"is locked by process {first.pid}" in second.stderr, second.stderr
        assert "DUCKDB_LOCK_TIMEOUT" in second.stderr and "Traceback" not in second.stderr
        out, err = first.communicate(timeout=300)
        assert first.returncode == 0, err
        assert_raw_equals_truth(srv)
        with srv.connect() as conn:
            assert run_statuses(conn) == ["succeeded"]


def test_a_reader_is_refused_while_a_sync_writes_then_sees_exact_data(tmp_path):
    with served(tmp_path, opportunities=200, latency_ms=(5.0, 15.0)) as srv:
        srv.sandbox.reset_stats()
        writer = srv.start("sync", "--full")
        wait_until_locked(srv, writer)
        # Plain DuckDB: refused at once, naming the lock and the writer's PID.
        with pytest.raises(duckdb.IOException, match="lock") as refused:
            duckdb.connect(str(srv.db), read_only=True)
        assert str(writer.pid) in str(refused.value)
        # The project's connect(): waits, then a clear error.
        started = time.monotonic()
        with pytest.raises(WarehouseLockedError, match=f"locked by process {writer.pid}.*DUCKDB_LOCK_TIMEOUT"):
            connect(srv.db, read_only=True, wait_seconds=1.0)
        assert 1.0 <= time.monotonic() - started < 5
        assert writer.poll() is None
        # A reader that waits long enough gets in once the sync ends, and sees exact data.
        reader = connect(srv.db, read_only=True, wait_seconds=300)
        try:
            assert writer.wait(timeout=5) == 0
            count = reader.execute("SELECT count(*) FROM lever_raw.opportunities").fetchall()[0][0]
            assert count == len(srv.sandbox.truth("opportunities")["records"])
        finally:
            reader.close()
        assert_raw_equals_truth(srv)


@pytest.mark.slow
def test_a_sync_waits_for_an_open_reader(tmp_path):
    with served(tmp_path, opportunities=30) as srv:
        assert srv.run("sync", "--full").returncode == 0
        srv.sandbox.advance(2)
        reader = duckdb.connect(str(srv.db), read_only=True)
        try:
            writer = srv.start("sync")
            time.sleep(2.0)
            assert writer.poll() is None, "the sync should wait for the reader"
            before = reader.execute("SELECT count(*) FROM lever_raw._sync_runs").fetchall()
        finally:
            reader.close()
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
        assert "is locked by process" in err and "waiting" in err
        assert before == [(1,)]
        assert_raw_equals_truth(srv)


# -- the Dagster UI while a run writes ---------------------------------------------------------------------------
CODE_LOCATION = textwrap.dedent(
    """
    import dagster as dg
    import orchestration.definitions as location  # a module: Dagster must find one Definitions object here

    raw = location.defs.get_assets_def(dg.AssetKey(["lever_raw", "opportunities"]))
    defs = dg.Definitions(assets=[raw], resources={"warehouse": location.defs.resources["warehouse"]})
    """
)
MATERIALIZE = textwrap.dedent(
    """
    import sys
    import dagster as dg
    from orchestration.definitions import defs

    raw = defs.get_assets_def(dg.AssetKey(["lever_raw", "opportunities"]))
    config = {"ops": {"lever_raw_sync": {"config": {"mode": sys.argv[1]}}}}
    resources = {"warehouse": defs.resources["warehouse"]}
    with dg.DagsterInstance.get() as instance:
        run = dg.materialize([raw], instance=instance, partition_key="lever:test", run_config=config,
                             resources=resources)
        assert run.success
    """
)
METADATA_QUERY = """
query {
  assetNodes(assetKeys: [{path: ["lever_raw", "opportunities"]}]) {
    assetKey { path }
    assetMaterializations(limit: 5) {
      runId
      metadataEntries { label ... on IntMetadataEntry { intValue } ... on TextMetadataEntry { text } }
    }
  }
}
"""


def _graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": METADATA_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_dagster_ui_answers_asset_metadata_while_a_run_writes(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (tmp_path / "location.py").write_text(CODE_LOCATION)
    (tmp_path / "workspace.yaml").write_text(
        f"load_from:\n  - python_file:\n      relative_path: location.py\n      working_directory: {PROJECT_ROOT}\n"
    )
    port = _free_port()
    with served(tmp_path, opportunities=150, latency_ms=(5.0, 15.0)) as srv:
        env = srv.env(DAGSTER_HOME=str(home))

        def materialize(mode: str) -> subprocess.Popen:
            return subprocess.Popen(
                [sys.executable, "-c", MATERIALIZE, mode],
                env=env,
                cwd=PROJECT_ROOT,
                stderr=subprocess.PIPE,
                text=True,
            )

        first = materialize("full")
        assert first.wait(timeout=300) == 0, first.stderr.read()
        webserver = subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster-webserver")), "-w", str(tmp_path / "workspace.yaml"),
             "-h", "127.0.0.1", "-p", str(port)],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    baseline = _graphql(port)
                    break
                except OSError:
                    assert webserver.poll() is None, webserver.stderr.read()
                    assert time.monotonic() < deadline, "the webserver did not come up"
                    time.sleep(0.5)
            assert len(baseline["data"]["assetNodes"][0]["assetMaterializations"]) == 1
            srv.sandbox.advance(2)
            env["WAREHOUSE_NOW"] = srv.sandbox.now.isoformat()
            srv.sandbox.reset_stats()
            second = materialize("full")
            answers, refused = [], 0
            while second.poll() is None:
                started = time.monotonic()
                answer = _graphql(port)
                answers.append(time.monotonic() - started)
                assert "errors" not in answer, answer
                assert answer["data"]["assetNodes"][0]["assetMaterializations"], answer
                if srv.sandbox.stats()["requests"]:
                    try:
                        duckdb.connect(str(srv.db), read_only=True).close()
                    except duckdb.IOException:
                        refused += 1  # the run holds the warehouse: DuckDB refuses other processes
                time.sleep(0.2)
            assert second.returncode == 0, second.stderr.read()
            assert len(answers) >= 3 and max(answers) < 10, answers
            assert refused >= 1, "the run should have held the warehouse while the UI was queried"
            after = _graphql(port)["data"]["assetNodes"][0]["assetMaterializations"]
            assert len(after) == 2
        finally:
            webserver.terminate()
            webserver.wait(timeout=30)
        assert_raw_equals_truth(srv)
        assert os.path.exists(srv.db)
