"""Duties every replica runs in the background, so a crash or a failed send loses nothing.

All of them are safe to run on several replicas at once: turns and deliveries claim their rows.
One message whose turn raises (a poisoned message) must not hold up the others: its failure is
logged and counted on the message, the sweep goes on, and after ``QUARANTINE_AFTER`` failures
the message is quarantined instead of being tried for ever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from gateway.inbox import Inbox
from gateway.intake import Unhandled, unhandled
from gateway.store.models import utcnow

log = logging.getLogger(__name__)

GRACE = timedelta(seconds=30)
"""How long a committed message may wait for its turn, or a queued reply for its first send,
before the sweep assumes the replica that owned it died."""
QUARANTINE_AFTER = 3
"""Failed turns after which a message is left alone (delivery status ``quarantined``)."""


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
            await self._recover(message)
        for message_id in await self.inbox.outbound.due_for_retry(now, now - GRACE):
            await self.inbox.outbound.deliver(message_id)
        if self.extra is not None:
            await self.extra()

    async def _recover(self, message: Unhandled) -> None:
        log.info("recovering message %d left without a turn", message.message_id)
        try:
            turn = await self.inbox.run_turn(message.message_id, message.body, message.channel)
        except Exception as error:
            # The edge of one message: whatever its turn raised, the others are still swept.
            await self._turn_failed(message.message_id, error)
            return
        if turn.reply_message_id is not None:
            await self.inbox.outbound.deliver(turn.reply_message_id)

    async def _turn_failed(self, message_id: int, error: Exception) -> None:
        """Counted on the message. If even that fails the store is down, not the message at
        fault: the error ends this sweep, and the next one tries again."""
        async with self.inbox.intake.store.transaction() as tx:
            failures = await tx.record_turn_failure(message_id, quarantine_after=QUARANTINE_AFTER)
        if failures >= QUARANTINE_AFTER:
            log.error(
                "message %d quarantined: its turn failed %d times",
                message_id,
                failures,
                exc_info=error,
            )
        else:
            log.error(
                "the turn of message %d failed (try %d of %d); the sweep goes on",
                message_id,
                failures,
                QUARANTINE_AFTER,
                exc_info=error,
            )

    async def run(self) -> None:
        """Sweep forever; one bad sweep is logged and the next one still runs."""
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("sweep failed; trying again in %.0f s", self.interval)
            await asyncio.sleep(self.interval)
