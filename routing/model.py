"""The vocabulary of routing: channels, tiers, queues, and the plain values the gateway hands in.

Enums are `StrEnum` so that the same strings travel unchanged through Redis and Lua.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"
    CHAT = "chat"


class Presence(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


class Tier(StrEnum):
    REP = "rep"
    SENIOR = "senior"
    LEAD = "lead"


class Skill(StrEnum):
    BILLING = "billing"
    PAYMENTS = "payments"
    OUTAGES = "outages"
    SERVICE_ORDERS = "service_orders"
    METERS = "meters"
    PERMITS = "permits"
    CLAIMS = "claims"
    GENERAL = "general"


class Queue(StrEnum):
    """Urgent and hostile contacts have their own queues; every other contact waits in the
    queue named after its skill."""

    URGENT = "urgent"
    HOSTILE = "hostile"
    BILLING = "billing"
    PAYMENTS = "payments"
    OUTAGES = "outages"
    SERVICE_ORDERS = "service_orders"
    METERS = "meters"
    PERMITS = "permits"
    CLAIMS = "claims"
    GENERAL = "general"


class Audience(StrEnum):
    """Who may be offered a waiting contact. It widens as targets pass, so nothing waits forever.

    `SKILL`: agents with the queue's skill. `SENIOR`: seniors, then leads. `ANY`: seniors, leads,
    then reps (an urgent contact past its target). `LEAD`: leads only (an agent asked for one).
    `LEAD_FIRST`: leads, then seniors (a hostile contact past its target, an escalation nobody
    took). `OVERFLOW`: anybody, reps first (a skill-queue contact long past its target).
    """

    SKILL = "skill"
    SENIOR = "senior"
    ANY = "any"
    LEAD = "lead"
    LEAD_FIRST = "lead_first"
    OVERFLOW = "overflow"


class ContactState(StrEnum):
    QUEUED = "queued"
    OFFERED = "offered"
    ASSIGNED = "assigned"


DEFAULT_CAPACITY: Mapping[Channel, int] = MappingProxyType(
    {Channel.VOICE: 1, Channel.CHAT: 3, Channel.SMS: 5, Channel.EMAIL: 5}
)


@dataclass(frozen=True, slots=True)
class NewContact:
    """A contact as the gateway knows it from its store: enough to queue it, or, with an
    `assignee`, to restore an assignment after Redis lost its state.

    A rebuild also restores where people sent it: `routed_to`, the queue it was last put in
    (a transfer to another queue), and `audience`, who it waited for (leads only, after an
    escalation). Without them it goes where its classification says, to the first audience.

    `verified`: the gateway knows who the customer is. An unverified urgent contact waits behind
    every verified urgent one (still ahead of all other work), so anonymous emergencies, which
    anybody can send by the hundred, cannot bury a known customer's."""

    id: str
    channel: Channel
    skill: Skill
    enqueued_at: float
    urgent: bool = False
    hostile: bool = False
    verified: bool = True
    assignee: str | None = None
    routed_to: Queue | None = None
    audience: Audience | None = None

    def __post_init__(self) -> None:
        # Refused here, since a bad value reaching a Lua script could fail it half-way.
        Channel(self.channel)
        Skill(self.skill)
        if self.routed_to is not None:
            Queue(self.routed_to)
        if self.audience is not None:
            Audience(self.audience)

    @property
    def queue(self) -> Queue:
        if self.routed_to is not None:
            return self.routed_to
        if self.urgent:
            return Queue.URGENT
        if self.hostile:
            return Queue.HOSTILE
        return Queue(self.skill)


@dataclass(frozen=True, slots=True)
class AgentProfile:
    """An agent's session as the gateway knows it. Load is not part of it: routing derives load
    from the contacts it offers and assigns."""

    id: str
    tier: Tier
    skills: frozenset[Skill]
    presence: Presence = Presence.OFFLINE
    capacity: Mapping[Channel, int] = field(default_factory=lambda: DEFAULT_CAPACITY)

    def __post_init__(self) -> None:
        Tier(self.tier)
        Presence(self.presence)
        for skill in self.skills:
            Skill(skill)
        for channel, slots in self.capacity.items():
            Channel(channel)
            if slots < 0:
                raise ValueError(f"negative {channel} capacity for agent {self.id}")

    def capacity_for(self, channel: Channel) -> int:
        return self.capacity.get(channel, 0)


@dataclass(frozen=True, slots=True)
class ContactView:
    """Where a contact stands in routing right now."""

    id: str
    channel: Channel
    skill: Skill
    queue: Queue
    audience: Audience
    state: ContactState
    agent_id: str | None
    enqueued_at: float
    offer_expires_at: float | None
    urgent: bool
    hostile: bool
    verified: bool


@dataclass(frozen=True, slots=True)
class ContactFlags:
    """What routing holds a contact as: enough for a gateway to check routing against its store."""

    urgent: bool
    hostile: bool


@dataclass(frozen=True, slots=True)
class AgentView:
    """An agent's routing state: what the lead console shows per agent."""

    id: str
    tier: Tier
    skills: frozenset[Skill]
    presence: Presence
    capacity: Mapping[Channel, int]
    load: Mapping[Channel, int]
    contact_ids: frozenset[str]
    idle_since: float

    @property
    def total_load(self) -> int:
        return sum(self.load.values())
