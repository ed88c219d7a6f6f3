"""Hostile Lever: fault kinds that serve what a misbehaving server or a real account's odd data looks like."""

from __future__ import annotations

import base64
import http.client
import json
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import httpx
import pytest

from orchestration.sandbox import Sandbox
from orchestration.sandbox.hostile import DEEP_LEVELS

from .conftest import client_for


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(seed=5, opportunities=120, rate_limit=0)


def test_next_loop_answers_the_same_page_and_token_forever(sb):
    client = client_for(sb)
    sb.faults.add("opportunities:next_loop")
    first = client.get("/opportunities", params={"limit": 10}).json()
    token = first["next"]
    for _ in range(3):  # as the client sends it through params, and appended raw
        again = client.get("/opportunities", params={"limit": 10, "offset": token}).json()
        assert again == first
    raw = client.get(f"/opportunities?limit=10&offset={token}").json()
    assert raw["next"] == token and raw["data"] == first["data"]
    sb.faults.clear()
    normal = client.get("/opportunities", params={"limit": 10, "offset": token}).json()
    assert normal["data"] == first["data"] and normal["next"] != token  # the token was a real one


def test_empty_pages_after_the_first_carry_a_new_token_each_time(sb):
    client = client_for(sb)
    sb.faults.add("users:empty_pages")
    first = client.get("/users", params={"limit": 5}).json()
    assert len(first["data"]) == 5 and first["hasNext"]
    tokens, token = {first["next"]}, first["next"]
    for _ in range(4):
        page = client.get("/users", params={"limit": 5, "offset": token}).json()
        assert page["data"] == [] and page["hasNext"] is True and page["next"] not in tokens
        tokens.add(page["next"])
        token = page["next"]
    sb.faults.clear()  # the last token is a valid one: past the end, an ordinary last page
    assert client.get("/users", params={"limit": 5, "offset": token}).json() == {"data": [], "hasNext": False}


def test_empty_pages_keep_a_one_page_list_going(sb):
    sb.faults.add("stages:empty_pages")
    first = client_for(sb).get("/stages").json()
    assert first["hasNext"] is True and len(first["data"]) == len(sb.truth("stages")["records"])


POISONED = {
    "poison_surrogate": lambda body, rec, orig: b'\\ud800"' in body and rec["name"] == orig["name"] + "\ud800",
    "poison_huge_ms": lambda body, rec, orig: b'"updatedAt":1e20' in body and rec["updatedAt"] == 1e20,
    "poison_nan": lambda body, rec, orig: b'"createdAt":NaN' in body and rec["createdAt"] != rec["createdAt"],
    "poison_deep": lambda body, rec, orig: b"[" * DEEP_LEVELS + b"]" * DEEP_LEVELS in body,
    "poison_nul_id": lambda body, rec, orig: b"\\u0000" in body and rec["id"].replace("\x00", "") == orig["id"],
    "poison_dotdot_id": lambda body, rec, orig: rec["id"] == "../users?x=",
}


@pytest.mark.parametrize("kind", sorted(POISONED))
def test_poison_mutates_one_record_of_each_page_byte_for_byte(sb, kind):
    client = client_for(sb)
    clean = client.get("/opportunities", params={"limit": 3}).json()
    truth_before = sb.truth("opportunities")
    sb.faults.add(f"opportunities:{kind}x1")
    response = client.get("/opportunities", params={"limit": 3})
    assert response.status_code == 200
    body = response.content
    if kind == "poison_deep":
        with pytest.raises(RecursionError):
            json.loads(body)
        assert body.count(b"[" * DEEP_LEVELS) == 1
    else:
        data = json.loads(body)["data"]  # Python's parser accepts NaN and lone surrogates; strict ones do not
        assert POISONED[kind](body, data[0], clean["data"][0])
        assert data[1:] == clean["data"][1:]  # one record per page, the first
    assert client.get("/opportunities", params={"limit": 3}).json() == clean  # x1: the next page is clean
    assert sb.truth("opportunities") == truth_before  # the account never changes


def test_poison_applies_to_paginated_lists_only(sb):
    client = client_for(sb)
    oid = sb.truth("opportunities")["records"][0]["id"]
    sb.faults.add("*:poison_dotdot_idx1")
    assert client.get(f"/opportunities/{oid}").json()["data"]["id"] == oid  # a single GET: not counted
    assert client.get("/stages").json()["data"][0]["id"] == "../users?x="


def test_race_delete_hard_deletes_the_parent_then_answers_404(sb):
    client = client_for(sb)
    first, second = (r["id"] for r in sb.truth("opportunities")["records"][:2])
    sb.faults.add("*:race_deletex1")
    assert client.get("/users").status_code == 200  # not a child list: does not fire, does not count
    before = sb.now_ms
    response = client.get(f"/opportunities/{first}/notes")
    assert response.status_code == 404
    assert response.json() == {"code": "ResourceNotFound", "message": f"opportunities {first} was not found"}
    assert client.get(f"/opportunities/{first}").status_code == 404
    assert client.get(f"/opportunities/{first}/interviews").status_code == 404  # its children are gone
    deleted = {d["id"]: d for d in client.get("/opportunities/deleted").json()["data"]}
    assert deleted[first]["deletedAt"] == sb.now_ms > before
    truth = sb.truth("opportunities")
    assert first not in {r["id"] for r in truth["records"]} and first in {d["id"] for d in truth["deleted"]}
    assert client.get(f"/opportunities/{second}/notes").status_code == 200  # x1: at most one deletion


def test_bare_applications_ignore_expand_but_the_child_list_works(sb):
    client = client_for(sb)
    sb.faults.add("opportunities:bare_applications")
    listed = client.get("/opportunities", params={"expand": "applications", "limit": 20}).json()["data"]
    with_app = next(o for o in listed if o["applications"])
    assert all(isinstance(a, str) for o in listed for a in o["applications"])
    children = client.get(f"/opportunities/{with_app['id']}/applications").json()["data"]
    assert [a["id"] for a in children] == with_app["applications"]


@pytest.mark.parametrize(
    ("kind", "status", "code"), [("echo_auth", 400, "BadRequestError"), ("echo_auth_500", 500, "InternalServerError")]
)
def test_echo_auth_puts_the_authorization_header_in_the_error(sb, kind, status, code):
    sb.faults.add(f"postings:{kind}x1")
    response = client_for(sb).get("/postings")
    header = basic(sb.api_key)
    assert response.status_code == status
    assert response.json() == {"code": code, "message": f"Invalid header: {header}"}


def test_html_login_page_and_not_found(sb):
    client = client_for(sb)
    sb.faults.add("opportunities:htmlx1,users:not_foundx1")
    page = client.get("/opportunities")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.lstrip().lower().startswith("<!doctype html>")
    missing = client.get("/users")
    assert missing.status_code == 404 and missing.json()["code"] == "ResourceNotFound"


def test_clock_skew_shifts_the_date_header_alongside_other_faults(sb):
    client = client_for(sb)
    sb.faults.add("*:clock_skew:-600,notes:500")
    stages = client.get("/stages")
    assert stages.status_code == 200 and stages.json()["data"]
    assert (sb.now - parsedate_to_datetime(stages.headers["date"])).total_seconds() == 600
    oid = sb.truth("opportunities")["records"][0]["id"]
    notes = client.get(f"/opportunities/{oid}/notes")
    assert notes.status_code == 500 and parsedate_to_datetime(notes.headers["date"]) == parsedate_to_datetime(
        stages.headers["date"]
    )


@pytest.mark.parametrize("ident", ["../users?x=", "..", "a/b", "x\u0000y"])
def test_ids_are_one_percent_decoded_segment_never_a_route(sb, ident):
    client = client_for(sb)
    for encoded in (quote(ident, safe=""), "".join(f"%{byte:02X}" for byte in ident.encode())):
        if encoded.strip(".") == "":
            continue  # a bare ".." is a dot segment the client itself resolves; %2E%2E reaches the server
        response = client.get(f"/opportunities/{encoded}/notes")
        assert response.status_code == 404
        assert response.json()["message"] == f"opportunities {ident} was not found"


def test_encoded_ids_over_a_real_socket(sb):
    with sb.serve() as url:
        client = httpx.Client(base_url=url, auth=(sb.api_key, ""))
        response = client.get("/opportunities/..%2Fusers%3Fx%3D/notes")
        assert response.status_code == 404 and "../users?x=" in response.json()["message"]
        # A client that sends dot segments unresolved (http.client does) still gets no other route
        connection = http.client.HTTPConnection(*url.removeprefix("http://").removesuffix("/v1").split(":"))
        connection.request("GET", "/v1/opportunities/../users", headers={"authorization": basic(sb.api_key)})
        assert connection.getresponse().status == 404


@pytest.mark.parametrize("entity", ["postings", "stages", "archive_reasons", "users"])
def test_get_by_id_of_referenced_catalog_records(sb, entity):
    client = client_for(sb)
    record = sb.truth(entity)["records"][-1]
    assert client.get(f"/{entity}/{record['id']}").json() == {"data": record["data"]}
    missing = client.get(f"/{entity}/not-an-id")
    assert missing.status_code == 404 and missing.json()["code"] == "ResourceNotFound"


def test_hostile_kinds_over_http_control(sb):
    with sb.serve() as url:
        control = httpx.Client(base_url=url.removesuffix("/v1"))
        assert control.post("/_sandbox/faults", json="opportunities:poison_nul_id x1").status_code == 200
        body = httpx.get(f"{url}/opportunities", params={"limit": 2}, auth=(sb.api_key, "")).content
        assert b"\\u0000" in body


def test_a_race_deletion_is_saved_with_the_state(tmp_path):
    sb = Sandbox(seed=5, opportunities=40, rate_limit=0, state_dir=tmp_path, faults="*:race_delete x1")
    victim = sb.truth("opportunities")["records"][0]["id"]
    assert client_for(sb).get(f"/opportunities/{victim}/offers").status_code == 404
    reloaded = Sandbox.load(tmp_path, rate_limit=0)
    assert victim in {d["id"] for d in reloaded.truth("opportunities")["deleted"]}
    assert reloaded.now_ms == sb.now_ms
