"""Taking a channel's inbound messages through intake, within the channel's time budget.

The message is committed before anything else. Where the protocol lets us answer in the same
exchange (TwiML), we wait up to ``budget`` seconds for the turn: a quick turn's reply goes back in
the response, a slow turn's reply is sent through the channel's API when it is ready, so the
webhook always answers promptly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels import InboundMessage
from gateway.intake import Intake, Turn
from gateway.outbound import Outbound

log = logging.getLogger(__name__)

AfterTurn = Callable[[Turn], Awaitable[None]]
RoutingFailed = Callable[[int | None], None]
"""Told the case whose routing failed after a turn, so it is routed again soon."""


class Inbox:
    def __init__(
        self,
        intake: Intake,
        outbound: Outbound,
        after_turn: AfterTurn,
        budget: float,
        *,
        routing_failed: RoutingFailed,
    ) -> None:
        self.intake = intake
        self.outbound = outbound
        self.after_turn = after_turn
        self.budget = budget
        self.routing_failed = routing_failed
        self._running: set[asyncio.Task[Any]] = set()

    async def answer(self, inbound: InboundMessage) -> str | None:
        """For channels that answer inside the webhook: the reply text, if the turn was quick."""
        accepted = await self.intake.accept(inbound)
        if not accepted.created:
            return None
        task = self._start(accepted.message_id, inbound)
        try:
            turn = await asyncio.wait_for(asyncio.shield(task), self.budget)
        except TimeoutError:
            task.add_done_callback(self._deliver_when_done)
            return None
        if turn.reply_message_id is not None and await self.outbound.answered_in_exchange(
            turn.reply_message_id
        ):
            return turn.reply
        return None

    async def take(self, inbound: InboundMessage) -> None:
        """For channels whose replies always go out separately (chat, email)."""
        accepted = await self.intake.accept(inbound)
        if accepted.created:
            self._start(accepted.message_id, inbound).add_done_callback(self._deliver_when_done)

    async def run_turn(self, message_id: int, body: str, channel: str) -> Turn:
        """One turn and its routing. Routing failures are logged, not raised: the case is committed,
        and reconciliation routes it again as soon as routing answers."""
        turn = await self.intake.take_turn(message_id, body, channel)
        try:
            await self.after_turn(turn)
        except Exception:
            log.exception(
                "routing after message %d failed; reconciliation will route case %s again",
                message_id,
                turn.case_id,
            )
            self.routing_failed(turn.case_id)
        return turn

    def _start(self, message_id: int, inbound: InboundMessage) -> asyncio.Task[Turn]:
        task = asyncio.create_task(self.run_turn(message_id, inbound.body, inbound.channel))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    def _deliver_when_done(self, task: asyncio.Task[Turn]) -> None:
        if task.cancelled():
            return
        if (error := task.exception()) is not None:
            log.error(
                "intake turn failed (%s); the recovery sweep will retry it", type(error).__name__
            )
            return
        turn = task.result()
        if turn.reply_message_id is not None:
            self._start_delivery(turn.reply_message_id)

    def _start_delivery(self, message_id: int) -> None:
        delivery = asyncio.create_task(self.outbound.deliver(message_id))
        self._running.add(delivery)
        delivery.add_done_callback(self._running.discard)

    async def drain(self) -> None:
        """Let turns and deliveries already started finish, at shutdown."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
