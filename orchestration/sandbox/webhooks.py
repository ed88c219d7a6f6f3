"""Lever's webhooks, sent: each event the account emits goes to every webhook listening for it, as Lever sends
it (`{event, triggeredAt, token, signature, data}`, signed with HMAC-SHA256 of `token + triggeredAt` keyed by the
webhook's signature token), from a background thread, retried while the receiver does not answer 2xx.

Fault rules with target `webhooks` shape deliveries: `duplicate` sends the same body twice, `reorder` holds one
back so later ones overtake it, `delay[:seconds]` sends it late, `bad_signature` signs it with a wrong token (and
its retries too: a receiver must never accept it).
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import httpx

from .account import Account
from .faults import FaultController, Scope

log = logging.getLogger("lever_sandbox.webhooks")
# [inf] Lever retries failed deliveries with an undocumented count and backoff: here 5 retries, doubling from 1 s.
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
REORDER_HOLD_S = 1.0
LOG_SIZE = 100_000
SCOPE = Scope(endpoint="webhooks", webhook=True)


def sign(signature_token: str, token: str, triggered_at: int) -> str:
    return hmac.new(signature_token.encode(), f"{token}{triggered_at}".encode(), hashlib.sha256).hexdigest()


@dataclass
class Delivery:
    url: str
    body: dict
    fault: str | None = None
    attempts: int = 0
    statuses: list[int] = field(default_factory=list)  # one per attempt; 0: no answer (refused, timed out)
    delivered: bool = False
    given_up: bool = False


class WebhookSender:
    def __init__(
        self,
        account: Account,
        faults: FaultController,
        *,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        timeout: float = 10.0,
    ) -> None:
        self.account = account
        self.faults = faults
        self.retry_delays = retry_delays
        self.timeout = timeout
        self.deliveries: deque[Delivery] = deque(maxlen=LOG_SIZE)  # every delivery made, newest last
        self._due: list[tuple[float, int, Delivery]] = []
        self._order = itertools.count()
        self._busy = 0
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def send(self) -> int:
        """Hand the account's pending events to the sender; returns the deliveries queued."""
        with self.account.lock:
            events, self.account.outbox = self.account.outbox, []
            hooks = list(self.account.webhooks.values())
        queued = 0
        for event, triggered_at, data in events:
            for hook in hooks:
                if hook["event"] == event:
                    self._queue(hook, event, triggered_at, data)
                    queued += 1
        return queued

    def _queue(self, hook: dict, event: str, triggered_at: int, data: dict) -> None:
        rule = self.faults.draw(SCOPE) if self.faults.rules else None
        kind = rule.kind if rule is not None else None
        token = secrets.token_hex(16)  # never seeded: a reloaded sandbox must not repeat an earlier delivery's token
        key = hook["signatureToken"] + ("-forged" if kind == "bad_signature" else "")
        signature = sign(key, token, triggered_at)
        body = {"event": event, "triggeredAt": triggered_at, "token": token, "signature": signature, "data": data}
        delay = rule.seconds if kind == "delay" else REORDER_HOLD_S if kind == "reorder" else 0.0
        copies = 2 if kind == "duplicate" else 1
        for _ in range(copies):
            delivery = Delivery(hook["url"], body, kind)
            self.deliveries.append(delivery)
            self._schedule(delivery, delay)

    def _schedule(self, delivery: Delivery, delay: float) -> None:
        with self._condition:
            if self._closed:
                return
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._order), delivery))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lever-sandbox-webhooks", daemon=True)
                self._thread.start()
            self._condition.notify_all()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout) as client:
            while True:
                with self._condition:
                    while not self._closed and (not self._due or self._due[0][0] > time.monotonic()):
                        wait = self._due[0][0] - time.monotonic() if self._due else None
                        self._condition.wait(wait)
                    if self._closed:
                        return
                    _, _, delivery = heapq.heappop(self._due)
                    self._busy += 1
                try:
                    self._attempt(client, delivery)
                finally:
                    with self._condition:
                        self._busy -= 1
                        self._condition.notify_all()

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        delivery.attempts += 1
        try:
            status = client.post(delivery.url, json=delivery.body).status_code
        except httpx.HTTPError:
            status = 0
        delivery.statuses.append(status)
        if 200 <= status < 300:
            delivery.delivered = True
        elif delivery.attempts <= len(self.retry_delays):
            self._schedule(delivery, self.retry_delays[delivery.attempts - 1])
        else:
            delivery.given_up = True
            event, attempts = delivery.body["event"], delivery.attempts
            log.warning("webhook %s to %s given up after %d attempts", event, delivery.url, attempts)

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until every delivery was answered 2xx or given up (or `timeout`); True if none is left."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._due or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(left)
        return True

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._due.clear()
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 1)
