"""What Lever's answers mean: the typed error of a refused request, with what to do about it."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from .endpoints import Route
from .errors import InvalidOffsetToken, LeverAuthError, LeverPermissionError, LeverRequestError


def base_url_hint(base_url: str) -> str:
    return (
        f"check LEVER_BASE_URL ({base_url}): it must be the API's URL ending in /v1, "
        "e.g. https://api.lever.co/v1 (EU: https://api.eu.lever.co/v1)"
    )


def error_message(response: httpx.Response) -> str:
    """Lever's `message` (or `code`), else the start of the body: one line for an error text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip().rstrip(".")
    if isinstance(body, dict):
        return str(body.get("message") or body.get("code") or body)[:300].rstrip(".")
    return str(body)[:300]


def client_error(response: httpx.Response, method: str, route: Route, base_url: str) -> Exception:
    """A 4xx as the error a caller can act on: credentials, permissions, a refused token, or the request itself."""
    status = response.status_code
    message = error_message(response)
    where = f"{method} {route.template}"
    if status == 401:
        return LeverAuthError(
            f"Lever rejected the credentials (401) on {where}: {message}. Check LEVER_API_KEY (or the OAuth "
            "variables) and LEVER_BASE_URL (production, EU and sandbox keys are not interchangeable)",
            endpoint=route.name,
            status=status,
        )
    if status == 403:
        access = "read" if method == "GET" else "write"
        return LeverPermissionError(
            f"Lever refused {where} (403: {message}); give the API key the {access} permission for "
            f"'{route.template}' in Settings > Integrations and API > API Credentials",
            endpoint=route.name,
            status=status,
        )
    if status == 400 and "offset token" in message.lower():
        return InvalidOffsetToken(f"{where}: {message}", endpoint=route.name, status=status)
    hint = ""
    if status == 404 and not any(part.startswith("v") for part in urlsplit(base_url).path.split("/")):
        hint = f"; {base_url_hint(base_url)}"
    return LeverRequestError(f"{where} failed with HTTP {status}: {message}{hint}", endpoint=route.name, status=status)
