"""No credential leaks: API keys, OAuth client secrets and every token issued stay out of every output.

Runs the CLI (API key, then OAuth with a token expiring mid-run and a run that fails) and a Dagster
materialization, then scans: stdout/stderr, exception text, every text-like column of every warehouse table,
the Dagster instance storage (every file under DAGSTER_HOME: run, event log and schedule sqlite files, compute
logs) and the serialized event log and run config of the run.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import pytest

from orchestration.lever.config import PROJECT_ROOT
from orchestration.sandbox import Sandbox
from tests.reliability.harness import Served, find_leaks, served


class TokenLog:
    """Records every access and refresh token the sandbox issues (the refresh grant rotates both)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.tokens: list[str] = []
        original = sandbox.auth.exchange

        def exchange(form, now_ms, expire_now=False):
            issued = original(form, now_ms, expire_now)
            self.tokens += [issued["access_token"], issued["refresh_token"]]
            return issued

        sandbox.auth.exchange = exchange


def api_key_needles(key: str) -> list[str]:
    # The key itself and the Basic header it travels in.
    return [key, base64.b64encode(f"{key}:".encode()).decode()]


def files_containing(root: Path, needles: list[str]) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for needle in needles:
            if needle.encode() in data:
                hits.setdefault(needle[:12] + "…", []).append(str(path.relative_to(root)))
    return hits


def in_text(texts: list[str], needles: list[str]) -> list[str]:
    return [needle[:12] + "…" for needle in needles if any(needle in text for text in texts)]


def oauth_env(srv: Served, client: tuple[str, str, str]) -> dict[str, str]:
    client_id, secret, refresh = client
    return {
        "LEVER_API_KEY": "",
        "LEVER_OAUTH_CLIENT_ID": client_id,
        "LEVER_OAUTH_CLIENT_SECRET": secret,
        "LEVER_OAUTH_REFRESH_TOKEN": refresh,
        "LEVER_OAUTH_TOKEN_URL": srv.url.removesuffix("/v1") + "/oauth/token",
    }


def test_api_key_and_oauth_tokens_appear_nowhere(tmp_path):
    outputs: list[str] = []
    with served(tmp_path, opportunities=40) as srv:
        log = TokenLog(srv.sandbox)
        key = srv.sandbox.api_key
        # API key: full, delta after activity, and a run that fails (a key missing a permission).
        limited = srv.sandbox.create_key(denied={"users"})
        runs = [srv.run("sync", "--full")]
        srv.sandbox.advance(1)
        runs.append(srv.run("sync"))
        runs.append(srv.run("sync", LEVER_API_KEY=limited))
        # OAuth: the access token dies mid-run; the next run starts from the rotated token stored sealed.
        client = srv.sandbox.create_oauth_client()
        env = oauth_env(srv, client)
        srv.sandbox.faults.add("oauth:expire x1")
        runs.append(srv.run("sync", "--full", **env))
        srv.sandbox.advance(1)
        runs.append(srv.run("sync", **env))
        # An operator configures a refresh token that was already spent: the refusal must not quote it.
        runs.append(srv.run("sync", **{**env, "LEVER_OAUTH_REFRESH_TOKEN": log.tokens[1]}))
        outputs += [r.stdout + r.stderr for r in runs]
    assert [r.returncode for r in runs] == [0, 0, 1, 0, 0, 1], [r.stderr[-500:] for r in runs]
    assert len(log.tokens) >= 6, "the OAuth runs should have refreshed at least three times"
    needles = api_key_needles(key) + api_key_needles(limited) + [client[1], client[2], *log.tokens]
    assert in_text(outputs, needles) == []
    assert find_leaks(srv.db, needles) == {}
    assert "invalid_grant" in runs[-1].stderr and "401" in runs[2].stderr + runs[2].stdout or "403" in runs[2].stderr
    # The scan sees what is there: the sealed refresh token is stored, and an id of the run's data is found.
    with srv.connect(read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM lever_raw._oauth_state").fetchall() == [(1,)]
    some_id = next(iter(srv.sandbox.truth("users")["records"]))["id"]
    assert some_id in find_leaks(srv.db, [some_id])


def test_exception_text_never_carries_a_credential(tmp_path):
    """Failures raised in-process: the message, repr and full traceback of each."""
    import asyncio
    from dataclasses import replace

    from orchestration.lever.config import ApiKeyAuth, OAuthAuth
    from orchestration.lever.errors import LeverWarehouseError
    from orchestration.lever.runner import sync_integration
    from orchestration.lever.secrets import Secret
    from orchestration.lever.sync import Mode
    from tests.support import FAST_RETRY, make_harness

    harness = make_harness(tmp_path, opportunities=20)
    log = TokenLog(harness.sandbox)
    client_id, secret, refresh = harness.sandbox.create_oauth_client()
    oauth = harness.with_auth(OAuthAuth(client_id, Secret(secret), Secret(refresh), "http://sandbox.test/oauth/token"))
    wrong = "sbx_" + "ab" * 20
    cases = [
        (harness.with_auth(ApiKeyAuth(Secret(wrong))), None),  # 401
        (oauth, "oauth:expire"),  # every fresh token rejected
        (oauth, "oauth_token:503"),  # token endpoint down
        (
            replace(
                oauth, auth=OAuthAuth(client_id, Secret("wrong-secret-xyz"), Secret(refresh), oauth.auth.token_url)
            ),
            None,
        ),  # fmt: skip
    ]
    texts = []
    for integration, faults in cases:
        harness.sandbox.faults.clear()
        if faults:
            harness.sandbox.faults.add(faults)
        with pytest.raises(LeverWarehouseError) as info:
            asyncio.run(
                sync_integration(
                    harness.settings,
                    integration,
                    Mode.FULL,
                    transport=harness.sandbox.async_transport(),
                    clock=lambda: harness.sandbox.now,
                    retry=FAST_RETRY,
                )
            )
        texts += [str(info.value), repr(info.value), "".join(traceback.format_exception(info.value))]
    needles = [wrong, secret, refresh, "wrong-secret-xyz", *log.tokens, *api_key_needles(harness.sandbox.api_key)]
    assert in_text(texts, needles) == []
    assert "401" in texts[0] and "HTTP 503" in texts[6]


# The raw multi-asset only: the dbt assets read a manifest that `make` regenerates from the project sources,
# and the secrets travel only through the sync (dbt never sees a credential it could log).
DAGSTER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import dagster as dg
    from dagster._serdes import serialize_value
    from orchestration.definitions import defs

    # The code location as Dagster loads it: its resource config is stored with the run and must hold no secret.
    raw = defs.get_assets_def(dg.AssetKey(["lever_raw", "opportunities"]))
    config = {"ops": {"lever_raw_sync": {"config": {"mode": "full"}}}}
    resources = {"warehouse": defs.resources["warehouse"]}
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize(
            [raw], instance=instance, partition_key="lever:secret", run_config=config, resources=resources
        )
        run = instance.get_run_by_id(result.run_id)
        dump = {
            "success": result.success,
            "events": [serialize_value(e) for e in instance.all_logs(result.run_id)],
            "run_config": run.run_config,
            "tags": run.tags,
        }
    with open(sys.argv[1], "w") as out:
        json.dump(dump, out)
    """
)


def test_dagster_event_log_and_run_config_hold_no_secret(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    dump = tmp_path / "dump.json"
    with served(tmp_path, opportunities=40) as srv:
        log = TokenLog(srv.sandbox)
        client = srv.sandbox.create_oauth_client()
        srv.sandbox.faults.add("oauth:expire x1")
        env = srv.env(**oauth_env(srv, client))
        env.update(
            DAGSTER_HOME=str(home),
            LEVER_INTEGRATION_ID="lever:secret",
        )
        done = subprocess.run(
            [sys.executable, "-c", DAGSTER_SCRIPT, str(dump)],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(dump.read_text())
    assert result["success"], done.stderr[-3000:]
    assert len(log.tokens) >= 4
    needles = [client[1], client[2], *log.tokens]
    assert in_text([done.stdout, done.stderr, dump.read_text()], needles) == []
    assert files_containing(home, needles) == {}
    assert find_leaks(srv.db, needles) == {}
    # The scans look where the run wrote: the event log mentions the integration it synced.
    assert "lever:secret" in dump.read_text()
    assert any(p.suffix == ".db" for p in home.rglob("*")), "expected sqlite storage under DAGSTER_HOME"


@pytest.mark.slow
def test_sync_then_build_leaves_no_secret_in_dbt_logs_or_artifacts(tmp_path):
    """dbt runs with the caller's environment (credentials included): its logs and artifacts must not echo it."""
    with served(tmp_path, opportunities=30) as srv:
        log = TokenLog(srv.sandbox)
        client = srv.sandbox.create_oauth_client()
        # Another account's key sits in the environment too (as an integrations file would name it).
        done = srv.run("run", "--full", **oauth_env(srv, client), ACME_LEVER_API_KEY=srv.sandbox.api_key)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    needles = [client[1], client[2], *log.tokens, *api_key_needles(srv.sandbox.api_key)]
    assert in_text([done.stdout, done.stderr], needles) == []
    assert (tmp_path / "dbt_logs").exists() and (tmp_path / "dbt_target" / "run_results.json").exists()
    assert files_containing(tmp_path / "dbt_logs", needles) == {}
    assert files_containing(tmp_path / "dbt_target", needles) == {}
    assert find_leaks(srv.db, needles) == {}
