"""Fault injection. Grammar (comma-separated rules, whitespace ignored):

    rule    := target ":" kind [":" seconds] modifier*
    target  := endpoint name (opportunities, interviews, postings, users, ...) | "*" (every API endpoint)
             | "oauth" (every request authenticated with a Bearer token) | "oauth_token" (POST /oauth/token)
    kind    := 429 | 500 | 502 | 503 | timeout | drop | truncate | invalid_token | expire
    seconds := number with optional unit, only for timeout: "5", "5s", "250ms" (default 30s)
    modifier:= "@" probability (0..1, seeded RNG; default 1) | "x" count (fire at most N times; default unbounded)

Examples: `opportunities:429x3` (the next three opportunities requests get 429), `interviews:500@0.1`,
`postings:timeout:5s@0.05`, `notes:drop@0.02`, `users:truncate`, `opportunities:invalid_token@1x1`,
`*:503@0.01`, `oauth:expire`.

Kinds: 429/5xx answer with Lever's error body (429 without Retry-After); `timeout` delays the real answer
(in-process transports raise httpx.ReadTimeout if the delay exceeds the request's read timeout); `drop`
closes the connection without answering (in-process: httpx.RemoteProtocolError); `truncate` declares the full
Content-Length, sends half the body and closes (in-process: the truncated bytes); `invalid_token` answers
400 "Invalid offset token" and only fires on requests carrying `offset`; `expire` only fires on Bearer
requests: that access token expires at once (401) and stays expired; on `oauth_token` it makes the issued
access token expire immediately. Rules are tried in order; the first that fires wins.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass

KINDS = ("429", "500", "502", "503", "timeout", "drop", "truncate", "invalid_token", "expire")
_RULE = re.compile(
    r"^(?P<target>[A-Za-z_*]+):(?P<kind>" + "|".join(KINDS) + r")"
    r"(?::(?P<seconds>\d+(?:\.\d+)?)(?P<unit>ms|s)?)?(?P<mods>(?:@\d*\.?\d+|x\d+)*)$"
)
DEFAULT_TIMEOUT_S = 30.0


@dataclass
class Rule:
    target: str
    kind: str
    seconds: float = DEFAULT_TIMEOUT_S
    probability: float = 1.0
    remaining: int | None = None

    def applies(self, endpoint: str, bearer: bool, has_offset: bool) -> bool:
        if self.target not in ("*", endpoint) and not (self.target == "oauth" and bearer):
            return False
        if self.kind == "invalid_token" and not has_offset:
            return False
        return not (self.kind == "expire" and not bearer and endpoint != "oauth_token")


def parse(spec: str) -> list[Rule]:
    rules = []
    for raw in spec.replace(" ", "").split(","):
        if not raw:
            continue
        match = _RULE.match(raw)
        if match is None:
            raise ValueError(f"invalid fault rule {raw!r} (expected target:kind[:seconds][@p][xN])")
        rule = Rule(match["target"], match["kind"])
        if match["seconds"]:
            rule.seconds = float(match["seconds"]) / (1000 if match["unit"] == "ms" else 1)
        for probability, count in re.findall(r"@(\d*\.?\d+)|x(\d+)", match["mods"]):
            if probability:
                rule.probability = float(probability)
                if not 0 <= rule.probability <= 1:
                    raise ValueError(f"probability out of range in {raw!r}")
            else:
                rule.remaining = int(count)
        rules.append(rule)
    return rules


class FaultController:
    """Active rules plus the seeded RNG that decides probabilistic ones (deterministic per request order)."""

    def __init__(self, seed: int, spec: str | None = None) -> None:
        self._rng = random.Random(f"{seed}:faults")
        self._lock = threading.Lock()
        self.rules: list[Rule] = []
        if spec:
            self.add(spec)

    def add(self, spec: str) -> list[Rule]:
        rules = parse(spec)
        with self._lock:
            self.rules.extend(rules)
        return rules

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def describe(self) -> list[dict]:
        return [rule.__dict__.copy() for rule in self.rules]

    def draw(self, endpoint: str, bearer: bool, has_offset: bool) -> Rule | None:
        if not self.rules:
            return None
        with self._lock:
            for rule in self.rules:
                if not rule.applies(endpoint, bearer, has_offset):
                    continue
                if rule.probability < 1 and self._rng.random() >= rule.probability:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
                return rule
        return None
