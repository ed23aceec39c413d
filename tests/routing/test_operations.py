"""Complete, transfer (to a queue or a named agent), escalate to the leads, withdraw."""

from __future__ import annotations

import pytest

from routing import (
    AgentUnavailableError,
    Audience,
    Channel,
    ContactCompleted,
    ContactEscalated,
    ContactReleased,
    ContactState,
    ContactTransferred,
    ContactWithdrawn,
    EscalationReason,
    LeadAlerted,
    NotAssignedError,
    OfferRevoked,
    Presence,
    Queue,
    ReleaseReason,
    Router,
    Skill,
    Tier,
    UnknownAgentError,
    UnknownContactError,
)
from tests.routing.factories import FakeClock, Recorder, agent, contact, holder, state


async def assigned(router: Router, contact_id: str, agent_id: str) -> None:
    assert await holder(router, contact_id) == agent_id
    await router.accept(contact_id, agent_id)


async def test_enqueueing_the_same_contact_twice_changes_nothing(
    router: Router, events: Recorder
) -> None:
    assert await router.enqueue(contact("c1")) is True
    assert await router.enqueue(contact("c1", Skill.METERS)) is False

    view = await router.contact("c1")
    assert view is not None and view.queue == Queue.BILLING
    assert (await router.stats()).queue(Queue.BILLING).depth == 1
    assert len(events.events) == 1


async def test_completion_ends_the_contact(router: Router, events: Recorder) -> None:
    await router.upsert_agent(agent("rep"))
    await router.enqueue(contact("c1"))
    await assigned(router, "c1", "rep")

    await router.complete("c1", "rep")

    assert [(e.contact_id, e.agent_id) for e in events.of(ContactCompleted)] == [("c1", "rep")]
    assert await router.contact("c1") is None
    with pytest.raises(UnknownContactError):
        await router.complete("c1", "rep")


async def test_only_the_assignee_completes_a_contact(router: Router) -> None:
    await router.upsert_agent(agent("rep"))
    await router.enqueue(contact("c1"))
    with pytest.raises(NotAssignedError):
        await router.complete("c1", "rep")  # offered, not yet accepted
    await router.accept("c1", "rep")
    with pytest.raises(NotAssignedError):
        await router.complete("c1", "someone-else")


async def test_transfer_to_a_queue_goes_to_an_agent_of_that_skill(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("billing-rep", skills=(Skill.BILLING,)))
    await router.upsert_agent(agent("payments-rep", skills=(Skill.PAYMENTS,)))
    await router.enqueue(contact("c1", Skill.BILLING))
    await assigned(router, "c1", "billing-rep")

    await router.transfer("c1", by_agent="billing-rep", to_queue=Queue.PAYMENTS)

    assert [(e.agent_id, e.reason) for e in events.of(ContactReleased)] == [
        ("billing-rep", ReleaseReason.TRANSFERRED)
    ]
    assert events.of(ContactTransferred)[0].to_queue == Queue.PAYMENTS
    assert await holder(router, "c1") == "payments-rep"
    view = await router.contact("c1")
    assert view is not None and view.skill == Skill.PAYMENTS


async def test_transfer_back_to_the_same_queue_passes_over_the_transferring_agent(
    router: Router,
) -> None:
    await router.upsert_agent(agent("a"))
    await router.enqueue(contact("c1"))
    await assigned(router, "c1", "a")
    await router.upsert_agent(agent("b"))

    await router.transfer("c1", by_agent="a", to_queue=Queue.BILLING)

    assert await holder(router, "c1") == "b"


async def test_transfer_to_a_named_agent_offers_it_to_them_whatever_their_skills(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("a", skills=(Skill.BILLING,)))
    await router.upsert_agent(agent("meters-expert", skills=(Skill.METERS,)))
    await router.enqueue(contact("c1", Skill.BILLING))
    await assigned(router, "c1", "a")

    await router.transfer("c1", by_agent="a", to_agent="meters-expert")

    transfer = events.of(ContactTransferred)[0]
    assert (transfer.from_agent_id, transfer.to_agent_id) == ("a", "meters-expert")
    assert await holder(router, "c1") == "meters-expert"
    assert await state(router, "c1") == ContactState.OFFERED


async def test_a_named_agent_who_declines_a_transfer_leaves_the_contact_in_its_queue(
    router: Router,
) -> None:
    await router.upsert_agent(agent("a", skills=(Skill.BILLING,)))
    await router.upsert_agent(agent("meters-expert", skills=(Skill.METERS,)))
    await router.enqueue(contact("c1", Skill.BILLING))
    await assigned(router, "c1", "a")
    await router.transfer("c1", by_agent="a", to_agent="meters-expert")

    await router.decline("c1", "meters-expert")

    assert await holder(router, "c1") == "a"  # back in billing, where "a" has room again


async def test_a_transfer_to_an_agent_who_cannot_take_it_is_refused_and_changes_nothing(
    router: Router,
) -> None:
    await router.upsert_agent(agent("a"))
    await router.upsert_agent(agent("away", presence=Presence.AWAY))
    await router.upsert_agent(agent("full", voice=0))
    await router.enqueue(contact("call", channel=Channel.VOICE))
    await assigned(router, "call", "a")

    with pytest.raises(AgentUnavailableError):
        await router.transfer("call", by_agent="a", to_agent="away")
    with pytest.raises(AgentUnavailableError):
        await router.transfer("call", by_agent="a", to_agent="full")
    with pytest.raises(UnknownAgentError):
        await router.transfer("call", by_agent="a", to_agent="nobody")

    assert await state(router, "call") == ContactState.ASSIGNED
    assert await holder(router, "call") == "a"


async def test_only_the_assignee_transfers_an_assigned_contact(router: Router) -> None:
    await router.upsert_agent(agent("a"))
    await router.enqueue(contact("c1"))
    await assigned(router, "c1", "a")

    with pytest.raises(NotAssignedError):
        await router.transfer("c1", by_agent="b", to_queue=Queue.GENERAL)


async def test_a_lead_can_move_a_waiting_contact_to_another_queue(router: Router) -> None:
    await router.enqueue(contact("c1", Skill.BILLING))
    await router.upsert_agent(agent("general-rep", skills=(Skill.GENERAL,)))

    await router.transfer("c1", to_queue=Queue.GENERAL)

    assert await holder(router, "c1") == "general-rep"


async def test_escalation_takes_the_contact_to_a_lead_and_not_to_a_free_senior(
    router: Router, events: Recorder
) -> None:
    await router.upsert_agent(agent("rep"))
    await router.enqueue(contact("c1"))
    await assigned(router, "c1", "rep")
    await router.upsert_agent(agent("senior", Tier.SENIOR))
    await router.upsert_agent(agent("lead", Tier.LEAD, presence=Presence.AWAY))

    await router.escalate("c1", by_agent="rep")

    assert [(e.reason, e.agent_id) for e in events.of(ContactEscalated)] == [
        (EscalationReason.REQUESTED, "rep")
    ]
    assert await state(router, "c1") == ContactState.QUEUED
    await router.set_presence("lead", Presence.AVAILABLE)
    assert await holder(router, "c1") == "lead"


async def test_an_escalation_no_lead_takes_in_time_goes_to_a_senior_and_alerts_the_leads(
    router: Router, events: Recorder, clock: FakeClock
) -> None:
    await router.upsert_agent(agent("rep"))
    await router.enqueue(contact("c1"))
    await assigned(router, "c1", "rep")
    await router.upsert_agent(agent("senior", Tier.SENIOR))
    await router.escalate("c1", by_agent="rep")

    clock.advance(60)  # escalation_target
    await router.tick()

    assert [e.reason for e in events.of(LeadAlerted)] == [EscalationReason.ESCALATION_UNANSWERED]
    view = await router.contact("c1")
    assert view is not None and view.audience == Audience.LEAD_FIRST
    assert view.agent_id == "senior"


@pytest.mark.parametrize("where", ["queued", "offered", "assigned"])
async def test_a_withdrawn_contact_is_gone_wherever_it_was(
    router: Router, events: Recorder, where: str
) -> None:
    await router.upsert_agent(agent("rep", presence=Presence.AWAY))
    await router.enqueue(contact("c1"))
    if where != "queued":
        await router.set_presence("rep", Presence.AVAILABLE)
    if where == "assigned":
        await router.accept("c1", "rep")

    await router.withdraw("c1")
    await router.withdraw("c1")  # harmless twice

    assert await router.contact("c1") is None
    assert len(events.of(ContactWithdrawn)) == 1
    assert len(events.of(OfferRevoked)) == (1 if where == "offered" else 0)
    assert len(events.of(ContactReleased)) == (1 if where == "assigned" else 0)
    view = await router.agent("rep")
    assert view is not None and view.total_load == 0
    assert sum(q.depth for q in (await router.stats()).queues) == 0


async def test_values_a_script_could_not_handle_are_refused_before_reaching_redis(
    router: Router,
) -> None:
    with pytest.raises(ValueError):
        contact("c1", "plumbing")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        agent("a", "intern")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        agent("a", chat=-1)
    await router.upsert_agent(agent("a"))
    await router.enqueue(contact("c1"))
    await router.accept("c1", "a")
    with pytest.raises(ValueError):
        await router.transfer("c1", by_agent="a", to_queue="nowhere")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await router.set_presence("a", "asleep")  # type: ignore[arg-type]

    assert await holder(router, "c1") == "a"


async def test_ids_that_could_collide_in_the_keyspace_are_refused(router: Router) -> None:
    with pytest.raises(ValueError):
        await router.enqueue(contact("c1:skip"))
    with pytest.raises(ValueError):
        await router.upsert_agent(agent("a:work"))
