"""The Redis a Router runs on: a real server for replicas, an in-process one for `make run`.

A shared Redis blinks: a connection is reset, a server restarts or fails over. redis-py's
defaults retry nothing, so the first command on each pooled connection after a reset failed
(a new case's enqueue, a staff member's accept). `client` retries a command that failed on a
connection error, on a fresh connection, after a short exponential backoff, and pings a
connection idle for a while before using it.

Retrying is safe for everything routing sends. A retried command may run twice when the
connection broke after Redis ran it but before its answer arrived; every operation is a single
Lua call that either does nothing the second time or is refused without changing anything:

- `enqueue` finds the contact held and changes nothing; `withdraw`, `mark_hostile`,
  `mark_urgent`, `upsert_agent`, `set_presence`, `rebuild`, `tick` and `dispatch` leave the state
  they left the first time.
- `accept` again by the agent who holds the contact answers ok and reports the acceptance again
  (whoever records it sees the same assignee twice).
- `decline`, `complete`, an assignee's `transfer` or `escalate`, and a transfer to a named agent
  find that the first call already moved the contact and are refused (`NotOfferedError`,
  `UnknownContactError`, `NotAssignedError`) without changing anything. A lead's transfer of a
  waiting contact to a queue, or escalation of it, is done again: same place, its wait there
  restarting from the retry.
- Reads and `PUBLISH` (its subscribers drop what they have seen) are harmless twice; the rebuild
  lock recognises its own token.
"""

from __future__ import annotations

from fakeredis import FakeAsyncRedis
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

RETRIES = 4
"""With the backoff below a command gives up after about 1.2 s of failures (plus timeouts)."""
BACKOFF = ExponentialBackoff(cap=0.5, base=0.05)
HEALTH_CHECK_EVERY = 5
"""Seconds a pooled connection may sit idle before it is pinged (and replaced) before use."""
CONNECT_TIMEOUT = 2.0
COMMAND_TIMEOUT = 5.0
"""No routing script runs for long; a command unanswered this long is on a dead connection."""


def client(url: str) -> Redis:
    """A client of the Redis at `url` that rides out a blink; nothing is sent until first use,
    so a replica may start while Redis is away."""
    return Redis.from_url(
        url,
        decode_responses=True,
        retry=Retry(BACKOFF, RETRIES),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        health_check_interval=HEALTH_CHECK_EVERY,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=COMMAND_TIMEOUT,
    )


async def connect(url: str | None) -> Redis:
    """With no URL, an in-process server (fakeredis, running the same Lua through lupa), for the
    single embedded process; it lives as long as the client and is shared with no one."""
    redis: Redis = FakeAsyncRedis(decode_responses=True) if url is None else client(url)
    await redis.ping()
    return redis
