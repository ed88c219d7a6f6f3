"""Screening question answers in unified form to the body of Lever's `POST /postings/:id/apply`, checked against
the posting's application form as the warehouse last read it (required fields, options, value types)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from .lookup import Job, Lookup
from .spec import ActionError

TEXT_TYPES = ("text", "textarea", "university")
CHOICE_TYPES = ("dropdown", "multiple-choice")


def posting_form(lookup: Lookup, job: Job) -> dict[str, Any]:
    rows = lookup.conn.execute(
        """SELECT payload FROM lever_raw.posting_forms
           WHERE integration_id = $1 AND id = $2 AND deleted_at IS NULL AND missing_since IS NULL""",
        [lookup.integration_id, job.posting],
    ).fetchall()
    if not rows or not rows[0][0]:
        raise ActionError(f"job {job.id} has no application form in the warehouse, so screening answers cannot be sent")
    return json.loads(rows[0][0])


def apply_body(
    lookup: Lookup,
    job: Job,
    answers: list[dict[str, Any]],
    personal: dict[str, str],
    urls: list[str],
    source: str | None,
) -> dict[str, Any]:
    """The apply payload: personal information, links, and one entry per form question with its fields' values."""
    if job.state not in ("published", "internal"):
        raise ActionError(f"job {job.id} is {job.state or 'not open'}: Lever accepts applications to open jobs only")
    form = posting_form(lookup, job)
    values = _answers_by_field(lookup, form, answers)
    questions = []
    for question in form.get("customQuestions") or []:
        fields = question.get("fields") or []
        for field in fields:
            if field.get("required") and field["id"] not in values:
                raise ActionError(f"screening question {field.get('text')!r} is required by job {job.id}'s form")
        if any(field["id"] in values for field in fields):
            questions.append({"id": question["id"], "fields": [{"value": values.get(f["id"])} for f in fields]})
    given = {name for name, value in personal.items() if value}
    for item in form.get("personalInformation") or []:
        if item.get("required") and item.get("name") not in given:
            raise ActionError(f"job {job.id}'s form requires {item.get('name')}, which the request does not give")
    body: dict[str, Any] = {
        "personalInformation": [{"name": name, "value": value} for name, value in personal.items() if value],
        "customQuestions": questions,
    }
    if urls:
        body["urls"] = [{"name": f"Link {n + 1}", "value": url} for n, url in enumerate(urls)]
    if source:
        body["source"] = source
    return body


def _answers_by_field(lookup: Lookup, form: dict[str, Any], answers: list[dict[str, Any]]) -> dict[str, Any]:
    fields = {f["id"]: f for q in form.get("customQuestions") or [] for f in q.get("fields") or []}
    values: dict[str, Any] = {}
    for index, item in enumerate(answers):
        where = f"screening_question_answers[{index}]"
        field_id = lookup.live(item["question_id"], "screening_questions", f"{where}.question_id")
        field = fields.get(field_id)
        if field is None:
            raise ActionError(f"{where}: question {item['question_id']} is not on this job's application form")
        values[field_id] = _value(lookup, field, item["question_id"], item["answer"], where)
    return values


def _value(lookup: Lookup, field: dict[str, Any], question_id: str, answer: Any, where: str) -> Any:
    kind = field.get("type")
    if kind in TEXT_TYPES and isinstance(answer, str):
        return answer
    if kind in CHOICE_TYPES and isinstance(answer, str):
        return _option(lookup, field, question_id, answer, where)
    if kind == "multiple-select" and isinstance(answer, list) and all(isinstance(a, str) for a in answer):
        return [_option(lookup, field, question_id, a, where) for a in answer]
    if kind == "yes-no" and (isinstance(answer, bool) or answer in ("yes", "no")):
        return answer if isinstance(answer, str) else ("yes" if answer else "no")
    if kind == "number" and _is_number(answer):
        return answer
    if kind == "currency" and _is_number(answer):
        return {"currency": field.get("currency") or "USD", "value": answer}
    if kind == "date":
        ms = _date_ms(answer)
        if ms is not None:
            return ms
    if kind == "file-upload":
        raise ActionError(f"{where}: file questions cannot be answered here; send the file as an attachment")
    raise ActionError(f"{where}: the answer is not one a {kind} question takes ({type(answer).__name__} given)")


def _option(lookup: Lookup, field: dict[str, Any], question_id: str, answer: str, where: str) -> str:
    """An option's text, given as its text or as its unified option id (`format.options[].id` in ats)."""
    texts = [option.get("text") for option in field.get("options") or []]
    if answer in texts:
        return answer
    row = lookup.conn.execute(
        """SELECT o.name FROM ats.screening_questions q, unnest(q.format.options) AS t(o)
           WHERE q.id = $1 AND o.id = $2""",
        [question_id, answer],
    ).fetchall()
    if row and row[0][0] in texts:
        return row[0][0]
    raise ActionError(f"{where}: the answer is not an option of this question (options: {', '.join(map(str, texts))})")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _date_ms(value: Any) -> int | None:
    """A date as Lever stores date answers: epoch ms at UTC midnight."""
    if _is_number(value):
        return int(value)
    if isinstance(value, str):
        try:
            day = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        day = day if day.tzinfo else day.replace(tzinfo=UTC)
        return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
    return None
