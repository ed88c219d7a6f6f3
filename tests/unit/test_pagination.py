import asyncio
import json
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from orchestration.lever.auth import ApiKeyCredentials
from orchestration.lever.client import LeverClient, RetryPolicy
from orchestration.lever.config import ApiKeyAuth
from orchestration.lever.endpoints import Route
from orchestration.lever.errors import InvalidOffsetToken, LeverPayloadError
from orchestration.lever.pagination import iter_pages
from orchestration.lever.ratelimit import TokenBucket
from orchestration.lever.secrets import Secret


def make_client(handler) -> tuple[LeverClient, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = LeverClient(
        "http://lever.test/v1",
        ApiKeyCredentials(ApiKeyAuth(Secret("k"))),
        TokenBucket(0, 1),
        http=http,
        retry=RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.01),
        seed=1,
    )
    return client, http


async def collect(client, path="/postings", params=()):
    return [row["id"] async for page in iter_pages(client, path, list(params), route=Route(path, path)) for row in page]


def test_pagination_stops_when_has_next_is_false():
    pages = iter(
        [
            {"data": [{"id": "a"}], "hasNext": True, "next": "t1"},
            {"data": [{"id": "b"}], "hasNext": False},
        ]
    )
    client, _ = make_client(lambda r: httpx.Response(200, json=next(pages)))
    assert asyncio.run(collect(client)) == ["a", "b"]


def test_pagination_sends_next_as_offset_and_keeps_filters():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        query = parse_qsl(urlsplit(str(request.url)).query)
        seen.append(query)
        if ("offset", "[1]") in query:
            return httpx.Response(200, json={"data": [{"id": "b"}], "hasNext": False})
        return httpx.Response(200, json={"data": [{"id": "a"}], "hasNext": True, "next": "[1]"})

    client, _ = make_client(handler)
    assert asyncio.run(collect(client, params=[("state", "published")])) == ["a", "b"]
    assert ("limit", "100") in seen[0] and ("state", "published") in seen[0]
    assert ("offset", "[1]") in seen[1] and ("state", "published") in seen[1]


def test_a_short_page_with_has_next_true_is_not_the_end():
    pages = iter(
        [
            {"data": [], "hasNext": True, "next": "t1"},
            {"data": [{"id": "z"}], "hasNext": False},
        ]
    )
    client, _ = make_client(lambda r: httpx.Response(200, json=next(pages)))
    assert asyncio.run(collect(client)) == ["z"]


def test_has_next_without_next_token_is_a_payload_error():
    client, _ = make_client(lambda r: httpx.Response(200, json={"data": [], "hasNext": True}))
    with pytest.raises(LeverPayloadError, match="no next token"):
        asyncio.run(collect(client))


def test_invalid_offset_token_restarts_the_window_from_the_first_page():
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        query = dict(parse_qsl(urlsplit(str(request.url)).query))
        if "offset" not in query:
            return httpx.Response(200, json={"data": [{"id": "a"}], "hasNext": True, "next": "tok"})
        if calls["n"] == 2:
            body = {"code": "BadRequestError", "message": "Invalid offset token: Offset token is invalid for sort"}
            return httpx.Response(400, json=body)
        return httpx.Response(200, json={"data": [{"id": "b"}], "hasNext": False})

    client, _ = make_client(handler)
    # The first page is seen twice (the restart), which consumers tolerate because they dedupe by id.
    assert asyncio.run(collect(client)) == ["a", "a", "b"]


def test_invalid_offset_token_forever_gives_up():
    def handler(request: httpx.Request) -> httpx.Response:
        if "offset" not in str(request.url):
            return httpx.Response(200, json={"data": [{"id": "a"}], "hasNext": True, "next": "tok"})
        return httpx.Response(400, json={"code": "BadRequestError", "message": "Invalid offset token: x"})

    client, _ = make_client(handler)
    with pytest.raises(InvalidOffsetToken):
        asyncio.run(collect(client))


def test_unpaginated_endpoint_reads_one_page_without_limit():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, content=json.dumps({"data": [{"id": "f1"}]}))

    client, _ = make_client(handler)

    async def run():
        return [
            r
            async for p in iter_pages(client, "/requisition_fields", [], route=Route("x", "x"), paginated=False)
            for r in p
        ]

    assert [r["id"] for r in asyncio.run(run())] == ["f1"]
    assert "limit" not in seen[0]
