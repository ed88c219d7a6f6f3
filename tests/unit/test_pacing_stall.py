"""A stalled event loop (a long DuckDB commit, CPU starvation) must not turn into a burst Lever answers with 429.

Found by the 100k benchmark: 200 of 787k requests got a 429. Requests reserved their send time before waiting
for a connection slot, so every request queued behind a stall woke up overdue and all went out together.
"""

import asyncio
import time

import httpx

from orchestration.lever.auth import ApiKeyCredentials
from orchestration.lever.client import LeverClient, RetryPolicy
from orchestration.lever.config import ApiKeyAuth
from orchestration.lever.endpoints import Route
from orchestration.lever.ratelimit import TokenBucket
from orchestration.lever.secrets import Secret

RATE, BURST = 100.0, 40  # the server's limit; the client paces at 95% with half the burst, as runner does
CONCURRENCY = 16


def test_requests_queued_behind_a_stall_do_not_burst_past_the_servers_bucket():
    server = TokenBucket(RATE, BURST)
    statuses: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        status = 200 if server.try_acquire() else 429
        statuses.append(status)
        return httpx.Response(status, json={"data": []} if status == 200 else {"code": "TooManyRequestsError"})

    client = LeverClient(
        "http://lever.test/v1",
        ApiKeyCredentials(ApiKeyAuth(Secret("k"))),
        TokenBucket(RATE * 0.95, BURST / 2),
        http=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        concurrency=CONCURRENCY,
        retry=RetryPolicy(max_retries=20, base_delay=0.01, max_delay=0.05),
        seed=1,
    )

    async def scenario() -> None:
        async def stall() -> None:
            await asyncio.sleep(0.3)
            time.sleep(1.0)  # the whole loop is blocked: overdue requests pile up

        requests = [client.get_json(f"/opportunities/{i}/notes", [], route=Route("notes", "notes")) for i in range(300)]
        await asyncio.gather(stall(), *requests)

    asyncio.run(scenario())
    assert statuses.count(200) == 300
    assert statuses.count(429) == 0, f"{statuses.count(429)} requests were refused after the stall"
