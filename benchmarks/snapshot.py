"""A frozen copy of the code under test, because other engineers edit the working tree during a long session.

Every measured process imports the copy (`PYTHONPATH`, and it is their working directory), so all runs of a
session measure the same code and a half-saved file in the working tree cannot break a run hours in.
`make run` is the exception: it measures the working tree, as `make run` does.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .config import CODE_ROOT_ENV, ROOT

TREES = ("orchestration", "benchmarks", "dbt_project")
SKIPPED = {"__pycache__", "target", "logs", "dbt_packages"}


def _files() -> list[Path]:
    return sorted(
        path
        for tree in TREES
        for path in (ROOT / tree).rglob("*")
        if path.is_file() and not SKIPPED.intersection(path.relative_to(ROOT).parts)
    )


@contextmanager
def frozen_code(work: Path) -> Iterator[tuple[Path, str]]:
    """Copy the code to `work/code/<digest>` (once per content); child processes started inside use the copy."""
    saved = {name: os.environ.get(name) for name in (CODE_ROOT_ENV, "PYTHONPATH")}
    try:
        yield freeze(work)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def freeze(work: Path) -> tuple[Path, str]:
    """Copy the code to `work/code/<digest>` (once per distinct content) and point child processes at it."""
    files = _files()
    digest = hashlib.sha1()
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    fingerprint = digest.hexdigest()[:12]
    target = work / "code" / fingerprint
    if not target.exists():
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        for path in files:
            copy = partial / path.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
        partial.rename(target)
    os.environ[CODE_ROOT_ENV] = str(target)
    os.environ["PYTHONPATH"] = str(target)
    return target, fingerprint
