"""Decoding Lever's response bodies without letting one record sink its page.

`json.loads` gives up on the whole body when one record nests deeper than Python's recursion limit (a real
hostile case: 2,000 levels). Then the `data` array is cut into its elements with a small scanner and each is
decoded alone; an element that still fails becomes an `Undecodable` in its place, which the sync files in
`lever_raw._rejected` while it stores the others.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

EXCERPT_CHARS = 2_000
_ID = re.compile(r'"id"\s*:\s*"((?:[^"\\]|\\.){1,255})"')


@dataclass(frozen=True)
class Undecodable:
    """One element of `data` that could not be decoded on its own."""

    error: str
    excerpt: str
    lever_id: str | None


def decode(content: bytes) -> dict[str, Any]:
    """The JSON object of a response body. Raises ValueError if the body is not one (cut off, not JSON)."""
    try:
        body = json.loads(content)
    except RecursionError:
        body = _decode_elements(content.decode())
    if not isinstance(body, dict):
        raise ValueError("body is not a JSON object")
    return body


def _decode_elements(text: str) -> dict[str, Any]:
    start, ends = _data_array(text)
    elements: list[Any] = []
    previous = start + 1
    for end in ends:
        piece = text[previous:end]
        previous = end + 1
        if not piece.strip():
            continue
        try:
            elements.append(json.loads(piece))
        except RecursionError:
            elements.append(_undecodable(piece, "nested too deeply to decode"))
        except ValueError as exc:
            elements.append(_undecodable(piece, f"invalid JSON ({exc})"))
    envelope = json.loads(text[:start] + "[]" + text[ends[-1] + 1 :])
    if not isinstance(envelope, dict):
        raise ValueError("body is not a JSON object")
    envelope["data"] = elements
    return envelope


def _undecodable(piece: str, error: str) -> Undecodable:
    found = _ID.search(piece[: EXCERPT_CHARS * 4])
    lever_id = json.loads(f'"{found.group(1)}"') if found else None
    text = piece.strip()
    shown = text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + f"... ({len(text)} characters)"
    return Undecodable(error, shown, lever_id)


def _data_array(text: str) -> tuple[int, list[int]]:
    """Where the top-level `"data": [` array opens, and the offsets of the commas and the bracket that end its
    elements. Iterative: the depth that sank `json.loads` costs nothing here."""
    depth = 0
    in_string = escaped = closed = False
    key_start, opened = -1, -1
    last_string = ""
    ends: list[int] = []
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                if depth == 1:
                    last_string = text[key_start + 1 : i]
        elif char == '"':
            in_string, key_start = True, i
        elif char in "[{":
            depth += 1
            if depth == 2 and char == "[" and last_string == "data" and opened < 0:
                opened = i
        elif char in "]}":
            if depth == 2 and char == "]" and opened >= 0 and not closed:
                ends.append(i)
                closed = True
            depth -= 1
        elif char == "," and depth == 2 and opened >= 0 and not closed:
            ends.append(i)
    if not closed:
        raise ValueError("no complete top-level data array")
    return opened, ends
