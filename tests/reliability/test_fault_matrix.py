"""Every fault the sandbox injects, during full and delta syncs: exact data, or a clean failure. Nothing between.

A *transient* fault stays within the retry budget and must end in exact data. A *persistent* fault starts
mid-run (after some pages were committed) and never stops: the run must raise `SyncFailed` with a message
naming what failed and why, leave the opportunities cursor where it was, keep every invariant of
`harness.assert_consistent` (no partial page), and the next clean run must complete exactly.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from orchestration.lever import pagination
from orchestration.lever.client import RetryPolicy
from orchestration.lever.config import OAuthAuth
from orchestration.lever.errors import SyncFailed
from orchestration.lever.runner import sync_integration
from orchestration.lever.secrets import Secret
from orchestration.lever.sync import Mode
from tests.integration.test_sync_sandbox import assert_raw_equals_truth
from tests.reliability.harness import assert_consistent, cursor, served, snapshot
from tests.support import FAST_RETRY, SANDBOX_URL, Harness, make_harness

OPPORTUNITIES = 100
TOKEN_URL = SANDBOX_URL.removesuffix("/v1") + "/oauth/token"


class FaultAfter(httpx.AsyncBaseTransport):
    """Passes requests to the sandbox; after the `after`-th one, switches the sandbox's faults on."""

    def __init__(self, harness: Harness, after: int, spec: str) -> None:
        self.inner = harness.sandbox.async_transport()
        self.sandbox = harness.sandbox
        self.after, self.spec, self.seen = after, spec, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen += 1
        if self.seen == self.after:
            self.sandbox.faults.add(self.spec)
        return await self.inner.handle_async_request(request)


def run(harness: Harness, mode: Mode, *, transport=None, retry: RetryPolicy = FAST_RETRY, integration=None):
    return asyncio.run(
        sync_integration(
            harness.settings,
            integration or harness.integration,
            mode,
            transport=transport or harness.sandbox.async_transport(),
            clock=lambda: harness.sandbox.now,
            retry=retry,
        )
    )


@dataclass(frozen=True)
class Fault:
    kind: str
    transient: str  # absorbed by retries (or window restarts, or a token refresh)
    persistent: str  # switched on mid-run, never stops
    says: str  # what the failure message must contain
    oauth: bool = False
    timeout: float | None = None
    from_start: bool = False  # switch the persistent fault on at once (it needs requests only early runs make)
    page_size: int | None = None  # smaller pages: more requests carrying an offset token


FAULTS = [
    Fault("429", "opportunities:429x3,interviews:429x5,users:429x2", "*:429", "HTTP 429"),
    Fault("500", "notes:500x4,users:500x2,*:500@0.03", "*:500", "HTTP 500"),
    Fault("502", "interviews:502x3,postings:502x2", "*:502", "HTTP 502"),
    Fault("503", "feedback:503x3,*:503@0.05", "*:503", "HTTP 503"),
    Fault("timeout", "postings:timeout:1s x2,interviews:timeout:1s x3", "*:timeout:1s", "timeout", timeout=0.2),
    Fault("drop", "notes:drop x3,users:drop x1,*:drop@0.02", "*:drop", "connection error"),
    Fault("truncate", "users:truncate x2,feedback:truncate x3,*:truncate@0.02", "*:truncate", "truncated or invalid"),
    Fault(
        "invalid_token",
        "opportunities:invalid_token x2,*:invalid_token@0.1",
        "*:invalid_token",
        "Invalid offset token",
        from_start=True,
        page_size=30,
    ),  # fmt: skip
    Fault("oauth_expiry", "oauth:expire x2", "oauth:expire", "401", oauth=True),
    Fault(
        "oauth_token_outage",
        "oauth:expire x1,oauth_token:503x2",
        "oauth:expire x1,oauth_token:503",
        "HTTP 503",
        oauth=True,
    ),  # fmt: skip
    Fault(
        "oauth_token_drop",
        "oauth:expire x1,oauth_token:drop x2",
        "oauth:expire x1,oauth_token:drop",
        "connection error",
        oauth=True,
    ),  # fmt: skip
]


@pytest.fixture(scope="module")
def synced_template(tmp_path_factory) -> Path:
    """A warehouse after a clean full sync of the seed-7 account (deterministic, so reusable per case)."""
    harness = make_harness(tmp_path_factory.mktemp("template"), opportunities=OPPORTUNITIES)
    run(harness, Mode.FULL)
    return harness.path


def prepare(tmp_path: Path, template: Path, fault: Fault, mode: Mode):
    """A harness in the state the faulty run starts from, and the truths its raw records may equal."""
    harness = make_harness(tmp_path, opportunities=OPPORTUNITIES)
    if fault.timeout:
        harness.settings = replace(harness.settings, request_timeout=fault.timeout)
    integration = harness.integration
    if fault.oauth:
        client_id, secret, refresh = harness.sandbox.create_oauth_client()
        integration = harness.with_auth(OAuthAuth(client_id, Secret(secret), Secret(refresh), TOKEN_URL))
    if mode is Mode.DELTA:
        if fault.oauth:
            run(harness, Mode.FULL, integration=integration)  # leaves the rotated token sealed in the warehouse
        else:
            shutil.copy(template, harness.path)
        before = snapshot(harness.sandbox)
        harness.sandbox.advance(2)
        return harness, integration, [before, snapshot(harness.sandbox)]
    empty = {table: {} for table in snapshot(harness.sandbox)}
    return harness, integration, [empty, snapshot(harness.sandbox)]


def judge(harness: Harness, versions, run_once, says: str) -> str:
    """Run once under faults: exact data, or a clean failure with an unchanged cursor. Then a clean run."""
    before, runs_before = None, set()
    if harness.path.exists():
        with harness.connect() as conn:
            before = cursor(conn)
            runs_before = run_ids(conn)
    try:
        run_once()
    except SyncFailed as failure:
        message = str(failure)
        assert says in message, message
        assert harness.integration.id in message
        with harness.connect() as conn:
            assert cursor(conn) == before, "a failed run moved the opportunities cursor"
            new_runs = conn.execute(
                "SELECT status, errors FROM lever_raw._sync_runs WHERE run_id NOT IN (SELECT unnest($1::VARCHAR[]))",
                [sorted(runs_before)],
            ).fetchall()
            assert [status for status, _ in new_runs] == ["failed"] and says in new_runs[0][1]
            assert_consistent(conn, harness.sandbox, *versions, cursor_before=before)
        outcome = "clean failure"
    else:
        assert_raw_equals_truth(harness)
        outcome = "exact"
    return outcome


def run_ids(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT run_id FROM lever_raw._sync_runs").fetchall()}


def recover(harness: Harness, mode: Mode, integration) -> None:
    harness.sandbox.faults.clear()
    result = run(harness, mode, integration=integration)
    assert result.errors == []
    assert_raw_equals_truth(harness)
    with harness.connect() as conn:
        assert_consistent(conn, harness.sandbox, snapshot(harness.sandbox))


@pytest.fixture(autouse=True)
def page_size(request, monkeypatch):
    fault = request.node.callspec.params.get("fault") if hasattr(request.node, "callspec") else None
    if fault is not None and fault.page_size:
        monkeypatch.setattr(pagination, "PAGE_SIZE", fault.page_size)


def transient_case(tmp_path, template, fault: Fault, mode: Mode) -> str:
    harness, integration, versions = prepare(tmp_path, template, fault, mode)
    harness.sandbox.faults.add(fault.transient)
    outcome = judge(harness, versions, lambda: run(harness, mode, integration=integration), fault.says)
    assert outcome == "exact", f"{fault.kind}: a fault within the retry budget must not fail the run"
    recover(harness, mode, integration)
    return outcome


def persistent_case(tmp_path, template, fault: Fault, mode: Mode) -> str:
    harness, integration, versions = prepare(tmp_path, template, fault, mode)
    after = 1 if fault.from_start else 250 if mode is Mode.FULL else 40
    transport = FaultAfter(harness, after, fault.persistent)
    outcome = judge(
        harness,
        versions,
        lambda: run(harness, mode, integration=integration, transport=transport),
        fault.says,
    )
    assert transport.seen > after, "the fault never switched on"
    recover(harness, mode, integration)
    return outcome


MODES = [Mode.FULL, Mode.DELTA]
FAST = {("503", Mode.DELTA), ("truncate", Mode.FULL), ("oauth_expiry", Mode.DELTA)}


def _params():
    for fault in FAULTS:
        for mode in MODES:
            marks = () if (fault.kind, mode) in FAST else (pytest.mark.slow,)
            yield pytest.param(fault, mode, id=f"{fault.kind}-{mode.value}", marks=marks)


@pytest.mark.parametrize("fault,mode", list(_params()))
def test_transient_fault_ends_exact(tmp_path, synced_template, fault, mode):
    transient_case(tmp_path, synced_template, fault, mode)


@pytest.mark.parametrize("fault,mode", list(_params()))
def test_persistent_fault_fails_cleanly_and_the_next_run_completes(tmp_path, synced_template, fault, mode):
    # Every request the fault targets fails from then on, so the run cannot have completed.
    assert persistent_case(tmp_path, synced_template, fault, mode) == "clean failure"


@pytest.mark.parametrize(
    "mode",
    [Mode.DELTA, pytest.param(Mode.FULL, marks=pytest.mark.slow)],
    ids=[m.value for m in (Mode.DELTA, Mode.FULL)],
)
def test_exhausting_the_retry_budget_on_a_real_rate_limit_fails_cleanly(tmp_path, synced_template, mode):
    """A client pacing far above the server's limit with no retries left: 429s end the run cleanly."""
    fault = Fault("rate_limit", "", "", "HTTP 429")
    harness, integration, versions = prepare(tmp_path, synced_template, fault, mode)
    harness.sandbox.set_rate_limit(50, 10)
    greedy = replace(integration, rate_limit=0)  # no client-side pacing at all
    outcome = judge(
        harness, versions, lambda: run(harness, mode, integration=greedy, retry=RetryPolicy(max_retries=0)), "HTTP 429"
    )
    assert outcome == "clean failure"
    harness.sandbox.set_rate_limit(0)
    recover(harness, mode, integration)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
def test_a_429_storm_is_absorbed_by_pacing_and_backoff(tmp_path, synced_template, mode):
    """The server allows 150 req/s; the client believes 400: the bucket drain and backoff absorb the 429s."""
    harness, integration, versions = prepare(tmp_path, synced_template, Fault("storm", "", "", ""), mode)
    harness.sandbox.set_rate_limit(150, 20)
    optimistic = replace(integration, rate_limit=400, burst=80)
    retry = RetryPolicy(max_retries=8, base_delay=0.05, max_delay=0.5)
    outcome = judge(harness, versions, lambda: run(harness, mode, integration=optimistic, retry=retry), "")
    assert outcome == "exact"
    assert harness.sandbox.stats()["by_status"].get("429", 0) > 0, "the storm did not happen"


# -- over a real socket, through the CLI ---------------------------------------------------------------------------
SOCKET_TRANSIENT = (
    "*:503@0.03,*:502@0.01,*:429@0.02,*:drop@0.02,*:truncate@0.02,postings:timeout:3s x1,opportunities:invalid_token x1"
)


@pytest.mark.slow
def test_over_a_socket_mixed_transient_faults_end_exact_and_an_outage_fails_cleanly(tmp_path):
    """Drops and truncations are connection errors on a socket (not short bodies): same outcome required."""
    with served(tmp_path, opportunities=150) as srv:
        env = {"LEVER_REQUEST_TIMEOUT": "1", "LEVER_MAX_RETRIES": "6"}
        srv.sandbox.faults.add(SOCKET_TRANSIENT)
        full = srv.run("sync", "--full", **env)
        assert full.returncode == 0, full.stderr[-2000:]
        assert "retry" in full.stderr
        assert_raw_equals_truth(srv)
        before = snapshot(srv.sandbox)
        srv.sandbox.advance(3)
        after = snapshot(srv.sandbox)
        srv.sandbox.faults.clear()
        srv.sandbox.faults.add("*:drop")  # Lever unreachable for the whole delta
        with srv.connect() as conn:
            cursor_before = cursor(conn)
        down = srv.run("sync", **env)
        assert down.returncode == 1
        assert "connection error" in down.stderr and "rerun later" in down.stderr and "Traceback" not in down.stderr
        with srv.connect() as conn:
            assert cursor(conn) == cursor_before
            assert_consistent(conn, srv.sandbox, before, after, cursor_before=cursor_before)
        srv.sandbox.faults.clear()
        srv.sandbox.faults.add(SOCKET_TRANSIENT)
        delta = srv.run("sync", **env)
        assert delta.returncode == 0, delta.stderr[-2000:]
        assert_raw_equals_truth(srv)
