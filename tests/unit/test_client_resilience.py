"""Outage breaker of the API client and the OAuth token endpoint's own retries (found by tests/reliability)."""

import asyncio

import httpx
import pytest

from orchestration.lever.auth import OAuthCredentials
from orchestration.lever.client import LeverClient, RetryPolicy
from orchestration.lever.config import OAuthAuth
from orchestration.lever.endpoints import Route
from orchestration.lever.errors import LeverAuthError, LeverUnavailable
from orchestration.lever.ratelimit import TokenBucket
from orchestration.lever.secrets import Secret
from tests.unit.test_client import OK, client_for

QUICK = RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.002)


def test_an_outage_stops_every_queued_request_instead_of_retrying_each():
    """60 queued requests against a dead API: the run gives up after about one request's retry budget."""
    sent = []

    def down(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(503, json={"code": "ServiceUnavailableError"})

    client = client_for(down, retries=8)

    async def scenario():
        results = await asyncio.gather(
            *(client.get_json(f"/opportunities/{i}/notes", [], route=Route("notes", "notes")) for i in range(60)),
            return_exceptions=True,
        )
        return results

    results = asyncio.run(scenario())
    assert all(isinstance(r, LeverUnavailable) for r in results)
    assert any("in a row" in str(r) and "HTTP 503" in str(r) for r in results)
    assert len(sent) < 60 * 9 / 2, "requests queued behind the first failures must not each use their budget"


def test_rate_limiting_never_trips_the_breaker():
    storm = [httpx.Response(429, json={"code": "TooManyRequestsError"})] * 40

    def handler(request: httpx.Request) -> httpx.Response:
        return storm.pop() if storm else OK

    client = client_for(handler, retries=50)
    asyncio.run(client.get_json("/users", [], route=Route("/users", "/users")))


def test_answers_in_between_keep_the_breaker_closed():
    flip = iter([503, 200] * 40)

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(flip)
        return OK if status == 200 else httpx.Response(status)

    client = client_for(handler, retries=3)

    async def scenario():
        for _ in range(20):
            await client.get_json("/users", [], route=Route("/users", "/users"))

    asyncio.run(scenario())


class TokenEndpoint:
    """Scripted token endpoint answers, then a valid rotation; the API accepts only the latest access token."""

    def __init__(self, *answers, api_rejects_all: bool = False) -> None:
        self.answers = list(answers)
        self.issued = 0
        self.api_rejects_all = api_rejects_all

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            if self.answers:
                answer = self.answers.pop(0)
                if isinstance(answer, Exception):
                    raise answer
                return answer
            self.issued += 1
            return httpx.Response(
                200, json={"access_token": f"a{self.issued}", "refresh_token": f"r{self.issued}", "expires_in": 3600}
            )
        if self.api_rejects_all or request.headers["authorization"] != f"Bearer a{self.issued}":
            return httpx.Response(401, json={"code": "UnauthorizedError"})
        return OK


def oauth_client(server: TokenEndpoint, rotations: list[str]) -> LeverClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    auth = OAuthAuth("cid", Secret("cs"), Secret("r0"), "http://lever.test/oauth/token")
    credentials = OAuthCredentials(auth, http, on_rotate=lambda token: rotations.append(token.reveal()), retry=QUICK)
    return LeverClient("http://lever.test/v1", credentials, TokenBucket(0, 1), http=http, retry=QUICK)


@pytest.mark.parametrize(
    "blip",
    [
        httpx.Response(503, json={"code": "ServiceUnavailableError"}),
        httpx.Response(429),
        httpx.Response(200, content=b'{"access_tok'),  # cut off
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
    ],
)
def test_a_token_endpoint_blip_is_retried(blip):
    rotations: list[str] = []
    client = oauth_client(TokenEndpoint(blip, blip), rotations)
    asyncio.run(client.get_json("/users", [], route=Route("/users", "/users")))
    assert rotations == ["r1"]


def test_a_token_endpoint_outage_fails_as_unavailable_not_as_a_revoked_grant():
    down = httpx.Response(503, json={"code": "ServiceUnavailableError"})
    client = oauth_client(TokenEndpoint(*[down] * 10), [])
    with pytest.raises(LeverUnavailable, match="still failing after 4 attempts.*HTTP 503") as info:
        asyncio.run(client.get_json("/users", [], route=Route("/users", "/users")))
    assert "re-authorize" not in str(info.value)


def test_a_refused_grant_is_not_retried():
    server = TokenEndpoint(httpx.Response(400, json={"error": "invalid_grant"}))
    with pytest.raises(LeverAuthError, match="invalid_grant.*re-authorize"):
        asyncio.run(oauth_client(server, []).get_json("/users", [], route=Route("/users", "/users")))
    assert server.answers == []


def test_an_api_that_rejects_every_fresh_token_stops_the_rotations():
    rotations: list[str] = []
    client = oauth_client(TokenEndpoint(api_rejects_all=True), rotations)

    async def scenario():
        return await asyncio.gather(
            *(client.get_json("/users", [], route=Route("/users", "/users")) for _ in range(20)), return_exceptions=True
        )

    results = asyncio.run(scenario())
    assert all(isinstance(r, LeverAuthError) for r in results)
    assert len(rotations) <= OAuthCredentials.MAX_REJECTED_TOKENS + 1
