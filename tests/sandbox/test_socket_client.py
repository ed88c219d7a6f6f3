"""A generic client that only knows Lever's public contract, over a real socket (stdlib urllib)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from email.utils import parsedate_to_datetime

import pytest

from orchestration.sandbox import Sandbox
from orchestration.sandbox.account import PUBLIC_URL


def get(url: str, key: str) -> tuple[dict, dict]:
    request = urllib.request.Request(
        url, headers={"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read()), dict(response.headers)


def page(base: str, path: str, key: str, query: str = "") -> list[dict]:
    records, url = [], f"{base}{path}?limit=100{query}"
    while True:
        body, _ = get(url, key)
        records += body["data"]
        if not body["hasNext"]:
            return records
        url = f"{base}{path}?limit=100{query}&offset={body['next']}"


def test_generic_client_pages_the_whole_account_over_http():
    sandbox = Sandbox(seed=9, opportunities=500, rate_limit=0)
    with sandbox.serve() as base:
        assert base.startswith("http://127.0.0.1:") and base.endswith("/v1")
        opportunities = page(base, "/opportunities", sandbox.api_key, "&confidentiality=all&expand=applications")
        postings = page(base, "/postings", sandbox.api_key, "&confidentiality=all")
        _, headers = get(f"{base}/stages", sandbox.api_key)
        oid = opportunities[0]["id"]
        notes = page(base, f"/opportunities/{oid}/notes", sandbox.api_key)
        resume = next(r["data"] for r in sandbox.truth("resumes")["records"])
        # downloadUrls carry the account's fixed public base, not the port served on; the route answers here
        assert resume["file"]["downloadUrl"].startswith(PUBLIC_URL + "/opportunities/")
        with urllib.request.urlopen(
            urllib.request.Request(
                base + resume["file"]["downloadUrl"].removeprefix(PUBLIC_URL),
                headers={"Authorization": "Basic " + base64.b64encode(f"{sandbox.api_key}:".encode()).decode()},
            )
        ) as download:
            assert download.read().startswith(b"%PDF")
        with pytest.raises(urllib.error.HTTPError) as unauthorized:
            get(f"{base}/stages", "nope")
        assert unauthorized.value.code == 401
    assert opportunities == [r["data"] for r in sandbox.truth("opportunities")["records"]]
    assert postings == [r["data"] for r in sandbox.truth("postings")["records"]]
    assert notes == [r["data"] for r in sandbox.truth("notes")["records"] if r["parent_id"] == oid]
    assert parsedate_to_datetime(headers["date"]) == sandbox.now
    assert headers["server"] == "lever-data-api"


def test_server_refuses_non_loopback_hosts():
    sandbox = Sandbox(seed=9, opportunities=10, rate_limit=0)
    with pytest.raises(ValueError), sandbox.serve(host="0.0.0.0"):
        pass


def test_download_urls_do_not_change_with_the_port_served_on():
    """Regression: downloadUrls carried the random serving port, so every sync rewrote most candidates."""
    sandbox = Sandbox(seed=9, opportunities=60, rate_limit=0)
    served = []
    for _ in range(2):
        with sandbox.serve() as base:
            oid = next(r["parent_id"] for r in sandbox.truth("resumes")["records"])
            served.append((base, get(f"{base}/opportunities/{oid}/resumes", sandbox.api_key)[0]["data"]))
    (first_base, first), (second_base, second) = served
    assert first_base != second_base and first == second
    assert all(r["file"]["downloadUrl"].startswith(PUBLIC_URL) for r in first)
