"""Benchmarks (not tests): generation time and peak RSS at 10k/100k, and server req/s with limiting off.

Run `python -m orchestration.sandbox.bench [--sizes 10000 100000] [--seconds 5]`. Each size runs in a fresh
process so peak RSS (ru_maxrss) belongs to that size alone.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import resource
import subprocess
import sys
import time

from .messages import Request


def _rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def measure_generation(count: int) -> dict:
    """Generate, then serve every opportunity's children once (what a full extraction touches)."""
    from .sandbox import Sandbox

    started = time.perf_counter()
    sandbox = Sandbox(opportunities=count, rate_limit=0)
    generated = time.perf_counter() - started
    rss_generated = _rss_mb()
    auth = {"authorization": "Basic " + base64.b64encode(f"{sandbox.api_key}:".encode()).decode()}
    started = time.perf_counter()
    ids, offset, children = [], "", 0
    while True:  # page the whole opportunity list like a client
        query = [("limit", "100"), ("confidentiality", "all"), ("expand", "applications")]
        body = json.loads(
            sandbox.handle(
                Request("GET", "/v1/opportunities", [*query, *([("offset", offset)] if offset else [])], auth)
            ).body
        )
        ids += [record["id"] for record in body["data"]]
        if not body["hasNext"]:
            break
        offset = body["next"]
    for oid in ids:
        for kind in ("interviews", "panels", "feedback", "notes", "offers", "referrals", "resumes", "files"):
            response = sandbox.handle(Request("GET", f"/v1/opportunities/{oid}/{kind}", [], auth))
            children += len(json.loads(response.body)["data"])
    scanned = time.perf_counter() - started
    rss_scanned = _rss_mb()
    started = time.perf_counter()
    truth = len(sandbox.truth("opportunities")["records"])
    truth_s = time.perf_counter() - started
    started = time.perf_counter()
    changes = sum(sandbox.advance(7).values())
    advanced = time.perf_counter() - started
    return {
        "opportunities": count,
        "generation_s": round(generated, 2),
        "rss_after_generation_mb": rss_generated,
        "full_scan_s": round(scanned, 1),
        "children_served": children,
        "rss_after_full_scan_mb": rss_scanned,
        "truth_opportunities_s": round(truth_s, 1),
        "truth_records": truth,
        "advance_7d_s": round(advanced, 1),
        "advance_7d_changes": changes,
        "peak_rss_mb": _rss_mb(),  # truth() materializes every record at once: it dominates the peak
    }


async def _load(port: int, path: str, auth: str, connections: int, seconds: float) -> int:
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n\r\n").encode()
    deadline = time.perf_counter() + seconds
    done = 0

    async def worker() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(
                next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
            )
            await reader.readexactly(length)
            done += 1
        writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return done


def _load_process(port: int, path: str, auth: str, connections: int, seconds: float, out) -> None:
    out.put(asyncio.run(_load(port, path, auth, connections, seconds)))


def measure_server(seconds: float, connections: int = 8) -> dict:
    from .sandbox import Sandbox

    sandbox = Sandbox(opportunities=1000, rate_limit=0)
    oid = sandbox.truth("opportunities")["records"][0]["id"]
    auth = "Basic " + base64.b64encode(f"{sandbox.api_key}:".encode()).decode()
    results = {}
    with sandbox.serve() as url:
        port = int(url.split(":")[2].split("/")[0])
        for label, path in (
            ("notes", f"/v1/opportunities/{oid}/notes"),
            ("stages", "/v1/stages"),
            ("opportunities_page_100", "/v1/opportunities?limit=100"),
        ):
            queue = multiprocessing.get_context("spawn").Queue()
            process = multiprocessing.get_context("spawn").Process(
                target=_load_process, args=(port, path, auth, connections, seconds, queue)
            )
            process.start()
            done = queue.get()
            process.join()
            results[f"{label}_req_per_s"] = round(done / seconds)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.sandbox.bench")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_generation(args.one)))
        return 0
    for size in args.sizes:
        output = subprocess.run(
            [sys.executable, "-m", "orchestration.sandbox.bench", "--one", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        print(json.dumps(json.loads(output.strip().splitlines()[-1])), flush=True)
    print(json.dumps(measure_server(args.seconds)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
