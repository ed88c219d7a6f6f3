"""Write endpoints: status codes, envelopes and effects."""

from __future__ import annotations

from .conftest import client_for


def users(sandbox) -> list[str]:
    return [r["id"] for r in sandbox.truth("users")["records"] if not r["data"]["deactivatedAt"]]


def test_create_opportunity_dedupes_by_email(fresh):
    client = client_for(fresh)
    user = users(fresh)[0]
    posting = next(
        r["data"]
        for r in fresh.truth("postings")["records"]
        if r["data"]["state"] == "published" and r["data"]["confidentiality"] == "non-confidential"
    )
    body = {
        "name": "Ada Example",
        "emails": ["ada@example.org"],
        "phones": [{"type": "mobile", "value": "+1 555"}],
        "tags": ["Imported"],
        "sources": ["Conference"],
        "origin": "sourced",
        "postings": [posting["id"]],
    }
    created = client.post("/opportunities", params={"perform_as": user}, json=body)
    assert created.status_code == 201
    payload = created.json()
    assert payload["deduped"] is False and payload["data"]["stage"] == "lead-new"
    assert posting["text"] in payload["data"]["tags"] and "Imported" in payload["data"]["tags"]
    assert len(payload["data"]["applications"]) == 1 and user in payload["data"]["followers"]
    again = client.post(
        "/opportunities", params={"perform_as": user}, json={"name": "Someone Else", "emails": ["ADA@example.org"]}
    ).json()
    assert again["deduped"] is True
    assert again["data"]["contact"] == payload["data"]["contact"] and again["data"]["name"] == "Ada Example"
    assert payload["data"]["id"] in {r["id"] for r in fresh.truth("opportunities")["records"]}


def test_create_opportunity_validates(fresh):
    client = client_for(fresh)
    assert client.post("/opportunities", params={"perform_as": "nobody"}, json={}).status_code == 400
    assert client.post("/opportunities", json={"createdAt": fresh.now_ms + 10**9}).status_code == 400
    assert client.post("/opportunities", json={"archived": {"archivedAt": 1}}).status_code == 400
    assert (
        client.post("/opportunities", content=b"{not json", headers={"content-type": "application/json"}).status_code
        == 400
    )


def test_create_opportunity_accepts_multipart_with_indexed_fields(fresh):
    client = client_for(fresh)
    response = client.post(
        "/opportunities",
        data={
            "name": "Multi Part",
            "emails": "mp@example.org",
            "phones[0][type]": "home",
            "phones[0][value]": "+49 30",
            "tags": ["a", "b"],
        },
        files={"resumeFile": ("cv.pdf", b"%PDF", "application/pdf")},
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["phones"] == [{"type": "home", "value": "+49 30"}] and {"a", "b"} <= set(data["tags"])


def test_stage_change_appends_a_stage_change_with_perform_as(fresh):
    client = client_for(fresh)
    opp = fresh.truth("opportunities")["records"][0]["data"]
    user = users(fresh)[1]
    data = client.put(f"/opportunities/{opp['id']}/stage", params={"perform_as": user}, json={"stage": "offer"}).json()[
        "data"
    ]
    assert data["stage"] == "offer" and data["lastAdvancedAt"] == fresh.now_ms
    assert data["stageChanges"][-1] == {
        "toStageId": "offer",
        "toStageIndex": 8,
        "updatedAt": fresh.now_ms,
        "userId": user,
    }
    assert client.put(f"/opportunities/{opp['id']}/stage", json={"stage": "nope"}).status_code == 400


def test_archive_and_unarchive(fresh):
    client = client_for(fresh)
    opp = next(r["data"] for r in fresh.truth("opportunities")["records"] if not r["data"]["archived"])
    reason = fresh.truth("archive_reasons")["records"][2]["id"]
    assert (
        client.put(f"/opportunities/{opp['id']}/archived", json={"reason": reason}).json()["data"]["archived"]["reason"]
        == reason
    )
    assert client.put(f"/opportunities/{opp['id']}/archived", json={"reason": None}).json()["data"]["archived"] is None
    assert client.put(f"/opportunities/{opp['id']}/archived", json={"reason": "bogus"}).status_code == 400


def test_add_and_remove_tags_sources_links(fresh):
    client = client_for(fresh)
    oid = fresh.truth("opportunities")["records"][0]["id"]
    for action, field, value in [
        ("Tags", "tags", "Hot"),
        ("Sources", "sources", "Event"),
        ("Links", "links", "https://portfolio.example"),
    ]:
        added = client.post(f"/opportunities/{oid}/add{action}", json={field: [value]}).json()["data"]
        assert value in added[field]
        removed = client.post(f"/opportunities/{oid}/remove{action}", json={field: [value]}).json()["data"]
        assert value not in removed[field]
    assert client.post(f"/opportunities/{oid}/addTags", json={"tags": "Hot"}).status_code == 400


def test_notes_add_and_soft_delete(fresh):
    client = client_for(fresh)
    oid = fresh.truth("opportunities")["records"][0]["id"]
    created = client.post(f"/opportunities/{oid}/notes", json={"value": "Great call", "secret": True, "score": 3})
    assert created.status_code == 201
    note = created.json()["data"]
    assert note["noteId"] == note["id"] and note["secret"] is True and note["fields"][0]["score"] == 3
    listed = client.get(f"/opportunities/{oid}/notes").json()["data"]
    assert note["id"] in {n["id"] for n in listed}
    deleted = client.delete(f"/opportunities/{oid}/notes/{note['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(f"/opportunities/{oid}/notes/{note['id']}").json()["data"]["deletedAt"] == fresh.now_ms
    assert client.delete(f"/opportunities/{oid}/notes/{note['id']}").status_code == 404
    assert client.post(f"/opportunities/{oid}/notes", json={}).status_code == 400


def test_file_upload_download_and_delete(fresh):
    client = client_for(fresh)
    oid = fresh.truth("opportunities")["records"][0]["id"]
    response = client.post(f"/opportunities/{oid}/files", files={"file": ("brief.txt", b"hello lever", "text/plain")})
    assert response.status_code == 201
    record = response.json()["data"]
    assert record["name"] == "brief.txt" and record["size"] == len(b"hello lever")
    assert record["downloadUrl"].endswith(f"/opportunities/{oid}/files/{record['id']}/download")
    assert client.get(f"/opportunities/{oid}/files/{record['id']}/download").content == b"hello lever"
    assert client.delete(f"/opportunities/{oid}/files/{record['id']}").status_code == 204
    assert client.get(f"/opportunities/{oid}/files/{record['id']}").status_code == 404


def _valid_answers(form: dict) -> list[dict]:
    values = {
        "text": "Two weeks",
        "textarea": "Because.",
        "yes-no": "yes",
        "date": 1767571200000,
        "file-upload": {"fileName": "sample.pdf"},
        "currency": {"currency": "EUR", "value": 50000},
        "number": 5,
        "university": "MIT",
    }
    questions = []
    for question in form["customQuestions"]:
        fields = []
        for field in question["fields"]:
            options = [o["text"] for o in field.get("options", [])]
            value = values.get(field["type"])
            if field["type"] in ("dropdown", "multiple-choice"):
                value = options[0]
            if field["type"] == "multiple-select":
                value = options[:2]
            fields.append({"value": value})
        questions.append({"id": question["id"], "fields": fields})
    return questions


def test_apply_must_match_the_posting_form(fresh):
    client = client_for(fresh)
    posting = next(
        r["data"]
        for r in fresh.truth("postings")["records"]
        if r["data"]["state"] == "published" and r["data"]["confidentiality"] == "non-confidential"
    )
    form = client.get(f"/postings/{posting['id']}/apply").json()["data"]
    payload = {
        "personalInformation": [
            {"name": "fullName", "value": "Grace Applicant"},
            {"name": "email", "value": "grace@example.org"},
        ],
        "urls": [{"name": "GitHub", "value": "https://github.com/grace"}],
        "customQuestions": _valid_answers(form),
    }
    created = client.post(f"/postings/{posting['id']}/apply", json=payload)
    assert created.status_code == 201
    application_id = created.json()["data"]["applicationId"]
    row = next(r for r in fresh.truth("applications")["records"] if r["id"] == application_id)
    assert row["data"]["type"] == "posting" and row["data"]["name"] == "Grace Applicant"
    assert [f["value"] for f in row["data"]["customQuestions"][0]["fields"]] == [
        f["value"] for f in payload["customQuestions"][0]["fields"]
    ]
    wrong = {
        **payload,
        "customQuestions": [
            {
                "id": form["customQuestions"][0]["id"],
                "fields": [{"value": ["not", "a", "string"]}] * len(form["customQuestions"][0]["fields"]),
            }
        ],
    }
    assert client.post(f"/postings/{posting['id']}/apply", json=wrong).status_code == 400
    missing = {**payload, "personalInformation": [{"name": "fullName", "value": "No Email"}]}
    assert client.post(f"/postings/{posting['id']}/apply", json=missing).status_code == 400
    closed = next(r["id"] for r in fresh.truth("postings")["records"] if r["data"]["state"] == "closed")
    assert client.post(f"/postings/{closed}/apply", json=payload).status_code == 400


def test_writes_need_the_right_permission(fresh):
    client = client_for(fresh, fresh.create_key(denied={"notes"}))
    oid = fresh.truth("opportunities")["records"][0]["id"]
    response = client.post(f"/opportunities/{oid}/notes", json={"value": "x"})
    assert response.status_code == 403 and response.json()["code"] == "ForbiddenError"
    assert "notes" in response.json()["message"]


def test_a_key_may_read_an_endpoint_it_may_not_write(fresh):
    """Lever sets read and write permission per endpoint: a write with a read-only key is a 403 and changes nothing."""
    key = fresh.create_key(read_only={"opportunities"})
    client = client_for(fresh, key)
    opp = next(r for r in fresh.truth("opportunities")["records"] if r["data"]["confidentiality"] != "confidential")
    assert client.get(f"/opportunities/{opp['id']}").status_code == 200
    refused = client.post(f"/opportunities/{opp['id']}/addTags", json={"tags": ["x"]})
    assert refused.status_code == 403 and "write permission" in refused.json()["message"]
    assert "x" not in fresh.account.opportunities[opp["id"]].tags
    assert client.post(f"/opportunities/{opp['id']}/notes", json={"value": "ok"}).status_code == 201  # notes allowed
    everything = client_for(fresh, fresh.create_key(read_only={"*"}))
    assert everything.post(f"/opportunities/{opp['id']}/notes", json={"value": "no"}).status_code == 403


def test_create_opportunity_stores_the_uploaded_resume_and_files(fresh):
    """Multipart `resumeFile` becomes the opportunity's resume and `files[]` its files; downloads return the bytes."""
    client = client_for(fresh)
    response = client.post(
        "/opportunities",
        data={"name": "With Files", "emails": "files@example.org"},
        files=[
            ("resumeFile", ("cv.pdf", b"%PDF-1.4 cv", "application/pdf")),
            ("files[]", ("sample.txt", b"work sample", "text/plain")),
        ],
    )
    assert response.status_code == 201
    opp_id = response.json()["data"]["id"]
    (resume,) = client.get(f"/opportunities/{opp_id}/resumes").json()["data"]
    (file,) = client.get(f"/opportunities/{opp_id}/files").json()["data"]
    assert (resume["file"]["name"], resume["file"]["size"]) == ("cv.pdf", 11)
    assert (file["name"], file["size"]) == ("sample.txt", 11)
    assert client.get(f"/opportunities/{opp_id}/resumes/{resume['id']}/download").content == b"%PDF-1.4 cv"
    assert client.get(f"/opportunities/{opp_id}/files/{file['id']}/download").content == b"work sample"
