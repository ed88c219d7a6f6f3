"""From decoded API rows to raw records: every row is checked, repaired where nothing is lost, or rejected.

A real account holds records our simulator never makes: a lone UTF-16 surrogate in a note, `updatedAt: 1e20`,
`NaN`, a field nested thousands of levels deep, a NUL in an id. Any of them used to fail every run, forever.
Here each row either becomes a `RawRecord` (with its content hash) or a `Rejected` that the sync stores in
`lever_raw._rejected` while the rest of the page goes on; repairs (surrogates -> U+FFFD, NaN -> null) keep the
record and file the original as well, so nothing is lost.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from .endpoints import PATH_PARENTS, Endpoint
from .payloads import Undecodable

# Lever's payloads nest about 8 levels (opportunity > applications > customQuestions > fields > value).
MAX_DEPTH = 64
MAX_ID_LENGTH = 255
# Timestamps are epoch milliseconds in fields named *At (createdAt, archived.archivedAt, ...); downstream they
# become TIMESTAMPTZ, which holds years 1 to 9999 only.
MIN_MS, MAX_MS = -62_135_596_800_000, 253_402_300_799_999
EXCERPT_CHARS = 2_000

_TIMESTAMP_FIELD = re.compile(r'"(\w*At)":(-?[0-9][0-9.eE+-]*)')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PATH_UNSAFE = re.compile(r"[/?#%\\\s]")


@dataclass(frozen=True)
class RawRecord:
    id: str
    payload: dict[str, Any]
    parent_id: str | None = None
    updated_ms: int | None = None
    # Index in a complete account-wide listing: Lever's order carries meaning (/stages is the pipeline).
    position: int | None = None
    # Content hash of the payload (`payload_hash`); computed when not given.
    hash: str = ""

    def __post_init__(self) -> None:
        if not self.hash:
            object.__setattr__(self, "hash", payload_hash(self.payload))


@dataclass(frozen=True)
class Rejected:
    """A row that could not be stored as it came (`repaired`: a repaired copy was stored). `lever_id` is None
    when the row has no id we can trust: then no listing it came in can say which records left."""

    endpoint: str
    lever_id: str | None
    parent_id: str | None
    error: str
    excerpt: str
    repaired: bool = False


def canonical_json(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def payload_hash(payload: Any) -> str:
    # Sorted keys: Lever reordering fields is not a change.
    return hashlib.md5(canonical_json(payload).encode(), usedforsecurity=False).hexdigest()


def _ms(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def id_problem(value: Any, *, in_paths: bool) -> str | None:
    """Why `value` cannot serve as a Lever id (None: it can). Ids that go into URL paths must also be inert there."""
    if not isinstance(value, str) or not value:
        return "no usable id"
    if len(value) > MAX_ID_LENGTH:
        return f"id longer than {MAX_ID_LENGTH} characters"
    if _CONTROL.search(value):
        return "id contains control characters"
    if in_paths and (_PATH_UNSAFE.search(value) or not value.strip(".")):
        return "id contains characters no Lever id has (/ ? # % \\ or spaces, or only dots)"
    return None


def _depth(text: str) -> int:
    brackets = [1 if c in "[{" else -1 for c in re.sub(r"[^\[\]{}]", "", _STRING.sub("", text))]
    return max(accumulate(brackets), default=0)


def _repaired(value: Any) -> tuple[Any, list[str]]:
    """A copy with lone surrogates replaced by U+FFFD and NaN/Infinity by null, and what was repaired."""
    found: set[str] = set()

    def fix(item: Any) -> Any:
        if isinstance(item, str):
            try:
                item.encode()
            except UnicodeEncodeError:
                found.add("lone UTF-16 surrogate replaced by U+FFFD")
                return item.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            return item
        if isinstance(item, float) and not math.isfinite(item):
            found.add(f"{item} replaced by null")
            return None
        if isinstance(item, dict):
            return {fix(k): fix(v) for k, v in item.items()}
        if isinstance(item, list):
            return [fix(v) for v in item]
        return item

    return fix(value), sorted(found)


def excerpt(row: Any) -> str:
    """A printable, bounded rendering of a row for `_rejected`: escapes keep surrogates and NULs visible."""
    try:
        text = json.dumps(row, ensure_ascii=True, sort_keys=True)
    except RecursionError:
        text = "<nested too deeply to render>"
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + f"... ({len(text)} characters)"


def _timestamp_problem(text: str) -> str | None:
    for field, number in _TIMESTAMP_FIELD.findall(text):
        try:
            value = float(number)
        except ValueError:
            continue
        if not MIN_MS <= value <= MAX_MS:
            return f"{field} = {number} is not a timestamp (epoch ms, years 1-9999)"
    return None


def to_record(
    endpoint: Endpoint, row: Any, parent_id: str | None = None, position: int | None = None
) -> tuple[RawRecord | None, Rejected | None]:
    """Check one decoded row: (record to store or None, rejection to file or None)."""
    key = row.get(endpoint.id_field) if isinstance(row, dict) else None
    original = row

    def reject(error: str, repaired: bool = False, identified: bool = True) -> Rejected:
        lever_id = key if identified and isinstance(key, str) else None
        return Rejected(endpoint.name, lever_id, parent_id, error, excerpt(original), repaired)

    if isinstance(row, Undecodable):
        return None, Rejected(endpoint.name, row.lever_id, parent_id, row.error, row.excerpt)
    if not isinstance(row, dict):
        return None, reject(f"a JSON {type(row).__name__}, not an object")
    problem = id_problem(key, in_paths=endpoint.name in PATH_PARENTS)
    if problem:
        return None, reject(f"{problem}: {endpoint.id_field}={key!r}"[:300], identified=False)
    notes: list[str] = []
    try:
        text = canonical_json(row)
        digest = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    except RecursionError:
        return None, reject(f"nested deeper than {MAX_DEPTH} levels")
    except (ValueError, UnicodeEncodeError):
        row, notes = _repaired(row)
        text = canonical_json(row)
        digest = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    if _depth(text) > MAX_DEPTH:
        return None, reject(f"nested deeper than {MAX_DEPTH} levels")
    problem = _timestamp_problem(text)
    if problem:
        return None, reject(problem)
    updated = _ms(row.get(endpoint.updated_field)) if endpoint.updated_field else None
    record = RawRecord(key, row, parent_id, updated, position, digest)
    return record, (reject("; ".join(notes), repaired=True) if notes else None)


def to_records(
    endpoint: Endpoint, rows: list[Any], parent_id: str | None = None, positions: bool = False
) -> tuple[list[RawRecord], list[Rejected]]:
    records, rejected = [], []
    for i, row in enumerate(rows):
        record, problem = to_record(endpoint, row, parent_id, i if positions else None)
        if record is not None:
            records.append(record)
        if problem is not None:
            rejected.append(problem)
    return records, rejected
