"""Credentials on the wire: Basic with the API key as username, or OAuth bearer tokens with rotation."""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import time
from collections.abc import Awaitable, Callable

import httpx

from .config import ApiKeyAuth, OAuthAuth
from .endpoints import Route
from .errors import LeverAuthError, LeverUnavailable
from .retry import RetryPolicy, Transient, transient_exception, transient_status, with_retries
from .secrets import Secret

log = logging.getLogger("lever_warehouse.auth")

RotationHook = Callable[[Secret], Awaitable[None] | None]
TOKEN_ROUTE = Route("oauth_token", "POST /oauth/token")


class Credentials:
    """Produces the Authorization header; `refresh()` is a no-op unless the credential can renew itself."""

    renewable = False

    async def header(self) -> str:
        raise NotImplementedError

    async def refresh(self, rejected: str | None = None) -> None:
        """Renew after a 401 that answered the header `rejected`."""
        return None

    def accepted(self, header: str) -> None:
        """Lever answered a request sent with `header` (anything but 401)."""
        return None


class ApiKeyCredentials(Credentials):
    def __init__(self, auth: ApiKeyAuth) -> None:
        token = base64.b64encode(f"{auth.api_key.reveal()}:".encode()).decode()
        self._header = Secret(f"Basic {token}")

    async def header(self) -> str:
        return self._header.reveal()


class OAuthCredentials(Credentials):
    """Access tokens live an hour and every refresh rotates the refresh token.

    The new refresh token is handed to `on_rotate` (which persists it) *before* the new access token is
    used: a crash between the two would otherwise lose the only valid refresh token (lever-api.md §14.19).
    A token endpoint that is down (429, 5xx, timeouts, dropped connections, a cut-off body) is retried like
    the API; only an OAuth refusal (invalid_grant, invalid_client) asks for re-authorization.
    """

    renewable = True
    _MARGIN_SECONDS = 60.0
    # Fresh tokens rejected before Lever accepted any of them: the grant works but the API refuses what it
    # issues (scopes removed, app suspended). Refreshing further only burns rotations.
    MAX_REJECTED_TOKENS = 3

    def __init__(
        self,
        auth: OAuthAuth,
        http: httpx.AsyncClient,
        refresh_token: Secret | None = None,
        on_rotate: RotationHook | None = None,
        clock: Callable[[], float] = time.monotonic,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._auth = auth
        self._http = http
        self._refresh_token = refresh_token or auth.refresh_token
        self._on_rotate = on_rotate
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._rng = random.Random()
        self._access: Secret | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self._rejected_in_a_row = 0

    def _header(self) -> str | None:
        return f"Bearer {self._access.reveal()}" if self._access is not None else None

    def accepted(self, header: str) -> None:
        if header == self._header():
            self._rejected_in_a_row = 0

    async def header(self) -> str:
        if self._access is None or self._clock() >= self._expires_at - self._MARGIN_SECONDS:
            await self.refresh(only_if_stale=True)
        header = self._header()
        assert header is not None
        return header

    async def refresh(self, only_if_stale: bool = False, rejected: str | None = None) -> None:
        """Get a new access token. `rejected`: the header a 401 answered; if another request has replaced
        that token meanwhile, there is nothing to do (concurrent 401s must not each burn a refresh token)."""
        stale_access = self._access
        async with self._lock:
            if rejected is not None and self._header() != rejected:
                return
            if rejected is None and self._access is not stale_access:
                return
            if only_if_stale and self._access is not None and self._clock() < self._expires_at - self._MARGIN_SECONDS:
                return
            if rejected is not None:
                self._rejected_in_a_row += 1
                if self._rejected_in_a_row > self.MAX_REJECTED_TOKENS:
                    raise LeverAuthError(
                        f"Lever rejected {self.MAX_REJECTED_TOKENS} freshly issued OAuth access tokens in a row (401) "
                        "although the token endpoint issues them: the app may have lost its scopes or been "
                        "suspended; a Lever Super Admin must re-authorize the app",
                        endpoint=TOKEN_ROUTE.name,
                        status=401,
                    )
            body = await self._exchange()
            new_refresh = body.get("refresh_token")
            if isinstance(new_refresh, str) and new_refresh:
                self._refresh_token = Secret(new_refresh)
                if self._on_rotate is not None:
                    result = self._on_rotate(self._refresh_token)
                    if result is not None:
                        await result
            self._access = Secret(str(body["access_token"]))
            expires_in = body.get("expires_in", 3600)
            self._expires_at = self._clock() + float(expires_in if isinstance(expires_in, int | float) else 3600)

    async def _exchange(self) -> dict:
        """POST the refresh grant; retry while the token endpoint is unavailable, never past its refusal."""
        attempts = 0

        async def attempt() -> dict | Transient:
            nonlocal attempts
            attempts += 1
            try:
                response = await self._http.post(
                    self._auth.token_url,
                    data={
                        "grant_type": "refresh_token",
                        "refresh_token": self._refresh_token.reveal(),
                        "client_id": self._auth.client_id,
                        "client_secret": self._auth.client_secret.reveal(),
                    },
                )
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                failure = transient_exception(exc)
                assert failure is not None
                return failure
            status = response.status_code
            if status == 200:
                body = _json_object(response)
                if body is not None and isinstance(body.get("access_token"), str):
                    return body
                return Transient("truncated or invalid JSON body")
            failure = transient_status(status)
            if failure is not None:
                return failure
            hint = (
                " (if an earlier attempt of this refresh was cut off, Lever may have rotated the token "
                "in a response that never arrived)"
                if attempts > 1
                else ""
            )
            raise LeverAuthError(
                f"OAuth token refresh at {self._auth.token_url} was refused (HTTP {status}, "
                f"{_oauth_error(response)}){hint}; a Lever Super Admin must re-authorize the app and you "
                "must set a new LEVER_OAUTH_REFRESH_TOKEN",
                endpoint=TOKEN_ROUTE.name,
                status=status,
            )

        def give_up(tries: int, last: Transient) -> Exception:
            return LeverUnavailable(
                f"POST /oauth/token at {self._auth.token_url} still failing after {tries} attempts "
                f"(last: {last.reason}); the OAuth token endpoint may be down: rerun later, nothing was lost",
                endpoint=TOKEN_ROUTE.name,
            )

        return await with_retries(
            attempt, policy=self._retry, rng=self._rng, what="POST /oauth/token", give_up=give_up, logger=log
        )


def _json_object(response: httpx.Response) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "no error body"
    if isinstance(body, dict):
        return str(body.get("error") or body.get("code") or "unknown error")
    return "unknown error"
