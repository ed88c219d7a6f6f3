"""The sandbox sends Lever's webhooks: configured per account, fired by activity and by writes, signed, retried,
and shaped by `webhooks:` fault rules."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from orchestration.sandbox import Sandbox
from orchestration.sandbox.faults import Scope, parse
from orchestration.sandbox.messages import Request, Response
from orchestration.sandbox.server import BackgroundServer
from orchestration.sandbox.subscriptions import EVENTS
from orchestration.sandbox.webhooks import SCOPE

from .conftest import client_for

TOKEN = "sandbox-signature-token"
QUICK_RETRIES = (0.02, 0.02, 0.02, 0.02, 0.02)


class Collector:
    """A receiver that records every delivery and answers 401 for a bad signature, else the statuses it is
    told, then 200."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.bodies: list[dict] = []
        self.statuses = list(statuses or [])
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        body = json.loads(request.body)
        with self._lock:
            self.bodies.append(body)
            status = 401 if not signed(body) else self.statuses.pop(0) if self.statuses else 200
        return Response(status, {}, b"")

    def events(self) -> Counter:
        return Counter(body["event"] for body in self.bodies)


@contextmanager
def listening(sandbox: Sandbox, collector: Collector, events=None, token: str | None = TOKEN) -> Iterator[list]:
    server = BackgroundServer(collector)
    port = server.start()
    sandbox.deliveries.retry_delays = QUICK_RETRIES
    try:
        yield sandbox.add_webhooks(f"http://127.0.0.1:{port}/hook", events, token)
    finally:
        server.stop()


def signed(body: dict, token: str = TOKEN) -> bool:
    message = (body["token"] + str(body["triggeredAt"])).encode()
    return hmac.compare_digest(hmac.new(token.encode(), message, hashlib.sha256).hexdigest(), body["signature"])


def test_activity_sends_lever_s_events_signed_with_ids_only(fresh):
    collector = Collector()
    with listening(fresh, collector):
        start = fresh.now_ms
        counts = fresh.advance(2)
        assert fresh.deliveries.wait(10)
    events = collector.events()
    assert events["applicationCreated"] == counts["new_applicants"] > 0
    assert events["candidateStageChange"] >= counts["stage_moves"] > 0  # hires may move to `offer` first
    assert events["candidateHired"] == counts["hires"]
    assert events["candidateArchiveChange"] == counts["archives"] + counts["hires"] + counts["unarchives"]
    assert events["candidateDeleted"] == counts["opportunity_deletions"]
    assert events["interviewCreated"] >= counts["interviews"] + 2 * counts["panels"]
    assert events["interviewDeleted"] == counts["interview_deletions"]
    assert events["interviewUpdated"] == counts["feedback"]
    assert "notes" in counts and counts["notes"] > 0 and not set(events) - set(EVENTS)  # notes send nothing
    for body in collector.bodies:
        assert set(body) == {"event", "triggeredAt", "token", "signature", "data"} and signed(body)
        assert start < body["triggeredAt"] <= fresh.now_ms
        data = body["data"]
        if body["event"].startswith("contact"):
            assert set(data) == {"contactId"}
        else:
            assert data["candidateId"] == data["opportunityId"] and data["contactId"]
    assert len({body["token"] for body in collector.bodies}) == len(collector.bodies)
    stage_change = next(b["data"] for b in collector.bodies if b["event"] == "candidateStageChange")
    assert {"fromStageId", "toStageId"} <= set(stage_change)
    archive = next(b["data"] for b in collector.bodies if b["event"] == "candidateArchiveChange")
    assert archive["toArchived"] is None or set(archive["toArchived"]) == {"reason", "archivedAt"}


def test_api_writes_send_their_events(fresh):
    collector = Collector()
    client = client_for(fresh)
    opportunity = next(r for r in fresh.truth("opportunities")["records"] if not r["data"]["archived"])
    with listening(fresh, collector, events=["candidateStageChange", "candidateArchiveChange"]):
        client.put(f"/opportunities/{opportunity['id']}/stage", json={"stage": "offer"})
        client.post(f"/opportunities/{opportunity['id']}/notes", json={"value": "no webhook for notes"})
        assert fresh.deliveries.wait(10)
    (body,) = collector.bodies
    assert body["event"] == "candidateStageChange" and body["data"]["toStageId"] == "offer"
    assert body["data"]["fromStageId"] == opportunity["data"]["stage"]
    assert body["triggeredAt"] == fresh.now_ms - 1  # the stage write; the note ticked the clock once more


def test_failed_deliveries_are_retried_and_counted(fresh):
    collector = Collector(statuses=[500, 503])
    with listening(fresh, collector, events=["candidateStageChange"]):
        opportunity = next(r for r in fresh.truth("opportunities")["records"] if not r["data"]["archived"])
        fresh.write("PUT", f"/opportunities/{opportunity['id']}/stage", {"stage": "offer"})
        assert fresh.deliveries.wait(10)
    assert len(collector.bodies) == 3 and collector.bodies[0] == collector.bodies[2]  # the same body again
    (delivery,) = fresh.deliveries.deliveries
    assert (delivery.statuses, delivery.delivered) == ([500, 503, 200], True)


def test_a_receiver_that_never_answers_is_given_up_after_the_retries(fresh):
    with listening(fresh, Collector(statuses=[500] * 10), events=["candidateStageChange"]):
        opportunity = next(r for r in fresh.truth("opportunities")["records"] if not r["data"]["archived"])
        fresh.write("PUT", f"/opportunities/{opportunity['id']}/stage", {"stage": "offer"})
        assert fresh.deliveries.wait(10)
    (delivery,) = fresh.deliveries.deliveries
    assert delivery.attempts == 1 + len(QUICK_RETRIES) and delivery.given_up and not delivery.delivered


def test_webhook_faults_duplicate_reorder_delay_and_forge(fresh):
    collector = Collector()
    fresh.faults.add("webhooks:bad_signature x1, webhooks:duplicate x1, webhooks:reorder x1, webhooks:delay:0.3s x1")
    with listening(fresh, collector, events=["candidateStageChange"]):
        client = client_for(fresh)
        targets = [r for r in fresh.truth("opportunities")["records"] if not r["data"]["archived"]][:6]
        for record in targets:
            assert client.put(f"/opportunities/{record['id']}/stage", json={"stage": "offer"}).status_code == 200
        assert fresh.deliveries.wait(10)
    # Each rule fired once, on a delivery: none was spent on the API requests above.
    kinds = [d.fault for d in fresh.deliveries.deliveries]
    assert kinds == ["bad_signature", "duplicate", "duplicate", "reorder", "delay", None, None]
    forged = [b for b in collector.bodies if not signed(b)]
    assert len(forged) == 1 + len(QUICK_RETRIES) and not fresh.deliveries.deliveries[0].delivered  # refused, retried
    order = [b["data"]["opportunityId"] for b in collector.bodies if signed(b)]
    ids = [r["id"] for r in targets]
    assert order.count(ids[1]) == 2  # the duplicate, same token twice
    assert order.index(ids[2]) > order.index(ids[5])  # held back: later deliveries overtook it
    assert order.index(ids[3]) > order.index(ids[5])  # delayed


def test_webhook_fault_rules_parse_and_only_apply_to_deliveries():
    (delay,) = parse("webhooks:delay:2s@0.5")
    assert (delay.kind, delay.seconds, delay.probability) == ("delay", 2.0, 0.5)
    with pytest.raises(ValueError):
        parse("webhooks:reorder:2s")
    (api_fault,) = parse("*:503")
    assert not api_fault.applies(SCOPE) and api_fault.applies(Scope("opportunities"))
    (anywhere,) = parse("*:duplicate")
    assert anywhere.applies(SCOPE) and not anywhere.applies(Scope("opportunities"))
    assert not delay.applies(Scope("opportunities"))


def test_the_webhooks_api_creates_lists_and_deletes_and_shows_the_token_once(fresh):
    client = client_for(fresh)
    created = client.post("/webhooks", json={"event": "candidateHired", "url": "https://example.test/hook"})
    assert created.status_code == 201 and len(created.json()["data"]["signatureToken"]) == 32
    hook_id = created.json()["data"]["id"]
    listed = client.get("/webhooks").json()
    assert set(listed) == {"data"} and [h["id"] for h in listed["data"]] == [hook_id]
    assert "signatureToken" not in listed["data"][0]
    assert client.post("/webhooks", json={"event": "noteCreated", "url": "https://example.test/x"}).status_code == 400
    assert client.delete(f"/webhooks/{hook_id}").status_code == 204
    assert client.delete(f"/webhooks/{hook_id}").status_code == 404


def test_webhooks_survive_a_restart_and_replayed_writes_are_not_sent_again(tmp_path):
    collector = Collector()
    sandbox = Sandbox(seed=3, opportunities=100, rate_limit=0, state_dir=tmp_path)
    with listening(sandbox, collector, events=["candidateStageChange"]):
        opportunity = next(r for r in sandbox.truth("opportunities")["records"] if not r["data"]["archived"])
        sandbox.write("PUT", f"/opportunities/{opportunity['id']}/stage", {"stage": "offer"})  # journaled
        assert sandbox.deliveries.wait(10)
        reloaded = Sandbox.load(tmp_path, rate_limit=0)
        assert reloaded.account.webhooks == sandbox.account.webhooks
        assert reloaded.deliveries.send() == 0 and len(collector.bodies) == 1
        assert reloaded.truth("opportunities") == sandbox.truth("opportunities")


def test_http_advance_to_now_with_intensity_catches_a_served_account_up_with_the_wall_clock(fresh):
    client = client_for(fresh)
    client.base_url = "http://lever.test"
    fresh.account.clock.live_date = True
    start = fresh.now_ms
    quiet = client.post("/_sandbox/advance", params={"to": start + 3_600_000, "intensity": 0}).json()
    assert quiet["now"] == start + 3_600_000 and sum(quiet["changes"].values()) == 0
    busy = client.post("/_sandbox/advance", params={"to": "now", "intensity": 200}).json()
    assert busy["now"] >= start + 3_600_000
    assert client.post("/_sandbox/advance", params={"to": start}).status_code == 400  # never back
    assert client.post("/_sandbox/advance", params={"to": "2026-13-40"}).status_code == 400
