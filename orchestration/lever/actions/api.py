"""The Python API of write actions: one call enqueues a request in the outbox and processes it at once, so a
script, the CLI and the Dagster job share one implementation, one idempotency ledger and one results table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ..clock import warehouse_now
from ..config import Settings, load_settings
from .outbox import Outbox
from .processor import run_pass
from .reflect import reflect


def outbox_of(settings: Settings) -> Outbox:
    return Outbox(settings.outbox_path)


def run_action(
    action: str,
    params: dict[str, Any],
    *,
    idempotency_key: str,
    integration_id: str | None = None,
    perform_as: str | None = None,
    dry_run: bool = False,
    settings: Settings | None = None,
    show_changes: bool = True,
    **processing: Any,
) -> dict[str, Any]:
    """Carry out one action now and return its result row (`status`, `lever_response`, `error`, `visible_at`, ...).

    `params` use the unified ids `ats` shows; `idempotency_key` names this action for good: calling again with
    the same key returns a `duplicate` row pointing at the first (under `original`) and sends nothing.
    `show_changes=False` skips the targeted build (the re-sync still runs).
    """
    return run_actions(
        [
            {
                "action": action,
                "params": params,
                "idempotency_key": idempotency_key,
                "integration_id": integration_id,
                "perform_as": perform_as,
                "dry_run": dry_run,
            }
        ],
        settings=settings,
        show_changes=show_changes,
        **processing,
    )[0]


def run_actions(
    requests: Sequence[dict[str, Any]],
    *,
    settings: Settings | None = None,
    show_changes: bool = True,
    **processing: Any,
) -> list[dict[str, Any]]:
    """Several actions in order, with one targeted re-sync and one build for all of them."""
    settings = settings or load_settings()
    outbox = outbox_of(settings)
    ids = [
        outbox.enqueue(
            r["action"],
            r.get("params") or {},
            r["idempotency_key"],
            integration_id=r.get("integration_id"),
            perform_as=r.get("perform_as"),
            dry_run=bool(r.get("dry_run")),
        )
        for r in requests
    ]
    return _processed(settings, outbox, ids, show_changes, **processing)


def process_outbox(
    settings: Settings | None = None, *, show_changes: bool = True, **processing: Any
) -> list[dict[str, Any]]:
    """Process every due request of the outbox (what the Dagster job runs); returns the rows it touched."""
    settings = settings or load_settings()
    return _processed(settings, outbox_of(settings), None, show_changes, **processing)


def _processed(
    settings: Settings, outbox: Outbox, ids: list[int] | None, show_changes: bool, **processing: Any
) -> list[dict[str, Any]]:
    clock: Callable[[], datetime] = processing.get("clock", warehouse_now)
    dbt_args = processing.pop("dbt_args", ())
    batch = run_pass(settings, outbox, ids=ids, **processing)
    if show_changes:
        reflect(settings, outbox, batch, clock, dbt_args)
    else:
        for request_id, warning in batch.warnings.items():
            outbox.note(request_id, warning)
    rows = outbox.results(ids if ids is not None else sorted({*batch.applied, *batch.seen}))
    originals = {row["duplicate_of"] for row in rows if row["status"] == "duplicate"}
    by_id = {row["request_id"]: row for row in outbox.results(sorted(originals))} if originals else {}
    for row in rows:
        if row["status"] == "duplicate":
            row["original"] = by_id.get(row["duplicate_of"])
    return rows
