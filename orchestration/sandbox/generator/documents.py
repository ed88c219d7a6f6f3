"""Resumes and files: records with a `downloadUrl` path (made absolute when rendered)."""

from __future__ import annotations

import random

from ..clock import DAY_MS
from ..ids import new_id
from ..model import Genesis
from . import vocab


def _file(rng: random.Random, opportunity_id: str, kind: str, file_id: str, name: str, at: int) -> dict:
    return {
        "name": name,
        "ext": name.rsplit(".", 1)[-1],
        "downloadUrl": f"/opportunities/{opportunity_id}/{kind}/{file_id}/download",
        "uploadedAt": at,
        "status": rng.choice(["processed"] * 8 + ["processing", None]),
        "size": rng.randint(20_000, 900_000),
    }


def add_resume(children: dict, rng: random.Random, genesis: Genesis, opportunity_id: str, at: int) -> dict:
    resume_id = new_id(rng)
    year = 1970 + at // (365 * DAY_MS)
    positions = []
    for back in range(rng.randint(1, 3)):
        start = {"year": year - 3 * (back + 1), "month": rng.randint(1, 12)}
        end = None if back == 0 and rng.random() < 0.6 else {"year": year - 3 * back, "month": rng.randint(1, 12)}
        positions.append(
            {
                "org": rng.choice(vocab.COMPANIES),
                "title": rng.choice(["Engineer", "Analyst", "Lead"]),
                "summary": "Built and ran internal tools.",
                "location": rng.choice(["Berlin", "Remote"]),
                "start": start,
                **({"end": end} if end else {}),
            }
        )
    school = {
        "org": rng.choice(vocab.SCHOOLS),
        "degree": rng.choice(vocab.DEGREES),
        "field": rng.choice(vocab.FIELDS_OF_STUDY),
        "summary": "",
        "start": {"year": year - 12, "month": 9},
        "end": {"year": year - 9, "month": 6},
    }
    resume = {
        "id": resume_id,
        "createdAt": at,
        "file": _file(rng, opportunity_id, "resumes", resume_id, f"{genesis.name} - CV.pdf", at),
        "parsedData": {"positions": positions, "schools": [school]},
    }
    children["resumes"].append(resume)
    return resume


def add_file(
    children: dict, rng: random.Random, opportunity_id: str, name: str, at: int, size: int | None = None
) -> dict:
    file_id = new_id(rng)
    record = {"id": file_id, **_file(rng, opportunity_id, "files", file_id, name, at)}
    if size is not None:
        record["size"] = size
    children["files"].append(record)
    return record


def add_uploaded_resume(children: dict, rng: random.Random, opportunity_id: str, name: str, at: int, size: int) -> dict:
    """A resume uploaded with a new opportunity (`resumeFile`): Lever parses it later, so nothing is parsed yet."""
    resume_id = new_id(rng)
    file = {**_file(rng, opportunity_id, "resumes", resume_id, name, at), "status": "processed", "size": size}
    resume = {"id": resume_id, "createdAt": at, "file": file, "parsedData": {"positions": [], "schools": []}}
    children["resumes"].append(resume)
    return resume
