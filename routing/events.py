"""Typed events: everything routing does that an agent's or a lead's console should follow.

Every event carries `seq`, a number Redis hands out in order across all replicas (it restarts
after Redis loses its state), and `at`, the routing clock when it happened. The replica whose
call caused an event is the one that emits it, once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from routing.model import Audience, Channel, Queue


class QueueReason(StrEnum):
    NEW = "new"
    DECLINED = "declined"
    OFFER_TIMED_OUT = "offer_timed_out"
    OFFER_REVOKED = "offer_revoked"
    RELEASED = "released"
    TRANSFERRED = "transferred"
    ESCALATED = "escalated"
    RECLASSIFIED = "reclassified"
    WIDENED = "widened"
    REBUILT = "rebuilt"


class RevokeReason(StrEnum):
    AGENT_UNAVAILABLE = "agent_unavailable"
    RECLASSIFIED = "reclassified"
    WITHDRAWN = "withdrawn"


class ReleaseReason(StrEnum):
    AGENT_OFFLINE = "agent_offline"
    TRANSFERRED = "transferred"
    ESCALATED = "escalated"
    WITHDRAWN = "withdrawn"


class EscalationReason(StrEnum):
    URGENT_UNANSWERED = "urgent_unanswered"
    HOSTILE_UNANSWERED = "hostile_unanswered"
    ESCALATION_UNANSWERED = "escalation_unanswered"
    TURNED_HOSTILE = "turned_hostile"
    TURNED_URGENT = "turned_urgent"
    REQUESTED = "requested"


@dataclass(frozen=True, slots=True)
class ContactQueued:
    """The contact (re)entered a queue, or the audience it waits for widened."""

    seq: int
    at: float
    contact_id: str
    queue: Queue
    channel: Channel
    audience: Audience
    reason: QueueReason


@dataclass(frozen=True, slots=True)
class ContactOffered:
    seq: int
    at: float
    contact_id: str
    agent_id: str
    queue: Queue
    channel: Channel
    expires_at: float


@dataclass(frozen=True, slots=True)
class OfferAccepted:
    """The assignment: the agent now holds the contact."""

    seq: int
    at: float
    contact_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class OfferDeclined:
    seq: int
    at: float
    contact_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class OfferTimedOut:
    seq: int
    at: float
    contact_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class OfferRevoked:
    """Routing took a pending offer back: the agent left, the contact went away or changed."""

    seq: int
    at: float
    contact_id: str
    agent_id: str
    reason: RevokeReason


@dataclass(frozen=True, slots=True)
class ContactReleased:
    """An assignment ended without completion."""

    seq: int
    at: float
    contact_id: str
    agent_id: str
    reason: ReleaseReason


@dataclass(frozen=True, slots=True)
class ContactCompleted:
    seq: int
    at: float
    contact_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class ContactWithdrawn:
    seq: int
    at: float
    contact_id: str


@dataclass(frozen=True, slots=True)
class ContactTransferred:
    """Exactly one of `to_queue` and `to_agent` is set; `from_agent_id` is None when a lead moved
    a waiting contact."""

    seq: int
    at: float
    contact_id: str
    from_agent_id: str | None
    to_queue: Queue | None
    to_agent_id: str | None


@dataclass(frozen=True, slots=True)
class SlaBreached:
    """The contact was not offered to anybody within its queue's target."""

    seq: int
    at: float
    contact_id: str
    queue: Queue
    target: float
    waited: float


@dataclass(frozen=True, slots=True)
class ContactEscalated:
    seq: int
    at: float
    contact_id: str
    reason: EscalationReason
    agent_id: str | None


@dataclass(frozen=True, slots=True)
class LeadAlerted:
    """A lead must look now: routing alone cannot put this contact with senior staff."""

    seq: int
    at: float
    contact_id: str
    reason: EscalationReason
    agent_id: str | None


RoutingEvent = (
    ContactQueued
    | ContactOffered
    | OfferAccepted
    | OfferDeclined
    | OfferTimedOut
    | OfferRevoked
    | ContactReleased
    | ContactCompleted
    | ContactWithdrawn
    | ContactTransferred
    | SlaBreached
    | ContactEscalated
    | LeadAlerted
)

EventHook = Callable[[RoutingEvent], Awaitable[None]]


def _optional(value: str) -> str | None:
    return value or None


def decode(raw: list[str]) -> RoutingEvent:
    """Builds the event from the Lua form: kind, seq, at, then field name and value pairs."""
    kind, seq_text, at_text, *pairs = raw
    seq, at = int(seq_text), float(at_text)
    f: Mapping[str, str] = dict(zip(pairs[::2], pairs[1::2], strict=True))
    contact_id = f["contact"]
    match kind:
        case "queued":
            return ContactQueued(
                seq,
                at,
                contact_id,
                Queue(f["queue"]),
                Channel(f["channel"]),
                Audience(f["audience"]),
                QueueReason(f["reason"]),
            )
        case "offered":
            return ContactOffered(
                seq,
                at,
                contact_id,
                f["agent"],
                Queue(f["queue"]),
                Channel(f["channel"]),
                float(f["expires"]),
            )
        case "accepted":
            return OfferAccepted(seq, at, contact_id, f["agent"])
        case "declined":
            return OfferDeclined(seq, at, contact_id, f["agent"])
        case "offer_timed_out":
            return OfferTimedOut(seq, at, contact_id, f["agent"])
        case "offer_revoked":
            return OfferRevoked(seq, at, contact_id, f["agent"], RevokeReason(f["reason"]))
        case "released":
            return ContactReleased(seq, at, contact_id, f["agent"], ReleaseReason(f["reason"]))
        case "completed":
            return ContactCompleted(seq, at, contact_id, f["agent"])
        case "withdrawn":
            return ContactWithdrawn(seq, at, contact_id)
        case "transferred":
            to_queue = _optional(f["to_queue"])
            return ContactTransferred(
                seq,
                at,
                contact_id,
                _optional(f["from"]),
                Queue(to_queue) if to_queue else None,
                _optional(f["to_agent"]),
            )
        case "sla_breached":
            return SlaBreached(
                seq, at, contact_id, Queue(f["queue"]), float(f["target"]), float(f["waited"])
            )
        case "escalated":
            return ContactEscalated(
                seq, at, contact_id, EscalationReason(f["reason"]), _optional(f["agent"])
            )
        case "lead_alerted":
            return LeadAlerted(
                seq, at, contact_id, EscalationReason(f["reason"]), _optional(f["agent"])
            )
    raise ValueError(f"unknown routing event {kind!r}")
