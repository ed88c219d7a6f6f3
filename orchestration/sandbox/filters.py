"""Declarative list filters: repeated values OR-ed, parameters AND-ed, inclusive epoch-ms ranges.

A record whose field is null never matches a range (so `updatedAt: null` opportunities escape
`updated_at_*`). Booleans are case-insensitive (`True`, `false`); anything else is a 400.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .errors import ApiError, bad_request

Getter = Callable[[object], object]


@dataclass(frozen=True)
class AnyOf:
    """`?param=a&param=b`: the record's value(s) must include one of them."""

    param: str
    get: Getter  # returns one value or an iterable of values
    normalize: Callable[[str], str] = str


@dataclass(frozen=True)
class Range:
    """`?name_start=&name_end=`: inclusive ms bounds, either optional."""

    name: str
    get: Getter


@dataclass(frozen=True)
class Flag:
    param: str
    get: Getter


Filter = AnyOf | Range | Flag


def parse_bool(raw: str, param: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise bad_request(f"Invalid value for {param}: {raw!r} (expected true or false)")


def parse_ms(raw: str, param: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"Invalid timestamp for {param}: {raw!r} (expected epoch milliseconds)") from None


def _values(value: object) -> Iterable:
    if isinstance(value, list | tuple | set | frozenset):
        return value
    return (value,)


def compile_filters(specs: Iterable[Filter], query: dict[str, list[str]]) -> list[Callable[[object], bool]]:
    predicates: list[Callable[[object], bool]] = []
    for spec in specs:
        if isinstance(spec, AnyOf) and spec.param in query:
            wanted = {spec.normalize(v) for v in query[spec.param]}
            predicates.append(
                lambda r, s=spec, w=wanted: any(v is not None and s.normalize(v) in w for v in _values(s.get(r)))
            )
        elif isinstance(spec, Range):
            low_raw = query.get(f"{spec.name}_start", [None])[-1]
            high_raw = query.get(f"{spec.name}_end", [None])[-1]
            if low_raw is None and high_raw is None:
                continue
            low = parse_ms(low_raw, f"{spec.name}_start") if low_raw is not None else None
            high = parse_ms(high_raw, f"{spec.name}_end") if high_raw is not None else None
            predicates.append(lambda r, s=spec, lo=low, hi=high: _in_range(s.get(r), lo, hi))
        elif isinstance(spec, Flag) and spec.param in query:
            wanted_flag = parse_bool(query[spec.param][-1], spec.param)
            predicates.append(lambda r, s=spec, w=wanted_flag: bool(s.get(r)) == w)
    return predicates


def _in_range(value: object, low: int | None, high: int | None) -> bool:
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def matches(predicates: list[Callable[[object], bool]], record: object) -> bool:
    return all(predicate(record) for predicate in predicates)


def confidentiality(query: dict[str, list[str]], allowed: bool) -> frozenset[str]:
    """Visible confidentiality values; `confidential` or `all` with a key lacking confidential access is a 403
    (so clients learn why records are missing instead of mistaking them for deletions)."""
    raw = query.get("confidentiality", ["non-confidential"])[-1].lower()
    if raw not in ("non-confidential", "confidential", "all"):
        raise bad_request(f"Invalid confidentiality: {raw!r} (non-confidential, confidential or all)")
    if raw != "non-confidential" and not allowed:
        raise ApiError(403, "This API key does not have access to confidential data")
    return frozenset({"non-confidential", "confidential"}) if raw == "all" else frozenset({raw})


def canonical_email(email: str) -> str:
    return email.strip().lower()
