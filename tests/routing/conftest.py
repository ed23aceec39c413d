"""Every routing test runs twice: on the in-process server (fakeredis + lupa), the embedded
default, and on the real Redis at TEST_REDIS_URL, whose database is flushed before each test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from routing import Router, RoutingPolicy, connect
from tests.routing.factories import START, FakeClock, Recorder

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(params=["in_process", "redis"])
async def redis(request: pytest.FixtureRequest) -> AsyncIterator[Redis]:
    if request.param == "in_process":
        client = await connect(None)
    else:
        client = await connect(TEST_REDIS_URL)
        await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def events() -> Recorder:
    return Recorder()


@pytest.fixture
def policy() -> RoutingPolicy:
    return RoutingPolicy()


@pytest.fixture
def router(redis: Redis, policy: RoutingPolicy, events: Recorder, clock: FakeClock) -> Router:
    return Router(redis, policy, on_event=events, clock=clock)
