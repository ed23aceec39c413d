"""The Redis a Router runs on: a real server for replicas, an in-process one for `make run`."""

from __future__ import annotations

from fakeredis import FakeAsyncRedis
from redis.asyncio import Redis


async def connect(url: str | None) -> Redis:
    """With no URL, an in-process server (fakeredis, running the same Lua through lupa), for the
    single embedded process; it lives as long as the client and is shared with no one."""
    if url is None:
        client: Redis = FakeAsyncRedis(decode_responses=True)
    else:
        client = Redis.from_url(url, decode_responses=True)
    await client.ping()
    return client
