"""In-process httpx transports: the sandbox without a socket, with faults behaving as over the wire."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qsl

import httpx

from .app import App
from .messages import Request, Response


def to_request(request: httpx.Request, body: bytes) -> Request:
    raw_path, _, raw_query = request.url.raw_path.partition(b"?")
    return Request(
        method=request.method,
        path=raw_path.decode("ascii"),  # the router decodes segment by segment
        query=parse_qsl(raw_query.decode("ascii"), keep_blank_values=True),
        headers={name.decode("latin-1").lower(): value.decode("latin-1") for name, value in request.headers.raw},
        body=body,
    )


def _read_timeout(request: httpx.Request) -> float | None:
    return request.extensions.get("timeout", {}).get("read")


def _result(request: httpx.Request, response: Response) -> httpx.Response:
    if response.action == "drop":
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
    body = response.body[: len(response.body) // 2] if response.action == "truncate" else response.body
    headers = {**response.headers, "content-length": str(len(response.body))}  # the full length, as declared
    return httpx.Response(response.status, headers=headers, content=body, request=request)


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, app: App) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.app.handle(to_request(request, request.read()))
        if response.delay:
            timeout = _read_timeout(request)
            if timeout is not None and response.delay > timeout:
                time.sleep(timeout)
                raise httpx.ReadTimeout("The read operation timed out", request=request)
            time.sleep(response.delay)
        return _result(request, response)


class AsyncSandboxTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: App) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = self.app.handle(to_request(request, await request.aread()))
        if response.delay:
            timeout = _read_timeout(request)
            if timeout is not None and response.delay > timeout:
                await asyncio.sleep(timeout)
                raise httpx.ReadTimeout("The read operation timed out", request=request)
            await asyncio.sleep(response.delay)
        return _result(request, response)
