"""Fault injection rules. Grammar (comma-separated rules, whitespace ignored):

    rule     := target ":" kind [":" argument] modifier*
    target   := endpoint name (opportunities, interviews, postings, users, ...) | "*" (every API endpoint)
              | "oauth" (every request authenticated with a Bearer token) | "oauth_token" (POST /oauth/token)
              | "webhooks" (deliveries the sandbox sends; only the WEBHOOK kinds apply to them)
    kind     := see KINDS (the README describes each)
    argument := number with optional unit "s" or "ms": the delay of `timeout` (default 30s) or of `delay`
                (default 30s), or the offset of `clock_skew` (required, may be negative); no other kind takes one
    modifier := "@" probability (0..1, seeded RNG; default 1) | "x" count (fire at most N times; default unbounded)

Examples: `opportunities:429x3`, `interviews:500@0.1`, `postings:timeout:5s@0.05`, `notes:drop@0.02`,
`opportunities:invalid_token@1x1`, `*:503@0.01`, `oauth:expire`, `*:race_delete x5`, `*:clock_skew:-600`,
`webhooks:duplicate@0.1`, `webhooks:delay:5s@0.2`, `webhooks:reorder@0.1`, `webhooks:bad_signature x1`.

Rules are tried in order and the first that fires wins, except `clock_skew`, which shifts the Date header of
every response it fires on alongside whatever else happens. A kind that only makes sense for some requests
(`invalid_token` on requests with `offset`, list kinds on paginated lists, `race_delete` on child lists of a live
opportunity, ...) neither fires nor counts elsewhere.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass

TRANSPORT = ("timeout", "drop", "truncate")
ERRORS = ("429", "500", "502", "503", "invalid_token", "expire", "not_found", "echo_auth", "echo_auth_500", "html")
LIST_KINDS = ("next_loop", "empty_pages")
POISON = (
    "poison_surrogate",
    "poison_huge_ms",
    "poison_nan",
    "poison_deep",
    "poison_nul_id",
    "poison_dotdot_id",
)
# Faults of the webhook deliveries the sandbox sends (`webhooks.py`), never of the API's answers.
WEBHOOK = ("duplicate", "reorder", "delay", "bad_signature")
KINDS = (*TRANSPORT, *ERRORS, *LIST_KINDS, *POISON, "race_delete", "bare_applications", "clock_skew", *WEBHOOK)
PAGED_ONLY = frozenset((*LIST_KINDS, *POISON))
WITH_ARGUMENT = frozenset({"timeout", "clock_skew", "delay"})
_RULE = re.compile(
    r"^(?P<target>[A-Za-z_*]+):(?P<kind>" + "|".join(sorted(KINDS, key=len, reverse=True)) + ")"
    r"(?::(?P<sign>-)?(?P<seconds>\d+(?:\.\d+)?)(?P<unit>ms|s)?)?(?P<mods>(?:@\d*\.?\d+|x\d+)*)$"
)
DEFAULT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Scope:
    """What a rule may look at to decide whether it applies to a request."""

    endpoint: str
    bearer: bool = False
    has_offset: bool = False
    paged: bool = False
    live_child_list: bool = False  # a child list of an opportunity that exists right now
    expands_applications: bool = False
    webhook: bool = False  # a webhook delivery, not an API request


@dataclass
class Rule:
    target: str
    kind: str
    seconds: float = DEFAULT_TIMEOUT_S  # timeout delay, or clock_skew offset
    probability: float = 1.0
    remaining: int | None = None
    fired: int = 0

    def applies(self, scope: Scope) -> bool:
        if self.target not in ("*", scope.endpoint) and not (self.target == "oauth" and scope.bearer):
            return False
        if scope.webhook != (self.kind in WEBHOOK):
            return False
        if self.kind == "invalid_token":
            return scope.has_offset
        if self.kind == "expire":
            return scope.bearer or scope.endpoint == "oauth_token"
        if self.kind in PAGED_ONLY:
            return scope.paged
        if self.kind == "race_delete":
            return scope.live_child_list
        if self.kind == "bare_applications":
            return scope.expands_applications
        return True


def parse(spec: str) -> list[Rule]:
    rules = []
    for raw in spec.replace(" ", "").split(","):
        if not raw:
            continue
        match = _RULE.match(raw)
        if match is None:
            raise ValueError(f"invalid fault rule {raw!r} (expected target:kind[:seconds][@p][xN], kinds: {KINDS})")
        rule = Rule(match["target"], match["kind"])
        if match["seconds"] is not None:
            if rule.kind not in WITH_ARGUMENT or (match["sign"] and rule.kind != "clock_skew"):
                raise ValueError(f"{rule.kind} takes no {match['sign'] or ''}argument in {raw!r}")
            rule.seconds = (
                float(match["seconds"]) / (1000 if match["unit"] == "ms" else 1) * (-1 if match["sign"] else 1)
            )
        elif rule.kind == "clock_skew":
            raise ValueError(f"clock_skew needs seconds, e.g. clock_skew:-600, in {raw!r}")
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
        self._expire_next_token = False  # set by an `oauth_token:expire` rule, used by the next token issued
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

    def draw(self, scope: Scope) -> Rule | None:
        """The first rule (other than clock_skew) that applies to this request and fires."""
        return self._first(scope, skew=False)

    def skew_seconds(self, scope: Scope) -> float:
        """Offset of this response's Date header: the first clock_skew rule that fires, else 0."""
        rule = self._first(scope, skew=True)
        return rule.seconds if rule is not None else 0.0

    def _first(self, scope: Scope, skew: bool) -> Rule | None:
        if not self.rules:
            return None
        with self._lock:
            for rule in self.rules:
                if (rule.kind == "clock_skew") != skew or not rule.applies(scope):
                    continue
                if rule.probability < 1 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
                return rule
        return None

    def expire_next_token(self) -> None:
        self._expire_next_token = True

    def take_expire_next_token(self) -> bool:
        with self._lock:
            expire, self._expire_next_token = self._expire_next_token, False
        return expire
