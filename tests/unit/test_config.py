from pathlib import Path

import pytest

from orchestration.lever.config import ApiKeyAuth, OAuthAuth, default_token_url, load_settings
from orchestration.lever.errors import ConfigError


def test_no_credentials_means_the_embedded_sandbox(tmp_path):
    settings = load_settings({"DUCKDB_PATH": str(tmp_path / "w.duckdb")})
    (integration,) = settings.integrations
    assert integration.id == "lever:sandbox" and integration.sandbox is not None
    assert integration.sandbox.state_dir == tmp_path / "sandbox" / "lever_sandbox"


def test_api_key_from_env_and_eu_base_url():
    settings = load_settings({"LEVER_API_KEY": "key-8f2a", "LEVER_BASE_URL": "https://api.eu.lever.co/v1/"})
    (integration,) = settings.integrations
    assert isinstance(integration.auth, ApiKeyAuth)
    assert integration.base_url == "https://api.eu.lever.co/v1"
    assert "key-8f2a" not in repr(integration)


def test_relative_duckdb_path_is_resolved_once_against_the_project_root():
    path = load_settings({"DUCKDB_PATH": "data/x.duckdb"}).duckdb_path
    assert path.is_absolute() and path.parts[-2:] == ("data", "x.duckdb")


def test_partial_oauth_config_is_a_clear_error():
    with pytest.raises(ConfigError, match="LEVER_OAUTH_REFRESH_TOKEN"):
        load_settings({"LEVER_OAUTH_CLIENT_ID": "c", "LEVER_OAUTH_CLIENT_SECRET": "s"})


def test_oauth_token_url_follows_the_api_host():
    assert default_token_url("https://api.lever.co/v1") == "https://auth.lever.co/oauth/token"
    assert default_token_url("https://api.sandbox.lever.co/v1") == "https://sandbox-lever.auth0.com/oauth/token"
    assert default_token_url("http://127.0.0.1:8080/v1") == "http://127.0.0.1:8080/oauth/token"
    env = {"LEVER_OAUTH_CLIENT_ID": "c", "LEVER_OAUTH_CLIENT_SECRET": "s", "LEVER_OAUTH_REFRESH_TOKEN": "r"}
    (integration,) = load_settings(env).integrations
    assert isinstance(integration.auth, OAuthAuth)


def write_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "integrations.toml"
    path.write_text(text)
    return str(path)


def test_integrations_file_lists_several_accounts(tmp_path):
    path = write_file(
        tmp_path,
        """
[[integrations]]
id = "lever:acme"
api_key_env = "ACME_KEY"
base_url = "https://api.eu.lever.co/v1"

[[integrations]]
id = "lever:demo"
sandbox = { seed = 3, opportunities = 50 }
""",
    )
    settings = load_settings({"LEVER_INTEGRATIONS_FILE": path, "ACME_KEY": "secret"})
    assert [i.id for i in settings.integrations] == ["lever:acme", "lever:demo"]
    assert settings.integration("lever:demo").sandbox.seed == 3


def test_integrations_file_with_unset_key_names_the_variable(tmp_path):
    path = write_file(tmp_path, '[[integrations]]\nid = "lever:acme"\napi_key_env = "ACME_KEY"\n')
    with pytest.raises(ConfigError, match="ACME_KEY"):
        load_settings({"LEVER_INTEGRATIONS_FILE": path})


def test_integration_ids_are_validated(tmp_path):
    path = write_file(tmp_path, '[[integrations]]\nid = "Lever Acme"\nsandbox = {}\n')
    with pytest.raises(ConfigError, match="lowercase"):
        load_settings({"LEVER_INTEGRATIONS_FILE": path})


def test_webhook_tokens_come_from_the_named_variables_and_never_show(tmp_path):
    path = tmp_path / "integrations.toml"
    path.write_text(
        '[[integrations]]\nid = "lever:acme"\napi_key_env = "ACME_KEY"\nwebhook_token_env = "ACME_HOOKS"\n'
        '[[integrations]]\nid = "lever:demo"\n'
        'sandbox = { seed = 1, webhook_url = "http://127.0.0.1:8787/webhooks/lever:demo" }\n'
    )
    env = {"LEVER_INTEGRATIONS_FILE": str(path), "ACME_KEY": "key-1234567", "ACME_HOOKS": "hook-token-a, hook-token-b"}
    acme, demo = load_settings(env).integrations
    assert [t.reveal() for t in acme.webhook_tokens] == ["hook-token-a", "hook-token-b"]
    assert "hook-token-a" not in repr(acme)
    assert demo.sandbox.webhook_url == "http://127.0.0.1:8787/webhooks/lever:demo" and demo.webhook_tokens == ()
    with pytest.raises(ConfigError, match="ACME_HOOKS"):
        load_settings({**env, "ACME_HOOKS": " "})
    (single,) = load_settings({"LEVER_API_KEY": "key-1234567", "LEVER_WEBHOOK_TOKEN": "t0k3n-xyz"}).integrations
    assert [t.reveal() for t in single.webhook_tokens] == ["t0k3n-xyz"]


def test_an_embedded_sandbox_generates_its_webhook_token_once_readable_only_by_its_owner(tmp_path):
    from orchestration.lever.webhooks.tokens import signature_tokens

    (integration,) = load_settings({"DUCKDB_PATH": str(tmp_path / "w.duckdb")}).integrations
    (first,) = signature_tokens(integration)
    (again,) = signature_tokens(integration)
    token_file = integration.sandbox.state_dir / "webhook_token"
    assert first == again and len(first.reveal()) == 48 and token_file.stat().st_mode & 0o077 == 0
    assert [p.name for p in integration.sandbox.state_dir.iterdir()] == ["webhook_token"]


def test_the_sync_memory_cap_has_a_default_that_can_be_changed_or_lifted(tmp_path):
    def limit(value=None):
        env = {"DUCKDB_PATH": str(tmp_path / "w.duckdb")} | ({"LEVER_SYNC_MEMORY_LIMIT": value} if value else {})
        return load_settings(env).sync_memory_limit

    assert limit() == "160MB"  # a 100k sync then peaks under 500 MB (BENCHMARKS.md)
    assert limit("1GB") == "1GB"
    assert limit("0") is None and limit("none") is None
