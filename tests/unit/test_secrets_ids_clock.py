import logging
from datetime import UTC, datetime

import pytest

from orchestration.lever.clock import warehouse_now
from orchestration.lever.errors import ClockError
from orchestration.lever.secrets import Secret, seal, unseal
from tests.kombo_ids import unified_id


def test_secret_never_prints(caplog):
    secret = Secret("tok_123456")
    with caplog.at_level(logging.INFO):
        logging.getLogger("t").info("value %s %r %s", secret, secret, [secret])
    assert "tok_123456" not in caplog.text and "tok_123456" not in f"{secret}{secret!r}"


def test_sealed_token_round_trips_and_hides_the_token():
    sealed = seal(Secret("refresh-abc"), Secret("client-secret"))
    assert "refresh-abc" not in sealed
    assert unseal(sealed, Secret("client-secret")).reveal() == "refresh-abc"
    with pytest.raises(ValueError):
        unseal(sealed, Secret("another-secret"))


def test_unified_id_matches_the_spec_vector():
    assert unified_id("lever:acme", "candidates", "6408dc54-0000-4e5b-8d60-23afff2b1efc") == "dTm6KE663LQXBvroa6U4RcNA"
    assert unified_id("lever:acme", "applications", "6408dc54-0000-4e5b-8d60-23afff2b1efc") != (
        "dTm6KE663LQXBvroa6U4RcNA"
    )


def test_warehouse_clock_can_be_pinned(monkeypatch):
    monkeypatch.setenv("WAREHOUSE_NOW", "2026-02-01T12:00:00Z")
    assert warehouse_now() == datetime(2026, 2, 1, 12, tzinfo=UTC)
    monkeypatch.setenv("WAREHOUSE_NOW", "2026-02-01T12:00:00")  # naive means UTC, never local time
    assert warehouse_now() == datetime(2026, 2, 1, 12, tzinfo=UTC)
    monkeypatch.setenv("WAREHOUSE_NOW", "not a date")
    with pytest.raises(ClockError, match="WAREHOUSE_NOW"):
        warehouse_now()
