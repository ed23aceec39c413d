"""Redis holds derived state only: after a flush the gateway rebuilds it from its store, and
nothing is lost."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

from redis.asyncio import Redis

from routing import (
    AgentProfile,
    Audience,
    Channel,
    ContactOffered,
    ContactState,
    NewContact,
    Presence,
    Queue,
    Router,
    Skill,
    Tier,
)
from tests.routing.factories import START, FakeClock, Recorder, agent, contact, holder, state


def store() -> tuple[list[NewContact], list[AgentProfile]]:
    """What the gateway's store says: open contacts and agent sessions."""
    contacts = [
        contact("billing-old", Skill.BILLING, at=START - 50),
        contact("billing-new", Skill.BILLING, at=START - 10),
        contact("urgent", Skill.OUTAGES, Channel.VOICE, at=START - 5, urgent=True),
        contact("with-rep", Skill.BILLING, Channel.VOICE, at=START - 300, assignee="rep"),
        contact("with-ghost", Skill.METERS, at=START - 300, assignee="left-long-ago"),
    ]
    agents = [
        agent("rep", Tier.REP, (Skill.BILLING,), presence=Presence.BUSY),
        agent("senior", Tier.SENIOR, (Skill.OUTAGES,), presence=Presence.AWAY),
    ]
    return contacts, agents


async def test_rebuild_after_a_flush_restores_queues_assignments_and_loads(
    router: Router, redis: Redis
) -> None:
    contacts, agents = store()
    await router.rebuild(contacts, agents)
    await redis.flushdb()
    assert await router.needs_rebuild()

    await router.rebuild(contacts, agents)

    assert not await router.needs_rebuild()
    assert await holder(router, "with-rep") == "rep"
    assert await state(router, "with-rep") == ContactState.ASSIGNED
    rep = await router.agent("rep")
    assert rep is not None and rep.load[Channel.VOICE] == 1 and rep.presence == Presence.BUSY
    stats = await router.stats()
    assert stats.queue(Queue.BILLING).depth == 2
    assert stats.queue(Queue.BILLING).oldest_wait == 50
    assert stats.queue(Queue.URGENT).depth == 1
    # An assignee the store no longer has a session for cannot hold the contact.
    assert await state(router, "with-ghost") == ContactState.QUEUED


async def test_rebuild_puts_a_contact_back_where_people_sent_it(router: Router) -> None:
    moved = replace(contact("moved", Skill.BILLING), routed_to=Queue.PERMITS)
    escalated = replace(contact("escalated", Skill.BILLING), audience=Audience.LEAD)
    as_classified = contact("as-classified", Skill.BILLING, hostile=True)

    await router.rebuild([moved, escalated, as_classified], [])

    views = {c: await router.contact(c) for c in ("moved", "escalated", "as-classified")}
    assert {c: (v.queue, v.audience) for c, v in views.items() if v is not None} == {
        "moved": (Queue.PERMITS, Audience.SKILL),
        "escalated": (Queue.BILLING, Audience.LEAD),
        "as-classified": (Queue.HOSTILE, Audience.SENIOR),
    }


async def test_rebuilt_queues_keep_their_order(router: Router, events: Recorder) -> None:
    contacts, agents = store()
    await router.rebuild(contacts, agents)

    await router.upsert_agent(agent("rep", Tier.REP, (Skill.BILLING,), chat=1))
    await router.set_presence("rep", Presence.AVAILABLE)

    assert [e.contact_id for e in events.of(ContactOffered)] == ["billing-old"]


async def test_a_rebuild_keeps_verified_urgent_contacts_ahead_of_unverified_ones(
    router: Router, events: Recorder
) -> None:
    contacts = [
        contact("anon", at=START - 60, urgent=True, verified=False),
        contact("known", at=START - 1, urgent=True, verified=True),
    ]
    await router.rebuild(contacts, [agent("s1", Tier.SENIOR, chat=1)])

    assert [e.contact_id for e in events.of(ContactOffered)] == ["known"]
    view = await router.contact("anon")
    assert view is not None and not view.verified


async def test_rebuild_twice_changes_nothing(router: Router, redis: Redis) -> None:
    contacts, agents = store()
    await router.rebuild(contacts, agents)
    keys_before = sorted(await redis.keys(router.keys.pattern()))
    stats_before = await router.stats()

    await router.rebuild(contacts, agents)

    assert sorted(await redis.keys(router.keys.pattern())) == keys_before
    stats_after = await router.stats()
    assert stats_after.queues == stats_before.queues
    assert [(a.id, a.load) for a in stats_after.agents] == [
        (a.id, a.load) for a in stats_before.agents
    ]


async def test_rebuild_keeps_what_replicas_did_since_the_store_was_read(
    router: Router, redis: Redis
) -> None:
    contacts, agents = store()
    await router.rebuild(contacts, agents)
    await router.set_presence("senior", Presence.AVAILABLE)
    assert await holder(router, "urgent") == "senior"
    await router.accept("urgent", "senior")

    await router.rebuild(contacts, agents)  # a second replica rebuilding from an older read

    assert await state(router, "urgent") == ContactState.ASSIGNED
    senior = await router.agent("senior")
    assert senior is not None and senior.load[Channel.VOICE] == 1


async def test_an_assignee_who_is_offline_gives_the_contact_back_on_rebuild(
    router: Router,
) -> None:
    contacts, agents = store()
    agents[0] = agent("rep", Tier.REP, (Skill.BILLING,), presence=Presence.OFFLINE)

    await router.rebuild(contacts, agents)

    assert await state(router, "with-rep") == ContactState.QUEUED
    rep = await router.agent("rep")
    assert rep is not None and rep.total_load == 0


async def test_rebuild_of_many_contacts_loses_none(router: Router) -> None:
    contacts = [contact(f"c{i}", list(Skill)[i % 8], at=START - i) for i in range(1234)]

    await router.rebuild(contacts, [])

    stats = await router.stats()
    assert sum(q.depth for q in stats.queues) == 1234


async def test_only_one_replica_rebuilds_and_only_from_a_snapshot_read_under_the_lock(
    redis: Redis, clock: FakeClock
) -> None:
    reads = 0

    async def snapshot() -> tuple[list[NewContact], list[AgentProfile]]:
        nonlocal reads
        reads += 1
        return store()

    replicas = [Router(redis, clock=clock) for _ in range(4)]

    done = await asyncio.gather(*(r.rebuild_if_needed(snapshot) for r in replicas))

    assert sorted(done) == [False, False, False, True] and reads == 1
    assert not await replicas[0].rebuild_if_needed(snapshot)
    await redis.flushdb()
    assert await replicas[1].rebuild_if_needed(snapshot) and reads == 2


async def test_the_tick_loop_rebuilds_a_flushed_redis_from_the_store(
    redis: Redis, clock: FakeClock
) -> None:
    offered = asyncio.Event()

    async def on_event(event: object) -> None:
        if isinstance(event, ContactOffered):
            offered.set()

    async def snapshot() -> tuple[list[NewContact], list[AgentProfile]]:
        return [contact("c1")], [agent("rep")]

    router = Router(redis, on_event=on_event, clock=clock)
    loop = asyncio.create_task(router.tick_forever(interval=0.01, snapshot=snapshot))
    try:
        await asyncio.wait_for(offered.wait(), timeout=5)
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
    assert await holder(router, "c1") == "rep"
