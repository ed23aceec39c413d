"""Offers: senior staff first for urgent and hostile contacts, fallback after the target, the
least loaded and longest idle agent, accept, decline, timeout and re-offer."""

from __future__ import annotations

import pytest

from routing import (
    Audience,
    ContactEscalated,
    ContactOffered,
    ContactState,
    EscalationReason,
    LeadAlerted,
    NotOfferedError,
    OfferAccepted,
    OfferDeclined,
    OfferTimedOut,
    Presence,
    Router,
    Skill,
    SlaBreached,
    Tier,
)
from tests.routing.factories import FakeClock, Recorder, agent, contact, holder, state


def offered(events: Recorder) -> list[tuple[str, str]]:
    return [(event.contact_id, event.agent_id) for event in events.of(ContactOffered)]


async def test_urgent_goes_to_a_senior_even_when_a_rep_is_less_loaded(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("senior", Tier.SENIOR, skills=(Skill.BILLING,)))
    await router.enqueue(contact("earlier", Skill.BILLING))
    await router.accept("earlier", "senior")
    await router.upsert_agent(agent("rep", Tier.REP, skills=(Skill.BILLING,)))

    await router.enqueue(contact("gas-smell", Skill.BILLING, urgent=True))

    assert offered(events) == [("earlier", "senior"), ("gas-smell", "senior")]


async def test_hostile_goes_to_a_senior_and_seniors_before_leads(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("rep", Tier.REP))
    await router.upsert_agent(agent("lead", Tier.LEAD))
    await router.upsert_agent(agent("senior", Tier.SENIOR))

    await router.enqueue(contact("angry", hostile=True))

    assert offered(events) == [("angry", "senior")]


async def test_an_urgent_contact_no_senior_takes_within_target_goes_to_a_rep_and_alerts_a_lead(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("rep", Tier.REP, skills=()))
    await router.enqueue(contact("no-heat", urgent=True))  # target 15 s

    clock.advance(14.9)
    await router.tick()
    assert offered(events) == []

    clock.advance(0.1)
    await router.tick()
    assert offered(events) == [("no-heat", "rep")]
    assert [e.contact_id for e in events.of(SlaBreached)] == ["no-heat"]
    assert [e.reason for e in events.of(ContactEscalated)] == [EscalationReason.URGENT_UNANSWERED]
    assert [e.reason for e in events.of(LeadAlerted)] == [EscalationReason.URGENT_UNANSWERED]


async def test_a_senior_freed_before_the_target_still_gets_the_urgent_contact(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("rep", Tier.REP))
    await router.upsert_agent(agent("senior", Tier.SENIOR, presence=Presence.AWAY))
    await router.enqueue(contact("no-heat", urgent=True))

    clock.advance(10)
    await router.set_presence("senior", Presence.AVAILABLE)

    assert offered(events) == [("no-heat", "senior")]
    assert events.of(LeadAlerted) == []


async def test_a_hostile_contact_waiting_past_target_is_escalated_to_the_leads(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("senior", Tier.SENIOR, presence=Presence.AWAY))
    await router.upsert_agent(agent("lead", Tier.LEAD, presence=Presence.AWAY))
    await router.enqueue(contact("angry", hostile=True))  # target 60 s

    clock.advance(60)
    await router.tick()
    assert [e.reason for e in events.of(ContactEscalated)] == [EscalationReason.HOSTILE_UNANSWERED]
    assert [e.reason for e in events.of(LeadAlerted)] == [EscalationReason.HOSTILE_UNANSWERED]
    view = await router.contact("angry")
    assert view is not None and view.audience == Audience.LEAD_FIRST

    await router.set_presence("senior", Presence.AVAILABLE)
    assert offered(events) == [("angry", "senior")]  # with no lead free a senior still may


async def test_past_its_target_a_hostile_contact_goes_to_a_lead_ahead_of_a_senior(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("senior", Tier.SENIOR))
    await router.upsert_agent(agent("lead", Tier.LEAD))
    await router.enqueue(contact("angry", hostile=True))
    await router.decline("angry", "senior")
    await router.decline("angry", "lead")

    clock.advance(60)  # the target, and the end of both agents' cooldown
    await router.tick()

    assert offered(events) == [("angry", "senior"), ("angry", "lead"), ("angry", "lead")]


async def test_the_least_loaded_agent_then_the_longest_idle_gets_the_offer(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("idle-long"))
    clock.advance(5)
    await router.upsert_agent(agent("idle-short"))
    clock.advance(5)
    await router.upsert_agent(agent("busy"))
    await router.enqueue(contact("first"))
    assert offered(events) == [("first", "idle-long")]

    await router.enqueue(contact("second"))
    await router.enqueue(contact("third"))

    assert offered(events) == [("first", "idle-long"), ("second", "idle-short"), ("third", "busy")]


async def test_an_accepted_offer_is_an_assignment(router: Router, events: Recorder) -> None:
    await router.upsert_agent(agent("rep"))
    await router.enqueue(contact("c1"))

    await router.accept("c1", "rep")

    assert await state(router, "c1") == ContactState.ASSIGNED
    assert [(e.contact_id, e.agent_id) for e in events.of(OfferAccepted)] == [("c1", "rep")]


async def test_accepting_again_what_one_holds_is_not_refused_and_reports_it_again(
    router: Router, events: Recorder
) -> None:
    """A Redis client retries an accept whose answer was lost; the agent holds the contact."""
    await router.upsert_agent(agent("rep"))
    await router.enqueue(contact("c1"))
    await router.accept("c1", "rep")

    await router.accept("c1", "rep")

    assert await state(router, "c1") == ContactState.ASSIGNED
    assert [(e.contact_id, e.agent_id) for e in events.of(OfferAccepted)] == [("c1", "rep")] * 2
    view = await router.agent("rep")
    assert view is not None and view.total_load == 1


async def test_only_the_agent_offered_the_contact_can_accept_it(router: Router) -> None:
    await router.upsert_agent(agent("rep"))
    await router.upsert_agent(agent("other", presence=Presence.AWAY))
    await router.enqueue(contact("c1"))

    with pytest.raises(NotOfferedError):
        await router.accept("c1", "other")

    assert await holder(router, "c1") == "rep"


async def test_an_offer_not_accepted_in_time_goes_to_the_next_agent(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("a"))
    clock.advance(1)
    await router.upsert_agent(agent("b"))
    await router.enqueue(contact("c1"))
    assert offered(events) == [("c1", "a")]

    clock.advance(19.9)
    await router.tick()
    assert events.of(OfferTimedOut) == []

    clock.advance(0.1)
    await router.tick()

    assert [(e.contact_id, e.agent_id) for e in events.of(OfferTimedOut)] == [("c1", "a")]
    assert offered(events) == [("c1", "a"), ("c1", "b")]


async def test_accepting_a_lapsed_offer_is_refused_even_before_the_tick_notices(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("a"))
    clock.advance(1)
    await router.upsert_agent(agent("b"))
    await router.enqueue(contact("c1"))

    clock.advance(20)
    with pytest.raises(NotOfferedError):
        await router.accept("c1", "a")

    assert offered(events) == [("c1", "a"), ("c1", "b")]


async def test_a_declined_contact_goes_to_the_next_agent(router: Router, events: Recorder) -> None:
    await router.upsert_agent(agent("a"))
    await router.upsert_agent(agent("b"))
    await router.enqueue(contact("c1"))
    first = await holder(router, "c1")

    await router.decline("c1", str(first))

    assert [e.agent_id for e in events.of(OfferDeclined)] == [first]
    assert await holder(router, "c1") not in (None, first)


async def test_a_decline_never_loses_the_contact_and_the_decliner_gets_it_again_later(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("only"))
    await router.enqueue(contact("c1"))

    await router.decline("c1", "only")
    await router.tick()
    assert await state(router, "c1") == ContactState.QUEUED  # not re-offered immediately

    clock.advance(59)
    await router.tick()
    assert await state(router, "c1") == ContactState.QUEUED

    clock.advance(1)  # reoffer_cooldown is 60 s
    await router.tick()
    assert offered(events) == [("c1", "only"), ("c1", "only")]


async def test_a_timed_out_agent_is_passed_over_while_others_get_new_contacts(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("sleepy"))
    await router.enqueue(contact("c1"))
    clock.advance(20)
    await router.tick()

    await router.enqueue(contact("c2"))

    assert offered(events) == [("c1", "sleepy"), ("c2", "sleepy")]
    assert await state(router, "c1") == ContactState.QUEUED
