"""Several accounts in one warehouse, over a real loopback socket: isolation and integration_id everywhere."""

from dataclasses import replace

import duckdb

from orchestration.lever.config import ApiKeyAuth, Integration, Settings
from orchestration.lever.runner import run_syncs
from orchestration.lever.secrets import Secret
from orchestration.lever.sync import Mode
from orchestration.sandbox import Sandbox
from tests.support import START


def test_one_failing_account_does_not_stop_the_others(tmp_path):
    first = Sandbox(seed=1, opportunities=40, start=START, rate_limit=0)
    second = Sandbox(seed=2, opportunities=30, start=START, rate_limit=0)
    with first.serve() as first_url, second.serve() as second_url:
        good = Integration(id="lever:first", base_url=first_url, auth=ApiKeyAuth(Secret(first.api_key)), rate_limit=0)
        broken = replace(good, id="lever:broken", auth=ApiKeyAuth(Secret("revoked-key")))
        other = Integration(
            id="lever:second", base_url=second_url, auth=ApiKeyAuth(Secret(second.api_key)), rate_limit=0
        )
        # The sandboxes' clocks stand still at START while the warehouse clock runs: no skew check here.
        settings = Settings(
            duckdb_path=tmp_path / "w.duckdb", integrations=(good, broken, other), clock_tolerance_seconds=0
        )
        outcomes = run_syncs(settings, Mode.FULL)
    assert [(o.integration_id, o.ok) for o in outcomes] == [
        ("lever:first", True),
        ("lever:broken", False),
        ("lever:second", True),
    ]
    assert "401" in outcomes[1].error and "revoked-key" not in outcomes[1].error
    with duckdb.connect(str(settings.duckdb_path)) as conn:
        counts = dict(
            conn.execute("SELECT integration_id, count(*) FROM lever_raw.opportunities GROUP BY 1").fetchall()
        )
    assert set(counts) == {"lever:first", "lever:second"}
    assert counts["lever:first"] == len(first.truth("opportunities")["records"])
