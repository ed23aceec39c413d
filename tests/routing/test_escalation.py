"""A conversation that turns hostile (or urgent) mid-way is escalated live."""

from __future__ import annotations

import pytest

from routing import (
    ContactEscalated,
    ContactState,
    EscalationReason,
    LeadAlerted,
    OfferRevoked,
    Presence,
    Queue,
    RevokeReason,
    Router,
    Tier,
    UnknownContactError,
)
from tests.routing.factories import START, Recorder, agent, contact, holder, state


async def test_a_waiting_contact_that_turns_hostile_moves_to_the_hostile_queue_for_a_senior(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("rep", presence=Presence.AWAY))
    await router.upsert_agent(agent("senior", Tier.SENIOR, presence=Presence.AWAY))
    await router.enqueue(contact("c1"))

    await router.mark_hostile("c1")

    assert [e.reason for e in events.of(ContactEscalated)] == [EscalationReason.TURNED_HOSTILE]
    view = await router.contact("c1")
    assert view is not None and view.queue == Queue.HOSTILE and view.hostile
    await router.set_presence("rep", Presence.AVAILABLE)
    assert await state(router, "c1") == ContactState.QUEUED
    await router.set_presence("senior", Presence.AVAILABLE)
    assert await holder(router, "c1") == "senior"


async def test_a_contact_with_a_rep_that_turns_hostile_alerts_the_leads_and_stays_with_the_rep(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("rep"))
    await router.enqueue(contact("c1"))
    await router.accept("c1", "rep")

    await router.mark_hostile("c1")

    assert [(e.reason, e.agent_id) for e in events.of(ContactEscalated)] == [
        (EscalationReason.TURNED_HOSTILE, "rep")
    ]
    assert [(e.reason, e.agent_id) for e in events.of(LeadAlerted)] == [
        (EscalationReason.TURNED_HOSTILE, "rep")
    ]
    assert await holder(router, "c1") == "rep"
    assert await state(router, "c1") == ContactState.ASSIGNED


async def test_a_contact_with_a_senior_that_turns_hostile_is_escalated_without_alerting_leads(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("senior", Tier.SENIOR))
    await router.enqueue(contact("c1"))
    await router.accept("c1", "senior")

    await router.mark_hostile("c1")

    assert len(events.of(ContactEscalated)) == 1
    assert events.of(LeadAlerted) == []


async def test_an_offer_to_a_rep_is_taken_back_when_the_contact_turns_hostile(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("rep"))
    await router.enqueue(contact("c1"))
    await router.upsert_agent(agent("senior", Tier.SENIOR))

    await router.mark_hostile("c1")

    assert [(e.agent_id, e.reason) for e in events.of(OfferRevoked)] == [
        ("rep", RevokeReason.RECLASSIFIED)
    ]
    assert await holder(router, "c1") == "senior"


async def test_turning_hostile_twice_escalates_once(router: Router, events: Recorder) -> None:
    await router.enqueue(contact("c1"))

    await router.mark_hostile("c1")
    await router.mark_hostile("c1")

    assert len(events.of(ContactEscalated)) == 1


async def test_a_contact_a_lead_moved_out_of_the_hostile_queue_can_turn_hostile_again(
    router: Router, events: Recorder
) -> None:
    await router.enqueue(contact("c1", hostile=True))
    await router.transfer("c1", to_queue=Queue.BILLING)

    await router.mark_hostile("c1")

    view = await router.contact("c1")
    assert view is not None and view.queue == Queue.HOSTILE
    assert len(events.of(ContactEscalated)) == 1


async def test_a_waiting_contact_that_turns_urgent_goes_ahead_of_hostile_ones(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("senior", Tier.SENIOR, presence=Presence.AWAY, chat=1))
    await router.enqueue(contact("angry", hostile=True))
    await router.enqueue(contact("billing"))

    await router.mark_urgent("billing")
    await router.set_presence("senior", Presence.AVAILABLE)

    assert [e.reason for e in events.of(ContactEscalated)] == [EscalationReason.TURNED_URGENT]
    assert await holder(router, "billing") == "senior"
    assert await state(router, "angry") == ContactState.QUEUED


async def test_an_unverified_contact_that_turns_urgent_waits_behind_verified_urgent_ones(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("senior", Tier.SENIOR, presence=Presence.AWAY, chat=1))
    await router.enqueue(contact("anon", at=START - 60, verified=False))
    await router.enqueue(contact("known", at=START - 1, urgent=True))

    await router.mark_urgent("anon")
    await router.set_presence("senior", Presence.AVAILABLE)

    assert await holder(router, "known") == "senior"
    view = await router.contact("anon")
    assert view is not None and view.queue == Queue.URGENT and view.state == ContactState.QUEUED


async def test_an_urgent_contact_that_turns_hostile_stays_urgent(router: Router) -> None:
    await router.enqueue(contact("c1", urgent=True))

    await router.mark_hostile("c1")

    view = await router.contact("c1")
    assert view is not None and view.queue == Queue.URGENT and view.hostile


async def test_marking_an_unknown_contact_is_refused(router: Router) -> None:
    with pytest.raises(UnknownContactError):
        await router.mark_hostile("nobody")
