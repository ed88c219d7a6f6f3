"""The deleted feeds (opportunities, applications, postings): tombstones read in bounded windows from a cursor,
applied to the table they cover and cascaded to its children."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .clock import parse_instant, to_ms
from .endpoints import Endpoint
from .listing import Lister
from .records import to_records
from .writer import Writer

# Lever rejects deleted-feed windows over 30 days; 29 leaves room for clock skew.
FEED_WINDOW = timedelta(days=29)


async def read_deleted_feed(
    feed: Endpoint, server_now: datetime, overlap: timedelta, lister: Lister, writer: Writer
) -> None:
    """Read one deleted feed from its cursor in windows Lever accepts; each window commits with its cursor."""
    store, state, record = writer.store, writer.state, writer.record
    if feed.name in record.forbidden:
        return
    stored = state.cursor(feed.name)
    # Nothing deleted before our first sync is in the warehouse, so a new integration starts at "now";
    # older deletions that stored records still reference are settled by the reference lookups.
    start = parse_instant(stored) - overlap if stored else server_now - overlap
    while start < server_now:
        end = min(start + FEED_WINDOW, server_now)
        params = [("deleted_at_start", str(to_ms(start))), ("deleted_at_end", str(to_ms(end)))]
        rows = await record.readable(feed.name, lister.all(feed, params))
        if rows is None:
            return
        records, rejected = to_records(feed, rows)
        tombstones = [(r.id, _deleted_at(r.payload, end)) for r in records]
        with store.transaction() as seq:
            writer.write(feed, records, seq, rejected=rejected)
            assert feed.parent is not None
            marked = store.mark_deleted(feed.parent, tombstones, seq=seq, run_id=record.run_id)
            record.count("deleted:" + feed.parent, marked)
            store.cascade_to_children(feed.parent, seq=seq, run_id=record.run_id)
            state.set_cursor(feed.name, end.isoformat(), now=writer.clock(), run_id=record.run_id)
        start = end


def _deleted_at(payload: dict[str, Any], default: datetime) -> datetime:
    deleted_ms = payload.get("deletedAt")
    if isinstance(deleted_ms, int | float) and not isinstance(deleted_ms, bool):
        return datetime.fromtimestamp(deleted_ms / 1000, UTC)
    return default
