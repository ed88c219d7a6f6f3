"""Sandbox -> webhooks -> receiver -> queue -> drain -> targeted sync: every notified change reaches lever_raw
once, whatever the deliveries do, and the next delta finds the warehouse equal to Lever's truth."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestration.lever.config import ApiKeyAuth, Integration, Settings
from orchestration.lever.secrets import Secret
from orchestration.lever.sync import Mode
from orchestration.lever.webhooks.app import create_app
from orchestration.lever.webhooks.cli import Drainer
from orchestration.lever.webhooks.drain import Drained, drain
from orchestration.lever.webhooks.queue import WebhookQueue
from orchestration.lever.webhooks.settings import WebhookSettings
from orchestration.sandbox import Sandbox
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.support import FAST_RETRY, SANDBOX_URL, Harness, make_harness
from tests.webhooks.receiver_support import serving

TOKEN = "e2e-signature-token"
QUICK_RETRIES = (0.05, 0.05, 0.05, 0.05, 0.05)


@dataclass
class Rig:
    harness: Harness
    queue: WebhookQueue
    options: WebhookSettings
    url: str

    @property
    def sandbox(self):
        return self.harness.sandbox

    def drain(self, **kwargs) -> Drained:
        h = self.harness
        return asyncio.run(
            drain(
                h.settings,
                h.integration,
                self.queue,
                kwargs.pop("options", self.options),
                clock=lambda: h.sandbox.now,
                transport=h.sandbox.async_transport(),
                retry=FAST_RETRY,
                **kwargs,
            )
        )

    def deliver(self) -> None:
        assert self.sandbox.deliveries.wait(30), "deliveries still pending"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """One account fully synced once; each test starts from a copy of both sides."""
    folder = tmp_path_factory.mktemp("pristine")
    harness = make_harness(folder, opportunities=200)
    harness.sync(Mode.FULL)
    harness.sandbox.save(folder / "sandbox")
    return folder


@contextmanager
def rig(tmp_path: Path, pristine: Path, app_wrapper=None, **options) -> Iterator[Rig]:
    shutil.copytree(pristine, tmp_path, dirs_exist_ok=True)
    sandbox = Sandbox.load(tmp_path / "sandbox", rate_limit=0)
    auth = ApiKeyAuth(Secret(sandbox.api_key))
    integration = Integration("lever:test", SANDBOX_URL, auth, rate_limit=0, webhook_tokens=(Secret(TOKEN),))
    settings = Settings(duckdb_path=tmp_path / "warehouse.duckdb", integrations=(integration,), verify_days=0)
    harness = Harness(sandbox, settings, integration)
    # The sandbox's clock jumps a day per advance: its events are up to a day old when they arrive. No burst
    # limit unless a test sets one: the small account would send every advance to a delta.
    options.setdefault("burst_limit", 10_000)
    settings = WebhookSettings(queue_path=tmp_path / "webhooks.sqlite", max_age_s=3 * 86_400, **options)
    queue = WebhookQueue(settings.queue_path)
    app = create_app(harness.settings, queue, settings, clock=lambda: harness.sandbox.now)
    with serving(app_wrapper(app) if app_wrapper else app) as url:
        harness.sandbox.add_webhooks(f"{url}/webhooks/lever:test", signature_token=TOKEN)
        harness.sandbox.deliveries.retry_delays = QUICK_RETRIES
        yield Rig(harness, queue, settings, url)
        harness.sandbox.deliveries.close()
    queue.close()


def _raw(rig: Rig, opportunity_id: str) -> tuple:
    with rig.harness.connect() as conn:
        rows = conn.execute(
            "SELECT payload, deleted_at FROM lever_raw.opportunities WHERE id = ?", [opportunity_id]
        ).fetchall()
    return (json.loads(rows[0][0]) if rows[0][0] else None, rows[0][1]) if rows else (None, None)


def test_notified_changes_are_read_at_once_and_the_next_delta_finds_nothing_missing(tmp_path, pristine):
    with rig(tmp_path, pristine) as r:
        r.sandbox.advance(1, intensity=10)
        r.deliver()
        bodies = [d.body for d in r.sandbox.deliveries.deliveries]
        assert r.queue.depth() == {"lever:test": len(bodies)}
        drained = r.drain()
        assert drained.mode is Mode.TARGETED and r.queue.depth() == {}
        named = {b["data"]["opportunityId"] for b in bodies if "opportunityId" in b["data"]}
        assert named <= set(drained.opportunity_ids)
        # Each opportunity read once, by id, however many events named it.
        assert drained.result.requests["opportunities:by_id"] == len(drained.opportunity_ids)
        truth = {rec["id"]: rec["data"] for rec in r.sandbox.truth("opportunities")["records"]}
        deleted = {d["id"] for d in r.sandbox.truth("opportunities")["deleted"]}
        for body in bodies:
            opportunity_id = body["data"].get("opportunityId")
            if body["event"] == "candidateDeleted":
                assert _raw(r, opportunity_id)[1] is not None  # marked at once, by the 404 of the read by id
            elif opportunity_id and opportunity_id not in deleted:
                assert _raw(r, opportunity_id)[0] == truth[opportunity_id]
        assert any(b["event"] == "candidateDeleted" for b in bodies)
        assert drained.requests / len(bodies) < 9  # one read by id, child lists where Lever's rules allow
        r.harness.sync(Mode.DELTA)
        assert_raw_equals_truth(r.harness)


def test_duplicate_reordered_delayed_and_forged_deliveries_store_each_real_event_once(tmp_path, pristine):
    with rig(tmp_path, pristine) as r:
        r.sandbox.faults.add(
            "webhooks:duplicate@0.3, webhooks:reorder@0.2, webhooks:delay:0.2s@0.2, webhooks:bad_signature@0.1"
        )
        r.sandbox.advance(1, intensity=5)
        r.deliver()
        deliveries = list(r.sandbox.deliveries.deliveries)
        forged = {d.body["token"] for d in deliveries if d.fault == "bad_signature"}
        genuine = {d.body["token"] for d in deliveries} - forged
        assert forged and any(d.fault == "duplicate" for d in deliveries)
        assert len(r.queue.events()) == len(genuine)  # duplicates once, forgeries never
        assert all(not d.delivered for d in deliveries if d.fault == "bad_signature")
        drained = r.drain()
        assert drained.result.requests["opportunities:by_id"] == len(drained.opportunity_ids)
        r.harness.sync(Mode.DELTA)
        assert_raw_equals_truth(r.harness)


def test_a_drain_that_fails_before_acknowledging_leaves_every_event_for_the_next(tmp_path, pristine):
    with rig(tmp_path, pristine) as r:
        r.sandbox.advance(1, intensity=5)
        r.deliver()
        queued = len(r.queue.events())
        r.sandbox.faults.add("opportunities:503")  # Lever is down: the targeted read fails after its retries
        with pytest.raises(Exception, match="503|unavailable|failed"):
            r.drain()
        assert r.queue.depth() == {"lever:test": queued}
        r.sandbox.faults.clear()
        drained = r.drain()
        assert len(drained.events) == queued and r.queue.depth() == {}
        r.harness.sync(Mode.DELTA)
        assert_raw_equals_truth(r.harness)


def test_a_drain_killed_after_its_sync_committed_is_redone_writing_nothing_twice(tmp_path, pristine, monkeypatch):
    with rig(tmp_path, pristine, lease_s=60) as r:
        r.sandbox.advance(1, intensity=5)
        r.deliver()
        queued = len(r.queue.events())

        def killed(*args, **kwargs):
            raise KeyboardInterrupt  # the process dies between the sync's commit and the acknowledgement

        with monkeypatch.context() as patch:
            patch.setattr(r.queue, "ack", killed)
            with pytest.raises(KeyboardInterrupt):
                r.drain()
        first_run = r.queue.events()
        assert len(first_run) == queued and r.queue.depth() == {"lever:test": queued}
        assert r.drain().events == []  # still claimed by the dead drain, until its lease ends
        r.sandbox.advance(61 / 86_400, intensity=0)
        again = r.drain()
        assert len(again.events) == queued and r.queue.depth() == {}
        # Everything was already in lever_raw: the second read of each opportunity changed nothing.
        written = {k: v for k, v in again.result.records.items() if v and not k.startswith("purged")}
        assert written == {}, written


def test_a_receiver_that_stored_an_event_but_never_answered_gets_the_retry_as_a_duplicate(tmp_path, pristine):
    def dies_before_answering_once(app):
        state = {"dropped": 0}

        async def wrapper(scope, receive, send):
            if scope["type"] != "http" or state["dropped"]:
                return await app(scope, receive, send)
            state["dropped"] += 1

            async def swallow(message):  # stored, but the 200 never leaves: Lever sees a failure
                if message["type"] == "http.response.start":
                    raise ConnectionResetError("killed before answering")

            await app(scope, receive, swallow)

        return wrapper

    with rig(tmp_path, pristine, app_wrapper=dies_before_answering_once) as r:
        opportunity = next(x for x in r.sandbox.truth("opportunities")["records"] if not x["data"]["archived"])
        r.sandbox.write("PUT", f"/opportunities/{opportunity['id']}/stage", {"stage": "offer"})
        r.deliver()
        (delivery,) = [d for d in r.sandbox.deliveries.deliveries if d.body["event"] == "candidateStageChange"]
        assert delivery.delivered and delivery.attempts == 2
        assert [e.opportunity_id for e in r.queue.events()] == [opportunity["id"]]  # once


def test_a_burst_degrades_to_one_delta(tmp_path, pristine):
    with rig(tmp_path, pristine, burst_limit=5) as r:
        r.sandbox.advance(1, intensity=5)
        r.deliver()
        drained = r.drain()
        assert drained.mode is Mode.DELTA and len(drained.opportunity_ids) > 5
        assert "opportunities:by_id" not in drained.result.requests and r.queue.depth() == {}
        assert_raw_equals_truth(r.harness)


def test_a_contact_event_reads_every_opportunity_of_that_person(tmp_path, pristine):
    with rig(tmp_path, pristine) as r:
        account = r.sandbox.account
        person = next(c for c in account.contacts.values() if sum(
            account.live_opportunity(o) is not None for o in c.opportunity_ids) >= 2)  # fmt: skip
        live = [o for o in person.opportunity_ids if account.live_opportunity(o)]
        r.sandbox.write("POST", f"/opportunities/{live[0]}/addLinks", {"links": ["https://example.org/me"]})
        r.deliver()
        assert [e.event for e in r.queue.events()] == ["contactUpdated"]
        drained = r.drain()
        assert sorted(drained.opportunity_ids) == sorted(live)
        for opportunity_id in live:
            assert "https://example.org/me" in _raw(r, opportunity_id)[0]["links"]


def test_the_drain_command_builds_what_the_syncs_changed_and_marks_those_events_in_ats(tmp_path, pristine):
    with rig(tmp_path, pristine) as r:
        r.sandbox.advance(1, intensity=5)
        r.deliver()
        queued = len(r.queue.events())
        builds: list = []

        def build(settings, extra=None) -> int:
            builds.append(extra)
            return 1 if len(builds) == 2 else 0  # the second build fails

        h = r.harness
        published: list = []
        sandbox = h.sandbox
        drainer = Drainer(h.settings, r.queue, r.options, build=build, publish=published.append,
                          clock=lambda: sandbox.now, transport=sandbox.async_transport(), retry=FAST_RETRY)  # fmt: skip
        assert drainer.once() == queued
        (scope,) = builds
        assert published == [h.settings]  # built, then published: readers see it
        assert scope[0] == "--select" and "source:lever_raw.opportunities+" in scope
        assert "source:lever_raw.users+" not in scope  # a targeted sync reads no account list
        assert r.queue.unbuilt_owners() == [] and len(r.queue.built_since(0)) == queued
        assert drainer.once() == 0 and len(builds) == 1  # nothing queued: no build
        r.sandbox.advance(1, intensity=2)
        r.deliver()
        assert drainer.once() == -1 and r.queue.unbuilt_owners() != []  # drained, then the build failed
        assert drainer.once() == 0 and builds[2] is None  # whatever the failure left behind: a whole build
        assert r.queue.unbuilt_owners() == []
