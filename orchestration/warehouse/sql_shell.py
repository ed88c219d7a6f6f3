"""`lever-warehouse sql`: queries against the published copy, from an argument, a pipe, or typed at a prompt."""

from __future__ import annotations

import sys
from typing import TextIO

import duckdb

from orchestration.lever.config import Settings

from .publish import open_published

PROMPT, MORE = "ats> ", "...> "


def run_sql(conn: duckdb.DuckDBPyConnection, text: str, out: TextIO) -> None:
    """Run every statement in `text`, printing each result as a table."""
    for statement in conn.extract_statements(text):
        relation = conn.sql(statement.query)
        if relation is not None:
            out.write(str(relation) + "\n")


def _interactive(conn: duckdb.DuckDBPyConnection, out: TextIO) -> None:
    out.write("Read-only SQL on the published warehouse; end a statement with ';', quit with Ctrl-D.\n")
    buffer: list[str] = []
    while True:
        try:
            line = input(MORE if buffer else PROMPT)
        except EOFError:
            out.write("\n")
            return
        buffer.append(line)
        if line.rstrip().endswith(";"):
            try:
                run_sql(conn, "\n".join(buffer), out)
            except duckdb.Error as exc:  # a typo must not end the session
                out.write(f"error: {exc}\n")
            buffer = []


def sql_main(settings: Settings, query: str | None, *, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    conn = open_published(settings)
    try:
        if query:
            run_sql(conn, query, out)
        elif not stdin.isatty():
            run_sql(conn, stdin.read(), out)
        else:
            _interactive(conn, out)
    except duckdb.Error as exc:
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    finally:
        conn.close()
    return 0
