"""Fixtures: small deterministic accounts and clients that talk to them without a socket."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import httpx
import pytest

from orchestration.sandbox import Sandbox

BASE = "http://lever.test/v1"


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    """Read-only account shared by a module: tests that write or advance use `fresh`."""
    return Sandbox(seed=7, opportunities=400, rate_limit=0)


@pytest.fixture
def fresh() -> Sandbox:
    return Sandbox(seed=3, opportunities=300, rate_limit=0)


def client_for(sandbox: Sandbox, key: str | None = None, **kwargs) -> httpx.Client:
    return httpx.Client(transport=sandbox.transport(), base_url=BASE, auth=(key or sandbox.api_key, ""), **kwargs)


@pytest.fixture
def client(sandbox: Sandbox) -> httpx.Client:
    return client_for(sandbox)


def page_all(
    client: httpx.Client, path: str, params: dict | list | None = None, limit: int = 100, encoding: str = "params"
) -> list[dict]:
    """Follow `next` until `hasNext` is false, checking Lever's envelope on every page.

    encoding: "raw" appends the token to the URL as received (the server decodes it once), "params" passes it
    through httpx params (percent signs get encoded again), "double" quotes it once more before that.
    """
    records, offset = [], None
    for _ in range(10_000):
        query = [*(params.items() if isinstance(params, dict) else params or []), ("limit", limit)]
        if offset is not None and encoding == "raw":
            response = client.get(f"{path}?{urlencode(query)}&offset={offset}")
        else:
            if offset is not None:
                query.append(("offset", quote(offset, safe="") if encoding == "double" else offset))
            response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) <= {"data", "hasNext", "next"}
        assert len(body["data"]) <= limit
        records += body["data"]
        if not body["hasNext"]:
            assert "next" not in body
            return records
        offset = body["next"]
    raise AssertionError("pagination did not end")
