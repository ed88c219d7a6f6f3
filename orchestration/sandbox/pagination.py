"""Lever keyset pagination: `limit` 1–100 and `offset` tokens naming the first record of the next page.

Token format ([inf], observed shape): the percent-encoded JSON array of the next record's sort key followed by
an 8-hex digest of the sort name and the normalized filter set, e.g. `[101,1491435120000,"5599cc20-…","3fa9c2d1"]`
(descending keys appear with their natural sign). A token used under another sort or filter set, or mangled,
gets 400 "Invalid offset token: Offset token is invalid for sort". Tokens are accepted after 0, 1 or 2
URL-decodings because clients forward `next` raw or through their HTTP library's params encoder.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

from .errors import INVALID_OFFSET, bad_request

MAX_LIMIT = 100
SHAPING_PARAMS = frozenset({"limit", "offset", "expand", "include", "perform_as"})


@dataclass(frozen=True)
class Sort:
    name: str
    key: Callable[[object], tuple]  # sortable tuple; positions in `descending` hold negated numbers
    width: int
    descending: frozenset[int] = frozenset()

    def to_token_values(self, key: tuple) -> list:
        return [-value if i in self.descending else value for i, value in enumerate(key)]

    def from_token_values(self, values: list) -> tuple:
        return tuple(-value if i in self.descending else value for i, value in enumerate(values))


def digest(sort: Sort, query: dict[str, list[str]]) -> str:
    """Tokens are bound to the sort and every filter parameter (values of one parameter are a set)."""
    normalized = sorted((name, sorted(values)) for name, values in query.items() if name not in SHAPING_PARAMS)
    raw = json.dumps([sort.name, normalized], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha1(raw.encode()).hexdigest()[:8]


def encode_token(sort: Sort, key: tuple, bound_to: str) -> str:
    return quote(json.dumps([*sort.to_token_values(key), bound_to], separators=(",", ":"), ensure_ascii=False), safe="")


def decode_token(sort: Sort, token: str, bound_to: str) -> tuple:
    for candidate in (token, unquote(token), unquote(unquote(token))):
        try:
            values = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(values, list):
            break
    else:
        raise bad_request(INVALID_OFFSET)
    if len(values) != sort.width + 1 or values[-1] != bound_to:
        raise bad_request(INVALID_OFFSET)
    values = values[:-1]
    if not all(isinstance(v, int | float | str) and not isinstance(v, bool) for v in values):
        raise bad_request(INVALID_OFFSET)
    try:
        return sort.from_token_values(values)
    except TypeError as error:
        raise bad_request(INVALID_OFFSET) from error


def token_at(sort: Sort, key: tuple, query: dict[str, list[str]]) -> str:
    """The token of the page starting at `key` under this sort and filter set."""
    return encode_token(sort, key, digest(sort, query))


def past_end_token(sort: Sort, keys: Sequence[tuple], query: dict[str, list[str]], serial: int) -> str | None:
    """A valid token, different for every `serial`, that points past the last record (to an empty last page).

    Every sort key ends with a string (an id or a text), so suffixing the last one sorts after every record.
    """
    if not keys:
        return None
    last = keys[-1]
    return token_at(sort, (*last[:-1], f"{last[-1]}~{serial}"), query)


def parse_limit(query: dict[str, list[str]]) -> int:
    raw = query.get("limit", ["100"])[-1]
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request(f"Invalid limit: {raw!r} (must be an integer from 1 to {MAX_LIMIT})") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request(f"Invalid limit: {limit} (must be an integer from 1 to {MAX_LIMIT})")
    return limit


def page(sort: Sort, keys: Sequence[tuple], query: dict[str, list[str]]) -> tuple[int, int, str | None]:
    """(start, end, next token) of the requested page over items sorted by `keys`."""
    limit = parse_limit(query)
    bound_to = digest(sort, query)
    start = 0
    if query.get("offset", [""])[-1]:
        key = decode_token(sort, query["offset"][-1], bound_to)
        try:
            start = bisect.bisect_left(keys, key)
        except TypeError as error:  # a key of the right length but the wrong types
            raise bad_request(INVALID_OFFSET) from error
    end = min(start + limit, len(keys))
    return start, end, encode_token(sort, keys[end], bound_to) if end < len(keys) else None
