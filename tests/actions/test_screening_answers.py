"""Screening questions answered: the candidate goes through the job's application form (`POST /postings/:id/apply`),
then the attachments and the stage; answers are checked against the form first."""

from __future__ import annotations

import json
from typing import Any

from tests.actions.conftest import PDF, World

SAMPLE = {
    "text": "Four weeks",
    "textarea": "I like the team.",
    "university": "Some University",
    "yes-no": True,
    "number": 7,
    "currency": 90000,
    "date": "2026-03-01",
}


def form_with_answers(world: World) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """An open job whose form asks no required file, and an answer to every question on it it can take."""
    rows = world.query(
        """SELECT j.id, f.payload FROM ats.jobs j JOIN lever_raw.posting_forms f ON f.id = j.remote_id
           WHERE j.integration_id = 'lever:test' AND j.status = 'OPEN' AND NOT coalesce(j.confidential, false)
           ORDER BY j.id"""
    )
    for job, payload in rows:
        fields = [f for q in json.loads(payload)["customQuestions"] for f in q["fields"]]
        if any(f["type"] == "file-upload" and f["required"] for f in fields):
            continue
        answers, expected = [], {}
        for field in fields:
            question = world.one("SELECT id FROM ats.screening_questions WHERE remote_id = ?", field["id"])
            if field["type"] in ("dropdown", "multiple-choice"):
                answer: Any = field["options"][-1]["text"]
            elif field["type"] == "multiple-select":  # by unified option id, as ats lists them
                answer = [
                    world.one(
                        "SELECT o.id FROM ats.screening_questions q, unnest(q.format.options) t(o) "
                        "WHERE q.id = ? AND o.name = ?",
                        question,
                        field["options"][0]["text"],
                    )
                ]
            elif field["type"] in SAMPLE:
                answer = SAMPLE[field["type"]]
            else:
                continue
            answers.append({"question_id": question, "answer": answer})
            expected[field["id"]] = answer
        if len(answers) >= 3:
            return job, answers, expected
    raise AssertionError("no job with a form of answerable questions")


def test_a_candidate_with_screening_answers_applies_through_the_form(world: World):
    job, answers, expected = form_with_answers(world)
    stage = world.one(
        "SELECT id FROM ats.application_stages WHERE integration_id = 'lever:test' AND remote_id = 'offer'"
    )
    params = {
        "candidate": {"first_name": "Form", "last_name": "Filler", "email_address": "form.filler@example.org"},
        "application": {"job_id": job, "stage_id": stage},
        "screening_question_answers": answers,
        "attachments": [{"name": "cv.pdf", "content_type": "application/pdf", "data": PDF, "type": "CV"}],
        "source": {"name": "Careers fair"},
    }
    (row,) = world.run([{"action": "create_candidate", "params": params, "idempotency_key": "form"}])
    assert row["status"] == "succeeded" and row["visible_at"], row
    account = world.sandbox.account
    opportunity = account.opportunities[row["lever_response"]["opportunity"]]
    assert opportunity.stage == "offer" and opportunity.origin == "applied" and "Careers fair" in opportunity.sources
    assert [f["name"] for f in account.children(opportunity)["files"]] == ["cv.pdf"]
    (application,) = [account.applications[a] for a in opportunity.application_ids]
    given = {f["id"]: f["value"] for q in application.custom_questions for f in q["fields"] if f["value"] is not None}
    assert set(given) == set(expected)
    answered = world.one(
        "SELECT len(screening_question_answers) FROM ats.applications WHERE id = ?",
        row["created_ids"]["application_id"],
    )
    assert answered == len(expected)


def test_answers_are_checked_against_the_form_before_anything_is_sent(world: World):
    job, answers, _ = form_with_answers(world)
    person = {"first_name": "A", "last_name": "B", "email_address": "ab@example.org"}
    base = {"candidate": person, "application": {"job_id": job}}
    question = answers[0]["question_id"]
    other = world.one(
        """SELECT q.id FROM ats.screening_questions q WHERE q.integration_id = 'lever:test' AND q.id NOT IN
           (SELECT question_id FROM ats.job_screening_questions WHERE job_id = ?) AND q.remote_id NOT LIKE 'eeo:%'
           LIMIT 1""",
        job,
    )
    cases = {
        "off the form": ([{"question_id": other, "answer": "x"}], "is not on this job's application form"),
        "wrong shape": ([{"question_id": question, "answer": {"nested": 1}}], "must be a string, number, boolean"),
    }
    before = world.sandbox.stats()["requests"]
    for name, (given, message) in cases.items():
        request = {
            "action": "create_candidate",
            "params": {**base, "screening_question_answers": given},
            "idempotency_key": name,
        }
        (row,) = world.run([request], show_changes=False)
        assert row["status"] == "failed" and message in row["error"], (name, row["error"])
    assert world.sandbox.stats()["requests"] == before
