"""`lever-warehouse action` and `lever-warehouse passthrough` against the served sandbox, configured as a real
account is (environment variables), each action's result row printed as JSON."""

from __future__ import annotations

import json

import pytest

from orchestration.lever.cli import main
from tests.actions.checks import assert_all_applied
from tests.actions.conftest import World, eight_actions, pick


def cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, object, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_every_action_from_the_command_line(served: World, capsys: pytest.CaptureFixture):
    requests, first, second = eight_actions(served, "cli")
    rows = []
    for index, request in enumerate(requests):
        build = [] if index == len(requests) - 1 else ["--no-build"]  # one build shows all eight
        code, row, err = cli(capsys, "action", request["action"], "--json", json.dumps(request["params"]), *build)
        assert code == 0 and row["status"] == "succeeded", err
        rows.append(row)
    rows = served.outbox.results([row["request_id"] for row in rows])
    assert_all_applied(served, requests, rows, first, second)

    code, again, err = cli(capsys, "action", requests[2]["action"], "--json", json.dumps(requests[2]["params"]))
    assert code == 0 and again["status"] == "duplicate" and again["original"]["status"] == "succeeded"


def test_a_failed_action_exits_non_zero_with_one_line(served: World, capsys: pytest.CaptureFixture):
    params = {"application_id": "1" * 24, "stage_id": pick(served).stage}
    code, row, err = cli(capsys, "action", "move_application_to_stage", "--json", json.dumps(params))
    assert code == 1 and row["status"] == "failed"
    assert err.count("\n") == 1 and "is no id in the warehouse" in err


def test_passthrough_reads_by_default_and_writes_only_when_allowed(served: World, capsys: pytest.CaptureFixture):
    ids = pick(served)
    code, body, _ = cli(capsys, "passthrough", "GET", f"/v1/opportunities/{ids.opportunity}?expand=applications")
    assert code == 0 and body["data"]["id"] == ids.opportunity
    tags = json.dumps({"tags": ["via-passthrough"]})
    code, _, err = cli(capsys, "passthrough", "POST", f"/v1/opportunities/{ids.opportunity}/addTags", "--json", tags)
    assert code == 1 and "--allow-write" in err
    assert "via-passthrough" not in served.sandbox.account.opportunities[ids.opportunity].tags
    path = f"/v1/opportunities/{ids.opportunity}/addTags"
    code, body, _ = cli(capsys, "passthrough", "POST", path, "--json", tags, "--allow-write")
    assert code == 0 and "via-passthrough" in body["data"]["tags"]
    code, _, err = cli(capsys, "passthrough", "GET", "https://elsewhere.example/v1/users")
    assert code == 1 and "not a URL" in err
