"""Between the case store and routing: what to queue after a turn, and what routing did to a case.

Routing keeps derived state only. Contact ids are case ids and agent ids are agent row ids, as
strings, so the store can rebuild routing after Redis loses it, and every routing event becomes
an entry in the case's own history.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from gateway.intake import Turn
from gateway.store import CaseStore
from gateway.store.models import Agent, Case, CaseStatus
from routing import (
    AgentProfile,
    Audience,
    Channel,
    ContactCompleted,
    ContactEscalated,
    ContactOffered,
    ContactQueued,
    ContactReleased,
    ContactTransferred,
    ContactWithdrawn,
    LeadAlerted,
    NewContact,
    OfferAccepted,
    OfferDeclined,
    OfferRevoked,
    OfferTimedOut,
    Presence,
    Queue,
    Router,
    RoutingEvent,
    Skill,
    SlaBreached,
    Tier,
)

log = logging.getLogger(__name__)


def contact_of(case: Case, router: Router, assignee: str | None = None) -> NewContact:
    return NewContact(
        id=str(case.id),
        channel=Channel(case.channel),
        skill=router.policy.skill_for(case.intent),
        enqueued_at=case.created_at.timestamp(),
        urgent=case.urgent,
        hostile=case.hostile,
        verified=case.verified,
        assignee=assignee,
    )


def restored_contact_of(case: Case, router: Router) -> NewContact:
    """For a rebuild: also where routing last queued the case and who it waited for."""
    return replace(
        contact_of(case, router, str(case.assigned_agent_id) if case.assigned_agent_id else None),
        routed_to=Queue(case.routing_queue) if case.routing_queue else None,
        audience=Audience(case.routing_audience) if case.routing_audience else None,
    )


def profile_of(agent: Agent) -> AgentProfile:
    return AgentProfile(
        id=str(agent.id),
        tier=Tier(agent.tier.value),
        skills=frozenset(Skill(s) for s in agent.skills),
        presence=Presence(agent.presence),
        capacity={Channel(k): int(v) for k, v in agent.capacity.items()},
    )


class CaseRouting:
    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.router: Router | None = None

    def attach(self, router: Router) -> None:
        """The router is built with our ``record`` as its event hook, so it is attached after."""
        self.router = router

    def _router(self) -> Router:
        if self.router is None:
            raise RuntimeError("routing is not started")
        return self.router

    async def after_turn(self, turn: Turn) -> None:
        if turn.case_id is None or not (turn.route or turn.escalate):
            return
        router = self._router()
        async with self.store.transaction() as tx:
            case = await tx.session.get_one(Case, turn.case_id)
        if turn.route:
            await router.enqueue(contact_of(case, router))
        if turn.escalate:
            await router.mark_hostile(str(case.id))

    async def set_presence(self, agent_id: int, presence: Presence) -> None:
        """Store first, so a rebuild restores it; then routing, which may offer work at once."""
        async with self.store.transaction() as tx:
            agent = await tx.session.get_one(Agent, agent_id)
            agent.presence = presence.value
        router = self._router()
        await router.upsert_agent(profile_of(agent))

    async def snapshot(self) -> tuple[Sequence[NewContact], Sequence[AgentProfile]]:
        """Open cases and agent sessions, from which routing rebuilds itself."""
        router = self._router()
        async with self.store.transaction() as tx:
            cases = await tx.open_cases()
            agents = (await tx.session.scalars(select(Agent).where(Agent.active.is_(True)))).all()
        return [restored_contact_of(c, router) for c in cases], [profile_of(a) for a in agents]

    async def record(self, event: RoutingEvent) -> None:
        """Routing's event hook: each event joins its case's history (and the outbox for consoles).

        It never raises: routing has already acted, and a lost history entry must not undo that.
        """
        try:
            await self._record(event)
        except Exception:
            log.exception("could not record routing event %s", type(event).__name__)

    async def _record(self, event: RoutingEvent) -> None:
        kind, data = _describe(event)
        contact_id = getattr(event, "contact_id", None)
        if contact_id is None or not contact_id.isdigit():
            return
        async with self.store.transaction() as tx:
            case = await tx.session.get(Case, int(contact_id))
            if case is None:
                return
            if isinstance(event, OfferAccepted):
                case.assigned_agent_id = int(event.agent_id)
                if case.status is CaseStatus.NEW:
                    await tx.set_status(case, CaseStatus.OPEN, f"agent:{event.agent_id}")
            elif isinstance(event, ContactReleased | ContactCompleted | ContactWithdrawn):
                case.assigned_agent_id = None
            elif isinstance(event, ContactQueued):
                case.routing_queue = event.queue.value
                case.routing_audience = event.audience.value
            await tx.record_event(case, kind, "routing", data)


def _describe(event: RoutingEvent) -> tuple[str, dict[str, Any]]:
    """The case-history entry for a routing event."""
    match event:
        case ContactQueued():
            return "queued", {
                "queue": event.queue.value,
                "audience": event.audience.value,
                "reason": event.reason.value,
            }
        case ContactOffered():
            return "offered", {"agent_id": event.agent_id, "expires_at": event.expires_at}
        case OfferAccepted():
            return "assigned", {"agent_id": event.agent_id}
        case OfferDeclined():
            return "offer_declined", {"agent_id": event.agent_id}
        case OfferTimedOut():
            return "offer_timed_out", {"agent_id": event.agent_id}
        case OfferRevoked():
            return "offer_revoked", {"agent_id": event.agent_id, "reason": event.reason.value}
        case ContactEscalated():
            return "escalated", {"reason": event.reason.value}
        case SlaBreached():
            return "sla_breached", {"queue": event.queue.value}
        case LeadAlerted():
            return "lead_alerted", {"reason": event.reason.value}
        case ContactTransferred():
            return "transferred", {}
        case ContactReleased():
            return "released", {"agent_id": event.agent_id, "reason": event.reason.value}
        case ContactCompleted():
            return "completed", {"agent_id": event.agent_id}
        case ContactWithdrawn():
            return "withdrawn", {}
    return type(event).__name__, {}
