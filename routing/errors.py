"""What an operation refuses, so the gateway can tell an agent why their click did nothing."""

from __future__ import annotations


class RoutingError(Exception):
    """Base of the refusals below."""


class UnknownContactError(RoutingError):
    """Routing does not hold this contact (completed, withdrawn, or never enqueued)."""


class UnknownAgentError(RoutingError):
    """No agent with this id was ever registered with routing."""


class NotOfferedError(RoutingError):
    """The contact is not offered to this agent now: the offer lapsed, was taken back, or went to
    somebody else."""


class NotAssignedError(RoutingError):
    """The contact is not assigned to this agent (or, for a lead's action, it is on offer)."""


class AgentUnavailableError(RoutingError):
    """The named agent cannot take the contact now: not available, or no room on its channel."""


_BY_STATUS: dict[str, type[RoutingError]] = {
    "unknown_contact": UnknownContactError,
    "unknown_agent": UnknownAgentError,
    "not_offered": NotOfferedError,
    "not_assigned": NotAssignedError,
    "agent_unavailable": AgentUnavailableError,
}


def error_for(status: str, subject: str) -> RoutingError:
    return _BY_STATUS[status](subject)
