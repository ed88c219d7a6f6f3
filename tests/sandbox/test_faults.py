"""Fault injection: the grammar, and each kind in-process (sync and async) and over a real socket."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from orchestration.sandbox import Sandbox
from orchestration.sandbox.faults import parse

from .conftest import BASE, client_for


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(seed=5, opportunities=60, rate_limit=0)


def test_grammar():
    rules = parse(
        "opportunities:429x3, interviews:500@0.1,postings:timeout:5s@0.05,notes:drop@0.02,"
        "users:truncate,opportunities:invalid_token@1x1,*:503@0.01,oauth:expire,stages:timeout:250ms"
    )
    assert [(r.target, r.kind) for r in rules][:3] == [
        ("opportunities", "429"),
        ("interviews", "500"),
        ("postings", "timeout"),
    ]
    assert (rules[0].remaining, rules[0].probability) == (3, 1.0)
    assert (rules[2].seconds, rules[2].probability) == (5.0, 0.05)
    assert (rules[5].remaining, rules[5].probability) == (1, 1.0)
    assert rules[8].seconds == 0.25
    hostile = parse("*:clock_skew:-600,notes:race_delete x2,opportunities:poison_nan@0.5,users:echo_auth_500")
    assert [(r.kind, r.seconds, r.remaining, r.probability) for r in hostile] == [
        ("clock_skew", -600.0, None, 1.0),
        ("race_delete", 30.0, 2, 1.0),
        ("poison_nan", 30.0, None, 0.5),
        ("echo_auth_500", 30.0, None, 1.0),
    ]
    for bad in (
        *("opportunities", "opportunities:418", "users:429@2", "users:timeout:fast"),
        *("*:clock_skew", "users:html:5", "users:timeout:-5", "users:poison_everything"),
    ):
        with pytest.raises(ValueError):
            parse(bad)


def test_scripted_429s_then_success_without_retry_after(sb):
    client = client_for(sb)
    sb.faults.add("opportunities:429x3")
    responses = [client.get("/opportunities", params={"limit": 1}) for _ in range(4)]
    assert [r.status_code for r in responses] == [429, 429, 429, 200]
    assert responses[0].json()["code"] == "TooManyRequestsError" and "retry-after" not in responses[0].headers
    assert client.get("/users").status_code == 200


@pytest.mark.parametrize(
    ("kind", "code"), [("500", "InternalServerError"), ("502", "BadGatewayError"), ("503", "ServiceUnavailableError")]
)
def test_server_errors(sb, kind, code):
    sb.faults.add(f"users:{kind}x1")
    response = client_for(sb).get("/users")
    assert (response.status_code, response.json()["code"]) == (int(kind), code)


def test_probabilistic_faults_are_seeded():
    def run() -> list[int]:
        sandbox = Sandbox(seed=5, opportunities=60, rate_limit=0, faults="*:503@0.3")
        client = client_for(sandbox)
        return [client.get("/stages").status_code for _ in range(60)]

    first = run()
    assert first == run() and 5 < first.count(503) < 35


def test_invalid_token_fires_only_on_paged_requests(sb):
    client = client_for(sb)
    sb.faults.add("opportunities:invalid_token@1x1")
    first = client.get("/opportunities", params={"limit": 5})
    assert first.status_code == 200
    response = client.get("/opportunities", params={"limit": 5, "offset": first.json()["next"]})
    assert response.status_code == 400 and "Invalid offset token" in response.json()["message"]
    assert client.get("/opportunities", params={"limit": 5, "offset": first.json()["next"]}).status_code == 200


def test_in_process_drop_truncate_and_timeout(sb):
    client = client_for(sb, timeout=httpx.Timeout(5.0, read=0.05))
    sb.faults.add("users:dropx1,stages:truncatex1,tags:timeout:0.2sx1,sources:timeout:10msx1")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/users")
    truncated = client.get("/stages")
    with pytest.raises(json.JSONDecodeError):
        truncated.json()
    assert len(truncated.content) < int(truncated.headers["content-length"])
    started = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        client.get("/tags")
    assert 0.04 < time.perf_counter() - started < 0.5
    assert client.get("/sources").status_code == 200  # a delay under the read timeout is just slow


def test_async_transport_faults(sb):
    async def scenario() -> None:
        async with httpx.AsyncClient(
            transport=sb.async_transport(), base_url=BASE, auth=(sb.api_key, ""), timeout=httpx.Timeout(5.0, read=0.05)
        ) as client:
            sb.faults.add("users:dropx1,tags:timeout:1sx1")
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("/users")
            with pytest.raises(httpx.ReadTimeout):
                await client.get("/tags")
            assert (await client.get("/users")).status_code == 200

    asyncio.run(scenario())


def test_faults_over_a_real_socket(sb):
    with sb.serve() as url:
        client = httpx.Client(base_url=url, auth=(sb.api_key, ""), timeout=httpx.Timeout(5.0, read=0.1))
        control = httpx.Client(base_url=url.removesuffix("/v1"))
        assert (
            control.post(
                "/_sandbox/faults", json="users:dropx1,stages:truncatex1,tags:timeout:1sx1,postings:500x1"
            ).status_code
            == 200
        )
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.get("/users")
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/stages")
        with pytest.raises(httpx.ReadTimeout):
            client.get("/tags")
        assert client.get("/postings").status_code == 500
        assert control.post("/_sandbox/faults", json={"spec": "users:429"}).status_code == 200
        assert client.get("/users").status_code == 429
        assert control.delete("/_sandbox/faults").status_code == 204
        assert client.get("/users").status_code == 200
        assert control.post("/_sandbox/faults", json="users:teapot").status_code == 400
        stats = control.get("/_sandbox/stats").json()
        assert stats["by_endpoint_status"]["GET /v1/users"]["drop"] == 1
        assert stats["by_status"]["500"] == 1


def test_oauth_tokens_can_expire_mid_run(sb):
    transport = sb.transport()
    client_id, secret, refresh = sb.create_oauth_client()
    auth_client = httpx.Client(transport=transport, base_url="http://lever.test")

    def token(refresh_token: str) -> dict:
        return auth_client.post(
            "/oauth/token",
            data={
                "grant_type": "refresh_token",
                "client_id": client_id,
                "client_secret": secret,
                "refresh_token": refresh_token,
            },
        ).json()

    issued = token(refresh)
    api = httpx.Client(
        transport=transport, base_url=BASE, headers={"authorization": f"Bearer {issued['access_token']}"}
    )
    assert api.get("/stages").status_code == 200
    sb.faults.add("oauth:expirex1")
    assert api.get("/stages").status_code == 401
    assert api.get("/stages").status_code == 401  # expired for good, not a one-off
    key_client = client_for(sb)
    sb.faults.add("oauth:expirex1")
    assert key_client.get("/stages").status_code == 200  # API keys cannot expire
    renewed = token(issued["refresh_token"])
    api.headers["authorization"] = f"Bearer {renewed['access_token']}"
    assert api.get("/stages").status_code == 401  # the pending rule fires on the next Bearer request
    sb.faults.add("oauth_token:expirex1")
    short_lived = token(renewed["refresh_token"])
    api.headers["authorization"] = f"Bearer {short_lived['access_token']}"
    assert api.get("/stages").status_code == 401


@pytest.mark.parametrize("latency", [30.0, (20.0, 40.0)])
def test_latency_is_added_to_every_api_response(latency):
    sandbox = Sandbox(seed=5, opportunities=20, rate_limit=0, latency_ms=latency)
    client = client_for(sandbox)
    started = time.perf_counter()
    for _ in range(3):
        assert client.get("/stages").status_code == 200
    assert 0.06 <= time.perf_counter() - started < 1.0
