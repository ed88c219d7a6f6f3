"""`lever-warehouse`: sync Lever into DuckDB, build the unified schema and publish it, or query it."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from datetime import datetime

from orchestration.warehouse.dbt_runner import dbt_build
from orchestration.warehouse.publish import publish
from orchestration.warehouse.sql_shell import sql_main
from orchestration.warehouse.summary import empty_warehouse_warning, render_rows

from .actions import cli as actions_cli
from .cli_help import COMMANDS, ENVIRONMENT
from .clock import parse_instant
from .config import load_settings
from .errors import ConfigError, LeverWarehouseError
from .runner import Outcome, run_syncs
from .secrets import ScrubFilter, scrub
from .sync import Mode
from .webhooks import cli as webhooks_cli

# Without a terminal (a log file, CI, a pipe) progress is one line every this many seconds instead of a counter
# rewritten in place.
PROGRESS_EVERY_S = 10.0


def _progress_printer() -> object:
    tty = sys.stderr.isatty()
    last = {"at": time.monotonic()}

    def show(integration_id: str, snapshot: dict[str, float]) -> None:
        line = (
            f"[{integration_id}] {snapshot['requests']:.0f} requests ({snapshot['req_per_s']:.1f} req/s), "
            f"{snapshot['retries']:.0f} retries, {snapshot['records']:.0f} records written"
        )
        if tty:
            sys.stderr.write(f"\r{line}   ")
        elif time.monotonic() - last["at"] >= PROGRESS_EVERY_S:
            last["at"] = time.monotonic()
            sys.stderr.write(f"{line}, {snapshot['elapsed_s']:.0f}s\n")
        sys.stderr.flush()

    return show


def _summary(outcomes: list[Outcome], warehouse: str) -> str:
    lines = [f"warehouse: {warehouse}"]
    for outcome in outcomes:
        if outcome.result is None:
            lines.append(f"{outcome.integration_id}: FAILED (the error is below)")
            continue
        r = outcome.result
        seconds = r.elapsed_s
        rate = r.total_requests / seconds if seconds > 0 else 0.0
        lines.append(
            f"{r.integration_id}: {r.mode} sync ok in {seconds:.1f}s: {r.total_requests} requests "
            f"({rate:.1f} req/s), {r.retries} retries, {r.opportunities_seen} opportunities listed, "
            f"{r.opportunities_refreshed} with children refreshed"
        )
        changed = {k: v for k, v in sorted(r.records.items()) if v}
        if changed:
            lines.append("  rows written: " + ", ".join(f"{k}={v}" for k, v in changed.items()))
        if not r.confidential_access:
            lines.append("  note: the key has no confidential access; confidential records were skipped")
        lines += [f"  warning: {warning}" for warning in r.warnings]
    return "\n".join(lines)


def _window(values: Sequence[str] | None) -> tuple[datetime, datetime] | None:
    if not values:
        return None
    try:
        start, end = (parse_instant(v) for v in values)
    except ValueError:
        raise ConfigError(
            f"--window {' '.join(values)}: START and END must be ISO-8601 dates or instants (e.g. 2026-01-01)"
        ) from None
    if end <= start:
        raise ConfigError("--window END must be after START")
    return start, end


def _sync(args: argparse.Namespace) -> int:
    settings = load_settings()
    window = _window(args.window)
    targets = getattr(args, "opportunity", None) or []
    if targets and (window or args.full):
        raise ConfigError("--opportunity reads the named opportunities only: it goes with neither --full nor --window")
    if targets and not args.integration and len(settings.integrations) > 1:
        raise ConfigError("--opportunity needs --integration when several integrations are configured")
    mode = Mode.TARGETED if targets else Mode.WINDOW if window else (Mode.FULL if args.full else Mode.DELTA)
    chosen = [args.integration] if args.integration else [i.id for i in settings.integrations]
    outcomes = run_syncs(
        settings, mode, {i: window for i in chosen}, progress=_progress_printer(), opportunity_ids=targets
    )
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    print(_summary(outcomes, str(settings.duckdb_path)))
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        print(f"error: {outcome.error}", file=sys.stderr)
    return 1 if failed else 0


def _build(args: argparse.Namespace) -> int:
    settings = load_settings()
    warning = empty_warehouse_warning(settings)
    if warning:
        print(warning, file=sys.stderr)
    code = dbt_build(settings, full_refresh=args.full_refresh, unit_tests=getattr(args, "unit_tests", False))
    if code:
        print(f"error: dbt build failed (exit {code}); see the dbt output above", file=sys.stderr)
        return code
    if getattr(args, "no_publish", False):
        return 0
    publication = publish(settings)
    rows = {name.split(".", 1)[1]: n for name, n in publication.rows.items() if name.startswith("ats.")}
    print("\n".join([*render_rows(rows, publication.path), "Query it: lever-warehouse sql (read-only)"]))
    if warning:  # again, below dbt's output, where it is seen
        print(warning, file=sys.stderr)
    return 0


def _sql(args: argparse.Namespace) -> int:
    return sql_main(load_settings(), args.query)


def _run(args: argparse.Namespace) -> int:
    code = _sync(args)
    if code:
        return code
    args.full_refresh = False
    return _build(args)


def main(argv: Sequence[str] | None = None) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="lever-warehouse", description=__doc__, epilog=ENVIRONMENT, formatter_class=formatter
    )
    parser.add_argument("--debug", action="store_true", help="debug logging, and a traceback on errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str) -> argparse.ArgumentParser:
        summary, description = COMMANDS[name]
        return commands.add_parser(
            name, help=summary, description=description, epilog=ENVIRONMENT, formatter_class=formatter
        )

    for name, handler in (("sync", _sync), ("run", _run)):
        command = add(name)
        command.add_argument("--full", action="store_true", help="full reconciliation: re-list everything")
        command.add_argument("--integration", help="only this integration id (default: all configured)")
        command.add_argument(
            "--window", nargs=2, metavar=("START", "END"), help="re-extract records created or updated in [START, END]"
        )
        command.add_argument(
            "--opportunity",
            action="append",
            metavar="ID",
            help="read only this opportunity (Lever id), its applications and children, now (repeatable)",
        )
        command.set_defaults(handler=handler)
    build = add("build")
    build.add_argument("--full-refresh", action="store_true", help="rebuild incremental models from scratch")
    build.add_argument("--unit-tests", action="store_true", help="also run dbt's unit tests (skipped by default)")
    build.add_argument(
        "--no-publish", action="store_true", help="leave the published copy as it is (benchmarks time dbt alone)"
    )
    build.set_defaults(handler=_build)
    sql = add("sql")
    sql.add_argument("query", nargs="?", help="SQL to run (default: read stdin, or a prompt on a terminal)")
    sql.set_defaults(handler=_sql)
    webhooks_cli.add_commands(commands)
    actions_cli.add_commands(commands)
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(ScrubFilter())
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        return args.handler(args)
    except LeverWarehouseError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; committed pages are kept and the next run resumes from them", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: still one line, the traceback on request
        if args.debug:
            raise
        print(
            f"error: unexpected {type(exc).__name__}: {scrub(str(exc))} (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
