"""`POST /postings/:id/apply`: an application through a posting's form, validated against that form."""

from __future__ import annotations

from . import operations
from .access import visible_posting
from .errors import bad_request
from .generator.forms import is_valid_answer
from .messages import Response
from .payloads import body
from .routing import Ctx, respond


def _validate_application(form: dict, payload: dict) -> dict[str, str]:
    """The apply payload must match the posting's form: required personal fields, known questions, typed values."""
    personal = {
        item.get("name"): item.get("value") for item in payload.get("personalInformation", []) if isinstance(item, dict)
    }
    for item in form["personalInformation"]:
        if item["required"] and not personal.get(item["name"]):
            raise bad_request(f"Missing required field: {item['name']}")
    answers = {q.get("id"): q.get("fields", []) for q in payload.get("customQuestions", []) if isinstance(q, dict)}
    questions = {q["id"]: q for q in form["customQuestions"]}
    unknown = set(answers) - set(questions)
    if unknown:
        raise bad_request(f"Unknown custom question: {sorted(unknown)[0]}")
    for qid, question in questions.items():
        given = answers.get(qid, [])
        if len(given) not in (0, len(question["fields"])):
            raise bad_request(f"Custom question {qid} expects {len(question['fields'])} field values")
        for index, field in enumerate(question["fields"]):
            value = given[index].get("value") if index < len(given) and isinstance(given[index], dict) else None
            if not is_valid_answer(field, value):
                raise bad_request(f"Invalid value for field {field['id']} ({field['type']}) of question {qid}")
    return personal


def apply(ctx: Ctx) -> Response:
    """POST /postings/:id/apply → 201 {"data": {"applicationId"}}; only published or internal postings."""
    account = ctx.account
    posting = visible_posting(ctx)
    if posting["state"] not in ("published", "internal"):
        raise bad_request(f"Posting {posting['id']} is not accepting applications ({posting['state']})")
    form, payload = account.catalog.posting_forms[posting["id"]], body(ctx)
    personal = _validate_application(form, payload)
    email = str(personal["email"])
    links = [str(u.get("value")) for u in payload.get("urls", []) if isinstance(u, dict) and u.get("value")]
    phone = {"type": None, "value": str(personal["phone"])} if personal.get("phone") else None
    contact = operations.find_contact(account, [email]) or operations.new_contact(
        account,
        str(personal["fullName"]),
        "",
        str(personal.get("currentLocation") or ""),
        [email],
        [phone] if phone else [],
        links,
    )
    answers = {q["id"]: q.get("fields", []) for q in payload.get("customQuestions", [])}
    completed = [
        {
            "id": account.new_id(),
            "type": "posting",
            "text": q["text"],
            "instructions": "",
            "fields": [
                {**f, "value": (answers.get(q["id"]) or [{}] * len(q["fields"]))[i].get("value")}
                for i, f in enumerate(q["fields"])
            ],
            "baseTemplateId": q["id"],
            "user": None,
            "stage": None,
            "createdAt": account.now_ms,
            "completedAt": account.now_ms,
        }
        for q in form["customQuestions"]
    ]
    opportunity = operations.create_opportunity(
        account,
        contact,
        stage="applicant-new",
        origin=str(payload.get("origin") or "applied"),
        owner=posting["owner"],
        posting=posting,
        tags=[],
        sources=[str(payload.get("source") or "Job site")],
        followers=[posting["owner"]],
        created_at=account.now_ms,
        application_type="posting",
        user=None,
        application_fields={
            "name": str(personal["fullName"]),
            "email": email,
            "phone": phone,
            "links": links,
            "company": personal.get("currentCompany"),
            "comments": personal.get("additionalInformation"),
            "custom_questions": completed,
            "ip_address": payload.get("ipAddress"),
            "user_agent": payload.get("userAgent"),
            "accept_language": payload.get("acceptLanguage"),
            "referer": payload.get("referer"),
            "timezone": payload.get("timezone"),
        },
    )
    return respond(201, {"data": {"applicationId": opportunity.application_ids[0]}})
