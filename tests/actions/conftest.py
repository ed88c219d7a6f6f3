"""A built warehouse (two integrations, `ats` included) beside its sandbox, fresh for every test: the actions
act on the sandbox (the ground truth) and look ids up in the warehouse."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.lever.actions.api import process_outbox, run_actions
from orchestration.lever.actions.outbox import Outbox
from orchestration.lever.config import ApiKeyAuth, Integration
from orchestration.lever.runner import sync_integration
from orchestration.lever.secrets import Secret
from orchestration.lever.sync import Mode
from orchestration.sandbox import Sandbox, operations
from tests.dbt.dbt_helpers import build, isolated_paths
from tests.support import FAST_RETRY, START, Harness, make_harness

OPPORTUNITIES, SEED = 60, 5
OTHER = "lever:other"  # a second account in the same warehouse: its ids must never act on lever:test


def _sync_other(settings: Any) -> None:
    other = Sandbox(seed=SEED + 1, opportunities=20, start=START, rate_limit=0)
    integration = Integration(OTHER, base_url="http://other.test/v1", auth=ApiKeyAuth(Secret(other.api_key)),
                              rate_limit=0)  # fmt: skip
    asyncio.run(sync_integration(settings, integration, Mode.FULL, transport=other.async_transport(),
                                 clock=lambda: other.now, retry=FAST_RETRY))  # fmt: skip


def before_first_sync(sandbox: Sandbox) -> None:
    """A custom stage taken out of the pipeline (opportunities keep it: the warehouse knows it as gone), and a
    candidate on a confidential job (a key without confidential access must not reach it)."""
    sandbox.remove_stage(next(s["id"] for s in sandbox.account.catalog.pipeline if len(s["id"]) == 36))
    posting = next(p for p in sandbox.truth("postings")["records"] if p["data"]["confidentiality"] == "confidential")
    sandbox.write("POST", "/opportunities", {"name": "Conf Idential", "emails": ["c@example.org"],
                                             "postings": [posting["id"]]})  # fmt: skip


def delete_an_opportunity(sandbox: Sandbox) -> str:
    """An opportunity deleted in Lever after the first sync: the next sync's deleted feed tells the warehouse."""
    account = sandbox.account
    live = [
        o
        for o, opp in account.opportunities.items()
        if account.live_opportunity(o) and opp.confidentiality != "confidential"
    ]
    opportunity = sorted(live)[0]
    with sandbox.account.lock:
        sandbox.account.clock.tick()
        operations.delete_opportunity(sandbox.account, sandbox.account.opportunities[opportunity])
    return opportunity


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synced and built once per session (about 40 s); tests copy the file."""
    workdir = tmp_path_factory.mktemp("actions_template")
    harness = make_harness(workdir, opportunities=OPPORTUNITIES, seed=SEED)
    before_first_sync(harness.sandbox)
    harness.sync(Mode.FULL)
    delete_an_opportunity(harness.sandbox)
    harness.sync(Mode.DELTA)
    _sync_other(harness.settings)
    build(harness.settings, workdir, harness.sandbox.now)
    return harness.path


@dataclass
class World:
    harness: Harness
    dbt_args: list[str]

    @property
    def sandbox(self) -> Sandbox:
        return self.harness.sandbox

    @property
    def settings(self) -> Any:
        return self.harness.settings

    @property
    def outbox(self) -> Outbox:
        return Outbox(self.settings.outbox_path)

    def processing(self, **overrides: Any) -> dict[str, Any]:
        """What the entry points need to reach this sandbox in process instead of Lever."""
        return {
            "transport": self.sandbox.async_transport(),
            "clock": lambda: self.sandbox.now,
            "retry": FAST_RETRY,
            "dbt_args": self.dbt_args,
            **overrides,
        }

    def run(self, requests: list[dict[str, Any]], **kwargs: Any) -> list[dict[str, Any]]:
        return run_actions(requests, settings=self.settings, **self.processing(**kwargs))

    def process(self, **kwargs: Any) -> list[dict[str, Any]]:
        """What the Dagster job does: every due request of the outbox."""
        return process_outbox(self.settings, **self.processing(**kwargs))

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.harness.path), read_only=True) as conn:
            return conn.execute(sql, list(params)).fetchall()

    def one(self, sql: str, *params: Any) -> Any:
        rows = self.query(sql, *params)
        assert rows, sql
        return rows[0][0]

    def with_key(self, key: str) -> None:
        """Act with another API key from now on (a key without write permission, without confidential access)."""
        integration = replace(self.harness.integration, auth=ApiKeyAuth(Secret(key)))
        self.harness.integration = integration
        self.harness.settings = replace(self.settings, integrations=(integration,))


@pytest.fixture
def world(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    harness = make_harness(tmp_path, opportunities=OPPORTUNITIES, seed=SEED)  # the same account the template holds
    before_first_sync(harness.sandbox)
    delete_an_opportunity(harness.sandbox)
    shutil.copy(template, harness.path)
    monkeypatch.setenv("WAREHOUSE_NOW", harness.sandbox.now.isoformat())
    # Models only: the targeted build of production runs their data tests too, which these tests do not need.
    yield World(harness, [*isolated_paths(tmp_path), "--resource-type", "model"])


@dataclass(frozen=True)
class Ids:
    """Unified ids of one open application and what acting on it needs."""

    application: str
    candidate: str
    job: str
    opportunity: str
    stage: str  # a stage of the job other than the current one
    reason: str  # a rejection reason
    reason_name: str
    question: str | None  # a required text screening question of the job, if any


def pick(world: World, offset: int = 0) -> Ids:
    rows = world.query(
        """SELECT a.id, a.candidate_id, a.job_id, a.remote_id, a.current_stage_id
           FROM ats.applications a JOIN ats.jobs j ON j.id = a.job_id JOIN ats.candidates c ON c.id = a.candidate_id
           WHERE a.integration_id = 'lever:test' AND a.outcome = 'PENDING' AND j.status = 'OPEN'
             AND NOT coalesce(c.confidential, false) AND a.remote_deleted_at IS NULL
           ORDER BY a.id"""
    )
    app, candidate, job, opportunity, current = rows[offset]
    stage = world.one(
        """SELECT s.id FROM ats.job_application_stages js JOIN ats.application_stages s ON s.id = js.stage_id
           WHERE js.job_id = ? AND s.id != ? AND s.remote_deleted_at IS NULL ORDER BY s.global_index DESC""",
        job,
        current,
    )
    reason, name = world.query(
        "SELECT id, name FROM ats.rejection_reasons WHERE integration_id = 'lever:test' AND remote_deleted_at IS NULL"
    )[0]
    return Ids(app, candidate, job, opportunity, stage, reason, name, None)


PDF = "JVBERi0xLjQKJSBhIHRpbnkgcGRmCiUlRU9GCg=="  # base64 of a small PDF


def eight_actions(world: World, prefix: str) -> tuple[list[dict[str, Any]], Ids, Ids]:
    """One request of every action, on two applications (so rejecting one leaves the other to move)."""
    first, second = pick(world, 0), pick(world, 1)
    email = f"{prefix}.new@example.org"
    requests = [
        ("create_candidate", {"candidate": {"first_name": "Grace", "last_name": f"Created{prefix.title()}",
                                            "email_address": email, "company": "Acme", "phone_number": "+1 555 0100",
                                            "location": {"city": "Berlin", "country": "Germany"}},
                              "application": {"job_id": first.job, "stage_id": first.stage},
                              "attachments": [{"name": "cv.pdf", "content_type": "application/pdf", "data": PDF,
                                               "type": "CV"}],
                              "source": {"name": "Assessment partner"}}),
        ("create_application", {"candidate_id": second.candidate, "job_id": first.job}),
        ("add_tag", {"candidate_id": first.candidate, "tag": {"name": f"{prefix}-shortlist"}}),
        ("remove_tag", {"candidate_id": second.candidate, "tag": {"name": _a_tag(world, second)}}),
        ("move_application_to_stage", {"application_id": second.application, "stage_id": second.stage}),
        ("reject_application", {"application_id": first.application, "rejection_reason_id": first.reason,
                                "note": "Not a fit this time"}),
        ("add_attachment", {"application_id": second.application,
                            "attachment": {"name": f"{prefix}-sample.pdf", "content_type": "application/pdf",
                                           "data": PDF, "type": "OTHER"}}),
        ("add_result_link", {"application_id": second.application, "label": "Coding test",
                             "url": f"https://assess.example/{prefix}/1",
                             "details": {"attributes": [{"key": "Score", "value": "91%"}]}}),
    ]  # fmt: skip
    return [{"action": a, "params": p, "idempotency_key": f"{prefix}:{a}"} for a, p in requests], first, second


def _a_tag(world: World, ids: Ids) -> str:
    return world.one(
        """SELECT t.name FROM ats.candidate_tags ct JOIN ats.tags t ON t.id = ct.tag_id
           WHERE ct.candidate_id = ? AND ct.remote_deleted_at IS NULL ORDER BY t.name""",
        ids.candidate,
    )


@pytest.fixture
def served(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with world.sandbox.serve(port=0) as url:
        monkeypatch.delenv("LEVER_INTEGRATIONS_FILE", raising=False)  # the single account of the variables below
        for name, value in {
            "LEVER_API_KEY": world.sandbox.api_key,
            "LEVER_BASE_URL": url,
            "LEVER_INTEGRATION_ID": "lever:test",
            "LEVER_RATE_LIMIT": "0",
            "DUCKDB_PATH": str(world.harness.path),
            "DBT_TARGET_PATH": str(tmp_path / "target"),  # the project's own target/ stays Dagster's
            "DBT_LOG_PATH": str(tmp_path / "logs"),
        }.items():
            monkeypatch.setenv(name, value)
        yield world
