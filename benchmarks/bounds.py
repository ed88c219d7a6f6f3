"""Lower bounds on requests per sync, from the sandbox's ground truth (run as a child: it holds a whole account).

A correct client must, per sync:
- read every page of every list it refreshes: opportunities (100 per page, the full scan is needed even in a
  delta, because Lever cannot filter on lastInteractionAt), and the account lists (users with deactivated ones,
  stages, archive reasons, tags, sources, requisitions, feedback templates, postings; requisition fields is one
  unpaginated request);
- read the child lists (interviews, panels, feedback, notes, offers, referrals, resumes, files) of every
  opportunity that is new or whose updatedAt or lastInteractionAt moved, max(1, ceil(n / 100)) pages each,
  except those Lever's own rules say are empty (`orchestration/lever/children.py`): the activity lists
  (notes, feedback, interviews, panels, offers) of an opportunity untouched since its creation
  (lastInteractionAt == createdAt), and interviews when it has no panels;
- read the apply form of every new or changed posting (one unpaginated request each);
- read each deleted feed (opportunities, applications, postings): max(1, ceil(rows / 100)) pages for the
  rows deleted since the previous sync. Only the feeds carry deletion times.

The benchmark replays the exact sequence of advances on an in-process copy of the saved account (the sandbox
is deterministic given its state and the calls), so the bounds hold for the served account too; the
runner checks that the served sandbox reported the same activity counts.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from orchestration.sandbox import Sandbox
from orchestration.sandbox.messages import Request

PAGE = 100
CHILD_KINDS = ("interviews", "panels", "feedback", "notes", "offers", "referrals", "resumes", "files")
ACCOUNT_LISTS = (
    "users", "stages", "archive_reasons", "tags", "sources", "requisitions", "feedback_templates", "postings",
)  # fmt: skip
UNPAGINATED_LISTS = ("requisition_fields",)
FEEDS = ("opportunities", "applications", "postings")
# The benchmark's scenario: advances (days) in order; a delta sync follows each, and one before the first.
ADVANCES = (1.0, 7.0)


def pages(rows: int) -> int:
    return max(1, math.ceil(rows / PAGE))


@dataclass
class Snapshot:
    now_ms: int
    versions: dict[str, tuple[Any, Any]]  # live opportunity id -> (updatedAt, lastInteractionAt)
    postings: dict[str, str]  # posting id -> canonical JSON
    list_rows: dict[str, int]
    deleted_at: dict[str, list[int]]


@dataclass
class Bound:
    case: str
    total: int = 0
    parts: dict[str, int] = field(default_factory=dict)
    changed_opportunities: int = 0
    live_opportunities: int = 0
    largest_child_list: int = 0
    advance_changes: dict[str, int] = field(default_factory=dict)

    def add(self, part: str, count: int) -> None:
        self.parts[part] = self.parts.get(part, 0) + count
        self.total += count


def snapshot(sandbox: Sandbox) -> Snapshot:
    opportunities = sandbox.truth("opportunities")
    versions = {
        r["id"]: (r["data"].get("updatedAt"), r["data"].get("lastInteractionAt")) for r in opportunities["records"]
    }
    postings = sandbox.truth("postings")["records"]
    rows = {name: len(sandbox.truth(name)["records"]) for name in ACCOUNT_LISTS}
    deleted = {
        feed: [
            int(d["deletedAt"]) for d in (opportunities if feed == "opportunities" else sandbox.truth(feed))["deleted"]
        ]
        for feed in FEEDS
    }
    return Snapshot(
        now_ms=sandbox.now_ms,
        versions=versions,
        postings={r["id"]: json.dumps(r["data"], sort_keys=True) for r in postings},
        list_rows=rows,
        deleted_at=deleted,
    )


ACTIVITY_KINDS = ("notes", "feedback", "interviews", "panels", "offers")


def needed_kinds(opportunity: dict[str, Any], panels: int) -> list[str]:
    """The child lists a client that knows Lever's rules must read for this opportunity (see the docstring)."""
    untouched = opportunity.get("createdAt") is not None and opportunity.get("lastInteractionAt") == opportunity.get(
        "createdAt"
    )
    return [
        kind
        for kind in CHILD_KINDS
        if not (untouched and kind in ACTIVITY_KINDS) and not (kind == "interviews" and panels == 0)
    ]


def child_pages_all(sandbox: Sandbox, live: list[str]) -> tuple[int, int]:
    """(pages, largest list) over every live opportunity's child lists that must be read, from the ground truth."""
    counts = {kind: dict.fromkeys(live, 0) for kind in CHILD_KINDS}
    for kind in CHILD_KINDS:
        for record in sandbox.truth(kind)["records"]:
            counts[kind][record["parent_id"]] = counts[kind].get(record["parent_id"], 0) + 1
    opportunities = {r["id"]: r["data"] for r in sandbox.truth("opportunities")["records"]}
    total = sum(
        pages(counts[kind][oid])
        for oid in live
        for kind in needed_kinds(opportunities.get(oid, {}), counts["panels"][oid])
    )
    largest = max((n for per_parent in counts.values() for n in per_parent.values()), default=0)
    return total, largest


def child_pages_of(sandbox: Sandbox, opportunity_ids: list[str]) -> int:
    """Pages of the child lists of some opportunities, by walking the sandbox's own API at 100 per page."""
    auth = {"authorization": "Basic " + base64.b64encode(f"{sandbox.api_key}:".encode()).decode()}
    opportunities = {r["id"]: r["data"] for r in sandbox.truth("opportunities")["records"]}
    panels: dict[str, int] = {}
    for record in sandbox.truth("panels")["records"]:
        panels[record["parent_id"]] = panels.get(record["parent_id"], 0) + 1
    total = 0
    for opportunity_id in opportunity_ids:
        for kind in needed_kinds(opportunities.get(opportunity_id, {}), panels.get(opportunity_id, 0)):
            offset = ""
            while True:
                query = [("limit", str(PAGE))] + ([("offset", offset)] if offset else [])
                response = sandbox.handle(Request("GET", f"/v1/opportunities/{opportunity_id}/{kind}", query, auth))
                body = json.loads(response.body)
                total += 1
                if not body.get("hasNext"):
                    break
                offset = body["next"]
    return total


def _lists(bound: Bound, state: Snapshot) -> None:
    bound.add("opportunity_pages", pages(len(state.versions)))
    bound.add("account_list_pages", sum(pages(n) for n in state.list_rows.values()) + len(UNPAGINATED_LISTS))
    bound.live_opportunities = len(state.versions)


def _feeds(bound: Bound, state: Snapshot, since_ms: int) -> None:
    bound.add(
        "deleted_feed_pages", sum(pages(sum(1 for t in times if t > since_ms)) for times in state.deleted_at.values())
    )


def full_bound(sandbox: Sandbox, state: Snapshot) -> Bound:
    bound = Bound("full")
    _lists(bound, state)
    bound.add("posting_forms", len(state.postings))
    _feeds(bound, state, state.now_ms)
    child_pages, bound.largest_child_list = child_pages_all(sandbox, list(state.versions))
    bound.add("child_pages", child_pages)
    bound.changed_opportunities = len(state.versions)
    return bound


def delta_bound(case: str, sandbox: Sandbox, before: Snapshot, after: Snapshot) -> Bound:
    bound = Bound(case)
    _lists(bound, after)
    bound.add("posting_forms", sum(1 for pid, data in after.postings.items() if before.postings.get(pid) != data))
    _feeds(bound, after, before.now_ms)
    changed = [oid for oid, version in after.versions.items() if before.versions.get(oid) != version]
    bound.add("child_pages", child_pages_of(sandbox, changed) if changed else 0)
    bound.changed_opportunities = len(changed)
    return bound


def compute(state_dir: Path, advances: tuple[float, ...] = ADVANCES) -> list[Bound]:
    sandbox = Sandbox.load(state_dir, rate_limit=0)
    state = snapshot(sandbox)
    bounds = [full_bound(sandbox, state)]
    quiet = delta_bound("quiet", sandbox, state, state)
    bounds.append(quiet)
    for days in advances:
        changes = sandbox.advance(days)
        after = snapshot(sandbox)
        bound = delta_bound(f"advance_{days:g}", sandbox, state, after)
        bound.advance_changes = changes
        bounds.append(bound)
        state = after
    return bounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bounds", description=__doc__.splitlines()[0])
    parser.add_argument("state_dir", type=Path, help="a saved sandbox (never modified)")
    parser.add_argument("out", type=Path, help="JSON file to write")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    bounds = compute(args.state_dir)
    payload = {"seconds": round(time.perf_counter() - started, 1), "bounds": [asdict(b) for b in bounds]}
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(json.dumps(payload), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
