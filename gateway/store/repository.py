"""The case store's operations, grouped in one unit of work per transaction.

Callers compose several operations in ``async with store.transaction() as tx`` so a message, its
case, their events and the outbox rows commit together or not at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.store.engine import ping
from gateway.store.models import (
    Account,
    Base,
    Case,
    CaseEvent,
    CaseStatus,
    ContactIdentity,
    Conversation,
    Direction,
    Message,
    OutboxEvent,
    utcnow,
)

OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING_CUSTOMER)
QUARANTINED = "quarantined"
"""The delivery status of an inbound message whose turn failed too often to be tried again."""


def case_number(case_id: int) -> str:
    return f"CS-{case_id:06d}"


@dataclass(frozen=True, slots=True)
class InboundRecord:
    message: Message
    created: bool


class CaseStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._sessions() as session, session.begin():
            yield Transaction(session)

    async def ping(self) -> None:
        await ping(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()


class Transaction:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def insert_ignoring_conflicts(
        self,
        model: type[Base],
        values: dict[str, Any],
        *,
        index_elements: Sequence[str],
        index_where: ColumnElement[bool] | None = None,
    ) -> postgresql.Insert | sqlite.Insert:
        """INSERT … ON CONFLICT DO NOTHING in the session's dialect: the race-safe half of
        find-or-create, whichever replica gets there first."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        return (
            insert(model)
            .values(**values)
            .on_conflict_do_nothing(index_elements=list(index_elements), index_where=index_where)
        )

    async def identity(self, channel: str, address: str) -> ContactIdentity:
        """Find or create the identity; safe when two replicas see the same sender at once."""
        await self.session.execute(
            self.insert_ignoring_conflicts(
                ContactIdentity,
                {
                    "channel": channel,
                    "address": address,
                    "opted_out": False,
                    "created_at": utcnow(),
                },
                index_elements=["channel", "address"],
            )
        )
        found = await self.session.scalar(
            select(ContactIdentity).where(
                ContactIdentity.channel == channel, ContactIdentity.address == address
            )
        )
        assert found is not None
        return found

    async def record_inbound(
        self,
        identity: ContactIdentity,
        *,
        provider_id: str,
        body: str,
        media_urls: Sequence[str] = (),
        case_id: int | None = None,
    ) -> InboundRecord:
        """Store an inbound message once: a retried delivery gets the first copy, not created."""
        stmt = self.insert_ignoring_conflicts(
            Message,
            {
                "case_id": case_id,
                "identity_id": identity.id,
                "direction": Direction.INBOUND,
                "channel": identity.channel,
                "provider_id": provider_id,
                "body": body,
                "media_urls": list(media_urls),
                "delivery_status": "received",
                "created_at": utcnow(),
            },
            index_elements=["channel", "provider_id"],
        ).returning(Message.id)
        new_id = await self.session.scalar(stmt)
        message = await self.session.scalar(
            select(Message).where(
                Message.channel == identity.channel, Message.provider_id == provider_id
            )
        )
        assert message is not None
        return InboundRecord(message=message, created=new_id is not None)

    async def open_case(
        self,
        identity: ContactIdentity,
        *,
        intent: str,
        urgent: bool = False,
        hostile: bool = False,
        verified: bool = False,
        priority: int = 0,
        account: Account | None = None,
        actor: str = "system",
    ) -> Case:
        case = Case(
            identity_id=identity.id,
            customer_id=identity.customer_id if account is None else account.customer_id,
            account_id=account.id if account else None,
            channel=identity.channel,
            intent=intent,
            urgent=urgent,
            hostile=hostile,
            verified=verified,
            priority=priority,
            status=CaseStatus.NEW,
        )
        self.session.add(case)
        await self.session.flush()
        case.number = case_number(case.id)
        await self.record_event(
            case,
            "opened",
            actor,
            {"intent": intent, "urgent": urgent, "hostile": hostile, "verified": verified},
        )
        return case

    async def record_event(
        self, case: Case, kind: str, actor: str, data: dict[str, Any] | None = None
    ) -> CaseEvent:
        """Append to the case's history and tell other replicas, in this same transaction."""
        event = CaseEvent(
            case_id=case.id, kind=kind, actor=actor, data=data or {}, created_at=utcnow()
        )
        self.session.add(event)
        self.record_outbox(
            "case",
            {
                "case": case.number,
                "case_id": case.id,
                "kind": kind,
                "actor": actor,
                **(data or {}),
                # Who should hear of it, as the case stands after this change.
                "audience": {
                    "assignee": case.assigned_agent_id,
                    "urgent": case.urgent,
                    "hostile": case.hostile,
                },
            },
        )
        await self.session.flush()
        return event

    def record_outbox(self, topic: str, payload: dict[str, Any]) -> None:
        """An event for other replicas and consoles, published only if this transaction commits."""
        self.session.add(OutboxEvent(topic=topic, payload=payload, created_at=utcnow()))

    async def open_cases(self) -> Sequence[Case]:
        """Every open case: what routing should hold."""
        found = await self.session.scalars(select(Case).where(Case.status.in_(OPEN_STATUSES)))
        return found.all()

    async def open_case_for(self, identity: ContactIdentity) -> Case | None:
        """The identity's most recent open case, the one a follow-up message belongs to."""
        return await self.session.scalar(
            select(Case)
            .where(Case.identity_id == identity.id, Case.status.in_(OPEN_STATUSES))
            .order_by(Case.id.desc())
            .limit(1)
        )

    async def claim_inbound(self, message_id: int, analysis: dict[str, Any]) -> Message | None:
        """Mark an inbound message handled by this turn; None when another turn already has it."""
        claimed = await self.session.execute(
            update(Message)
            .where(
                Message.id == message_id,
                Message.analysis.is_(None),
                Message.direction == Direction.INBOUND,
            )
            .values(analysis=analysis)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await self.session.get(Message, message_id, populate_existing=True)

    async def record_turn_failure(self, message_id: int, *, quarantine_after: int) -> int:
        """Count a turn of an inbound message that raised; at ``quarantine_after`` failures the
        message is quarantined, and no sweep tries it again. Returns the failures so far."""
        message = await self.session.get_one(Message, message_id, with_for_update=True)
        message.turn_failures += 1
        if message.turn_failures >= quarantine_after and message.analysis is None:
            message.delivery_status = QUARANTINED
        return message.turn_failures

    async def conversation(self, identity: ContactIdentity) -> Conversation:
        """The identity's conversation, locked so two replicas never take turns in it at once."""
        await self.session.execute(
            self.insert_ignoring_conflicts(
                Conversation,
                {"identity_id": identity.id, "step": "idle", "pending": {}, "updated_at": utcnow()},
                index_elements=["identity_id"],
            )
        )
        found = await self.session.scalar(
            select(Conversation).where(Conversation.identity_id == identity.id).with_for_update()
        )
        assert found is not None
        return found

    async def attach_messages(self, case: Case, message_ids: Iterable[int]) -> None:
        await self.session.execute(
            update(Message)
            .where(Message.id.in_(list(message_ids)))
            .values(case_id=case.id)
            .execution_options(synchronize_session="fetch")
        )

    async def record_outbound(
        self,
        identity: ContactIdentity,
        *,
        body: str,
        case: Case | None,
        author_agent_id: int | None = None,
    ) -> Message:
        """Queue a message to the customer; a channel sends it and fills in the provider id."""
        message = Message(
            case_id=case.id if case else None,
            identity_id=identity.id,
            direction=Direction.OUTBOUND,
            channel=identity.channel,
            author_agent_id=author_agent_id,
            body=body,
            media_urls=[],
            delivery_status="queued",
            created_at=utcnow(),
        )
        self.session.add(message)
        await self.session.flush()
        return message

    async def accounts_of(self, customer_id: int) -> Sequence[Account]:
        result = await self.session.scalars(
            select(Account).where(Account.customer_id == customer_id)
        )
        return result.all()

    async def case_by_number(self, number: str) -> Case | None:
        return await self.session.scalar(select(Case).where(Case.number == number))

    async def account_by_number(self, number: str) -> Account | None:
        return await self.session.scalar(select(Account).where(Account.number == number))

    async def set_status(self, case: Case, status: CaseStatus, actor: str) -> None:
        previous = case.status
        case.status = status
        now = utcnow()
        if status is CaseStatus.RESOLVED:
            case.resolved_at = now
        elif status is CaseStatus.CLOSED:
            case.closed_at = now
        await self.record_event(
            case, "status_changed", actor, {"from": previous.value, "to": status.value}
        )

    async def messages_of(self, case: Case) -> Sequence[Message]:
        result = await self.session.scalars(
            select(Message).where(Message.case_id == case.id).order_by(Message.id)
        )
        return result.all()

    async def events_of(self, case: Case) -> Sequence[CaseEvent]:
        result = await self.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
        return result.all()

    async def count(self, model: type[Base]) -> int:
        return await self.session.scalar(select(func.count()).select_from(model)) or 0
