"""Filters: repeated values OR-ed, parameters AND-ed, inclusive ms bounds, null updatedAt, booleans."""

from __future__ import annotations

import pytest

from .conftest import client_for, page_all


@pytest.fixture(scope="module")
def opps(sandbox) -> list[dict]:
    return [r["data"] for r in sandbox.truth("opportunities")["records"]]


def ids(client, path: str, params: dict | list) -> set[str]:
    return {r["id"] for r in page_all(client, path, params)}


def all_ids(client, params: dict | list) -> set[str]:
    pairs = list(params.items()) if isinstance(params, dict) else list(params)
    return ids(client, "/opportunities", [("confidentiality", "all"), *pairs])


def test_ranges_are_inclusive_at_both_ends(client, opps):
    target = opps[len(opps) // 2]
    exact = {"created_at_start": target["createdAt"], "created_at_end": target["createdAt"]}
    assert target["id"] in all_ids(client, exact)
    assert all_ids(client, exact) == {o["id"] for o in opps if o["createdAt"] == target["createdAt"]}


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("created_at", lambda o: o["createdAt"]),
        ("updated_at", lambda o: o["updatedAt"]),
        ("advanced_at", lambda o: o["lastAdvancedAt"]),
        ("archived_at", lambda o: (o["archived"] or {}).get("archivedAt")),
    ],
)
def test_each_range_filter_matches_its_field(client, opps, name, field):
    values = sorted(v for v in map(field, opps) if v is not None)
    low, high = values[len(values) // 4], values[3 * len(values) // 4]
    expected = {o["id"] for o in opps if field(o) is not None and low <= field(o) <= high}
    assert all_ids(client, {f"{name}_start": low, f"{name}_end": high}) == expected
    assert all_ids(client, {f"{name}_start": high}) == {o["id"] for o in opps if (field(o) or -1) >= high}


def test_null_updated_at_never_matches_updated_at_filters(client, opps):
    legacy = {o["id"] for o in opps if o["updatedAt"] is None}
    assert legacy, "the account has legacy opportunities with updatedAt null"
    assert not legacy & all_ids(client, {"updated_at_start": 0})
    assert not legacy & all_ids(client, {"updated_at_end": 10**13})


def test_repeated_parameters_are_or_and_different_parameters_and(client, opps):
    tags = sorted({t for o in opps for t in o["tags"]})
    a, b = tags[0], tags[1]
    union = {o["id"] for o in opps if a in o["tags"] or b in o["tags"]}
    assert all_ids(client, [("tag", a), ("tag", b)]) == union
    both = {o["id"] for o in opps if a in o["tags"] and o["archived"] is None}
    assert all_ids(client, {"tag": a, "archived": "false"}) == both


def test_tag_is_case_sensitive(client, opps):
    tag = next(t for o in opps for t in o["tags"] if t.lower() != t)
    assert all_ids(client, {"tag": tag.lower()}) == {o["id"] for o in opps if tag.lower() in o["tags"]}


@pytest.mark.parametrize(
    ("param", "field"),
    [
        ("stage_id", lambda o: [o["stage"]]),
        ("origin", lambda o: [o["origin"]]),
        ("source", lambda o: o["sources"]),
        ("contact_id", lambda o: [o["contact"]]),
        ("location", lambda o: [o.get("opportunityLocation")]),
        ("posting_id", lambda o: [a["posting"] for a in o["applications"]]),
        ("archive_reason_id", lambda o: [(o["archived"] or {}).get("reason")]),
        ("archived_posting_id", lambda o: [a["posting"] for a in o["applications"]] if o["archived"] else []),
    ],
)
def test_value_filters(client, opps, param, field):
    values = [v for o in opps for v in field(o) if v]
    value = max(set(values), key=values.count)
    assert all_ids(client, {param: value}) == {o["id"] for o in opps if value in field(o)}


def test_email_filter_is_canonical(client, opps):
    person = next(o for o in opps if o["emails"])
    matched = all_ids(client, {"email": f"  {person['emails'][0].upper()} "})
    assert person["id"] in matched and all(person["emails"][0] in o["emails"] for o in opps if o["id"] in matched)


@pytest.mark.parametrize("raw", ["true", "True", "TRUE"])
def test_booleans_are_case_insensitive(client, opps, raw):
    assert all_ids(client, {"archived": raw}) == {o["id"] for o in opps if o["archived"]}


def test_snoozed_filter(sandbox, client, opps):
    snoozed = {o["id"] for o in opps if (o["snoozedUntil"] or 0) > sandbox.now_ms}
    assert snoozed and all_ids(client, {"snoozed": "true"}) == snoozed


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"archived": "yes"}, "archived"),
        ({"created_at_start": "yesterday"}, "created_at_start"),
        ({"confidentiality": "secret"}, "confidentiality"),
    ],
)
def test_malformed_filters_are_a_400(client, params, message):
    response = client.get("/opportunities", params=params)
    assert response.status_code == 400 and message in response.json()["message"]


def test_confidential_records_need_confidentiality_all_and_a_key_with_access(sandbox, client, opps):
    confidential = {o["id"] for o in opps if o["confidentiality"] == "confidential"}
    assert confidential
    assert not confidential & ids(client, "/opportunities", {})
    assert ids(client, "/opportunities", {"confidentiality": "confidential"}) == confidential
    blind = client_for(sandbox, sandbox.create_key(confidential=False))
    assert not confidential & ids(blind, "/opportunities", {})
    for value in ("all", "confidential", "ALL"):
        response = blind.get("/opportunities", params={"confidentiality": value})
        assert (response.status_code, response.json()["code"]) == (403, "ForbiddenError")
    assert blind.get("/postings", params={"confidentiality": "all"}).status_code == 403
    assert blind.get(f"/opportunities/{sorted(confidential)[0]}").status_code == 404


def test_expand_replaces_ids_with_objects(client):
    plain = client.get("/opportunities", params={"limit": 20}).json()["data"]
    expanded = client.get(
        "/opportunities",
        params=[("limit", 20), ("expand", "stage"), ("expand", "owner"), ("expand", "contact,followers")],
    ).json()["data"]
    for before, after in zip(plain, expanded, strict=True):
        assert after["stage"]["id"] == before["stage"] and "text" in after["stage"]
        assert after["contact"]["id"] == before["contact"] and "location" in after["contact"]
        assert [f["id"] for f in after["followers"]] == before["followers"]
        assert before["owner"] is None or after["owner"]["id"] == before["owner"]


def test_include_is_subtractive(client):
    records = client.get(
        "/opportunities", params=[("limit", 5), ("include", "stage"), ("include", "tags"), ("expand", "applications")]
    ).json()["data"]
    assert all(set(r) == {"id", "stage", "tags", "applications"} for r in records)
    assert all(isinstance(a, dict) for r in records for a in r["applications"])


def test_posting_filters(sandbox, client):
    postings = [r["data"] for r in sandbox.truth("postings")["records"]]
    for param, field in [
        ("state", lambda p: [p["state"]]),
        ("team", lambda p: [p["categories"]["team"]]),
        ("department", lambda p: [p["categories"]["department"]]),
        ("commitment", lambda p: [p["categories"]["commitment"]]),
        ("location", lambda p: p["categories"]["allLocations"]),
        ("distribution_channel", lambda p: p["distributionChannels"] or []),
    ]:
        value = field(postings[0])[0] if field(postings[0]) else "public"
        expected = {p["id"] for p in postings if value in field(p)}
        assert ids(client, "/postings", {param: value, "confidentiality": "all"}) == expected, param
    low = sorted(p["updatedAt"] for p in postings)[len(postings) // 2]
    assert ids(client, "/postings", {"updated_at_start": low, "confidentiality": "all"}) == {
        p["id"] for p in postings if p["updatedAt"] >= low
    }
    assert ids(client, "/postings", [("state", "draft"), ("state", "closed"), ("confidentiality", "all")]) == {
        p["id"] for p in postings if p["state"] in ("draft", "closed")
    }


def test_deactivated_users_are_hidden_unless_asked_for(sandbox, client):
    users = [r["data"] for r in sandbox.truth("users")["records"]]
    deactivated = {u["id"] for u in users if u["deactivatedAt"]}
    assert deactivated
    assert not deactivated & ids(client, "/users", {})
    assert deactivated <= ids(client, "/users", {"includeDeactivated": "True"})
    assert client.get(f"/users/{sorted(deactivated)[0]}").status_code == 200
    user = users[3]
    assert ids(client, "/users", {"email": user["email"].upper(), "includeDeactivated": "true"}) == {user["id"]}
    role = users[0]["accessRole"]
    assert ids(client, "/users", [("accessRole", role), ("includeDeactivated", "true")]) == {
        u["id"] for u in users if u["accessRole"] == role
    }


def test_requisition_filters(sandbox, client):
    requisitions = [r["data"] for r in sandbox.truth("requisitions")["records"]]
    assert ids(client, "/requisitions", [("status", "open"), ("status", "onHold"), ("confidentiality", "all")]) == {
        r["id"] for r in requisitions if r["status"] in ("open", "onHold")
    }
    code = requisitions[1]["requisitionCode"]
    assert ids(client, "/requisitions", {"requisition_code": code}) == {requisitions[1]["id"]}
    start = requisitions[2]["createdAt"]
    assert ids(
        client, "/requisitions", {"created_at_start": start, "created_at_end": start, "confidentiality": "all"}
    ) == {r["id"] for r in requisitions if r["createdAt"] == start}


def test_resume_upload_filters_fall_back_to_created_at(sandbox, client):
    row = sandbox.truth("resumes")["records"][0]
    uploaded = row["data"]["file"]["uploadedAt"]
    path = f"/opportunities/{row['parent_id']}/resumes"
    assert row["id"] in ids(client, path, {"uploaded_at_start": uploaded, "uploaded_at_end": uploaded})
    assert row["id"] not in ids(client, path, {"uploaded_at_start": uploaded + 1})
    assert client.get(path, params={"uploaded_at_start": "soon"}).status_code == 400
