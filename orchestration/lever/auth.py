"""Credentials on the wire: Basic with the API key as username, or OAuth bearer tokens with rotation."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable

import httpx

from .config import ApiKeyAuth, OAuthAuth
from .errors import LeverAuthError
from .secrets import Secret

RotationHook = Callable[[Secret], Awaitable[None] | None]


class Credentials:
    """Produces the Authorization header; `refresh()` is a no-op unless the credential can renew itself."""

    renewable = False

    async def header(self) -> str:
        raise NotImplementedError

    async def refresh(self) -> None:
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
    """

    renewable = True
    _MARGIN_SECONDS = 60.0

    def __init__(
        self,
        auth: OAuthAuth,
        http: httpx.AsyncClient,
        refresh_token: Secret | None = None,
        on_rotate: RotationHook | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._auth = auth
        self._http = http
        self._refresh_token = refresh_token or auth.refresh_token
        self._on_rotate = on_rotate
        self._clock = clock
        self._access: Secret | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def header(self) -> str:
        if self._access is None or self._clock() >= self._expires_at - self._MARGIN_SECONDS:
            await self.refresh(only_if_stale=True)
        assert self._access is not None
        return f"Bearer {self._access.reveal()}"

    async def refresh(self, only_if_stale: bool = False) -> None:
        stale_access = self._access
        async with self._lock:
            # Concurrent requests that all saw a 401 must not each burn a refresh token.
            if self._access is not stale_access:
                return
            if only_if_stale and self._access is not None and self._clock() < self._expires_at - self._MARGIN_SECONDS:
                return
            response = await self._http.post(
                self._auth.token_url,
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": self._refresh_token.reveal(),
                    "client_id": self._auth.client_id,
                    "client_secret": self._auth.client_secret.reveal(),
                },
            )
            if response.status_code != 200:
                raise LeverAuthError(
                    f"OAuth token refresh at {self._auth.token_url} was refused (HTTP {response.status_code}, "
                    f"{_oauth_error(response)}); a Lever Super Admin must re-authorize the app and you must set "
                    "a new LEVER_OAUTH_REFRESH_TOKEN",
                    endpoint="POST /oauth/token",
                    status=response.status_code,
                )
            body = response.json()
            new_refresh = body.get("refresh_token")
            if new_refresh:
                self._refresh_token = Secret(new_refresh)
                if self._on_rotate is not None:
                    result = self._on_rotate(self._refresh_token)
                    if result is not None:
                        await result
            self._access = Secret(body["access_token"])
            self._expires_at = self._clock() + float(body.get("expires_in", 3600))


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "no error body"
    if isinstance(body, dict):
        return str(body.get("error") or body.get("code") or "unknown error")
    return "unknown error"
