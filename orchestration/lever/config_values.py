"""How one setting's text becomes a value: paths, numbers, ids, tokens, each with a one-line error naming it."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError
from .secrets import Secret

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# DuckDB caches what a sync reads and writes up to 80% of RAM; capped, a 100k-opportunity sync peaks at about
# 290 MB plus the cap (BENCHMARKS.md: 812 MB uncapped, 481 MB at 192 MB, 420 MB at 128 MB, ~10% more CPU). A sync
# that outgrows it goes on uncapped (runner.sync_integration).
DEFAULT_SYNC_MEMORY = "160MB"

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9:_.-]{0,63}$")


def default_token_url(base_url: str) -> str:
    """Lever's OAuth server is not on the API host; map the documented hosts, else the API host's /oauth/token."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if host == "api.lever.co":
        return "https://auth.lever.co/oauth/token"
    if host == "api.eu.lever.co":
        return "https://auth.eu.lever.co/oauth/token"
    if host == "api.sandbox.lever.co":
        return "https://sandbox-lever.auth0.com/oauth/token"
    return f"{parts.scheme}://{parts.netloc}/oauth/token"


def _read(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip()


def _validate_id(value: str) -> str:
    if not _ID_PATTERN.match(value):
        raise ConfigError(
            f"integration id {value!r} must be lowercase letters, digits and ':_.-' (e.g. 'lever:acme'); "
            "it is part of every warehouse id, so choose it once"
        )
    return value


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read integrations file {path}: {exc}") from exc


def resolve_duckdb_path(env: Mapping[str, str], name: str = "DUCKDB_PATH") -> Path:
    """Resolved once to an absolute path: dbt runs with its project folder as cwd and must see the same file."""
    raw = _read(env, name) or "data/warehouse.duckdb"
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    return path.resolve()


def _optional_path(env: Mapping[str, str], name: str) -> Path | None:
    """A path setting resolved like DUCKDB_PATH; None when unset (its default derives from the warehouse's)."""
    return resolve_duckdb_path(env, name) if _read(env, name) else None


def _webhook_tokens(env: Mapping[str, str], name: str, where: str, *, required: bool = True) -> tuple[Secret, ...]:
    """The tokens in the variable `name` (comma- or space-separated), never the name's own text."""
    if not name:
        return ()
    tokens = tuple(Secret(token) for token in re.split(r"[\s,]+", _read(env, name)) if token)
    if required and not tokens:
        raise ConfigError(f"{where}: environment variable {name} (webhook_token_env) is empty or unset")
    return tokens


def _memory_limit(text: str) -> str | None:
    """DuckDB's memory cap for a sync: unset gives the default, `0`/`none`/`off` no cap (DuckDB's 80% of RAM)."""
    if not text:
        return DEFAULT_SYNC_MEMORY
    return None if text.lower() in ("0", "none", "off") else text


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    return _non_negative(_read(env, name), name, float, default)


def _budget(text: str, where: str) -> int | None:
    return _non_negative(text, where, int, None)


def _non_negative(text: str, where: str, kind: type, default):
    """`text` as a number of `kind` (int: whole), `default` when empty; a clear error naming `where` otherwise."""
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{where}={text!r} is not {what}") from None
    if value < 0:
        raise ConfigError(f"{where}={text!r} must not be negative")
    return value
