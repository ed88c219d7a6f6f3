"""`Sandbox`: the public Python API of the Lever simulator."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from . import activity, catalog_changes, persistence, subscriptions
from .account import Account
from .app import App
from .auth import AuthRegistry
from .clock import DEFAULT_START, from_ms, to_ms
from .dangling import dangling
from .faults import FaultController
from .generator.assemble import generate_account
from .messages import Request, Response, json_body
from .server import LOOPBACK, BackgroundServer
from .transport import AsyncSandboxTransport, SandboxTransport
from .truth import truth as account_truth
from .webhooks import WebhookSender


class Sandbox:
    """A deterministic Lever account behind Lever's API v1, in process or on 127.0.0.1.

    `rate_limit`/`burst` are per credential (0 disables limiting, and with it the 2/s apply limit);
    `latency_ms` is a float or a (min, max) range drawn from a seeded RNG; `faults` uses the grammar of
    `orchestration.sandbox.faults`; with `state_dir` an existing snapshot is loaded (instead of generating)
    and the state is saved after every advance and write. `quirks=True` generates the oddities of real accounts
    listed in `generator.quirks` (off by default: they change what a seed generates).
    """

    STATE_FILE = persistence.STATE_FILE

    def __init__(
        self,
        seed: int = 0,
        opportunities: int = 1000,
        start: datetime | None = None,
        rate_limit: float = 10.0,
        burst: int = 20,
        latency_ms: float | tuple[float, float] = 0.0,
        faults: str | None = None,
        state_dir: str | Path | None = None,
        quirks: bool = False,
    ) -> None:
        if state_dir and persistence.exists(state_dir):
            state = persistence.load(state_dir)
        else:
            start_ms = to_ms(start or DEFAULT_START)
            config = {"seed": seed, "opportunities": opportunities, "start_ms": start_ms, "quirks": quirks}
            state = (generate_account(seed, opportunities, start_ms, quirks), AuthRegistry(seed), config, [])
        self._setup(state, rate_limit, burst, latency_ms, faults, state_dir)

    def _setup(
        self,
        state: tuple[Account, AuthRegistry, dict, list[Request]],
        rate_limit: float,
        burst: float,
        latency_ms: float | tuple[float, float],
        faults: str | None,
        state_dir: str | Path | None,
    ) -> None:
        self.account, self.auth, self.config, journaled = state
        self.seed: int = self.config["seed"]
        self.state_dir = Path(state_dir) if state_dir else None
        self.faults = FaultController(self.seed, faults)
        self.deliveries = WebhookSender(self.account, self.faults)
        self.app = App(
            self.account,
            self.auth,
            self.faults,
            on_write=self._changed,
            rate_limit=rate_limit,
            burst=burst,
            latency_ms=latency_ms,
            seed=self.seed,
        )
        self.url: str | None = None
        for request in journaled:
            self.app.replay(request)
        self.account.outbox.clear()  # replayed writes were delivered when they were made
        if self.state_dir is not None and not persistence.exists(self.state_dir):
            self.save(self.state_dir)

    # -- clock and activity ------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return from_ms(self.account.now_ms)

    @property
    def now_ms(self) -> int:
        return self.account.now_ms

    def advance(self, days: float, intensity: float = 1.0) -> dict[str, int]:
        """Move the clock `days` ahead and simulate recruiting activity (every rate times `intensity`); returns
        changes per kind. Webhooks listening for what happened are sent."""
        if days < 0:
            raise ValueError("the sandbox clock never goes back")
        return self._advance_ms(self.account.now_ms + round(days * 86_400_000), intensity)

    def advance_to(self, when: datetime, intensity: float = 1.0) -> dict[str, int]:
        return self._advance_ms(to_ms(when), intensity)

    def _advance_ms(self, until_ms: int, intensity: float) -> dict[str, int]:
        counts = activity.advance(self.account, until_ms, intensity)
        self._changed()
        return counts

    def write(self, method: str, path: str, body: dict, query: list[tuple[str, str]] | None = None) -> dict:
        """An API write from Python, with full access and no limits or faults: `write("PUT",
        "/opportunities/<id>/stage", {"stage": "offer"})`. Returns the JSON answer; API errors raise ValueError."""
        request = Request(method, f"/v1{path}", query or [], {"content-type": "application/json"}, json_body(body))
        response = self.app.replay(request)
        if response.status >= 400:
            raise ValueError(json.loads(response.body)["message"])
        self._changed(request)
        return json.loads(response.body) if response.body else {}

    def add_note(self, opportunity_id: str, text: str, user: str | None = None, secret: bool = False) -> dict:
        """A note written now (as `POST /opportunities/:id/notes`): moves lastInteractionAt, not updatedAt."""
        query = [("perform_as", user)] if user else []
        return self.write("POST", f"/opportunities/{opportunity_id}/notes", {"value": text, "secret": secret}, query)[
            "data"
        ]

    # -- dangling references, as real accounts have them -------------------------------------------------
    def remove_stage(self, stage_id: str) -> None:
        """Take a stage out of the pipeline; its opportunities, stage changes and interviews keep its id."""
        self._catalog_change(catalog_changes.remove_stage, stage_id)

    def delete_archive_reason(self, reason_id: str) -> None:
        """Delete an archive reason; opportunities archived with it keep its id."""
        self._catalog_change(catalog_changes.delete_archive_reason, reason_id)

    def delete_posting(self, posting_id: str, deleted_at: datetime | None = None) -> None:
        """Hard-delete a posting (applications keep its id); `deleted_at` backdates it, e.g. to before a
        warehouse's first sync, so a deleted feed read from a later cursor never sees it."""
        posting = self.account.catalog.postings.get(posting_id)
        if posting is None:
            raise ValueError(f"no posting {posting_id}")
        at = None if deleted_at is None else to_ms(deleted_at)
        self._catalog_change(lambda account, p: catalog_changes.delete_posting(account, p, at), posting)

    def dangling(self) -> dict[str, list[str]]:
        """{entity: sorted ids referenced by listed records that no list returns}, e.g. {"postings": [...]}."""
        return dangling(self.account)

    def _catalog_change(self, change: Callable[[Account, Any], None], target: object) -> None:
        with self.account.lock:
            change(self.account, target)
        self._changed()

    # -- webhooks ------------------------------------------------------------------------------------------
    def add_webhooks(
        self, url: str, events: Sequence[str] | None = None, signature_token: str | None = None
    ) -> list[dict]:
        """Send `events` (default: all ten of Lever's) to `url`, one webhook each, signed with `signature_token`
        (generated if None). Events already sent to `url` keep their webhook; a given token replaces theirs.
        Returns the url's webhooks, tokens included. Deliveries come from a background thread;
        `deliveries.wait()` waits for them."""
        with self.account.lock:
            hooks = [hook for hook in self.account.webhooks.values() if hook["url"] == url]
            token = signature_token or next((hook["signatureToken"] for hook in hooks), None)
            present = {hook["event"] for hook in hooks}
            for event in events or subscriptions.EVENTS:
                if event not in present:
                    hooks.append(subscriptions.add_webhook(self.account, event, url, signature_token=token))
                    token = hooks[-1]["signatureToken"]
            for hook in hooks:
                hook["signatureToken"] = token
            hooks = [dict(hook) for hook in hooks]
        self.persist()
        return hooks

    # -- credentials ---------------------------------------------------------------------------------------
    @property
    def api_key(self) -> str:
        return self.auth.default_key

    def create_key(
        self,
        confidential: bool = True,
        denied: set[str] | frozenset[str] = frozenset(),
        read_only: set[str] | frozenset[str] = frozenset(),
    ) -> str:
        """A new API key: without confidential access, without any access to the `denied` endpoints, or allowed
        to read but not write the `read_only` ones ("*": all)."""
        with self.account.lock:
            key = self.auth.create_key(confidential, denied, read_only)
        self.persist()
        return key

    def create_oauth_client(self) -> tuple[str, str, str]:
        """(client_id, client_secret, refresh_token) for `POST /oauth/token` with grant_type=refresh_token."""
        with self.account.lock:
            client = self.auth.create_oauth_client()
        self.persist()
        return client

    def set_rate_limit(self, rate_limit: float, burst: float | None = None) -> None:
        """Change the per-credential limit of a running sandbox (0 disables); buckets start full again."""
        self.app.set_rate_limit(rate_limit, self.app.burst if burst is None else burst)

    # -- ground truth and stats ----------------------------------------------------------------------------
    def truth(self, entity: str) -> dict:
        return account_truth(self.account, entity)

    def stats(self) -> dict:
        return self.app.stats.snapshot()

    def reset_stats(self) -> None:
        self.app.stats.reset()

    # -- serving -------------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """The framework-free core: one request in, one response out (faults described, not performed)."""
        return self.app.handle(request)

    def transport(self) -> httpx.BaseTransport:
        return SandboxTransport(self.app)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        return AsyncSandboxTransport(self.app)

    @contextmanager
    def serve(self, port: int = 0, host: str = LOOPBACK) -> Iterator[str]:
        """Serve on 127.0.0.1 in a background thread; yields the base URL (`http://127.0.0.1:PORT/v1`)."""
        server = BackgroundServer(self.handle, port, host)
        bound = server.start()
        self.url = f"http://{LOOPBACK}:{bound}/v1"
        try:
            yield self.url
        finally:
            server.stop()
            self.url = None

    # -- persistence ---------------------------------------------------------------------------------------
    def save(self, directory: str | Path) -> None:
        persistence.save(directory, self.account, self.auth, self.config)

    @classmethod
    def load(
        cls,
        directory: str | Path,
        rate_limit: float = 10.0,
        burst: int = 20,
        latency_ms: float | tuple[float, float] = 0.0,
        faults: str | None = None,
        state_dir: str | Path | None = None,
    ) -> Sandbox:
        """A sandbox from `save(directory)`; runtime settings (limits, latency, faults) are not part of the state."""
        if not persistence.exists(directory):
            raise FileNotFoundError(f"no sandbox state in {directory}")
        sandbox = cls.__new__(cls)
        sandbox._setup(persistence.load(directory), rate_limit, burst, latency_ms, faults, state_dir)
        return sandbox

    def _changed(self, write: Request | None = None) -> None:
        """After every change: journal or snapshot it, then send the webhooks it emitted."""
        self.persist(write)
        self.deliveries.send()

    def persist(self, write: Request | None = None) -> None:
        """With a state_dir: journal a write, or snapshot everything (after advances and credential changes)."""
        if self.state_dir is None:
            return
        if write is not None:
            persistence.journal(self.state_dir, write)
        else:
            self.save(self.state_dir)
