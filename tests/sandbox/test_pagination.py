"""Conformance: every list endpoint pages to exactly its ground truth, with every token encoding."""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

import pytest

from .conftest import page_all

INVALID_OFFSET = {"code": "BadRequestError", "message": "Invalid offset token: Offset token is invalid for sort"}
# endpoint, params, truth entity (the params make the list show what truth() shows)
LISTS = [
    ("/opportunities", {"confidentiality": "all", "expand": "applications"}, "opportunities"),
    ("/postings", {"confidentiality": "all"}, "postings"),
    ("/users", {"includeDeactivated": "true"}, "users"),
    ("/stages", {}, "stages"),
    ("/archive_reasons", {}, "archive_reasons"),
    ("/tags", {}, "tags"),
    ("/sources", {}, "sources"),
    ("/requisitions", {"confidentiality": "all"}, "requisitions"),
    ("/feedback_templates", {}, "feedback_templates"),
]
CHILDREN = [
    "applications",
    "interviews",
    "panels",
    "feedback",
    "notes",
    "offers",
    "referrals",
    "resumes",
    "files",
    "forms",
]


def _key(record: dict) -> str:
    return record.get("id", record.get("text"))


@pytest.mark.parametrize(("path", "params", "entity"), LISTS, ids=[entry[2] for entry in LISTS])
@pytest.mark.parametrize("limit", [1, 7, 100])
def test_every_list_pages_to_its_truth_exactly_once(sandbox, client, path, params, entity, limit):
    records = page_all(client, path, params, limit=limit, encoding="params")
    keys = [_key(r) for r in records]
    assert len(keys) == len(set(keys)), "a record was served twice"
    truth = {r["id"]: r["data"] for r in sandbox.truth(entity)["records"]}
    assert {_key(r): r for r in records} == truth


@pytest.mark.parametrize("encoding", ["raw", "params", "double"])
def test_tokens_work_encoded_zero_one_or_two_extra_times(sandbox, client, encoding):
    records = page_all(
        client, "/opportunities", {"confidentiality": "all", "expand": "applications"}, limit=37, encoding=encoding
    )
    assert [r["id"] for r in records] == [r["id"] for r in sandbox.truth("opportunities")["records"]]


def test_default_opportunity_order_is_stage_rank_then_last_advanced_desc_then_id(sandbox, client):
    rank = {s["id"]: s["rank"] for s in client.get("/disposition_stages").json()["data"]["stages"]}
    records = page_all(client, "/opportunities", {}, limit=100)
    keys = [(rank[r["stage"]], -r["lastAdvancedAt"], r["id"]) for r in records]
    assert keys == sorted(keys)
    assert all(r["confidentiality"] == "non-confidential" for r in records)


def test_token_is_a_percent_encoded_json_array_of_the_next_records_sort_key(client):
    first = client.get("/opportunities", params={"limit": 3}).json()
    token = json.loads(unquote(first["next"]))
    following = client.get("/opportunities", params={"limit": 3, "offset": first["next"]}).json()["data"][0]
    rank = {s["id"]: s["rank"] for s in client.get("/disposition_stages").json()["data"]["stages"]}
    assert token[:3] == [rank[following["stage"]], following["lastAdvancedAt"], following["id"]]


def test_children_of_every_opportunity_page_to_truth(sandbox, client):
    for kind in CHILDREN:
        truth: dict[str, list] = {}
        for row in sandbox.truth(kind)["records"]:
            truth.setdefault(row["parent_id"], []).append(row["data"])
        parents = sorted(truth)[:5]
        assert parents, f"no {kind} at all"
        for parent in parents:
            served = page_all(client, f"/opportunities/{parent}/{kind}", limit=1)
            assert served == truth[parent]


def test_deleted_feeds_page_to_truth(sandbox, client):
    for entity in ("opportunities", "applications", "postings"):
        rows = page_all(client, f"/{entity}/deleted", limit=7)
        assert {(r["id"], r["deletedAt"]) for r in rows} == {
            (d["id"], d["deletedAt"]) for d in sandbox.truth(entity)["deleted"]
        }
        assert len(rows) == len({r["id"] for r in rows})
    assert sandbox.truth("opportunities")["deleted"], "the generated account has deleted opportunities"


def test_last_page_has_no_next_key(client):
    body = client.get("/stages", params={"limit": 100}).json()
    assert body["hasNext"] is False and "next" not in body


def test_requisition_fields_are_not_paginated(client):
    body = client.get("/requisition_fields").json()
    assert set(body) == {"data"} and body["data"]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
def test_limit_outside_1_to_100_is_a_400(client, limit):
    response = client.get("/opportunities", params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["code"] == "BadRequestError"


def test_token_from_another_filter_set_is_rejected(client):
    token = client.get("/opportunities", params={"limit": 5, "archived": "false"}).json()["next"]
    response = client.get("/opportunities", params={"limit": 5, "archived": "true", "offset": token})
    assert response.status_code == 400
    assert response.json() == INVALID_OFFSET


def test_token_from_another_sort_is_rejected(client):
    token = client.get("/postings", params={"limit": 2}).json()["next"]
    response = client.get("/opportunities", params={"limit": 2, "offset": token})
    assert (response.status_code, response.json()) == (400, INVALID_OFFSET)


@pytest.mark.parametrize("token", ["garbage", quote("[1,2]"), quote('{"a":1}'), "%5B", quote('[1,"x",3,"h"]')])
def test_mangled_tokens_are_rejected(client, token):
    response = client.get("/opportunities", params={"limit": 5, "offset": token})
    assert (response.status_code, response.json()) == (400, INVALID_OFFSET)


def test_changing_limit_between_pages_keeps_the_token_valid(client):
    token = client.get("/opportunities", params={"limit": 5}).json()["next"]
    assert client.get("/opportunities", params={"limit": 50, "offset": token}).status_code == 200
