"""Bad input: missing or wrong credentials, a key missing a permission, and malformed Lever records."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from pathlib import Path

import httpx
import pytest

from orchestration.lever import pagination
from orchestration.lever.config import load_settings
from orchestration.lever.errors import ConfigError
from orchestration.lever.runner import sync_integration
from orchestration.lever.sync import Mode
from tests.integration.test_sync_sandbox import COMPARED, assert_raw_equals_truth
from tests.reliability.harness import CHILD_TABLES, cursor, dbt_build, duplicate_ids, served
from tests.support import FAST_RETRY, make_harness, raw_live, truth_records


# -- credentials -----------------------------------------------------------------------------------------------
def test_an_unset_api_key_variable_names_the_variable(tmp_path):
    integrations = tmp_path / "integrations.toml"
    integrations.write_text('[[integrations]]\nid = "lever:acme"\napi_key_env = "ACME_LEVER_KEY"\n')
    env = {"LEVER_INTEGRATIONS_FILE": str(integrations), "DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    with pytest.raises(ConfigError, match="ACME_LEVER_KEY") as info:
        load_settings(env)
    assert "lever:acme" in str(info.value)
    # Half an OAuth configuration names what is missing.
    integrations.write_text(
        '[[integrations]]\nid = "lever:acme"\noauth_client_id_env = "ACME_ID"\n'
        'oauth_client_secret_env = "ACME_SECRET"\noauth_refresh_token_env = "ACME_REFRESH"\n'
    )
    with pytest.raises(ConfigError, match="ACME_SECRET, ACME_REFRESH"):
        load_settings({**env, "ACME_ID": "cid_123"})


def test_the_cli_refuses_an_unset_key_variable_and_writes_nothing(tmp_path):
    with served(tmp_path, opportunities=20) as srv:
        integrations = tmp_path / "integrations.toml"
        integrations.write_text(
            f'[[integrations]]\nid = "lever:acme"\napi_key_env = "ACME_LEVER_KEY"\nbase_url = "{srv.url}"\n'
        )
        done = srv.run("sync", LEVER_INTEGRATIONS_FILE=str(integrations), LEVER_API_KEY="")
    assert done.returncode == 1
    assert "ACME_LEVER_KEY" in done.stderr and "Traceback" not in done.stderr
    assert not srv.db.exists()


def test_a_wrong_key_fails_with_a_clear_message_and_writes_no_data(tmp_path):
    with served(tmp_path, opportunities=20) as srv:
        done = srv.run("sync", "--full", LEVER_API_KEY="sbx_wrong_key_0123456789")
    assert done.returncode == 1
    assert "401" in done.stderr and "LEVER_API_KEY" in done.stderr and "Traceback" not in done.stderr
    assert "sbx_wrong_key_0123456789" not in done.stderr + done.stdout
    with srv.connect() as conn:
        for table in COMPARED:
            assert conn.execute(f"SELECT count(*) FROM lever_raw.{table}").fetchall() == [(0,)], table
        assert cursor(conn) is None
        assert conn.execute("SELECT status FROM lever_raw._sync_runs").fetchall() == [("failed",)]


def test_a_key_missing_one_permission_names_it_syncs_the_rest_and_fails_the_run(tmp_path):
    with served(tmp_path, opportunities=60) as srv:
        assert srv.run("sync", "--full").returncode == 0
        srv.sandbox.advance(3)
        limited = srv.sandbox.create_key(denied={"interviews"})
        done = srv.run("sync", LEVER_API_KEY=limited)
        assert done.returncode == 1
        assert "interviews" in done.stderr and "permission" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
        with srv.connect() as conn:
            assert conn.execute("SELECT status FROM lever_raw._sync_runs ORDER BY ended_at DESC LIMIT 1").fetchall()[
                0
            ] == ("failed",)
            for table in COMPARED:
                if table in ("interviews",):
                    continue
                raw, truth = raw_live(conn, table), truth_records(srv.sandbox, table)
                assert raw == truth, f"{table} should sync despite the missing interviews permission"
        # Still without it, a quiet delta fails again, naming it, without re-reading what it already has.
        srv.sandbox.reset_stats()
        again = srv.run("sync", LEVER_API_KEY=limited)
        assert again.returncode == 1 and "interviews" in again.stderr
        child_requests = sum(
            n for route, n in srv.sandbox.stats()["by_endpoint"].items() if route.startswith("GET /v1/opportunities/:")
        )
        assert child_requests <= len(CHILD_TABLES), srv.sandbox.stats()["by_endpoint"]
        # With the permission back, the next delta completes the interviews skipped meanwhile.
        assert srv.run("sync").returncode == 0
        assert_raw_equals_truth(srv)


# -- malformed records -----------------------------------------------------------------------------------------
LONG = "Lorem ipsum dolor sit amet " * 8_000  # ~216 kB in one field
NON_LATIN = "Zoë Ñandú 王伟 Дмитрий Иванов مرحبا שלום 🚀 e\u0301\u200d"


def _break_opportunity(style: str, record: dict) -> dict:
    broken = copy.deepcopy(record)
    if style == "missing_fields":
        for name in ("name", "emails", "stage", "createdAt", "archived", "stageChanges", "owner"):
            broken.pop(name, None)
    elif style == "nulls_for_objects":
        broken.update(archived=None, dataProtection=None, urls=None, phones=[None], stageChanges=None, links=None)
        for application in broken.get("applications") or []:
            application.update(archived=None, customQuestions=None)
    elif style == "wrong_types":
        broken.update(
            createdAt="2024-01-01T00:00:00Z",
            lastAdvancedAt="yesterday",
            emails="someone@example.com",
            tags="Senior",
            phones=[{"type": 5, "value": 12345}],
            isAnonymized="false",
            archived="yes",
            confidentiality=3,
            stageChanges=[{"toStageId": None, "toStageIndex": "three", "updatedAt": "soon"}],
        )
    elif style == "unknown_fields":
        broken.update(leverFutureField={"nested": [1, {"deep": None}], "flag": True}, **{"x-extra": 1.5})
    elif style == "long_strings":
        broken.update(headline=LONG, location=LONG[:5000])
    elif style == "non_latin":
        broken.update(name=NON_LATIN, location="東京都渋谷区", headline="مهندس برمجيات")
    return broken


STYLES = ("missing_fields", "nulls_for_objects", "wrong_types", "unknown_fields", "long_strings", "non_latin")


class Rewriter(httpx.AsyncBaseTransport):
    """Rewrites Lever's JSON on the way to the extractor: malformed records, a duplicate across pages,
    records without a usable id. Remembers exactly what it sent for each rewritten record."""

    def __init__(self, inner: httpx.AsyncBaseTransport, victims: dict[str, str]) -> None:
        self.inner = inner
        self.victims = victims  # opportunity id -> style
        self.sent: dict[str, dict] = {}
        self.previous_page_first: dict | None = None
        self.duplicates = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        path = request.url.path
        if request.method != "GET" or response.status_code != 200 or path != "/v1/opportunities":
            return response
        body = json.loads(await response.aread())
        rows = body.get("data") or []
        out = []
        for row in rows:
            style = self.victims.get(row.get("id"))
            if style:
                row = _break_opportunity(style, row)
                self.sent[row["id"]] = row
            out.append(row)
        if rows and request.url.params.get("offset"):
            if self.previous_page_first is not None:
                out.append(copy.deepcopy(self.previous_page_first))  # the same record on two pages
                self.duplicates += 1
            out.append({"name": "no id at all"})
            out.append({"id": 12345, "name": "numeric id"})
        if rows:
            self.previous_page_first = out[0]
        body["data"] = out
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(200, headers=headers, content=json.dumps(body).encode(), request=request)


def _malformed_child(inner: httpx.AsyncBaseTransport, opp_id: str) -> httpx.AsyncBaseTransport:
    class Children(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await inner.handle_async_request(request)
            if request.url.path == f"/v1/opportunities/{opp_id}/notes" and response.status_code == 200:
                body = json.loads(await response.aread())
                body["data"] = body["data"] + [
                    {"id": "note-malformed-1", "text": None, "fields": None, "createdAt": "today", "user": 7},
                    {"id": "note-malformed-2", "text": LONG * 4, "fields": [{"value": {"nested": NON_LATIN}}]},
                ]
                headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
                return httpx.Response(200, headers=headers, content=json.dumps(body).encode(), request=request)
            if request.url.path == f"/v1/opportunities/{opp_id}/interviews" and response.status_code == 200:
                # Truly invalid: an interview in a stage the account does not have (a dangling reference).
                body = json.loads(await response.aread())
                body["data"] = body["data"] + [{**DANGLING_INTERVIEW, "createdAt": 1_700_000_000_000}]
                headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
                return httpx.Response(200, headers=headers, content=json.dumps(body).encode(), request=request)
            return response

    return Children()


DANGLING_INTERVIEW = {
    "id": "interview-dangling-stage",
    "subject": "Onsite",
    "stage": "stage-that-does-not-exist",
    "interviewers": [],
    "date": 1_700_000_360_000,
    "duration": 45,
}


@pytest.fixture(scope="module")
def malformed(tmp_path_factory):
    """A full sync of 150 opportunities in pages of 40 with malformed records injected."""
    tmp_path: Path = tmp_path_factory.mktemp("malformed")
    harness = make_harness(tmp_path, opportunities=150)
    truth = truth_records(harness.sandbox, "opportunities")
    ids = sorted(truth)
    victims = {ids[3 + i * 11]: style for i, style in enumerate(STYLES)}
    noted = next(i for i in ids if i not in victims)
    rewriter = Rewriter(_malformed_child(harness.sandbox.async_transport(), noted), victims)
    records = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("lever_warehouse")
    logger.addHandler(handler)
    page_size, pagination.PAGE_SIZE = pagination.PAGE_SIZE, 40
    try:
        result = asyncio.run(
            sync_integration(
                harness.settings,
                harness.integration,
                Mode.FULL,
                transport=rewriter,
                clock=lambda: harness.sandbox.now,
                retry=FAST_RETRY,
            )
        )
    finally:
        pagination.PAGE_SIZE = page_size
        logger.removeHandler(handler)
    return harness, rewriter, result, [r.getMessage() for r in records], noted


def test_malformed_records_land_in_raw_verbatim(malformed):
    harness, rewriter, result, _, noted = malformed
    assert result.errors == []
    assert set(rewriter.sent) == set(rewriter.victims), "every style was injected"
    with harness.connect() as conn:
        raw = raw_live(conn, "opportunities")
        for opp_id, sent in rewriter.sent.items():
            assert raw[opp_id][1] == sent, f"{rewriter.victims[opp_id]} record not stored as Lever sent it"
        notes = raw_live(conn, "notes")
        assert notes["note-malformed-1"] == (
            noted,
            {"id": "note-malformed-1", "text": None, "fields": None, "createdAt": "today", "user": 7},
        )
        assert len(notes["note-malformed-2"][1]["text"]) == len(LONG) * 4
        assert duplicate_ids(conn) == {}
    # Every other opportunity is exactly the truth.
    truth = truth_records(harness.sandbox, "opportunities")
    others = {k: v for k, v in raw.items() if k not in rewriter.sent}
    assert others == {k: v for k, v in truth.items() if k not in rewriter.sent}


def test_a_record_on_two_pages_is_stored_once(malformed):
    harness, rewriter, *_ = malformed
    assert rewriter.duplicates >= 2
    with harness.connect() as conn:
        assert duplicate_ids(conn) == {}


def test_records_without_a_usable_id_are_filed_as_rejected_and_reported(malformed):
    harness, _, result, messages, _ = malformed
    assert any("lever_raw._rejected" in m for m in messages), messages
    assert any("lever_raw._rejected" in w for w in result.warnings)
    with harness.connect() as conn:
        assert conn.execute(
            "SELECT count(*) FROM lever_raw.opportunities WHERE id = '12345' OR payload->>'name' = 'no id at all'"
        ).fetchall() == [(0,)]
        rejected = conn.execute(
            "SELECT error, excerpt FROM lever_raw._rejected WHERE endpoint = 'opportunities' ORDER BY excerpt"
        ).fetchall()
    assert [error for error, _ in rejected] == ["no usable id: id=12345", "no usable id: id=None"]
    assert "no id at all" in rejected[1][1]


@pytest.mark.slow
def test_dbt_tolerates_malformed_records_and_reports_what_is_invalid(malformed, tmp_path):
    """Staging reads every malformed record; models build; dbt tests fail (report) rather than error (crash)."""
    harness, rewriter, *_ = malformed
    done, results = dbt_build(harness.path, harness.sandbox.now, tmp_path)
    assert results, done.stdout[-3000:]
    crashed = [(r["unique_id"], r["message"]) for r in results if r["status"] in ("error", "runtime error")]
    assert crashed == [], crashed
    models = [r for r in results if r["unique_id"].startswith(("model.", "seed."))]
    assert models and all(r["status"] == "success" for r in models)
    # The one truly invalid record (an interview in a stage that does not exist) is reported by a test.
    failed_tests = sorted(r["unique_id"] for r in results if r["status"] in ("fail", "warn"))
    assert failed_tests and all("interviews" in t and "stage" in t for t in failed_tests), failed_tests
    assert done.returncode == 1 and "FAIL" in done.stdout
    # Every staging, intermediate and unified relation can be read in full (views cast lazily).
    with harness.connect() as conn:
        relations = conn.execute(
            """SELECT table_schema, table_name FROM information_schema.tables
               WHERE table_schema NOT IN ('lever_raw', 'information_schema', 'pg_catalog')"""
        ).fetchall()
        assert relations
        for schema, name in relations:
            conn.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall()
        staged = {
            r[0]
            for r in conn.execute(
                "SELECT opportunity_id FROM staging.stg_lever__opportunities WHERE opportunity_id IN "
                "(SELECT unnest($1::VARCHAR[]))",
                [sorted(rewriter.sent)],
            ).fetchall()
        }
    assert staged == set(rewriter.sent), "every malformed opportunity is staged"


def test_clean_data_after_malformed_records_converges(malformed):
    harness, rewriter, *_ = malformed
    harness.sandbox.advance(1)
    harness.sync()  # Lever sends clean records again: every re-listed record is replaced
    with harness.connect() as conn:
        raw = raw_live(conn, "opportunities")
    truth = truth_records(harness.sandbox, "opportunities")
    assert raw == truth
    # Children are re-read when their opportunity changes, or on the next full sync.
    harness.sync(Mode.FULL)
    assert_raw_equals_truth(harness)
