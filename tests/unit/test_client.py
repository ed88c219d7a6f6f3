import asyncio
import logging

import httpx
import pytest

from orchestration.lever.auth import ApiKeyCredentials, OAuthCredentials
from orchestration.lever.client import LeverClient, RetryPolicy
from orchestration.lever.config import ApiKeyAuth, OAuthAuth
from orchestration.lever.endpoints import Route
from orchestration.lever.errors import LeverAuthError, LeverPermissionError, LeverRequestError, LeverUnavailable
from orchestration.lever.ratelimit import TokenBucket
from orchestration.lever.secrets import Secret

API_KEY = "sk-live-very-secret-key"


def client_for(handler, credentials=None, retries=4, limiter=None):
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = LeverClient(
        "http://lever.test/v1",
        credentials or ApiKeyCredentials(ApiKeyAuth(Secret(API_KEY))),
        limiter or TokenBucket(0, 1),
        http=http,
        retry=RetryPolicy(max_retries=retries, base_delay=0.001, max_delay=0.005),
        seed=7,
    )
    return client


def scripted(*responses):
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler


OK = httpx.Response(200, json={"data": [], "hasNext": False})


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(429, json={"code": "TooManyRequestsError", "message": "slow down"}),
        httpx.Response(500, json={"code": "InternalServerError", "message": "oops"}),
        httpx.Response(502, text="bad gateway"),
        httpx.Response(503, json={"code": "ServiceUnavailable", "message": "maintenance"}),
        httpx.Response(200, content=b'{"data": [{"id": "a"'),  # truncated body
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection"),
    ],
)
def test_transient_failures_are_retried_then_succeed(failure, caplog):
    client = client_for(scripted(failure, failure, OK))
    with caplog.at_level(logging.WARNING, logger="lever_warehouse.client"):
        body = asyncio.run(client.get_json("/users", [], route=Route("/users", "/users")))
    assert body == {"data": [], "hasNext": False}
    assert client.stats.retries == 2
    assert client.stats.requests["/users"] == 3
    assert sum("retry" in r.message for r in caplog.records) == 2


def test_retries_are_bounded_and_the_error_names_the_endpoint():
    client = client_for(scripted(*[httpx.Response(503)] * 3), retries=2)
    with pytest.raises(LeverUnavailable, match="/opportunities/:id/notes") as info:
        asyncio.run(client.get_json("/opportunities/x/notes", [], route=Route("notes", "/opportunities/:id/notes")))
    assert "3 attempts" in str(info.value)


def test_429_drains_the_local_bucket_so_the_next_request_waits():
    bucket = TokenBucket(1000.0, 50, clock=lambda: 0.0)  # frozen: no refill however slow the machine is
    client = client_for(scripted(httpx.Response(429), OK), limiter=bucket)
    asyncio.run(client.get_json("/users", [], route=Route("/users", "/users")))
    assert bucket._tokens < 1.0  # without the drain: 50 - 2 requests = 48 left


def test_401_with_api_key_fails_loudly_without_leaking_the_key():
    client = client_for(scripted(httpx.Response(401, json={"code": "UnauthorizedError", "message": "nope"})))
    with pytest.raises(LeverAuthError) as info:
        asyncio.run(client.get_json("/users", [], route=Route("/users", "/users")))
    assert "LEVER_API_KEY" in str(info.value)
    assert API_KEY not in str(info.value) and API_KEY not in repr(info.value)


def test_403_names_endpoint_and_permission():
    client = client_for(scripted(httpx.Response(403, json={"code": "ForbiddenError", "message": "no offers"})))
    with pytest.raises(LeverPermissionError, match="/opportunities/:id/offers"):
        asyncio.run(client.get_json("/opportunities/a/offers", [], route=Route("offers", "/opportunities/:id/offers")))


def test_other_4xx_is_not_retried():
    client = client_for(scripted(httpx.Response(404, json={"code": "ResourceNotFound", "message": "gone"})))
    with pytest.raises(LeverRequestError, match="404"):
        asyncio.run(client.get_json("/users/x", [], route=Route("/users/:id", "/users/:id")))
    assert client.stats.retries == 0


def test_server_time_comes_from_the_date_header():
    response = httpx.Response(200, json={"data": []}, headers={"Date": "Mon, 05 Jan 2026 10:00:00 GMT"})
    client = client_for(scripted(response))
    asyncio.run(client.get_json("/users", [], route=Route("/users", "/users")))
    assert client.server_now().isoformat().startswith("2026-01-05T10:00:0")


class FakeOAuthServer:
    """Issues short-lived access tokens and rotates refresh tokens, like Lever's token endpoint."""

    def __init__(self) -> None:
        self.valid_refresh = {"r0"}
        self.valid_access: set[str] = set()
        self.issued = 0
        self.expire_next_access = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            form = dict(x.split("=") for x in request.content.decode().split("&"))
            if form["refresh_token"] not in self.valid_refresh or form["client_secret"] != "cs":
                return httpx.Response(400, json={"error": "invalid_grant"})
            self.valid_refresh.discard(form["refresh_token"])
            self.issued += 1
            new_refresh, access = f"r{self.issued}", f"a{self.issued}"
            self.valid_refresh.add(new_refresh)
            self.valid_access.add(access)
            return httpx.Response(200, json={"access_token": access, "refresh_token": new_refresh, "expires_in": 3600})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.valid_access:
            return httpx.Response(401, json={"code": "UnauthorizedError", "message": "expired"})
        if self.expire_next_access:
            self.expire_next_access = False
            self.valid_access.discard(token)
            return httpx.Response(401, json={"code": "UnauthorizedError", "message": "expired"})
        return httpx.Response(200, json={"data": []})


def oauth_client(server, rotations):
    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    auth = OAuthAuth("cid", Secret("cs"), Secret("r0"), "http://lever.test/oauth/token")
    creds = OAuthCredentials(auth, http, on_rotate=lambda token: rotations.append(token.reveal()))
    return LeverClient("http://lever.test/v1", creds, TokenBucket(0, 1), http=http, retry=RetryPolicy(1, 0.001))


def test_oauth_refreshes_and_persists_each_rotated_refresh_token():
    server, rotations = FakeOAuthServer(), []
    client = oauth_client(server, rotations)

    async def scenario():
        await client.get_json("/users", [], route=Route("/users", "/users"))
        server.expire_next_access = True  # the token expires mid-run: one 401, one refresh, one retry
        await client.get_json("/users", [], route=Route("/users", "/users"))

    asyncio.run(scenario())
    assert rotations == ["r1", "r2"]
    assert server.valid_refresh == {"r2"}


def test_concurrent_401s_spend_one_refresh_token():
    server, rotations = FakeOAuthServer(), []
    client = oauth_client(server, rotations)

    async def scenario():
        await client.get_json("/users", [], route=Route("/users", "/users"))
        server.valid_access.clear()  # every outstanding token dies at once
        await asyncio.gather(*(client.get_json("/users", [], route=Route("/users", "/users")) for _ in range(5)))

    asyncio.run(scenario())
    assert rotations == ["r1", "r2"]


def test_refused_refresh_token_says_what_to_do():
    server, rotations = FakeOAuthServer(), []
    server.valid_refresh = set()
    client = oauth_client(server, rotations)
    with pytest.raises(LeverAuthError, match="re-authorize") as info:
        asyncio.run(client.get_json("/users", [], route=Route("/users", "/users")))
    assert "r0" not in str(info.value) and "cs" not in str(info.value).split()
