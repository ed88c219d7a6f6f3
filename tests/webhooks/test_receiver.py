"""The receiver refuses what Lever did not send and stores each real event once, durably, before answering."""

from __future__ import annotations

import logging

from tests.webhooks.receiver_support import (
    ACME_TOKEN,
    GLOBEX_TOKEN,
    NOW_MS,
    delivery,
    lever_signature,
    receiver,
)


def test_a_signed_delivery_is_queued_with_the_ids_it_names(tmp_path):
    with receiver(tmp_path) as r:
        response = r.post("lever:acme", delivery(opportunity_id="opp-42"))
        assert (response.status_code, response.json()) == (200, {"status": "queued"})
        (event,) = r.stored()
        assert (event.integration_id, event.event) == ("lever:acme", "candidateStageChange")
        assert event.opportunity_id == "opp-42"
        assert event.triggered_at_ms == NOW_MS - 2_000 and event.received_at_ms == NOW_MS


def test_a_forged_signature_is_refused_and_nothing_is_stored(tmp_path, caplog):
    with receiver(tmp_path) as r, caplog.at_level(logging.WARNING):
        forged = delivery("a-guessed-token")
        tampered = delivery(triggered_at=NOW_MS - 1_000)
        tampered["triggeredAt"] += 1  # the signature covers triggeredAt
        retargeted = delivery(opportunity_id="opp-1")
        retargeted["token"] += "0"  # the signature covers the token
        for body in (forged, tampered, retargeted, {**delivery(), "signature": "0" * 64}):
            response = r.post("lever:acme", body)
            assert (response.status_code, response.json()) == (401, {"status": "invalid signature"})
        assert r.stored() == []
    assert ACME_TOKEN not in caplog.text and "refused" in caplog.text


def test_the_token_of_another_integration_does_not_sign_for_this_one(tmp_path):
    with receiver(tmp_path) as r:
        signed_by_globex = delivery(GLOBEX_TOKEN, opportunity_id="opp-7")
        assert r.post("lever:acme", signed_by_globex).status_code == 401
        assert r.stored() == []
        assert r.post("lever:globex", signed_by_globex).status_code == 200
        assert [(e.integration_id, e.opportunity_id) for e in r.stored()] == [("lever:globex", "opp-7")]


def test_any_of_several_configured_tokens_signs(tmp_path):
    from dataclasses import replace

    from orchestration.lever.secrets import Secret
    from tests.webhooks.receiver_support import settings_for

    settings = settings_for(tmp_path)
    acme = replace(settings.integrations[0], webhook_tokens=(Secret("first-token-aaa"), Secret(ACME_TOKEN)))
    with receiver(tmp_path, replace(settings, integrations=(acme,))) as r:
        assert r.post("lever:acme", delivery(ACME_TOKEN, opportunity_id="a")).status_code == 200
        assert r.post("lever:acme", delivery("first-token-aaa", opportunity_id="b")).status_code == 200
        assert r.post("lever:acme", delivery("third-token-ccc", opportunity_id="c")).status_code == 401
        assert [e.opportunity_id for e in r.stored()] == ["a", "b"]


def test_a_replayed_delivery_is_answered_but_stored_once(tmp_path):
    with receiver(tmp_path) as r:
        body = delivery(opportunity_id="opp-3")
        assert r.post("lever:acme", body).json() == {"status": "queued"}
        assert r.post("lever:acme", body).json() == {"status": "duplicate"}  # 200: Lever must stop retrying
        # A retry that Lever signs again with a fresh token says the same thing: also a duplicate.
        resigned = delivery(opportunity_id="opp-3", token="another-token")
        assert r.post("lever:acme", resigned).json() == {"status": "duplicate"}
        assert len(r.stored()) == 1
        # The same change of another opportunity, or another event of this one, is new.
        assert r.post("lever:acme", delivery(opportunity_id="opp-4")).json() == {"status": "queued"}
        assert r.post("lever:acme", delivery(event="candidateHired", opportunity_id="opp-3")).json() == {
            "status": "queued"
        }


def test_stale_and_future_timestamps_are_refused(tmp_path):
    with receiver(tmp_path, max_age_s=600, future_s=60) as r:
        assert r.post("lever:acme", delivery(triggered_at=NOW_MS - 601_000)).status_code == 401
        assert r.post("lever:acme", delivery(triggered_at=NOW_MS + 61_000)).status_code == 401
        assert r.stored() == []
        assert r.post("lever:acme", delivery(triggered_at=NOW_MS - 599_000)).status_code == 200
        assert r.post("lever:acme", delivery(triggered_at=NOW_MS + 59_000, opportunity_id="o2")).status_code == 200


def test_an_oversized_body_is_refused_before_it_is_read_whole(tmp_path):
    with receiver(tmp_path, max_body_bytes=2048) as r:
        big = delivery(note="x" * 4096)
        assert r.post("lever:acme", big).status_code == 413
        # Without a Content-Length (chunked), counted as it arrives.
        chunks = iter([b'{"event": "candidateStageChange", ', b'"pad": "' + b"y" * 4096 + b'"}'])
        response = r.client.post("/webhooks/lever:acme", content=chunks)
        assert response.status_code == 413
        assert r.stored() == []


def test_bodies_that_are_not_deliveries_are_400(tmp_path):
    with receiver(tmp_path) as r:
        valid = delivery()
        for body in (
            b"{not json",
            b"\xff\xfe",
            b"[1, 2]",
            {**valid, "triggeredAt": str(valid["triggeredAt"])},
            {key: value for key, value in valid.items() if key != "token"},
            {**valid, "data": ["opp-1"]},
            {**valid, "data": {"opportunityId": 12}},
        ):
            assert r.post("lever:acme", body).status_code == 400, body
        assert r.stored() == []


def test_unknown_integrations_and_integrations_without_a_token_are_404(tmp_path):
    with receiver(tmp_path) as r:
        assert r.post("lever:nobody", delivery()).status_code == 404
        assert r.post("lever:none", delivery()).status_code == 404
        assert r.client.get("/webhooks/lever:acme").status_code == 405
        assert r.stored() == []


def test_lever_s_test_ping_is_answered_and_not_queued(tmp_path):
    with receiver(tmp_path) as r:
        ping = delivery(event="candidateStageChange")
        ping["data"] = {}
        ping_token, at = ping["token"], ping["triggeredAt"]
        assert ping["signature"] == lever_signature(ACME_TOKEN, ping_token, at)
        assert r.post("lever:acme", ping).json() == {"status": "ignored"}
        assert r.stored() == []


def test_contact_events_are_queued_by_contact(tmp_path):
    with receiver(tmp_path) as r:
        assert r.post("lever:acme", delivery(event="contactUpdated", opportunity_id="opp-9")).status_code == 200
        (event,) = r.stored()
        assert (event.opportunity_id, event.contact_id) == (None, "contact-9")


def test_a_queue_that_cannot_be_written_answers_503_so_lever_delivers_again(tmp_path):
    with receiver(tmp_path) as r:
        r.queue.close()
        assert r.post("lever:acme", delivery()).status_code == 503
