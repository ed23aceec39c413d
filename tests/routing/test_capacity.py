"""Capacity per channel is never exceeded, pending offers included, and presence is honoured."""

from __future__ import annotations

import random

from routing import (
    AgentProfile,
    Channel,
    ContactOffered,
    ContactReleased,
    ContactState,
    OfferRevoked,
    Presence,
    ReleaseReason,
    RevokeReason,
    Router,
    RoutingError,
    Skill,
    Tier,
)
from tests.routing.factories import FakeClock, Recorder, agent, contact, holder, state
from tests.routing.ledger import Ledger


async def test_an_agent_is_never_offered_more_than_its_capacity_on_a_channel(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("rep", voice=1, chat=3))
    for i in range(5):
        await router.enqueue(contact(f"call-{i}", channel=Channel.VOICE))
        await router.enqueue(contact(f"chat-{i}", channel=Channel.CHAT))

    view = await router.agent("rep")
    assert view is not None
    assert view.load == {Channel.VOICE: 1, Channel.CHAT: 3, Channel.SMS: 0, Channel.EMAIL: 0}
    assert len(events.of(ContactOffered)) == 4


async def test_completing_a_contact_frees_room_for_the_next_one(router: Router) -> None:
    await router.upsert_agent(agent("rep", voice=1))
    await router.enqueue(contact("call-1", channel=Channel.VOICE))
    await router.enqueue(contact("call-2", channel=Channel.VOICE))
    await router.accept("call-1", "rep")
    assert await state(router, "call-2") == ContactState.QUEUED

    await router.complete("call-1", "rep")

    assert await holder(router, "call-2") == "rep"
    assert await router.contact("call-1") is None


async def test_lowering_capacity_below_the_load_stops_new_offers_until_load_drops(
    router: Router,
) -> None:
    await router.upsert_agent(agent("rep", chat=2))
    await router.enqueue(contact("c1"))
    await router.enqueue(contact("c2"))
    await router.accept("c1", "rep")
    await router.accept("c2", "rep")
    await router.upsert_agent(agent("rep", chat=1))
    await router.enqueue(contact("c3"))

    await router.complete("c1", "rep")
    assert await state(router, "c3") == ContactState.QUEUED

    await router.complete("c2", "rep")
    assert await holder(router, "c3") == "rep"


async def test_an_agent_who_is_not_available_is_offered_nothing_and_gives_back_offers(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("a"))
    await router.upsert_agent(agent("b", presence=Presence.BUSY))
    await router.enqueue(contact("c1"))
    assert await holder(router, "c1") == "a"

    await router.set_presence("a", Presence.AWAY)

    assert [(e.agent_id, e.reason) for e in events.of(OfferRevoked)] == [
        ("a", RevokeReason.AGENT_UNAVAILABLE)
    ]
    assert await state(router, "c1") == ContactState.QUEUED
    await router.set_presence("b", Presence.AVAILABLE)
    assert await holder(router, "c1") == "b"


async def test_an_agent_going_offline_gives_back_assigned_contacts(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("a"))
    await router.enqueue(contact("c1"))
    await router.accept("c1", "a")
    await router.upsert_agent(agent("b"))

    await router.set_presence("a", Presence.OFFLINE)

    assert [(e.agent_id, e.reason) for e in events.of(ContactReleased)] == [
        ("a", ReleaseReason.AGENT_OFFLINE)
    ]
    assert await holder(router, "c1") == "b"
    view = await router.agent("a")
    assert view is not None and view.total_load == 0


async def test_busy_and_away_agents_keep_their_assigned_contacts(router: Router) -> None:
    await router.upsert_agent(agent("a"))
    await router.enqueue(contact("c1"))
    await router.accept("c1", "a")

    await router.set_presence("a", Presence.AWAY)

    assert await holder(router, "c1") == "a"
    assert await state(router, "c1") == ContactState.ASSIGNED


async def test_random_operations_never_break_capacity_or_lose_a_contact(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    rng = random.Random(7)
    agents: list[AgentProfile] = [
        agent(
            f"agent-{i}",
            rng.choice(list(Tier)),
            tuple(rng.sample(list(Skill), 3)),
            voice=1,
            chat=rng.randint(1, 3),
            sms=rng.randint(1, 5),
            email=rng.randint(1, 5),
        )
        for i in range(8)
    ]
    for profile in agents:
        await router.upsert_agent(profile)
    live: set[str] = set()
    for step in range(400):
        clock.advance(rng.uniform(0, 4))
        roll = rng.random()
        if roll < 0.3:
            cid = f"c{step}"
            live.add(cid)
            await router.enqueue(
                contact(
                    cid,
                    rng.choice(list(Skill)),
                    rng.choice(list(Channel)),
                    clock.now,
                    urgent=rng.random() < 0.1,
                    hostile=rng.random() < 0.1,
                )
            )
        elif roll < 0.9 and live:
            cid = rng.choice(sorted(live))
            view = await router.contact(cid)
            assert view is not None
            action = rng.choice(
                ["accept", "decline", "complete", "transfer", "escalate", "hostile"]
            )
            try:
                if action == "accept" and view.agent_id:
                    await router.accept(cid, view.agent_id)
                elif action == "decline" and view.agent_id:
                    await router.decline(cid, view.agent_id)
                elif action == "complete" and view.agent_id:
                    await router.complete(cid, view.agent_id)
                    live.discard(cid)
                elif action == "transfer" and view.agent_id:
                    await router.transfer(cid, by_agent=view.agent_id, to_queue=view.queue)
                elif action == "escalate" and view.agent_id:
                    await router.escalate(cid, by_agent=view.agent_id)
                elif action == "hostile":
                    await router.mark_hostile(cid)
            except RoutingError:
                pass  # e.g. completing a contact that is only offered: refused, nothing changes
        elif roll < 0.95:
            await router.set_presence(
                rng.choice(agents).id,
                rng.choice(
                    [Presence.AVAILABLE, Presence.AVAILABLE, Presence.AWAY, Presence.OFFLINE]
                ),
            )
        else:
            await router.tick()

    Ledger({a.id: a.capacity for a in agents}).replay(events.events)
    for cid in live:
        assert await router.contact(cid) is not None, f"{cid} was lost"
    stats = await router.stats()
    for view in stats.agents:
        assert all(view.load[ch] <= view.capacity[ch] for ch in Channel)
        assert view.total_load == len(view.contact_ids)
    waiting = sum(q.depth for q in stats.queues)
    held = sum(len(view.contact_ids) for view in stats.agents)
    assert waiting + held == len(live)
