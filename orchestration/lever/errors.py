"""Errors that say what failed and what to do; none of them ever carries a credential."""

from __future__ import annotations

from .secrets import scrub


class LeverWarehouseError(Exception):
    """Base class: the CLI prints these as one line and exits non-zero. Messages quote servers, so they are
    scrubbed of every known secret when made."""

    def __init__(self, message: str = "", *args: object) -> None:
        super().__init__(scrub(str(message)), *args)


class ConfigError(LeverWarehouseError):
    pass


class WarehouseError(LeverWarehouseError):
    """The warehouse file cannot be opened or written (not a DuckDB file, disk full, permissions)."""


class WarehouseLockedError(WarehouseError):
    pass


class LeverError(LeverWarehouseError):
    def __init__(self, message: str, endpoint: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status


class LeverAuthError(LeverError):
    """401: the key or token is missing, wrong or revoked."""


class LeverPermissionError(LeverError):
    """403: the credential works but lacks this endpoint's permission (or confidential access)."""


class LeverRequestError(LeverError):
    """Any other 4xx: a bug on our side or an API change; retrying will not help."""


class InvalidOffsetToken(LeverError):
    """Lever refused a pagination token (other sort or filters): the window restarts from its first page."""


class LeverUnavailable(LeverError):
    """Retries exhausted on 429, 5xx, timeouts or dropped connections."""


class LeverWriteUnconfirmed(LeverError):
    """A write was sent and no answer says whether Lever applied it (a timeout, a dropped connection, a 5xx):
    it is never resent blindly, since Lever's writes are not idempotent; the caller reads back first."""


class LeverPayloadError(LeverError):
    """The response is not Lever's envelope (not JSON, no `data`, `hasNext` without `next`)."""


class SyncFailed(LeverWarehouseError):
    """At least one endpoint failed; what could be synced was committed, no cursor passed a gap."""

    def __init__(self, integration_id: str, errors: list[str]) -> None:
        self.integration_id = integration_id
        self.errors = errors
        joined = "; ".join(errors)
        super().__init__(f"sync of {integration_id} failed: {joined}")


class ClockError(LeverWarehouseError):
    """The warehouse clock went backwards, or disagrees with Lever's beyond the tolerance: the run refuses."""


class RunTimeLimit(LeverError):
    """The run passed its wall-clock ceiling (LEVER_MAX_RUN_HOURS); what it committed is kept."""
