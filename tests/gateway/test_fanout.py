"""Live fan-out: outbox rows reach every replica once, and each staff WebSocket only what its
role may see. Store tests run on SQLite with the in-process Redis and on PostgreSQL with the
real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

import routing
from gateway.app import create_app
from gateway.auth import Staff
from gateway.fanout import FanoutEvent, Receiver, Relay, visible_to
from gateway.pubsub import Subscription
from gateway.settings import Settings
from gateway.store import CaseStore
from gateway.store.models import OutboxEvent, Tier, utcnow
from tests.gateway.conftest import ClientFactory
from tests.gateway.sms_support import KNOWN, UNKNOWN_PHONE, SmsGateway, case_number_in
from tests.gateway.staff_support import Staffing

CHANNEL = "test:outbox"


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    """The Redis a replica of this backend would use: in-process for SQLite, real otherwise."""
    client = await routing.connect(settings.redis_url)
    yield client
    await client.aclose()


async def write_outbox(store: CaseStore, count: int) -> None:
    async with store.transaction() as tx:
        tx.session.add_all(
            OutboxEvent(topic="case", payload={"n": n}, created_at=utcnow()) for n in range(count)
        )


class Collector:
    def __init__(self) -> None:
        self.events: list[FanoutEvent] = []
        self.arrived = asyncio.Event()

    async def __call__(self, event: FanoutEvent) -> None:
        self.events.append(event)
        self.arrived.set()

    async def until_count(self, count: int) -> None:
        async with asyncio.timeout(10):
            while len(self.events) < count:
                self.arrived.clear()
                await self.arrived.wait()


async def test_two_relays_publish_every_outbox_row_exactly_once(
    store: CaseStore, redis: Redis
) -> None:
    await write_outbox(store, 300)
    heard = Collector()
    receiver = Receiver(heard)
    # Counts raw arrivals too: the receiver's own idempotency must not hide a double publish.
    raw: list[int] = []

    async def counting(channel: str, data: str) -> None:
        raw.append(FanoutEvent.from_json(data).id)
        await receiver.handle(channel, data)

    relays = [Relay(store, redis, channel=CHANNEL, batch=40) for _ in range(2)]

    async def drain(relay: Relay) -> int:
        total = 0
        while sent := await relay.relay_once():
            total += sent
        return total

    async with Subscription(redis, counting, channel=CHANNEL).running():
        sent = await asyncio.gather(*(drain(r) for r in relays))
        await heard.until_count(300)

    assert sum(sent) == 300
    assert sorted(raw) == sorted({e.id for e in heard.events})
    assert len(raw) == 300
    async with store.transaction() as tx:
        left = await tx.session.scalars(
            select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        )
        assert left.all() == []


async def test_a_relay_that_cannot_reach_redis_leaves_its_rows_for_later(store: CaseStore) -> None:
    await write_outbox(store, 3)
    unreachable = Redis.from_url("redis://127.0.0.1:9/0", decode_responses=True)
    try:
        with pytest.raises(RedisConnectionError):
            await Relay(store, unreachable, channel=CHANNEL).relay_once()
    finally:
        await unreachable.aclose()

    async with store.transaction() as tx:
        unpublished = await tx.session.scalars(
            select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None))
        )
        assert len(unpublished.all()) == 3


async def test_a_receiver_hands_on_each_outbox_id_once() -> None:
    heard = Collector()
    receiver = Receiver(heard, remember=2)
    first = FanoutEvent(7, "case", {"kind": "note"}).to_json()

    await receiver.handle(CHANNEL, first)
    await receiver.handle(CHANNEL, first)
    await receiver.handle(CHANNEL, "not json")

    assert [e.id for e in heard.events] == [7]


def staff(tier: Tier, agent_id: int = 1) -> Staff:
    return Staff(agent_id, f"{tier.value}.x", "X", tier, "csrf")


@pytest.mark.parametrize(
    ("payload", "rep", "senior", "lead"),
    [
        ({"kind": "offered", "agent_id": "1", "audience": {}}, True, False, False),
        ({"kind": "replied", "audience": {"assignee": 1}}, True, False, False),
        ({"kind": "offered", "agent_id": "2", "audience": {}}, False, False, False),
        ({"kind": "escalated", "audience": {"assignee": 2}}, False, True, True),
        ({"kind": "sla_breached", "audience": {}}, False, True, True),
        ({"kind": "analysed", "audience": {"hostile": True}}, False, True, True),
        ({"kind": "opened", "audience": {"urgent": True}}, False, True, True),
    ],
)
def test_who_hears_of_an_event(
    payload: dict[str, Any], rep: bool, senior: bool, lead: bool
) -> None:
    event = FanoutEvent(1, "case", {"case": "CS-000001", **payload})
    assert visible_to(staff(Tier.REP, 1), event) is rep
    assert visible_to(staff(Tier.SENIOR, 9), event) is senior
    assert visible_to(staff(Tier.LEAD, 9), event) is lead


def test_a_frame_does_not_say_who_else_was_told() -> None:
    frame = FanoutEvent(3, "case", {"kind": "note", "audience": {"assignee": 1}}).frame()
    assert frame == {"type": "event", "id": 3, "topic": "case", "kind": "note"}


async def test_a_rep_hears_of_their_offer_and_nobody_elses(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    chen = await staffing.signed_in("rep.chen")
    async with ana.live() as ana_feed, chen.live() as chen_feed:
        number = case_number_in(
            (await sms_gateway.phone(KNOWN.phone).text("why is my bill so high this month"))[0]
        )

        offered = await ana_feed.until(lambda f: f.get("kind") == "offered")

        assert offered["case"] == number
        assert offered["agent_id"] == str(ana.agent["id"])
        assert "audience" not in offered
        assert await chen_feed.nothing_more() == []


async def test_a_conversation_turning_hostile_reaches_seniors_within_a_second(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    eva = await staffing.signed_in("senior.eva")
    ben = await staffing.signed_in("rep.ben")
    phone = sms_gateway.phone(KNOWN.phone)
    number = case_number_in((await phone.text("my bill seems higher than usual, can you check"))[0])
    async with eva.live() as eva_feed, ben.live() as ben_feed:
        await phone.text("a WEEK and nobody answered, you people are useless idiots. lawyer time")

        escalated = await eva_feed.until(lambda f: f.get("kind") == "escalated", wait=1.0)

        assert escalated["case"] == number
        assert escalated["reason"] == "turned_hostile"
        assert await ben_feed.nothing_more() == []


async def test_an_event_on_one_replica_reaches_a_socket_on_another(
    aiohttp_client: ClientFactory, sms_gateway: SmsGateway, settings: Settings
) -> None:
    if settings.redis_url is None:
        pytest.skip("replicas share events through a real Redis; embedded runs one process")
    other = await aiohttp_client(create_app(settings))
    staffing = Staffing(other)
    try:
        eva = await staffing.signed_in("senior.eva")
        async with eva.live() as feed:
            await sms_gateway.phone(UNKNOWN_PHONE).text(
                "I smell gas really strong in my kitchen at 1420 oak st"
            )
            opened = await feed.until(lambda f: f.get("kind") == "opened")
        assert opened["urgent"] is True
    finally:
        await staffing.close()
