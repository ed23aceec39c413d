"""Plain factories and helpers for routing tests."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TypeVar

from routing import (
    DEFAULT_CAPACITY,
    AgentProfile,
    Channel,
    ContactState,
    NewContact,
    Presence,
    Router,
    RoutingEvent,
    Skill,
    Tier,
)

START = 1_700_000_000.0
E = TypeVar("E")


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Recorder:
    """The event hook of a test: keeps every event, in the order routing emitted them."""

    events: list[RoutingEvent] = field(default_factory=list)

    async def __call__(self, event: RoutingEvent) -> None:
        self.events.append(event)

    def of(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]

    def clear(self) -> None:
        self.events.clear()


def agent(
    agent_id: str,
    tier: Tier = Tier.REP,
    skills: tuple[Skill, ...] = (Skill.BILLING,),
    presence: Presence = Presence.AVAILABLE,
    **capacity: int,
) -> AgentProfile:
    caps = dict(DEFAULT_CAPACITY) | {Channel(name): value for name, value in capacity.items()}
    return AgentProfile(agent_id, tier, frozenset(skills), presence, caps)


def contact(
    contact_id: str,
    skill: Skill = Skill.BILLING,
    channel: Channel = Channel.CHAT,
    at: float = START,
    *,
    urgent: bool = False,
    hostile: bool = False,
    verified: bool = True,
    assignee: str | None = None,
) -> NewContact:
    return NewContact(
        contact_id,
        channel,
        skill,
        at,
        urgent=urgent,
        hostile=hostile,
        verified=verified,
        assignee=assignee,
    )


async def holder(router: Router, contact_id: str) -> str | None:
    """The agent the contact is offered to or assigned to, None while it waits."""
    view = await router.contact(contact_id)
    assert view is not None, f"{contact_id} is lost"
    return view.agent_id


async def state(router: Router, contact_id: str) -> ContactState:
    view = await router.contact(contact_id)
    assert view is not None, f"{contact_id} is lost"
    return view.state


def roster(n: int, rng: random.Random) -> list[AgentProfile]:
    """A floor of n agents: mostly reps, some seniors and leads, every skill covered."""
    skills = list(Skill)
    tiers = [Tier.LEAD, Tier.SENIOR, Tier.SENIOR] + [Tier.REP] * 7
    return [
        agent(
            f"agent-{i}",
            tiers[i % len(tiers)],
            (skills[i % len(skills)], *rng.sample(skills, 2)),
            voice=1,
            chat=rng.randint(1, 3),
            sms=rng.randint(2, 5),
            email=rng.randint(2, 5),
        )
        for i in range(n)
    ]
