"""Urgent before hostile before the rest; verified urgent contacts before unverified ones; oldest
first within a level; skill queues age so that nothing starves."""

from __future__ import annotations

from routing import Channel, ContactOffered, Presence, Router, Skill, SlaBreached, Tier
from tests.routing.factories import START, FakeClock, Recorder, agent, contact


async def offers(events: Recorder) -> list[str]:
    return [event.contact_id for event in events.of(ContactOffered)]


async def serve_one_at_a_time(router: Router, agent_id: str, events: Recorder, n: int) -> list[str]:
    """Lets the agent accept and complete whatever it is offered, n times."""
    served = []
    for _ in range(n):
        offer = events.of(ContactOffered)[-1]
        assert offer.agent_id == agent_id
        served.append(offer.contact_id)
        await router.accept(offer.contact_id, agent_id)
        await router.complete(offer.contact_id, agent_id)
    return served


async def test_urgent_goes_before_hostile_before_the_rest(router: Router, events: Recorder) -> None:
    await router.upsert_agent(agent("s1", Tier.SENIOR, presence=Presence.AWAY, chat=1))
    await router.enqueue(contact("billing", at=START - 30))
    await router.enqueue(contact("hostile", at=START - 20, hostile=True))
    await router.enqueue(contact("urgent", at=START - 10, urgent=True))

    await router.set_presence("s1", Presence.AVAILABLE)

    assert await serve_one_at_a_time(router, "s1", events, 3) == ["urgent", "hostile", "billing"]


async def test_a_verified_emergency_goes_before_a_flood_of_older_unverified_ones(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("s1", Tier.SENIOR, presence=Presence.AWAY, chat=1, sms=1))
    for n in range(210):
        await router.enqueue(contact(f"anon-{n}", at=START - 300 + n, urgent=True, verified=False))
    await router.enqueue(contact("hostile", at=START - 400, hostile=True))
    await router.enqueue(
        contact("known", Skill.OUTAGES, Channel.SMS, at=START - 1, urgent=True, verified=True)
    )

    await router.set_presence("s1", Presence.AVAILABLE)

    first = events.of(ContactOffered)[0]
    assert (first.contact_id, first.agent_id) == ("known", "s1")
    view = await router.contact("anon-0")
    assert view is not None and view.urgent and not view.verified


async def test_unverified_urgent_contacts_go_oldest_first_after_the_verified_and_before_hostile(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("s1", Tier.SENIOR, presence=Presence.AWAY, chat=1))
    await router.enqueue(contact("hostile", at=START - 90, hostile=True))
    await router.enqueue(contact("anon-new", at=START - 5, urgent=True, verified=False))
    await router.enqueue(contact("anon-old", at=START - 50, urgent=True, verified=False))
    await router.enqueue(contact("known", at=START - 1, urgent=True))

    await router.set_presence("s1", Presence.AVAILABLE)

    assert await serve_one_at_a_time(router, "s1", events, 4) == [
        "known",
        "anon-old",
        "anon-new",
        "hostile",
    ]


async def test_oldest_first_within_a_level(router: Router, events: Recorder) -> None:
    await router.upsert_agent(agent("s1", Tier.SENIOR, presence=Presence.AWAY, chat=1))
    await router.enqueue(contact("urgent-new", at=START - 1, urgent=True))
    await router.enqueue(contact("urgent-old", at=START - 9, urgent=True))
    await router.enqueue(contact("billing-new", at=START - 1))
    await router.enqueue(contact("billing-old", at=START - 9))

    await router.set_presence("s1", Presence.AVAILABLE)

    assert await serve_one_at_a_time(router, "s1", events, 4) == [
        "urgent-old",
        "urgent-new",
        "billing-old",
        "billing-new",
    ]


async def test_oldest_first_across_channels(router: Router, events: Recorder) -> None:
    await router.upsert_agent(agent("s1", Tier.SENIOR, presence=Presence.AWAY, chat=1, sms=1))
    await router.enqueue(contact("sms", channel=Channel.SMS, at=START - 5, urgent=True))
    await router.enqueue(contact("chat", channel=Channel.CHAT, at=START - 9, urgent=True))

    await router.set_presence("s1", Presence.AVAILABLE)

    assert await offers(events) == ["chat", "sms"]


async def test_a_nearer_target_goes_first_until_the_other_has_waited_longer(
    router: Router, events: Recorder
) -> None:
    # Targets: outages 60 s, general 600 s. A contact's rank is its arrival plus its target.
    await router.upsert_agent(
        agent("r1", skills=(Skill.OUTAGES, Skill.GENERAL), presence=Presence.AWAY, chat=1)
    )
    await router.enqueue(contact("general-recent", Skill.GENERAL, at=START - 100))
    await router.enqueue(contact("outage-fresh", Skill.OUTAGES, at=START))
    await router.enqueue(contact("general-long", Skill.GENERAL, at=START - 700))

    await router.set_presence("r1", Presence.AVAILABLE)

    assert await serve_one_at_a_time(router, "r1", events, 3) == [
        "general-long",
        "outage-fresh",
        "general-recent",
    ]


async def test_contacts_go_to_agents_with_their_skill(router: Router, events: Recorder) -> None:
    await router.upsert_agent(agent("billing-rep", skills=(Skill.BILLING,)))
    await router.upsert_agent(agent("meters-rep", skills=(Skill.METERS,)))

    await router.enqueue(contact("c1", Skill.METERS))

    assert [(e.contact_id, e.agent_id) for e in events.of(ContactOffered)] == [("c1", "meters-rep")]


async def test_a_contact_nobody_skilled_can_take_is_reported_then_overflows_to_anyone(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("billing-rep", skills=(Skill.BILLING,)))
    await router.enqueue(contact("permit", Skill.PERMITS))  # target 600 s, overflow at 3x

    clock.advance(600)
    await router.tick()
    assert [e.contact_id for e in events.of(SlaBreached)] == ["permit"]
    assert events.of(ContactOffered) == []

    clock.advance(1200)
    await router.tick()
    assert [(e.contact_id, e.agent_id) for e in events.of(ContactOffered)] == [
        ("permit", "billing-rep")
    ]
