"""Request counters by route template and status, as `Sandbox.stats()` and `GET /_sandbox/stats` report them."""

from __future__ import annotations

import threading


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.total = 0
        self.by_endpoint: dict[str, int] = {}
        self.by_status: dict[str, int] = {}
        self.by_endpoint_status: dict[str, dict[str, int]] = {}

    def count(self, route: str, status: str) -> None:
        with self._lock:
            self.total += 1
            self.by_endpoint[route] = self.by_endpoint.get(route, 0) + 1
            self.by_status[status] = self.by_status.get(status, 0) + 1
            per = self.by_endpoint_status.setdefault(route, {})
            per[status] = per.get(status, 0) + 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": self.total,
                "by_endpoint": dict(self.by_endpoint),
                "by_status": dict(self.by_status),
                "by_endpoint_status": {k: dict(v) for k, v in self.by_endpoint_status.items()},
            }
