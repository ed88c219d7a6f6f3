"""Credentials: API keys (HTTP Basic) and OAuth clients with rotating refresh tokens (Bearer)."""

from __future__ import annotations

import base64
import binascii
import random
from dataclasses import dataclass

from .clock import HOUR_MS
from .errors import UNAUTHORIZED, ApiError

ACCESS_TOKEN_TTL_MS = HOUR_MS
SCOPES = (
    "offline_access opportunities:read:admin opportunities:write:admin applications:read:admin "
    "interviews:read:admin panels:read:admin feedback:read:admin notes:read:admin notes:write:admin "
    "offers:read:admin postings:read:admin referrals:read:admin requisitions:read:admin "
    "requisition_fields:read:admin resumes:read:admin files:read:admin files:write:admin "
    "forms:read:admin sources:read:admin stages:read:admin tags:read:admin archive_reasons:read:admin "
    "users:read:admin contact:read:admin confidential:access:admin"
)


@dataclass(frozen=True)
class Principal:
    credential: str  # the rate-limit bucket key: one bucket per API key or access token
    confidential: bool
    denied: frozenset[str] = frozenset()
    bearer: bool = False
    # Endpoints this key may read but not write (Lever sets read and write per endpoint); "*": every endpoint.
    read_only: frozenset[str] = frozenset()

    def may_write(self, endpoint: str) -> bool:
        return not ({endpoint, "*"} & self.read_only)


class OAuthError(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


class AuthRegistry:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"{seed}:auth")
        self.keys: dict[str, Principal] = {}
        self.clients: dict[str, str] = {}  # client_id -> secret
        self.refresh_tokens: dict[str, str] = {}  # live refresh token -> client_id
        self.access_tokens: dict[str, int] = {}  # access token -> expiry (sandbox ms)
        self._basic_cache: dict[str, str | None] = {}
        self.default_key = self.create_key()

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_basic_cache": {}}

    def _secret(self, prefix: str) -> str:
        return f"{prefix}_{self._rng.getrandbits(160):040x}"

    def create_key(
        self,
        confidential: bool = True,
        denied: frozenset[str] | set[str] = frozenset(),
        read_only: frozenset[str] | set[str] = frozenset(),
    ) -> str:
        key = self._secret("sbx")
        self.keys[key] = Principal(key, confidential, frozenset(denied), read_only=frozenset(read_only))
        return key

    def create_oauth_client(self) -> tuple[str, str, str]:
        client_id, secret, refresh = self._secret("cid"), self._secret("csec"), self._secret("rt")
        self.clients[client_id] = secret
        self.refresh_tokens[refresh] = client_id
        return client_id, secret, refresh

    def _basic_key(self, header: str) -> str | None:
        if header not in self._basic_cache:
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = None
            if len(self._basic_cache) > 1024:
                self._basic_cache.clear()
            self._basic_cache[header] = decoded.split(":", 1)[0] if decoded is not None else None
        return self._basic_cache[header]

    def authenticate(self, headers: dict[str, str], now_ms: int) -> Principal:
        header = headers.get("authorization", "")
        scheme = header[:7].lower()
        if scheme.startswith("basic "):
            principal = self.keys.get(self._basic_key(header) or "")
            if principal is not None:
                return principal
        elif scheme == "bearer ":
            token = header[7:].strip()
            expires = self.access_tokens.get(token)
            if expires is not None and expires > now_ms:
                return Principal(token, True, bearer=True)
        raise ApiError(401, UNAUTHORIZED)

    @staticmethod
    def bearer_token(headers: dict[str, str]) -> str | None:
        header = headers.get("authorization", "")
        return header[7:].strip() if header[:7].lower() == "bearer " else None

    def expire(self, token: str) -> None:
        self.access_tokens.pop(token, None)

    def exchange(self, form: dict[str, str], now_ms: int, expire_now: bool = False) -> dict:
        """`grant_type=refresh_token`: every refresh rotates the refresh token; a used one is invalid_grant."""
        if form.get("grant_type") != "refresh_token":
            raise OAuthError(400, "unsupported_grant_type")
        client_id = form.get("client_id", "")
        if self.clients.get(client_id) != form.get("client_secret") or not client_id:
            raise OAuthError(401, "invalid_client")
        if self.refresh_tokens.get(form.get("refresh_token", "")) != client_id:
            raise OAuthError(400, "invalid_grant")
        del self.refresh_tokens[form["refresh_token"]]
        access, refresh = self._secret("at"), self._secret("rt")
        self.access_tokens[access] = now_ms if expire_now else now_ms + ACCESS_TOKEN_TTL_MS
        self.refresh_tokens[refresh] = client_id
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_TTL_MS // 1000,
            "scope": SCOPES,
        }
