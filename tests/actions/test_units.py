"""The parts of write actions that need no Lever and no warehouse: parameter shapes, attachments, the outbox's
keys and leases, passthrough paths."""

from __future__ import annotations

import asyncio
import base64
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from orchestration.lever.actions.attachments import load
from orchestration.lever.actions.outbox import Outbox
from orchestration.lever.actions.passthrough import split_path
from orchestration.lever.actions.plans import result_note
from orchestration.lever.actions.spec import ActionError, check_params

ID = "dTm6KE663LQXBvroa6U4RcNA"
NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
LEASE = timedelta(minutes=15)


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("add_tag", {"candidate_id": ID}, "add_tag: tag is required"),
        ("add_tag", {"candidate_id": ID[:-1], "tag": {"name": "x"}}, "must be a unified id"),
        ("add_tag", {"candidate_id": ID, "tag": {"name": "  "}}, "tag.name must be a non-empty string"),
        ("add_result_link", {"application_id": ID, "label": "x", "url": "ftp://x"}, "url must be an http(s) URL"),
        (
            "add_attachment",
            {"attachment": {"name": "a", "content_type": "text/plain", "data": "eA=="}},
            "exactly one of application_id and candidate_id",
        ),
        (
            "add_attachment",
            {"candidate_id": ID, "attachment": {"name": "a", "content_type": "text/plain"}},
            "needs exactly one of data and data_url",
        ),
        (
            "add_attachment",
            {
                "candidate_id": ID,
                "attachment": {"name": "a", "content_type": "text/plain", "data": "eA==", "type": "PHOTO"},
            },
            "type must be one of CV, COVER_LETTER, OTHER",
        ),
        ("create_candidate", {"candidate": {}, "application": {}}, "candidate.first_name is required"),
        (
            "create_application",
            {"candidate_id": ID, "job_id": ID, "screening_question_answers": [{"question_id": ID}]},
            "screening_question_answers[0].answer is required",
        ),
    ],
)
def test_parameters_are_refused_with_the_field_named(action, params, message):
    with pytest.raises(ActionError) as info:
        check_params(action, params)
    assert message in str(info.value)


def test_a_result_link_note_lists_the_details():
    params = {
        "label": "Test",
        "url": "https://x.example/1",
        "details": {"custom_field_name_prefix": "Assess ", "attributes": [{"key": "Score", "value": 91}]},
    }
    assert result_note(params) == "Test: https://x.example/1\nAssess Score: 91"


def attachment(**spec):
    return {"name": "cv.pdf", "content_type": "application/pdf", **spec}


def loaded(spec, handler=None, max_bytes=1000):
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler or (lambda r: httpx.Response(404))))
    return asyncio.run(load(spec, max_bytes=max_bytes, http=http, where="t"))


def test_attachments_by_data_or_url_are_capped_and_typed_by_content():
    pdf = b"%PDF-1.4 hello"
    assert loaded(attachment(data=base64.b64encode(pdf).decode())).content == pdf
    served = loaded(
        attachment(data_url="https://files.example/cv.pdf?sig=secret"), lambda r: httpx.Response(200, content=pdf)
    )
    assert served.content == pdf and served.summary() == {
        "name": "cv.pdf",
        "type": "OTHER",
        "content_type": "application/pdf",
        "bytes": 14,
    }
    refusals = [
        (attachment(data=base64.b64encode(b"MZ binary").decode()), None, "is not application/pdf"),
        (attachment(data="%%%"), None, "is not base64"),
        (attachment(data=base64.b64encode(pdf * 100).decode()), None, "larger than the 1,000-byte"),
        (
            attachment(data_url="https://files.example/x?sig=secret"),
            lambda r: httpx.Response(200, content=pdf * 100),
            "larger than the 1,000-byte cap",
        ),
        (attachment(data_url="https://files.example/x?sig=secret"), lambda r: httpx.Response(403), "answered HTTP 403"),
        (attachment(name="../cv.pdf", data="eA=="), None, "must be a file name"),
        (
            {"name": "a.txt", "content_type": "text/plain", "data": base64.b64encode(b"a\x00b").decode()},
            None,
            "binary content",
        ),
    ]
    for spec, handler, message in refusals:
        with pytest.raises(ActionError) as info:
            loaded(spec, handler)
        assert message in str(info.value) and "secret" not in str(info.value)


def test_a_repeated_key_is_a_duplicate_and_a_reused_one_is_refused(tmp_path: Path):
    outbox = Outbox(tmp_path / "actions.sqlite")
    first = outbox.enqueue("add_tag", {"candidate_id": ID, "tag": {"name": "a"}}, "k")
    same = outbox.enqueue("add_tag", {"tag": {"name": "a"}, "candidate_id": ID}, "k")  # key order does not matter
    other = outbox.enqueue("add_tag", {"candidate_id": ID, "tag": {"name": "b"}}, "k")
    dry = outbox.enqueue("add_tag", {"candidate_id": ID, "tag": {"name": "a"}}, "k", dry_run=True)
    settled: list[int] = []
    claimed = outbox.claim("p", NOW, lease=LEASE, settled=settled)
    assert [c.request_id for c in claimed] == [first, dry] and settled == [same, other]
    rows = {r["request_id"]: r for r in outbox.results([same, other])}
    assert rows[same]["status"] == "duplicate" and rows[same]["duplicate_of"] == first
    assert rows[other]["status"] == "failed" and "already names request" in rows[other]["error"]


def test_a_key_whose_requests_failed_may_run_again_reading_back_from_its_first_attempt(tmp_path: Path):
    outbox = Outbox(tmp_path / "actions.sqlite")
    params = {"candidate_id": ID, "tag": {"name": "a"}}
    first = outbox.enqueue("add_tag", params, "k")
    (claimed,) = outbox.claim("p", NOW, lease=LEASE)
    assert not claimed.recovering and claimed.since == NOW
    outbox.record("p", first, "failed", NOW, error="Lever was down")
    again = outbox.enqueue("add_tag", params, "k")
    (retry,) = outbox.claim("p", NOW + timedelta(hours=1), lease=LEASE)
    assert retry.request_id == again and retry.recovering and retry.since == NOW


def test_an_expired_lease_is_taken_over_and_the_dead_processor_can_no_longer_record(tmp_path: Path):
    outbox = Outbox(tmp_path / "actions.sqlite")
    request = outbox.enqueue("add_tag", {"candidate_id": ID, "tag": {"name": "a"}}, "k")
    outbox.claim("dead", NOW, lease=LEASE)
    assert outbox.claim("live", NOW + timedelta(minutes=10), lease=LEASE) == []
    (taken,) = outbox.claim("live", NOW + timedelta(minutes=16), lease=LEASE)
    assert taken.attempts == 2 and taken.recovering
    assert not outbox.record("dead", request, "succeeded", NOW)
    assert outbox.record("live", request, "succeeded", NOW)


def test_concurrent_processors_never_claim_one_request_twice(tmp_path: Path):
    outbox = Outbox(tmp_path / "actions.sqlite")
    for n in range(60):
        outbox.enqueue("add_tag", {"candidate_id": ID, "tag": {"name": str(n)}}, f"k{n}")
    taken: list[int] = []
    lock = threading.Lock()

    def processor(name: str) -> None:
        mine = Outbox(tmp_path / "actions.sqlite")
        while claimed := mine.claim(name, NOW, lease=LEASE, limit=1):
            with lock:
                taken.extend(c.request_id for c in claimed)

    threads = [threading.Thread(target=processor, args=(f"p{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(1, 61))


def test_finished_requests_lose_file_contents_at_once_and_their_parameters_after_retention(tmp_path: Path):
    outbox = Outbox(tmp_path / "actions.sqlite")
    data = base64.b64encode(b"%PDF-1.4 private").decode()
    request = outbox.enqueue("add_attachment", {"candidate_id": ID, "attachment": attachment(data=data)}, "k")
    outbox.claim("p", NOW, lease=LEASE)
    outbox.record("p", request, "succeeded", NOW)
    conn = outbox._connect()
    (params,) = conn.execute("SELECT params FROM requests").fetchone()
    assert data not in params and "data_removed" in params
    assert outbox.purge(NOW + timedelta(days=14)) == 1
    assert conn.execute("SELECT params FROM requests").fetchone()[0] is None
    assert outbox.results([request])[0]["status"] == "succeeded"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/v1/opportunities?limit=1&expand=applications",
            ("/opportunities", [("limit", "1"), ("expand", "applications")]),
        ),
        ("/users", ("/users", [])),
    ],
)
def test_passthrough_paths_are_relative_to_the_base_url(path, expected):
    assert split_path(path) == expected


@pytest.mark.parametrize("path", ["https://evil.example/v1/users", "//evil.example/v1", "/v1/../../etc", "users"])
def test_passthrough_never_leaves_the_api(path):
    with pytest.raises(ActionError):
        split_path(path)
