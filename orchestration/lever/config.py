"""Configuration from the environment and the optional integrations file (TOML): every setting of the library in
one place. How each value is read and checked is in `config_values.py`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config_values import (
    DEFAULT_SYNC_MEMORY,
    PROJECT_ROOT,
    _budget,
    _memory_limit,
    _number,
    _optional_path,
    _read,
    _read_toml,
    _validate_id,
    _webhook_tokens,
    default_token_url,
    resolve_duckdb_path,
)
from .endpoints import OPTIONAL
from .errors import ConfigError
from .field_mapping import IntegrationMapping, load_mappings
from .secrets import Secret

DEFAULT_BASE_URL = "https://api.lever.co/v1"
LEVER_RATE_LIMIT = 10.0
LEVER_BURST = 20
# The embedded sandbox runs 20x Lever's limit so `make run` finishes in seconds; documented in the README.
SANDBOX_RATE_LIMIT = 200.0
SANDBOX_BURST = 400


@dataclass(frozen=True)
class ApiKeyAuth:
    api_key: Secret


@dataclass(frozen=True)
class OAuthAuth:
    client_id: str
    client_secret: Secret
    refresh_token: Secret
    token_url: str


@dataclass(frozen=True)
class SandboxSpec:
    """An account served by the built-in Lever simulator, persisted under `state_dir`."""

    seed: int = 0
    opportunities: int = 500
    state_dir: Path | None = None
    # Where the account sends Lever's webhooks (`lever-warehouse webhooks serve`), signed with a token generated
    # into `state_dir`; None: it sends none.
    webhook_url: str | None = None


@dataclass(frozen=True)
class Integration:
    id: str
    base_url: str = DEFAULT_BASE_URL
    auth: ApiKeyAuth | OAuthAuth | None = None
    sandbox: SandboxSpec | None = None
    rate_limit: float = LEVER_RATE_LIMIT
    burst: int = LEVER_BURST
    # Lever answers in 100-500 ms; 16 requests in flight keep a 10 req/s bucket busy even at 1.5 s latency.
    concurrency: int = 16
    # Requests per UTC day this integration may spend on deferrable work; None: a share of the key's capacity.
    daily_budget: int | None = None
    # Signature tokens of the account's Lever webhooks (one per webhook if Lever shows several); empty: the
    # receiver refuses this integration's deliveries. Embedded sandboxes generate theirs (`webhooks.tokens`).
    webhook_tokens: tuple[Secret, ...] = ()
    # The user write actions are performed as when a request names none (a unified or Lever user id).
    perform_as: str | None = None

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.id.lower()).strip("_")


@dataclass(frozen=True)
class Settings:
    duckdb_path: Path
    integrations: tuple[Integration, ...]
    overlap_seconds: int = 300
    request_timeout: float = 30.0
    max_retries: int = 8
    # DuckDB memory cap of a sync (e.g. "512MB"); None keeps DuckDB's default (80% of RAM).
    sync_memory_limit: str | None = DEFAULT_SYNC_MEMORY
    # Most Lever's Date header may differ from the warehouse clock before a run refuses (0: never refuse).
    clock_tolerance_seconds: float = 300.0
    # Wall-clock ceiling of one sync run (a `--full` pass of 100k opportunities at 10 req/s takes most of a day).
    max_run_hours: float = 36.0
    # Share of the key's daily capacity (rate limit x 86,400) an integration may spend, unless it sets a budget.
    daily_budget_share: float = 0.5
    # Every opportunity's children are re-read at least this often (the rolling verification).
    verify_days: float = 7.0
    # Most of a scheduled run spent on the children backlog and verification, so hourly runs do not pile up.
    run_minutes: float = 50.0
    # A first sync whose children would take longer ends after the opportunities (usable at once).
    first_usable_minutes: float = 5.0
    # Read /referrals only for opportunities with a referral application (not a documented Lever rule).
    skip_unreferred_referrals: bool = False
    # The outbox of write actions (SQLite); None: actions.sqlite beside the warehouse.
    actions_path: Path | None = None
    # Largest attachment a write action sends (Lever's own cap is not documented).
    attachment_max_bytes: int = 10 * 1024 * 1024
    extra: Mapping[str, str] = field(default_factory=dict)
    # The read-only copy of the unified schema for SQL users; None: published/<warehouse file name> beside it.
    published_path: Path | None = None
    # Field mapping per integration id (field_mapping.py); an integration without one keeps custom_fields {}.
    field_mappings: Mapping[str, IntegrationMapping] = field(default_factory=dict)
    # Read profile forms (and their templates) for every integration, mapped or not (LEVER_PROFILE_FORMS).
    profile_forms: bool = False

    def optional_lists(self, integration_id: str) -> frozenset[str]:
        """The optional lists (endpoints.OPTIONAL) an integration reads: profile forms when its mapping uses
        them or LEVER_PROFILE_FORMS asks; none otherwise, so nobody else pays their request per opportunity."""
        mapping = self.field_mappings.get(integration_id)
        wanted = self.profile_forms or (mapping is not None and mapping.needs_profile_forms)
        return OPTIONAL if wanted else frozenset()

    @property
    def published(self) -> Path:
        return self.published_path or self.duckdb_path.parent / "published" / self.duckdb_path.name

    @property
    def outbox_path(self) -> Path:
        return self.actions_path or self.duckdb_path.with_name("actions.sqlite")

    def integration(self, integration_id: str) -> Integration:
        for item in self.integrations:
            if item.id == integration_id:
                return item
        known = ", ".join(i.id for i in self.integrations)
        raise ConfigError(f"unknown integration {integration_id!r}; configured: {known}")


def _auth_from_env(env: Mapping[str, str], names: Mapping[str, str], base_url: str, where: str):
    api_key = _read(env, names["api_key"])
    oauth = {k: _read(env, names[k]) for k in ("client_id", "client_secret", "refresh_token")}
    if api_key:
        return ApiKeyAuth(Secret(api_key))
    if any(oauth.values()):
        missing = [names[k] for k, v in oauth.items() if not v]
        if missing:
            raise ConfigError(f"{where}: OAuth needs {', '.join(missing)} as well")
        token_url = _read(env, names["token_url"]) or default_token_url(base_url)
        return OAuthAuth(oauth["client_id"], Secret(oauth["client_secret"]), Secret(oauth["refresh_token"]), token_url)
    return None


def _sandbox_spec(env: Mapping[str, str], table: Mapping, slug: str, data_dir: Path) -> SandboxSpec:
    return SandboxSpec(
        seed=int(table.get("seed", _read(env, "LEVER_SANDBOX_SEED") or 0)),
        opportunities=int(table.get("opportunities", _read(env, "LEVER_SANDBOX_OPPORTUNITIES") or 500)),
        state_dir=Path(table["state_dir"]) if "state_dir" in table else data_dir / "sandbox" / slug,
        webhook_url=str(table.get("webhook_url", _read(env, "LEVER_SANDBOX_WEBHOOK_URL"))) or None,
    )


def _from_file(path: Path, env: Mapping[str, str], data_dir: Path) -> tuple[Integration, ...]:
    document = _read_toml(path)
    entries = document.get("integrations", [])
    if not entries:
        raise ConfigError(f"{path} lists no [[integrations]]")
    result = []
    for entry in entries:
        integration_id = _validate_id(str(entry.get("id", "")))
        base_url = str(entry.get("base_url", DEFAULT_BASE_URL)).rstrip("/")
        prefix = f"{path}: integration {integration_id}"
        if "sandbox" in entry:
            slug = Integration(integration_id).slug
            spec = _sandbox_spec(env, entry["sandbox"] or {}, slug, data_dir)
            result.append(_sandbox_integration(integration_id, spec, entry))
            continue
        names = {
            "api_key": entry.get("api_key_env", ""),
            "client_id": entry.get("oauth_client_id_env", ""),
            "client_secret": entry.get("oauth_client_secret_env", ""),
            "refresh_token": entry.get("oauth_refresh_token_env", ""),
            "token_url": entry.get("oauth_token_url_env", ""),
        }
        if not (names["api_key"] or names["client_id"]):
            raise ConfigError(f"{prefix}: set api_key_env or the oauth_*_env names (or a [sandbox] table)")
        auth = _auth_from_env(env, names, base_url, prefix)
        if auth is None:
            wanted = names["api_key"] or names["client_id"]
            raise ConfigError(f"{prefix}: environment variable {wanted} is empty or unset")
        result.append(
            Integration(
                id=integration_id,
                base_url=base_url,
                auth=auth,
                rate_limit=float(entry.get("rate_limit", LEVER_RATE_LIMIT)),
                burst=int(entry.get("burst", LEVER_BURST)),
                concurrency=int(entry.get("concurrency", 16)),
                daily_budget=_budget(str(entry.get("daily_budget", "")), f"{prefix}: daily_budget"),
                webhook_tokens=_webhook_tokens(env, str(entry.get("webhook_token_env", "")), prefix),
                perform_as=str(entry["perform_as"]) if entry.get("perform_as") else None,
            )
        )
    ids = [i.id for i in result]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: integration ids must be unique")
    return tuple(result)


def _sandbox_integration(integration_id: str, spec: SandboxSpec, entry: Mapping, perform_as: str = "") -> Integration:
    return Integration(
        id=integration_id,
        base_url="",  # known once the embedded server has started
        sandbox=spec,
        perform_as=str(entry.get("perform_as") or perform_as) or None,
        rate_limit=float(entry.get("rate_limit", SANDBOX_RATE_LIMIT)),
        burst=int(entry.get("burst", SANDBOX_BURST)),
        concurrency=int(entry.get("concurrency", 32)),
    )


ENV_NAMES = {
    "api_key": "LEVER_API_KEY",
    "client_id": "LEVER_OAUTH_CLIENT_ID",
    "client_secret": "LEVER_OAUTH_CLIENT_SECRET",
    "refresh_token": "LEVER_OAUTH_REFRESH_TOKEN",
    "token_url": "LEVER_OAUTH_TOKEN_URL",
}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    duckdb_path = resolve_duckdb_path(env)
    data_dir = duckdb_path.parent
    file_name = _read(env, "LEVER_INTEGRATIONS_FILE")
    mappings_file = _optional_path(env, "LEVER_FIELD_MAPPINGS")
    if file_name:
        path = Path(file_name).expanduser()
        if not path.is_absolute():
            path = PROJECT_ROOT / path
        integrations = _from_file(path, env, data_dir)
        beside = _read_toml(path).get("field_mappings")
        if beside and mappings_file is None:  # relative to the integrations file: the two travel together
            mappings_file = (path.parent / str(beside)).resolve()
    else:
        base_url = (_read(env, "LEVER_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        auth = _auth_from_env(env, ENV_NAMES, base_url, "environment")
        if auth is None:
            integration_id = _validate_id(_read(env, "LEVER_INTEGRATION_ID") or "lever:sandbox")
            slug = Integration(integration_id).slug
            spec = _sandbox_spec(env, {}, slug, data_dir)
            integrations = (_sandbox_integration(integration_id, spec, {}, _read(env, "LEVER_PERFORM_AS")),)
        else:
            integration_id = _validate_id(_read(env, "LEVER_INTEGRATION_ID") or "lever:default")
            integrations = (
                Integration(
                    id=integration_id,
                    base_url=base_url,
                    auth=auth,
                    rate_limit=float(_read(env, "LEVER_RATE_LIMIT") or LEVER_RATE_LIMIT),
                    burst=int(_read(env, "LEVER_BURST") or LEVER_BURST),
                    concurrency=int(_read(env, "LEVER_CONCURRENCY") or 16),
                    daily_budget=_budget(_read(env, "LEVER_DAILY_BUDGET"), "LEVER_DAILY_BUDGET"),
                    webhook_tokens=_webhook_tokens(env, "LEVER_WEBHOOK_TOKEN", "environment", required=False),
                    perform_as=_read(env, "LEVER_PERFORM_AS") or None,
                ),
            )
    return Settings(
        duckdb_path=duckdb_path,
        integrations=integrations,
        overlap_seconds=int(_read(env, "LEVER_OVERLAP_SECONDS") or 300),
        request_timeout=float(_read(env, "LEVER_REQUEST_TIMEOUT") or 30),
        max_retries=int(_read(env, "LEVER_MAX_RETRIES") or 8),
        sync_memory_limit=_memory_limit(_read(env, "LEVER_SYNC_MEMORY_LIMIT")),
        clock_tolerance_seconds=_number(env, "LEVER_CLOCK_TOLERANCE_SECONDS", 300.0),
        max_run_hours=_number(env, "LEVER_MAX_RUN_HOURS", 36.0),
        daily_budget_share=_number(env, "LEVER_DAILY_BUDGET_SHARE", 0.5),
        verify_days=_number(env, "LEVER_VERIFY_DAYS", 7.0),
        run_minutes=_number(env, "LEVER_RUN_MINUTES", 50.0),
        first_usable_minutes=_number(env, "LEVER_FIRST_USABLE_MINUTES", 5.0),
        skip_unreferred_referrals=_read(env, "LEVER_SKIP_UNREFERRED_REFERRALS").lower() in ("1", "true", "yes"),
        actions_path=_optional_path(env, "LEVER_ACTIONS_PATH"),
        attachment_max_bytes=int(_number(env, "LEVER_ATTACHMENT_MAX_MB", 10.0) * 1024 * 1024),
        published_path=_optional_path(env, "DUCKDB_PUBLISHED_PATH"),
        field_mappings=load_mappings(mappings_file, [i.id for i in integrations]) if mappings_file else {},
        profile_forms=_read(env, "LEVER_PROFILE_FORMS").lower() in ("1", "true", "yes"),
    )
