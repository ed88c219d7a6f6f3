"""Webhooks through Dagster: the sensor launches a drain run per integration with waiting events, the run reads
what they name and builds only the models downstream of it, and the queue is observed with its latency."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import defs
from orchestration.defs.partitions import settings
from orchestration.defs.webhooks import INTEGRATION_TAG, JOB, QUEUE_KEY, TARGETED_TABLES
from orchestration.lever.clock import to_ms, warehouse_now
from orchestration.lever.webhooks.delivery import parse
from orchestration.lever.webhooks.queue import WebhookQueue
from orchestration.lever.webhooks.settings import WebhookSettings
from orchestration.sandbox import Sandbox
from tests.kombo_ids import unified_id
from tests.webhooks.receiver_support import delivery

ACME = "lever:acme"


@pytest.fixture(scope="module")
def instance():
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture(scope="module")
def synced(instance, warehouse_path):
    """The acme account synced and built once (the webhook runs read and build on top of it)."""
    with duckdb.connect(str(warehouse_path)) as conn:
        have = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ats' AND table_name = 'candidates'"
        ).fetchall()[0][0]
    if not have:
        key = dg.MultiPartitionKey({"integration": ACME, "date": "2026-03-02"})
        assert defs.resolve_job_def("lever_delta_sync").execute_in_process(instance=instance, partition_key=key).success
    return settings().integration(ACME)


@pytest.fixture
def queue():
    path = WebhookSettings.from_env(settings()).queue_path
    path.unlink(missing_ok=True)
    queue = WebhookQueue(path)
    yield queue
    queue.close()


def sensor(instance, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
    (lever_webhooks,) = [s for s in defs.sensors if s.name == "lever_webhooks"]
    return lever_webhooks(context)


def queue_event(queue: WebhookQueue, opportunity_id: str) -> None:
    body = delivery(opportunity_id=opportunity_id, triggered_at=to_ms(warehouse_now()) - 5_000)
    queue.append(ACME, parse(json.dumps(body).encode()), received_at_ms=to_ms(warehouse_now()))


def test_a_stage_change_webhook_reaches_ats_in_one_run_that_builds_only_what_it_read(instance, synced, queue):
    state = synced.sandbox.state_dir
    account = Sandbox.load(state, rate_limit=0, state_dir=state)  # written through its journal, as Lever would
    opportunity = next(r["data"] for r in account.truth("opportunities")["records"] if not r["data"]["archived"])
    stage = next(s["id"] for s in account.truth("stages")["records"] if s["id"] != opportunity["stage"])
    account.write("PUT", f"/opportunities/{opportunity['id']}/stage", {"stage": stage})
    queue_event(queue, opportunity["id"])

    result = sensor(instance)
    (request,) = result.run_requests
    assert request.tags[INTEGRATION_TAG] == ACME and request.partition_key.keys_by_dimension["integration"] == ACME
    job = defs.resolve_job_def(JOB)
    run = job.execute_in_process(instance=instance, partition_key=request.partition_key, tags=request.tags)
    assert run.success
    materialized = {e.asset_key for e in run.get_asset_materialization_events()}
    raw = {k.path[1] for k in materialized if k.path[0] == "lever_raw"}
    assert raw == set(TARGETED_TABLES)  # the account lists were not touched: nothing downstream of them rebuilt
    assert dg.AssetKey(["ats", "applications"]) in materialized and dg.AssetKey(["ats", "jobs"]) not in materialized
    with duckdb.connect(str(settings().duckdb_path), read_only=True) as conn:
        (row,) = conn.execute(
            "SELECT current_stage_id FROM ats.applications WHERE integration_id = ? AND remote_id = ?",
            [ACME, opportunity["id"]],
        ).fetchall()
    assert row[0] == unified_id(ACME, "application_stages", stage)

    after = sensor(instance, result.cursor)
    assert after.run_requests == []
    (observation,) = after.asset_events
    assert observation.asset_key == QUEUE_KEY
    metadata = {k: v.value for k, v in observation.metadata.items()}
    assert metadata["queue_depth"] == 0 and metadata["events_into_ats"] == 1
    assert metadata["latency_to_ats_max_s"] >= metadata["latency_to_raw_median_s"] > 0
    assert sensor(instance, after.cursor).asset_events == []  # nothing new: nothing observed


def test_one_run_waits_per_integration_and_a_failed_run_gives_its_events_back(instance, synced, queue):
    job = defs.resolve_job_def(JOB)
    queue_event(queue, "opp-a")
    (first,) = sensor(instance).run_requests
    waiting = instance.create_run_for_job(job, tags=first.tags)  # launched, not started: it will take opp-a
    assert sensor(instance).run_requests == []
    # It started and claimed what was queued; a new event needs a new run, which waits behind it.
    queue.claim(ACME, waiting.run_id, now_ms=to_ms(warehouse_now()), lease_ms=3_600_000)
    queue_event(queue, "opp-b")
    assert len(sensor(instance).run_requests) == 1
    # The run failed: its claim is released at once, and a drain takes opp-a again.
    instance.report_run_failed(waiting)
    sensor(instance)
    assert queue.claimable(to_ms(warehouse_now()), 3_600_000) == {ACME: 2}
