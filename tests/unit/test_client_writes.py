"""Writes through the client: only what cannot have applied is resent; everything else says it is unconfirmed."""

import asyncio

import httpx
import pytest

from orchestration.lever.endpoints import Route
from orchestration.lever.errors import LeverPermissionError, LeverRequestError, LeverWriteUnconfirmed
from tests.unit.test_client import client_for, scripted

STAGE = Route("actions:stage", "/opportunities/:id/stage")
CREATED = httpx.Response(201, json={"data": {"id": "o1"}})


def put(client, **kwargs):
    return asyncio.run(
        client.request_json("PUT", "/opportunities/o1/stage", route=STAGE, json={"stage": "s"}, **kwargs)
    )


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(429, json={"code": "TooManyRequestsError", "message": "slow"}), httpx.ConnectError("refused")],
)
def test_a_write_is_resent_only_after_answers_that_prove_lever_did_not_act(failure):
    client = client_for(scripted(failure, failure, CREATED))
    assert put(client, replay_safe=False) == {"data": {"id": "o1"}}
    assert client.stats.requests["actions:stage"] == 3


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, json={"code": "InternalServerError", "message": "oops"}),
        httpx.Response(503),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection"),
    ],
)
def test_a_write_without_an_answer_is_not_resent_but_reported_unconfirmed(failure):
    client = client_for(scripted(failure, CREATED))
    with pytest.raises(LeverWriteUnconfirmed, match="PUT /opportunities/:id/stage") as info:
        put(client, replay_safe=False)
    assert "not resent" in str(info.value)
    assert client.stats.requests["actions:stage"] == 1


def test_a_replay_safe_write_is_retried_like_a_read():
    client = client_for(scripted(httpx.Response(502), httpx.ReadTimeout("slow"), httpx.Response(200, json={})))
    assert put(client, replay_safe=True) == {}
    assert client.stats.retries == 2


def test_a_delete_answered_204_has_an_empty_body():
    client = client_for(scripted(httpx.Response(204)))
    route = Route("actions:note", "/opportunities/:id/notes/:note")
    assert asyncio.run(client.request_json("DELETE", "/opportunities/o/notes/n", route=route)) == {}


def test_a_write_refused_for_permission_names_the_write_permission():
    refused = httpx.Response(403, json={"code": "ForbiddenError", "message": "no write permission"})
    with pytest.raises(LeverPermissionError, match="write permission for '/opportunities/:id/stage'"):
        put(client_for(scripted(refused)), replay_safe=False)


def test_a_bad_request_says_lever_s_message_and_the_method():
    refused = httpx.Response(400, json={"code": "BadRequestError", "message": "Invalid stage: x"})
    with pytest.raises(LeverRequestError, match="PUT /opportunities/:id/stage failed with HTTP 400: Invalid stage: x"):
        put(client_for(scripted(refused)), replay_safe=False)


def test_multipart_sends_repeated_fields_and_files():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return CREATED

    client = client_for(handler)
    asyncio.run(
        client.request_json(
            "POST",
            "/opportunities",
            [("perform_as", "u1")],
            route=Route("actions:create", "/opportunities"),
            form=[("name", "Ada"), ("emails", "a@x.org"), ("emails", "b@x.org"), ("phones[0][value]", "1")],
            files=[("resumeFile", ("cv.pdf", b"%PDF-1.4", "application/pdf"))],
            replay_safe=False,
        )
    )
    (request,) = seen
    body = request.read()
    assert request.url.params["perform_as"] == "u1"
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert body.count(b'name="emails"') == 2 and b'name="phones[0][value]"' in body
    assert b'filename="cv.pdf"' in body and b"%PDF-1.4" in body
