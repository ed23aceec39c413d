"""One Redis pub/sub subscription of a replica that survives Redis going away and coming back.

Pub/sub delivers only to who is listening at that moment, so every user of it (the staff
fan-out, the web chat) keeps what matters in the store and treats Redis as a doorbell; this loop
only has to keep listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.background import in_background

log = logging.getLogger(__name__)

Handle = Callable[[str, str], Awaitable[None]]
"""Called with the channel a message came on and its data."""

RESUBSCRIBE_AFTER = 1.0


def namespaced(redis: Redis, name: str) -> str:
    """Pub/sub ignores Redis database numbers, so two deployments (or test runs) sharing one
    server on different databases would hear each other; a channel name carries the database."""
    db = redis.connection_pool.connection_kwargs.get("db", 0)
    return f"{name}:{db}"


class Subscription:
    """Listens on one channel, or on a pattern of channels, and hands each message on."""

    def __init__(self, redis: Redis, handle: Handle, *, channel: str, pattern: bool = False):
        self.redis = redis
        self.handle = handle
        self.channel = channel
        self.pattern = pattern
        self.subscribed = asyncio.Event()

    async def run(self) -> None:
        while True:
            pubsub = self.redis.pubsub()
            try:
                if self.pattern:
                    await pubsub.psubscribe(self.channel)
                else:
                    await pubsub.subscribe(self.channel)
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] in ("subscribe", "psubscribe"):
                        self.subscribed.set()
                    elif message["type"] in ("message", "pmessage"):
                        await self.handle(_text(message["channel"]), _text(message["data"]))
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                self.subscribed.clear()
                log.warning(
                    "subscription to %s lost (%s); again in %.0f s",
                    self.channel,
                    type(error).__name__,
                    RESUBSCRIBE_AFTER,
                )
                await asyncio.sleep(RESUBSCRIBE_AFTER)
            except Exception:
                # The loop edge: one bad message or a bug must not end live updates for good.
                self.subscribed.clear()
                log.exception("subscription to %s failed; subscribing again", self.channel)
                await asyncio.sleep(RESUBSCRIBE_AFTER)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    @contextlib.asynccontextmanager
    async def running(self, ready_within: float = 2.0) -> AsyncIterator[None]:
        """Subscribed before the block if Redis answers soon; a replica still starts without it
        and subscribes when Redis comes."""
        async with in_background(self.run()):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(ready_within):
                    await self.subscribed.wait()
            yield


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
