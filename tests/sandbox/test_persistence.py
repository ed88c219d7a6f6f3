"""Save/load round trips, and state_dir saves after every advance and write."""

from __future__ import annotations

import httpx

from orchestration.sandbox import Sandbox

ENTITIES = ("opportunities", "applications", "notes", "offers", "files", "postings", "users", "contacts")


def test_save_and_load_round_trip(tmp_path):
    sandbox = Sandbox(seed=6, opportunities=150, rate_limit=0)
    sandbox.advance(2)
    key = sandbox.create_key(confidential=False)
    sandbox.save(tmp_path)
    loaded = Sandbox.load(tmp_path, rate_limit=0)
    assert loaded.now == sandbox.now and loaded.api_key == sandbox.api_key
    for entity in ENTITIES:
        assert loaded.truth(entity) == sandbox.truth(entity), entity
    client = httpx.Client(transport=loaded.transport(), base_url="http://lever.test/v1", auth=(key, ""))
    assert client.get("/stages").status_code == 200
    assert loaded.advance(1) == sandbox.advance(1)  # the future is the same too
    assert loaded.truth("opportunities") == sandbox.truth("opportunities")


def test_state_dir_loads_and_saves_after_writes(tmp_path):
    sandbox = Sandbox(seed=6, opportunities=80, rate_limit=0, state_dir=tmp_path)
    assert (tmp_path / Sandbox.STATE_FILE).exists()
    client = httpx.Client(transport=sandbox.transport(), base_url="http://lever.test/v1", auth=(sandbox.api_key, ""))
    oid = sandbox.truth("opportunities")["records"][0]["id"]
    note = client.post(f"/opportunities/{oid}/notes", json={"value": "persisted"}).json()["data"]
    sandbox.write("PUT", f"/opportunities/{oid}/stage", {"stage": "offer"})
    assert client.put(f"/opportunities/{oid}/stage", json={"stage": "bogus"}).status_code == 400  # leaves no trace
    assert len((tmp_path / "sandbox.journal").read_text().splitlines()) == 2  # writes are journaled, not pickled
    reopened = Sandbox(seed=999, opportunities=1, state_dir=tmp_path)  # the saved state wins over arguments
    assert note["id"] in {r["id"] for r in reopened.truth("notes")["records"]}
    for entity in ("opportunities", "notes", "applications"):
        assert reopened.truth(entity) == sandbox.truth(entity)
    assert reopened.now_ms == sandbox.now_ms
    sandbox.advance(1)
    assert not (tmp_path / "sandbox.journal").exists()  # folded into the snapshot
