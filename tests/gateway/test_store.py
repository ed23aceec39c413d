"""The case store keeps one copy of every message and a unique number for every case."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from gateway.store import CaseStore
from gateway.store.models import Account, CaseEvent, CaseStatus, Message, OutboxEvent


async def test_a_message_delivered_fifty_times_at_once_is_stored_once(store: CaseStore) -> None:
    async def deliver() -> bool:
        async with store.transaction() as tx:
            identity = await tx.identity("sms", "+15552014432")
            record = await tx.record_inbound(
                identity, provider_id="SM0123456789abcdef", body="my bill is wrong"
            )
            return record.created

    created = await asyncio.gather(*(deliver() for _ in range(50)))

    assert created.count(True) == 1
    async with store.transaction() as tx:
        assert await tx.count(Message) == 1


async def test_the_same_provider_id_on_another_channel_is_another_message(store: CaseStore) -> None:
    async with store.transaction() as tx:
        sms = await tx.identity("sms", "+15552014432")
        chat = await tx.identity("chat", "session-1")
        first = await tx.record_inbound(sms, provider_id="X1", body="hello")
        second = await tx.record_inbound(chat, provider_id="X1", body="hello")
    assert first.created and second.created
    assert first.message.id != second.message.id


async def test_text_neither_database_can_hold_is_stored_with_a_replacement_character(
    store: CaseStore,
) -> None:
    """NUL (refused by PostgreSQL) and lone surrogates (no driver encodes them) can arrive in
    any message, address or username; they are stored, and found again, as U+FFFD."""
    async with store.transaction() as tx:
        identity = await tx.identity("chat", "session\x00\ud800")
        record = await tx.record_inbound(identity, provider_id="id\x00", body="a\x00b\udfffc")
    async with store.transaction() as tx:
        again = await tx.identity("chat", "session\x00\ud800")
        stored = await tx.session.get_one(Message, record.message.id)
        repeated = await tx.record_inbound(again, provider_id="id\x00", body="a\x00b\udfffc")

    assert again.id == identity.id and again.address == "session\ufffd\ufffd"
    assert (stored.provider_id, stored.body) == ("id\ufffd", "a\ufffdb\ufffdc")
    assert not repeated.created


async def test_two_customers_texting_at_once_never_share_a_case_number(store: CaseStore) -> None:
    async def open_for(phone: str) -> str:
        async with store.transaction() as tx:
            identity = await tx.identity("sms", phone)
            case = await tx.open_case(identity, intent="billing_dispute")
            assert case.number is not None
            return case.number

    numbers = await asyncio.gather(*(open_for(f"+1555201{n:04d}") for n in range(40)))

    assert len(set(numbers)) == 40
    assert all(n.startswith("CS-") and len(n) == 9 for n in numbers)


async def test_a_case_keeps_its_history_and_tells_other_replicas(store: CaseStore) -> None:
    async with store.transaction() as tx:
        identity = await tx.identity("sms", "+15552014432")
        case = await tx.open_case(identity, intent="outage_report", urgent=True)
        await tx.set_status(case, CaseStatus.OPEN, actor="agent:7")
        number = case.number

    async with store.transaction() as tx:
        case = await tx.case_by_number(number or "")
        assert case is not None and case.status is CaseStatus.OPEN
        events = await tx.events_of(case)
        outbox = (await tx.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()

    assert [(e.kind, e.actor) for e in events] == [
        ("opened", "system"),
        ("status_changed", "agent:7"),
    ]
    assert events[1].data == {"from": "new", "to": "open"}
    assert [o.payload["kind"] for o in outbox] == ["opened", "status_changed"]
    assert all(o.published_at is None for o in outbox)


async def test_a_follow_up_finds_the_senders_open_case_but_not_a_closed_one(
    store: CaseStore,
) -> None:
    async with store.transaction() as tx:
        identity = await tx.identity("sms", "+15552014432")
        old = await tx.open_case(identity, intent="payment")
        await tx.set_status(old, CaseStatus.CLOSED, actor="system")
        assert await tx.open_case_for(identity) is None
        current = await tx.open_case(identity, intent="billing_dispute")
        assert await tx.open_case_for(identity) == current
        assert old.closed_at is not None and old.closed_at.tzinfo is not None


async def test_a_failed_transaction_leaves_nothing_behind(store: CaseStore) -> None:
    class Abort(Exception):
        pass

    try:
        async with store.transaction() as tx:
            identity = await tx.identity("sms", "+15552014432")
            await tx.open_case(identity, intent="payment")
            raise Abort
    except Abort:
        pass

    async with store.transaction() as tx:
        assert await tx.count(CaseEvent) == 0
        assert await tx.account_by_number("0000000000") is None
        assert await tx.count(Account) == 0
