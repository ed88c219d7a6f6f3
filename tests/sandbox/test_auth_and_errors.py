"""Authentication (Basic, Bearer from /oauth/token with rotation) and every error shape."""

from __future__ import annotations

import httpx
import pytest

from orchestration.sandbox import Sandbox

from .conftest import BASE, client_for

UNAUTHORIZED = {"code": "UnauthorizedError", "message": "The request requires authentication."}


def test_missing_or_wrong_credentials_get_401(sandbox):
    anonymous = httpx.Client(transport=sandbox.transport(), base_url=BASE)
    for auth in (None, ("wrong-key", ""), ("", "")):
        response = anonymous.get("/opportunities", auth=auth)
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    response = anonymous.get("/users", headers={"authorization": "Bearer not-a-token"})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    response = anonymous.get("/users", headers={"authorization": "Basic %%%"})
    assert response.status_code == 401


def test_denied_endpoint_gets_403_naming_it(sandbox):
    client = client_for(sandbox, sandbox.create_key(denied={"interviews", "users"}))
    oid = sandbox.truth("opportunities")["records"][0]["id"]
    response = client.get(f"/opportunities/{oid}/interviews")
    assert response.status_code == 403
    assert response.json()["code"] == "ForbiddenError" and "interviews" in response.json()["message"]
    assert client.get("/users").status_code == 403
    assert client.get("/stages").status_code == 200


def test_not_found_shapes(client):
    for path in (
        "/opportunities/00000000-0000-4000-8000-000000000000",
        "/postings/nope",
        "/users/nope",
        "/stages/nope",
        "/archive_reasons/nope",
        "/contacts/nope",
        "/requisitions/nope",
        "/feedback_templates/nope",
        "/requisition_fields/nope",
        "/no/such/route",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "ResourceNotFound" and response.json()["message"]


def test_single_gets_return_the_list_records(sandbox, client):
    for entity in ("users", "stages", "archive_reasons", "requisitions", "feedback_templates", "postings"):
        row = sandbox.truth(entity)["records"][0]
        assert client.get(f"/{entity}/{row['id']}").json() == {"data": row["data"]}
    row = sandbox.truth("notes")["records"][0]
    assert client.get(f"/opportunities/{row['parent_id']}/notes/{row['id']}").json()["data"] == row["data"]
    row = sandbox.truth("contacts")["records"][0]
    assert client.get(f"/contacts/{row['id']}").json()["data"] == row["data"]


def test_non_uniform_envelopes(sandbox, client):
    posting = sandbox.truth("postings")["records"][0]["id"]
    users = client.get(f"/postings/{posting}/users").json()
    assert set(users) == {"posting", "users", "roles"}
    disposition = client.get("/disposition_stages").json()["data"]
    assert set(disposition) == {"stages", "archiveReasons"}
    assert all({"id", "text", "pipeline", "rank", "hasInterview"} <= set(s) for s in disposition["stages"])


def test_responses_carry_the_sandbox_clock_and_lever_headers(sandbox, client):
    response = client.get("/stages")
    assert response.headers["date"] == "Mon, 05 Jan 2026 00:00:00 GMT"
    assert response.headers["server"] == "lever-data-api"
    assert response.headers["content-type"].startswith("application/json")


def oauth(sandbox: Sandbox, client_id: str, secret: str, refresh: str) -> httpx.Response:
    client = httpx.Client(transport=sandbox.transport(), base_url="http://lever.test")
    return client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "client_id": client_id, "client_secret": secret, "refresh_token": refresh},
    )


def test_oauth_refresh_rotates_and_a_used_refresh_token_is_invalid_grant():
    sandbox = Sandbox(seed=1, opportunities=50, rate_limit=0)
    client_id, secret, refresh = sandbox.create_oauth_client()
    first = oauth(sandbox, client_id, secret, refresh)
    assert first.status_code == 200
    token = first.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600 and token["refresh_token"] != refresh
    assert "offline_access" in token["scope"]
    reused = oauth(sandbox, client_id, secret, refresh)
    assert (reused.status_code, reused.json()) == (400, {"error": "invalid_grant"})
    assert oauth(sandbox, client_id, "wrong", token["refresh_token"]).status_code == 401
    bearer = httpx.Client(
        transport=sandbox.transport(), base_url=BASE, headers={"authorization": f"Bearer {token['access_token']}"}
    )
    assert bearer.get("/users").status_code == 200
    assert oauth(sandbox, client_id, secret, token["refresh_token"]).status_code == 200


def test_access_tokens_expire_after_an_hour_of_sandbox_time():
    sandbox = Sandbox(seed=1, opportunities=50, rate_limit=0)
    token = oauth(sandbox, *sandbox.create_oauth_client()).json()["access_token"]
    bearer = httpx.Client(transport=sandbox.transport(), base_url=BASE, headers={"authorization": f"Bearer {token}"})
    sandbox.advance(59 / 1440)
    assert bearer.get("/stages").status_code == 200
    sandbox.advance(2 / 1440)
    assert (bearer.get("/stages").status_code, bearer.get("/stages").json()) == (401, UNAUTHORIZED)


@pytest.mark.parametrize("form", [{"grant_type": "password"}, {"grant_type": "refresh_token"}])
def test_bad_token_requests(form):
    sandbox = Sandbox(seed=1, opportunities=50, rate_limit=0)
    response = httpx.Client(transport=sandbox.transport(), base_url="http://lever.test").post("/oauth/token", data=form)
    assert response.status_code in (400, 401) and "error" in response.json()
