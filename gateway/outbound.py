"""Delivering our messages to customers through their channel, once.

A queued message is claimed (``queued``/``retrying`` → ``sending``) in its own transaction before
the provider is called, so two replicas never both send it; a message that has a provider id is
never sent again. Retryable failures wait with exponential backoff; the rest are marked failed
and shown on the case. A send whose outcome is unknown (the provider did not answer in time) waits
longer: if the provider took it after all, its first status report names our message, gives it
its provider id, and the retry never happens.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update

from channels import Channel, OutboundMessage, SendError, SendResult
from channels.ids import parse_id
from channels.twilio_status import is_forward
from gateway.store import CaseStore
from gateway.store.models import Case, ContactIdentity, Direction, Message, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=5)
UNKNOWN_OUTCOME_WAIT = timedelta(seconds=60)
"""Long enough for the provider's first status report on a message it took while we timed out."""
SENDABLE = ("queued", "retrying")


class Sender(Protocol):
    async def send(self, msg: OutboundMessage) -> SendResult: ...


class OptedOutError(Exception):
    """The customer opted out of this channel; nothing may be sent until they opt back in."""


class Outbound:
    def __init__(self, store: CaseStore, senders: Mapping[str, Sender]) -> None:
        self.store = store
        self.senders = senders

    async def deliver(self, message_id: int) -> str:
        """Send one queued message; returns its delivery status afterwards."""
        async with self.store.transaction() as tx:
            claimed = await tx.session.execute(
                update(Message)
                .where(
                    Message.id == message_id,
                    Message.direction == Direction.OUTBOUND,
                    Message.provider_id.is_(None),
                    Message.delivery_status.in_(SENDABLE),
                )
                .values(delivery_status="sending", send_attempts=Message.send_attempts + 1)
                .execution_options(synchronize_session=False)
            )
            message = await tx.session.get_one(Message, message_id, populate_existing=True)
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return message.delivery_status
            identity = await tx.session.get_one(ContactIdentity, message.identity_id)
        sender = self.senders.get(message.channel)
        if identity.opted_out:
            return await self._settle(message_id, status="failed", error="recipient opted out")
        if sender is None:
            return await self._settle(
                message_id, status="failed", error=f"no {message.channel} channel configured"
            )
        try:
            result = await sender.send(
                OutboundMessage(
                    channel=Channel(identity.channel),
                    recipient=identity.address,
                    body=message.body,
                    idempotency_key=str(message.id),
                )
            )
        except SendError as error:
            if error.retryable and message.send_attempts < MAX_ATTEMPTS:
                delay = FIRST_RETRY * 2 ** (message.send_attempts - 1)
                if error.outcome_unknown:
                    delay = max(delay, UNKNOWN_OUTCOME_WAIT)
                return await self._settle(
                    message_id, status="retrying", error=str(error), retry_at=utcnow() + delay
                )
            return await self._settle(message_id, status="failed", error=str(error))
        return await self._settle(message_id, status=result.status, provider_id=result.provider_id)

    async def answered_in_exchange(self, message_id: int) -> bool:
        """Claim a reply that went back inside the webhook's own response (TwiML)."""
        async with self.store.transaction() as tx:
            claimed = await tx.session.execute(
                update(Message)
                .where(
                    Message.id == message_id,
                    Message.provider_id.is_(None),
                    Message.delivery_status == "queued",
                )
                .values(delivery_status="sent", send_attempts=Message.send_attempts + 1)
                .execution_options(synchronize_session=False)
            )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    async def _settle(
        self,
        message_id: int,
        *,
        status: str,
        error: str | None = None,
        provider_id: str | None = None,
        retry_at: datetime | None = None,
    ) -> str:
        async with self.store.transaction() as tx:
            message = await tx.session.get_one(Message, message_id)
            if provider_id is None and message.provider_id is not None:
                # The provider's own report arrived while we waited for its answer: it stands.
                return message.delivery_status
            message.delivery_status = status
            message.delivery_error = error
            message.next_attempt_at = retry_at
            if provider_id is not None:
                message.provider_id = provider_id
            if message.case_id is not None and status == "failed":
                case = await tx.session.get_one(Case, message.case_id)
                await tx.record_event(
                    case, "delivery_failed", "system", {"message_id": message.id, "error": error}
                )
        if status == "failed":
            log.warning("outbound message %d failed: %s", message_id, error)
        return status

    async def due_for_retry(self, now: datetime, queued_before: datetime) -> list[int]:
        """Messages the delivery sweep should send: retries whose time has come, and messages
        queued before ``queued_before`` that nobody tried (their replica died). A reply queued
        more recently still belongs to whoever queued it: it may be on its way back inside a
        webhook's own response, and sweeping it would send it twice."""
        never_tried = Message.next_attempt_at.is_(None) & (Message.created_at < queued_before)
        async with self.store.transaction() as tx:
            rows = await tx.session.scalars(
                select(Message.id).where(
                    Message.direction == Direction.OUTBOUND,
                    Message.provider_id.is_(None),
                    Message.delivery_status.in_(SENDABLE),
                    never_tried | (Message.next_attempt_at <= now),
                )
            )
            return list(rows)

    async def on_status(
        self, provider_id: str, status: str, error_code: str | None, reference: str | None = None
    ) -> None:
        """A delivery report; state only moves forward, whatever order reports arrive in.

        ``reference`` is our own message id, as the channel put it in the callback: a message
        whose send timed out learns its provider id from it, so it is not sent again."""
        async with self.store.transaction() as tx:
            message = await tx.session.scalar(
                select(Message).where(
                    Message.provider_id == provider_id, Message.direction == Direction.OUTBOUND
                )
            )
            message_id = parse_id(reference) if reference is not None else None
            if message is None and message_id is not None:
                message = await tx.session.scalar(
                    select(Message).where(
                        Message.id == message_id,
                        Message.direction == Direction.OUTBOUND,
                        Message.provider_id.is_(None),
                    )
                )
                if message is not None:
                    log.info("message %d was taken after all, as %s", message.id, provider_id)
                    message.provider_id = provider_id
                    message.next_attempt_at = None
                    message.delivery_error = None
            if message is None:
                log.info("status %s for unknown message %s ignored", status, provider_id)
                return
            if is_forward(message.delivery_status, status):
                message.delivery_status = status
                if error_code:
                    message.delivery_error = f"provider error {error_code}"
