"""The queue keeps every verified event through crashes: claimed by one drain at a time, acknowledged only
after its sync, taken again when a drain dies."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

from orchestration.lever.webhooks.delivery import parse
from orchestration.lever.webhooks.queue import WebhookQueue
from tests.webhooks.receiver_support import NOW_MS, delivery

HOUR_MS = 3_600_000


def _append(queue: WebhookQueue, opportunity_id: str, integration_id: str = "lever:acme", **kwargs) -> bool:
    raw = delivery(opportunity_id=opportunity_id, **kwargs)
    return queue.append(integration_id, parse(json.dumps(raw).encode()), received_at_ms=NOW_MS)


def test_one_drain_holds_a_claim_until_it_acknowledges_or_its_lease_runs_out(tmp_path):
    queue = WebhookQueue(tmp_path / "q.sqlite")
    for i in range(3):
        _append(queue, f"opp-{i}")
    _append(queue, "opp-x", integration_id="lever:globex")
    first = queue.claim("lever:acme", "drain-a", now_ms=NOW_MS, lease_ms=HOUR_MS)
    assert [e.opportunity_id for e in first] == ["opp-0", "opp-1", "opp-2"]
    assert queue.claim("lever:acme", "drain-b", now_ms=NOW_MS + 1, lease_ms=HOUR_MS) == []
    _append(queue, "opp-3")  # arrives while drain-a syncs: not drain-a's to acknowledge
    assert [e.opportunity_id for e in queue.claim("lever:acme", "drain-b", now_ms=NOW_MS, lease_ms=HOUR_MS)] == [
        "opp-3"
    ]
    assert queue.ack([e.seq for e in first], "drain-a", now_ms=NOW_MS + 5) == 3
    assert queue.depth() == {"lever:acme": 1, "lever:globex": 1}
    # drain-b died without acknowledging: after its lease, the next drain takes its events again.
    assert queue.claim("lever:acme", "drain-c", now_ms=NOW_MS + HOUR_MS - 1, lease_ms=HOUR_MS) == []
    again = queue.claim("lever:acme", "drain-c", now_ms=NOW_MS + HOUR_MS, lease_ms=HOUR_MS)
    assert [e.opportunity_id for e in again] == ["opp-3"]
    assert queue.ack([e.seq for e in [*first, *again]], "drain-c", now_ms=NOW_MS + HOUR_MS) == 1  # once each


def test_a_failed_drain_gives_its_claim_back_at_once(tmp_path):
    queue = WebhookQueue(tmp_path / "q.sqlite")
    _append(queue, "opp-1")
    assert len(queue.claim("lever:acme", "drain-a", now_ms=NOW_MS, lease_ms=HOUR_MS)) == 1
    assert queue.release("drain-a") == 1
    assert len(queue.claim("lever:acme", "drain-b", now_ms=NOW_MS, lease_ms=HOUR_MS)) == 1


def test_pruning_forgets_only_acknowledged_events_and_latency_is_kept_until_then(tmp_path):
    queue = WebhookQueue(tmp_path / "q.sqlite")
    _append(queue, "old", triggered_at=NOW_MS - 3 * HOUR_MS)
    _append(queue, "pending", triggered_at=NOW_MS - 3 * HOUR_MS)
    _append(queue, "recent", triggered_at=NOW_MS - 1_000)
    events = {e.opportunity_id: e for e in queue.claim("lever:acme", "d", now_ms=NOW_MS, lease_ms=HOUR_MS)}
    queue.ack([events["old"].seq, events["recent"].seq], "d", now_ms=NOW_MS)
    assert queue.unbuilt_owners() == ["d"]
    assert queue.mark_built(acked_before_ms=NOW_MS - 1, now_ms=NOW_MS + 9_000) == 0  # built before the acks
    assert queue.mark_built(acked_before_ms=NOW_MS, now_ms=NOW_MS + 9_000) == 2
    assert sorted(b.to_ats_ms for b in queue.built_since(NOW_MS)) == [10_000, 3 * HOUR_MS + 9_000]
    assert queue.prune(before_ms=NOW_MS - HOUR_MS) == 1
    assert sorted(e.opportunity_id for e in queue.events()) == ["pending", "recent"]


APPENDER = """
import json, sys
from pathlib import Path
from orchestration.lever.webhooks.delivery import parse
from orchestration.lever.webhooks.queue import WebhookQueue
from tests.webhooks.receiver_support import NOW_MS, delivery
queue = WebhookQueue(Path(sys.argv[1]))
start = int(sys.argv[2])
for i in range(start, start + 100_000):
    queue.append("lever:acme", parse(json.dumps(delivery(opportunity_id=f"opp-{i}")).encode()), received_at_ms=NOW_MS)
    print(i, flush=True)  # only after append returned: the event is on disk
"""


def test_a_receiver_killed_mid_append_loses_no_event_it_stored_and_leaves_no_half_row(tmp_path):
    path = tmp_path / "q.sqlite"
    reported: set[int] = set()
    started = 0
    for kill_after in (0.3, 0.55, 0.8):
        child = subprocess.Popen(
            [sys.executable, "-c", APPENDER, str(path), str(started)], stdout=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + kill_after + 5
        assert child.stdout is not None
        first = child.stdout.readline()  # started and appending
        reported.add(int(first))
        time.sleep(kill_after)
        child.send_signal(signal.SIGKILL)  # no cleanup, no atexit: wherever it is, mid-transaction included
        reported |= {int(line) for line in child.stdout.read().split()}
        child.wait(timeout=max(1.0, deadline - time.monotonic()))
        started = max(reported) + 10
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = conn.execute("SELECT opportunity_id, event, triggered_at_ms, token, fingerprint FROM events").fetchall()
    stored = {int(row[0].removeprefix("opp-")) for row in rows}
    assert all(all(value is not None for value in row) for row in rows)  # whole rows only
    assert reported <= stored  # every event reported stored survived the kill
    assert len(stored - reported) <= 3  # at most the one in flight per kill: committed, not yet reported
    assert len(reported) > 50
