"""The Redis routing runs on: a client that rides out connections reset under it, and what a
gateway reads to check routing against its store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from routing import ContactFlags, Router, connect
from tests.routing.conftest import TEST_REDIS_URL
from tests.routing.factories import agent, contact, holder
from tests.support.redis_faults import reset_connections


@pytest.fixture
async def real_redis() -> AsyncIterator[Redis]:
    client = await connect(TEST_REDIS_URL)
    await client.flushdb()
    yield client
    await client.aclose()


async def test_a_router_rides_out_its_connections_being_reset(real_redis: Redis) -> None:
    router = Router(real_redis)
    await router.upsert_agent(agent("rep"))
    await router.enqueue(contact("before"))

    assert reset_connections(TEST_REDIS_URL) > 0
    await router.enqueue(contact("after"))

    assert await holder(router, "before") == "rep"
    assert await holder(router, "after") == "rep"


async def test_held_tells_which_contacts_routing_holds_and_how(router: Router) -> None:
    await router.enqueue(contact("calm"))
    await router.enqueue(contact("gas-smell", urgent=True))
    await router.enqueue(contact("angry", hostile=True))

    held = await router.held(["calm", "gas-smell", "angry", "never-seen"])

    assert held == {
        "calm": ContactFlags(urgent=False, hostile=False),
        "gas-smell": ContactFlags(urgent=True, hostile=False),
        "angry": ContactFlags(urgent=False, hostile=True),
    }
    assert await router.held([]) == {}
