"""A hostile or broken server at the level of single responses: listings that never end, bodies too deep to
decode, HTML, echoed credentials, unreachable hosts. Each stops fast with one line naming the endpoint."""

import asyncio
import base64
import time

import httpx
import pytest

from orchestration.lever.auth import ApiKeyCredentials
from orchestration.lever.client import LeverClient, RetryPolicy
from orchestration.lever.config import ApiKeyAuth
from orchestration.lever.endpoints import BY_NAME, Route, segment
from orchestration.lever.errors import LeverPayloadError, LeverRequestError, LeverUnavailable
from orchestration.lever.pagination import PaginationLoop, iter_pages, page_cap
from orchestration.lever.payloads import Undecodable, decode
from orchestration.lever.ratelimit import TokenBucket
from orchestration.lever.secrets import Secret, scrub

KEY = "hostile-test-key-0123456789"
USERS = Route("users", "/users")


def client_for(handler, base_url="http://lever.test/v1") -> LeverClient:
    return LeverClient(
        base_url,
        ApiKeyCredentials(ApiKeyAuth(Secret(KEY))),
        TokenBucket(0, 1),
        http=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        retry=RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.01),
        seed=1,
    )


async def drain(client, max_pages=None):
    pages = 0
    async for _ in iter_pages(client, "/users", [], route=USERS, max_pages=max_pages):
        pages += 1
    return pages


def test_a_repeated_next_token_stops_the_listing_naming_the_endpoint():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(200, json={"data": [{"id": f"u{len(calls)}"}], "hasNext": True, "next": "same"})

    with pytest.raises(PaginationLoop, match=r"GET /users never ended: the server repeated a `next` token"):
        asyncio.run(drain(client_for(handler)))
    assert len(calls) == 2


def test_empty_pages_with_fresh_tokens_stop_after_a_few():
    calls = []

    def handler(request):
        calls.append(request)
        data = [{"id": "u1"}] if len(calls) == 1 else []
        return httpx.Response(200, json={"data": data, "hasNext": True, "next": f"t{len(calls)}"})

    with pytest.raises(PaginationLoop, match="pages in a row brought no new record"):
        asyncio.run(drain(client_for(handler)))
    assert len(calls) <= 7


def test_pages_repeating_old_records_with_fresh_tokens_stop_too():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(
            200, json={"data": [{"id": "u1"}, {"id": "u2"}], "hasNext": True, "next": f"t{len(calls)}"}
        )

    with pytest.raises(PaginationLoop):
        asyncio.run(drain(client_for(handler)))
    assert len(calls) <= 7


def test_an_endless_listing_of_new_records_stops_at_the_page_cap():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(200, json={"data": [{"id": f"u{len(calls)}"}], "hasNext": True, "next": f"t{len(calls)}"})

    with pytest.raises(PaginationLoop, match="ran past 12 pages"):
        asyncio.run(drain(client_for(handler), max_pages=12))
    assert len(calls) == 12
    assert page_cap(100_000) > 2_000  # a 100k table gets room for twice its pages


def test_a_body_too_deep_for_json_keeps_the_rest_of_the_page():
    deep = "[" * 3000 + "]" * 3000
    body = f'{{"data": [{{"id": "a"}}, {{"id": "b", "x": {deep}}}, {{"id": "c"}}], "hasNext": false}}'.encode()
    decoded = decode(body)
    assert decoded["hasNext"] is False
    assert [row["id"] for row in decoded["data"] if isinstance(row, dict)] == ["a", "c"]
    (bad,) = [row for row in decoded["data"] if isinstance(row, Undecodable)]
    assert bad.lever_id == "b" and "deep" in bad.error and len(bad.excerpt) < 2_100


def test_a_cut_off_body_is_still_an_error_to_retry():
    with pytest.raises(ValueError):
        decode(b'{"data": [{"id": "a"}, {"id": "b", "x": ' + b"[" * 3000)


def test_html_instead_of_json_says_to_check_the_base_url():
    client = client_for(lambda r: httpx.Response(200, html="<html><body>Sign in</body></html>"))
    with pytest.raises(LeverPayloadError, match=r"GET /users answered an HTML page, not JSON: check LEVER_BASE_URL"):
        asyncio.run(client.get_json("/users", [], route=USERS))


def test_a_404_on_a_base_url_without_v1_says_so():
    client = client_for(lambda r: httpx.Response(404, json={"message": "Not Found"}), "https://api.lever.co")
    with pytest.raises(LeverRequestError, match=r"HTTP 404: Not Found; check LEVER_BASE_URL .*ending in /v1") as info:
        asyncio.run(client.get_json("/users", [], route=USERS))
    assert ".;" not in str(info.value) and ".." not in str(info.value)


def test_an_unreachable_host_fails_in_seconds_naming_it():
    def refuse(request):
        raise httpx.ConnectError("connection refused")

    started = time.monotonic()
    with pytest.raises(LeverUnavailable, match=r"cannot connect to lever.test .*check LEVER_BASE_URL"):
        asyncio.run(client_for(refuse).get_json("/users", [], route=USERS))
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("status", [400, 500])
def test_an_echoed_authorization_header_never_reaches_the_error(status):
    def echo(request):
        header = request.headers["authorization"]
        return httpx.Response(status, json={"code": "BadRequest", "message": f"invalid header: {header} ({KEY})"})

    client = client_for(echo)
    client._retry = RetryPolicy(max_retries=0)
    with pytest.raises((LeverRequestError, LeverUnavailable)) as info:
        asyncio.run(client.get_json("/users", [], route=USERS))
    text = str(info.value)
    encoded = base64.b64encode(f"{KEY}:".encode()).decode()
    assert KEY not in text and encoded not in text
    if status == 400:
        assert "invalid header: ***" in text


def test_scrub_masks_every_form_of_a_known_secret():
    Secret("s3cr3t-value-xyz")
    for form in ("s3cr3t-value-xyz", base64.b64encode(b"s3cr3t-value-xyz:").decode(),
                 base64.urlsafe_b64encode(b"s3cr3t-value-xyz").decode().rstrip("=")):  # fmt: skip
        assert scrub(f"before {form} after") == "before *** after"


@pytest.mark.parametrize("hostile", ["../users?x=", "..", ".", "a/b", "a?b", "a#b", "a%2Fb", "a b"])
def test_ids_become_one_inert_path_segment(hostile):
    path = BY_NAME["notes"].url(hostile)
    url = httpx.URL("http://lever.test/v1" + path)
    assert url.path.startswith("/v1/opportunities/") and url.path.endswith("/notes")
    assert url.raw_path.decode().count("/") == 4  # nothing inside the id adds a segment or starts a query
    assert url.query == b"" and segment(hostile) not in ("..", ".")
