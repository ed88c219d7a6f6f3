"""A small HTTP/1.1 server on asyncio streams (keep-alive, Content-Length, chunked request bodies).

Hand-rolled rather than built on a framework so faults can misbehave at the transport level: `drop` aborts
the connection, `truncate` declares the full Content-Length, sends half and closes. Loopback only.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import parse_qsl

from .messages import Request, Response

LOOPBACK = "127.0.0.1"
MAX_HEAD = 64 * 1024
_REASONS = {status.value: status.phrase for status in HTTPStatus}


def _check_host(host: str) -> None:
    if host != LOOPBACK:
        raise ValueError(f"the sandbox only binds to {LOOPBACK}, not {host!r}")


def _serialize(response: Response, keep_alive: bool) -> tuple[bytes, bytes]:
    lines = [f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    lines.append(f"content-length: {len(response.body)}")
    lines.append("connection: keep-alive" if keep_alive else "connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), response.body


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = int(headers.get("content-length", "0") or 0)
    return await reader.readexactly(length) if length else b""


def _parse_head(head: bytes) -> tuple[str, str, str, str, dict[str, str]]:
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, version = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    path, _, query = target.partition("?")
    return method, path, query, version, headers


async def serve_connection(
    handle: Callable[[Request], Response], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            method, path, query, version, headers = _parse_head(head[:-4])
            if headers.get("expect", "").lower() == "100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = await _read_body(reader, headers)
            connection = headers.get("connection", "").lower()
            keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
            request = Request(method, path, parse_qsl(query, keep_blank_values=True), headers, body)
            response = handle(request)
            if response.delay:
                await asyncio.sleep(response.delay)
            if response.action == "drop":
                writer.transport.abort()
                return
            head_bytes, body_bytes = _serialize(response, keep_alive and response.action is None)
            if response.action == "truncate":
                writer.write(head_bytes + body_bytes[: len(body_bytes) // 2])
                await writer.drain()
                writer.close()
                return
            writer.write(head_bytes + body_bytes)
            if writer.transport.get_write_buffer_size() > 256 * 1024:
                await writer.drain()
            if not keep_alive:
                await writer.drain()
                return
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        writer.transport.abort()
    except asyncio.CancelledError:
        # Shutdown with keep-alive connections open: end quietly instead of surfacing the cancellation
        # through asyncio's stream callback (which logs it as an unhandled error).
        writer.transport.abort()
    finally:
        if not writer.is_closing():
            writer.close()


async def start(handle: Callable[[Request], Response], port: int = 0, host: str = LOOPBACK) -> asyncio.Server:
    _check_host(host)
    return await asyncio.start_server(
        lambda r, w: serve_connection(handle, r, w), host, port, limit=MAX_HEAD, reuse_address=True
    )


class BackgroundServer:
    """The server on its own event loop in a daemon thread (what `Sandbox.serve()` uses)."""

    def __init__(self, handle: Callable[[Request], Response], port: int = 0, host: str = LOOPBACK) -> None:
        _check_host(host)
        self._handle, self._port, self._host = handle, port, host
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lever-sandbox-server", daemon=True)
        self._server: asyncio.Server | None = None
        self._error: BaseException | None = None
        self.port = 0

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(start(self._handle, self._port, self._host))
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as error:  # surfaced to the starting thread
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._server.close()
        tasks = asyncio.all_tasks(self._loop)  # open keep-alive connections
        for task in tasks:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self._loop.close()

    def start(self) -> int:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self.port

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
