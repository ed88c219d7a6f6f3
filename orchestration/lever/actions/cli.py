"""`lever-warehouse action ...` and `lever-warehouse passthrough ...`: the write actions and the escape hatch."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from ..config import load_settings
from .api import process_outbox, run_action
from .outbox_schema import fingerprint
from .passthrough import METHODS, passthrough
from .spec import ACTIONS, ActionError

OK = ("succeeded", "dry_run")


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add the `action` and `passthrough` subcommands to the `lever-warehouse` parser."""
    action = commands.add_parser(
        "action",
        help="write back to Lever: carry out one action now, or process the outbox",
        description="Carry out a write action on Lever (ids as ats shows them) and print its result row as JSON; "
        "`action process` processes every due request of the outbox, as the Dagster job does.",
    )
    action.add_argument("name", choices=[*ACTIONS, "process"], help="the action, or `process`")
    action.add_argument("--json", dest="params", help="the parameters as a JSON object, or @FILE to read them from")
    action.add_argument(
        "--key",
        help="idempotency key: a key that already did its action is not sent again (default: a digest of the "
        "action and its parameters, so rerunning the same command sends nothing)",
    )
    action.add_argument("--integration", help="integration id (needed when several are configured)")
    action.add_argument(
        "--perform-as", help="users id (ats.users) to act as (default: LEVER_PERFORM_AS, else the job's owner)"
    )
    action.add_argument("--dry-run", action="store_true", help="look everything up and check it; send nothing")
    action.add_argument("--no-build", action="store_true", help="re-sync, but leave the ats build to the next build")
    action.set_defaults(handler=_action)
    raw = commands.add_parser(
        "passthrough",
        help="send one request to Lever's API through the configured credentials and rate limiter",
        description="Print Lever's JSON answer to METHOD PATH (e.g. GET /v1/opportunities?limit=1). "
        "Anything but GET writes to Lever and needs --allow-write.",
    )
    raw.add_argument("method", type=str.upper, choices=METHODS)
    raw.add_argument("path", help="/v1/... with its query string")
    raw.add_argument("--json", dest="body", help="request body (JSON object, or @FILE) for writes")
    raw.add_argument("--allow-write", action="store_true", help="send a request that changes Lever")
    raw.add_argument("--integration", help="integration id (needed when several are configured)")
    raw.set_defaults(handler=_passthrough)


def _json(text: str | None, what: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(Path(text[1:]).read_text() if text.startswith("@") else text)
    except (OSError, ValueError) as exc:
        raise ActionError(f"{what} is not readable JSON ({exc})") from None


def _action(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.name == "process":
        rows = process_outbox(settings, show_changes=not args.no_build)
        print(json.dumps(rows, indent=2, default=str))
        return 0 if all(row["status"] in (*OK, "duplicate") for row in rows) else 1
    params = _json(args.params, "--json") or {}
    key = args.key or _default_key(args.name, params, args.integration, args.perform_as)
    row = run_action(
        args.name,
        params,
        idempotency_key=key,
        integration_id=args.integration,
        perform_as=args.perform_as,
        dry_run=args.dry_run,
        settings=settings,
        show_changes=not args.no_build,
    )
    print(json.dumps(row, indent=2, default=str))
    status = row["original"]["status"] if row["status"] == "duplicate" and row.get("original") else row["status"]
    if status not in OK:
        print(f"error: request {row['request_id']} is {row['status']}: {row['error'] or status}", file=sys.stderr)
        return 1
    return 0


def _default_key(action: str, params: Any, integration: str | None, perform_as: str | None) -> str:
    """The same command, the same key: rerunning it is a duplicate, not a second action."""
    return f"cli:{action}:{fingerprint(action, json.dumps(params), integration, perform_as)[:24]}"


def _passthrough(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.integration:
        integration = settings.integration(args.integration)
    elif len(settings.integrations) == 1:
        integration = settings.integrations[0]
    else:
        raise ActionError("passthrough needs --integration when several integrations are configured")
    answer = asyncio.run(
        passthrough(
            settings, integration, args.method, args.path, body=_json(args.body, "--json"), allow_write=args.allow_write
        )
    )
    print(json.dumps(answer, indent=2))
    return 0
