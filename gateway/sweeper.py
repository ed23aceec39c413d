"""Duties every replica runs in the background, so a crash or a failed send loses nothing.

All of them are safe to run on several replicas at once: turns and deliveries claim their rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from gateway.inbox import Inbox
from gateway.intake import unhandled
from gateway.store.models import utcnow

log = logging.getLogger(__name__)

GRACE = timedelta(seconds=30)
"""How long a committed message may wait for its turn, or a queued reply for its first send,
before the sweep assumes the replica that owned it died."""


class Sweeper:
    def __init__(
        self,
        inbox: Inbox,
        extra: Callable[[], Awaitable[None]] | None = None,
        interval: float = 2.0,
    ) -> None:
        self.inbox = inbox
        self.extra = extra
        self.interval = interval

    async def sweep(self, now: datetime | None = None) -> None:
        now = now or utcnow()
        for message in await unhandled(self.inbox.intake.store, now - GRACE):
            log.info("recovering message %d left without a turn", message.message_id)
            turn = await self.inbox.run_turn(message.message_id, message.body, message.channel)
            if turn.reply_message_id is not None:
                await self.inbox.outbound.deliver(turn.reply_message_id)
        for message_id in await self.inbox.outbound.due_for_retry(now, now - GRACE):
            await self.inbox.outbound.deliver(message_id)
        if self.extra is not None:
            await self.extra()

    async def run(self) -> None:
        """Sweep forever; one bad sweep is logged and the next one still runs."""
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("sweep failed; trying again in %.0f s", self.interval)
            await asyncio.sleep(self.interval)
