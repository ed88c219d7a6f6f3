"""A processor killed mid-way, after Lever applied a write but before the outbox heard of it: the next processor
takes the request over when the lease expires, finds the effect in Lever, and applies nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from orchestration.lever.config import PROJECT_ROOT
from tests.actions.conftest import World, pick

WAIT_SECONDS = 60


def kill_after(world: World, fault: str, landed: Callable[[], bool]) -> None:
    """Run `lever-warehouse action process` in its own process against the served sandbox; the fault delays
    Lever's answer to one write (applied at once, answered a minute later); SIGKILL it once the write landed."""
    with world.sandbox.serve(port=0) as url:
        world.sandbox.faults.add(fault)
        env = {
            **os.environ,
            "LEVER_API_KEY": world.sandbox.api_key,
            "LEVER_BASE_URL": url,
            "LEVER_INTEGRATION_ID": "lever:test",
            "LEVER_RATE_LIMIT": "0",
            "DUCKDB_PATH": str(world.harness.path),
            "WAREHOUSE_NOW": world.sandbox.now.isoformat(),
        }
        command = [sys.executable, "-m", "orchestration.lever.cli", "action", "process", "--no-build"]
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while not landed():
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                assert time.monotonic() < deadline, "the write never reached the sandbox"
                time.sleep(0.05)
        finally:
            process.kill()
            process.wait()
            world.sandbox.faults.clear()


@pytest.mark.parametrize("action", ["create_candidate", "add_result_link"])
def test_a_processor_killed_after_the_write_applies_nothing_twice(world: World, action: str):
    ids = pick(world)
    account = world.sandbox.account
    if action == "create_candidate":
        email = "killed.midway@example.org"
        params = {
            "candidate": {"first_name": "Kim", "last_name": "Midway", "email_address": email},
            "application": {"job_id": ids.job},
        }
        fault = "opportunities:timeout:60s x1"  # the create itself is the first opportunities request

        def effects() -> int:
            return sum(email in account.contacts[o.contact].emails for o in account.opportunities.values())
    else:
        params = {"application_id": ids.application, "label": "Test", "url": "https://assess.example/k/1"}
        fault = "notes:timeout:60s x1"  # the note, after the link

        def effects() -> int:
            notes = account.children(account.opportunities[ids.opportunity])["notes"]
            return sum(n["fields"][0]["value"] == "Test: https://assess.example/k/1" for n in notes)

    request_id = world.outbox.enqueue(action, params, f"killed:{action}")
    kill_after(world, fault, lambda: effects() == 1)
    (left,) = world.outbox.results([request_id])
    assert left["status"] == "running" and left["attempts"] == 1  # the kill left it claimed

    world.sandbox.advance(16 / (24 * 60))  # past the 15-minute lease of the dead processor
    (row,) = world.process(show_changes=False)
    assert row["request_id"] == request_id and row["status"] == "succeeded" and row["attempts"] == 2
    assert row["lever_response"]["already_in_lever"] is True
    assert effects() == 1
