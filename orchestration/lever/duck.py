"""Small DuckDB/Arrow helpers the raw store and the sync state share: id lists as tables, one-unit transactions."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

SCHEMA = "lever_raw"


def ids_table(values: Iterable[str]) -> pa.Table:
    return pa.table({"id": pa.array(sorted(set(values)), pa.string())})


def ms(value: Any) -> int | None:
    """Lever's epoch milliseconds as an int; anything else (None, text, a boolean) as None."""
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class Session:
    """One connection and one integration: every query of the store and the state is scoped to it."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, integration_id: str) -> None:
        self.conn = conn
        self.integration_id = integration_id

    @contextmanager
    def tables(self, **tables: pa.Table) -> Iterator[None]:
        """Arrow tables visible to SQL under the given names for the duration of the block."""
        for name, table in tables.items():
            self.conn.register(name, table)
        try:
            yield
        finally:
            for name in tables:
                # An aborted transaction refuses it, and the error that aborted it is the one to report.
                with contextlib.suppress(duckdb.Error):
                    self.conn.unregister(name)

    def select(self, sql: str, **ids: Iterable[str]) -> list[tuple[Any, ...]]:
        """Run `sql` with each id list readable as a one-column (`id`) table and the integration as `$integration`."""
        with self.tables(**{name: ids_table(values) for name, values in ids.items()}):
            return self.conn.execute(sql, {"integration": self.integration_id}).fetchall()

    def execute(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Run `sql` with `$integration` and the given parameters bound."""
        return self.conn.execute(sql, {"integration": self.integration_id, **params}).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[int]:
        """One atomic unit; yields the load sequence number every row written in it carries."""
        self.conn.execute("BEGIN TRANSACTION")
        try:
            seq = self.conn.execute(f"SELECT nextval('{SCHEMA}._load_seq')").fetchall()[0][0]
            yield int(seq)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
