"""Save and load a sandbox: a pickle snapshot plus a journal of the API writes made since.

Snapshots (written atomically after every advance and on save) hold the stored state; lazily generated
children are not stored, they regenerate identically from the seed. Writes only append one JSON line to the
journal (a snapshot of a 100k account takes seconds); loading replays the journal on top of the snapshot,
which reproduces the same state because writes are deterministic given the state and the clock.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
from pathlib import Path

from .account import Account
from .auth import AuthRegistry
from .messages import Request

FORMAT = 1
STATE_FILE = "sandbox.pickle"
JOURNAL_FILE = "sandbox.journal"
INFO_FILE = "sandbox.json"


def exists(directory: str | Path) -> bool:
    return (Path(directory) / STATE_FILE).exists()


def save(directory: str | Path, account: Account, auth: AuthRegistry, config: dict) -> None:
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    with account.lock:
        payload = pickle.dumps(
            {"format": FORMAT, "config": config, "account": account, "auth": auth}, protocol=pickle.HIGHEST_PROTOCOL
        )
        info = {**config, "now_ms": account.now_ms, "version": account.version}
    temporary = path / f".{STATE_FILE}.tmp"
    temporary.write_bytes(payload)
    os.replace(temporary, path / STATE_FILE)  # atomic: a crash never leaves half a snapshot
    (path / JOURNAL_FILE).unlink(missing_ok=True)  # the snapshot now includes every journaled write
    (path / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")


def journal(directory: str | Path, request: Request) -> None:
    entry = {
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": {k: v for k, v in request.headers.items() if k != "authorization"},
        "body": base64.b64encode(request.body).decode(),
    }
    with (Path(directory) / JOURNAL_FILE).open("a", encoding="utf-8") as file:
        file.write(json.dumps(entry) + "\n")


def load(directory: str | Path) -> tuple[Account, AuthRegistry, dict, list[Request]]:
    path = Path(directory)
    state = pickle.loads((path / STATE_FILE).read_bytes())
    if state.get("format") != FORMAT:
        raise ValueError(f"unsupported sandbox state format {state.get('format')!r} in {directory}")
    writes = []
    if (path / JOURNAL_FILE).exists():
        for line in (path / JOURNAL_FILE).read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            query = [tuple(pair) for pair in entry["query"]]
            writes.append(
                Request(entry["method"], entry["path"], query, entry["headers"], base64.b64decode(entry["body"]))
            )
    return state["account"], state["auth"], state["config"], writes
