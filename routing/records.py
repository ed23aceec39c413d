"""Reading the contact and agent hashes the Lua scripts write (field names are theirs)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from routing.model import (
    AgentView,
    Audience,
    Channel,
    ContactState,
    ContactView,
    Presence,
    Queue,
    Skill,
    Tier,
)


def contact_view(contact_id: str, fields: Mapping[str, str]) -> ContactView:
    expires = fields.get("expires", "")
    return ContactView(
        id=contact_id,
        channel=Channel(fields["channel"]),
        skill=Skill(fields["skill"]),
        queue=Queue(fields["queue"]),
        audience=Audience(fields["aud"]),
        state=ContactState(fields["state"]),
        agent_id=fields.get("agent") or None,
        enqueued_at=float(fields["enqueued_at"]),
        offer_expires_at=float(expires) if expires else None,
        urgent=fields["urgent"] == "1",
        hostile=fields["hostile"] == "1",
        # Contacts queued before verification was known to routing count as verified.
        verified=fields.get("verified", "1") == "1",
    )


def agent_view(agent_id: str, fields: Mapping[str, str], contact_ids: Iterable[str]) -> AgentView:
    return AgentView(
        id=agent_id,
        tier=Tier(fields["tier"]),
        skills=frozenset(Skill(skill) for skill in fields["skills"].split(",") if skill),
        presence=Presence(fields["presence"]),
        capacity={channel: int(fields[f"cap_{channel}"]) for channel in Channel},
        load={channel: int(fields[f"load_{channel}"]) for channel in Channel},
        contact_ids=frozenset(contact_ids),
        idle_since=float(fields["idle_since"]),
    )
