"""Which signature tokens sign an integration's webhooks: from the environment, or generated for a sandbox."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ..config import Integration
from ..secrets import Secret

SANDBOX_TOKEN_FILE = "webhook_token"


def sandbox_token(state_dir: Path) -> Secret:
    """The embedded sandbox's signature token: generated once into its state folder (owner-only), so the
    receiver and every sync's sandbox share it, and nothing configures or prints it."""
    path = state_dir / SANDBOX_TOKEN_FILE
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        draft = state_dir / f".{SANDBOX_TOKEN_FILE}.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(24))
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(draft, path)  # atomic, and never replaces: whoever linked first wins, whole
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return Secret(path.read_text().strip())


def signature_tokens(integration: Integration) -> tuple[Secret, ...]:
    if integration.webhook_tokens:
        return integration.webhook_tokens
    if integration.sandbox is not None and integration.sandbox.state_dir is not None:
        return (sandbox_token(integration.sandbox.state_dir),)
    return ()
