"""ConnectionSlots: many requests in flight reuse a fixed set of kept-alive connections (BENCHMARKS.md findings)."""

import asyncio

from orchestration.lever.connections import ConnectionSlots

BODY = b'{"data": []}'


async def _serve(opened: list[int], in_flight: list[int]) -> asyncio.Server:
    """A minimal keep-alive HTTP/1.1 server that counts the TCP connections it accepts."""
    active = [0]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        opened.append(1)
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                active[0] += 1
                in_flight.append(active[0])
                await asyncio.sleep(0.01)
                active[0] -= 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_requests_share_one_kept_alive_connection_per_slot_and_never_exceed_the_slots():
    async def scenario() -> tuple[list[int], list[int], list[int]]:
        opened: list[int] = []
        in_flight: list[int] = []
        server = await _serve(opened, in_flight)
        port = server.sockets[0].getsockname()[1]
        async with server, ConnectionSlots(4, timeout=5.0) as slots:
            responses = await asyncio.gather(
                *(slots.request("GET", f"http://127.0.0.1:{port}/v1/x") for _ in range(60))
            )
        return [r.status_code for r in responses], opened, in_flight

    statuses, opened, in_flight = asyncio.run(scenario())
    assert statuses == [200] * 60
    assert len(opened) == 4  # one connection per slot, kept alive for the other 56 requests
    assert max(in_flight) == 4  # all slots were used, and never more than the slots
