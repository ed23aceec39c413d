"""Figures for the lead console."""

from __future__ import annotations

from routing import Channel, Presence, Queue, Router, Skill, Tier
from tests.routing.factories import START, FakeClock, agent, contact


async def test_queue_depth_and_oldest_wait(router: Router, clock: FakeClock) -> None:
    await router.enqueue(contact("b1", Skill.BILLING, at=START - 40))
    await router.enqueue(contact("b2", Skill.BILLING, Channel.EMAIL, at=START - 90))
    await router.enqueue(contact("u1", urgent=True, at=START - 3))
    clock.advance(10)

    stats = await router.stats()

    billing = stats.queue(Queue.BILLING)
    assert (billing.depth, billing.oldest_wait, billing.target) == (2, 100, 180)
    assert (stats.queue(Queue.URGENT).depth, stats.queue(Queue.URGENT).oldest_wait) == (1, 13)
    assert (stats.queue(Queue.METERS).depth, stats.queue(Queue.METERS).oldest_wait) == (0, 0)


async def test_the_oldest_urgent_wait_counts_unverified_contacts_waiting_behind_verified_ones(
    router: Router, clock: FakeClock
) -> None:
    await router.enqueue(contact("anon", urgent=True, verified=False, at=START - 60))
    await router.enqueue(contact("known", urgent=True, at=START - 2))

    urgent = (await router.stats()).queue(Queue.URGENT)

    assert (urgent.depth, urgent.oldest_wait) == (2, 60)


async def test_sla_attainment_is_the_share_offered_within_target(
    router: Router, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("senior", Tier.SENIOR, presence=Presence.AWAY, chat=1))
    await router.enqueue(contact("fast", urgent=True))
    await router.enqueue(contact("slow", urgent=True, at=START + 1))
    await router.set_presence("senior", Presence.AVAILABLE)  # "fast" is offered at once
    await router.accept("fast", "senior")
    clock.advance(30)
    await router.tick()  # "slow" has waited past 15 s

    urgent = (await router.stats()).queue(Queue.URGENT)

    assert (urgent.met, urgent.breached, urgent.attainment) == (1, 1, 0.5)
    assert (await router.stats()).queue(Queue.BILLING).attainment is None


async def test_load_and_state_per_agent(router: Router) -> None:
    await router.upsert_agent(agent("rep", skills=(Skill.BILLING, Skill.METERS), chat=2))
    await router.upsert_agent(agent("lead", Tier.LEAD, presence=Presence.AWAY))
    await router.enqueue(contact("c1"))
    await router.enqueue(contact("c2", Skill.METERS))
    await router.accept("c1", "rep")

    stats = await router.stats()

    assert [(a.id, a.tier, a.presence) for a in stats.agents] == [
        ("lead", Tier.LEAD, Presence.AWAY),
        ("rep", Tier.REP, Presence.AVAILABLE),
    ]
    rep = stats.agents[1]
    assert rep.load[Channel.CHAT] == 2 and rep.capacity[Channel.CHAT] == 2
    assert rep.contact_ids == {"c1", "c2"}
    assert rep.skills == {Skill.BILLING, Skill.METERS}
