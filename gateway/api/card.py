"""The contact card: everything a representative needs on one case, read in one transaction.

Intent, flags and sentiment come from the analysis stored on each inbound message, so the card
shows what the classifier saw at the time, not what a newer model would say today.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from gateway.store import Transaction
from gateway.store.models import (
    Account,
    Agent,
    Case,
    ContactIdentity,
    Direction,
    Message,
)
from routing import ContactView

TRANSCRIPT_LIMIT = 500
EARLIER_CASES_LIMIT = 20


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def sentiment_of(messages: Sequence[Message]) -> dict[str, Any]:
    """The customer's sentiment message by message, and where it is heading."""
    analysed = [
        (m, m.analysis) for m in messages if m.direction is Direction.INBOUND and m.analysis
    ]
    values = [float(analysis.get("sentiment", 0.0)) for _, analysis in analysed]
    points = [
        {
            "message_id": m.id,
            "at": iso(m.created_at),
            "value": value,
            "hostile": bool(analysis.get("hostile")),
        }
        for (m, analysis), value in zip(analysed, values, strict=True)
    ]
    return {
        "points": points,
        "current": values[-1] if values else None,
        "trend": round(values[-1] - values[0], 3) if len(values) > 1 else 0.0,
    }


def entities_of(messages: Sequence[Message], label: str) -> list[str]:
    found: list[str] = []
    for message in messages:
        for entity in (message.analysis or {}).get("entities", []):
            text = entity.get("text")
            if entity.get("label") == label and isinstance(text, str) and text not in found:
                found.append(text)
    return found


def case_summary(case: Case, assignee: Agent | None = None) -> dict[str, Any]:
    return {
        "number": case.number,
        "status": case.status.value,
        "channel": case.channel,
        "intent": case.intent,
        "urgent": case.urgent,
        "hostile": case.hostile,
        "verified": case.verified,
        "priority": case.priority,
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
        "assignee": _agent_ref(assignee),
    }


def _agent_ref(agent: Agent | None) -> dict[str, Any] | None:
    if agent is None:
        return None
    return {"id": agent.id, "username": agent.username, "display_name": agent.display_name}


def routing_json(view: ContactView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    return {
        "state": view.state.value,
        "queue": view.queue.value,
        "audience": view.audience.value,
        "agent_id": int(view.agent_id) if view.agent_id else None,
        "offer_expires_at": view.offer_expires_at,
    }


async def contact_card(tx: Transaction, case: Case, view: ContactView | None) -> dict[str, Any]:
    session = tx.session
    identity = await session.get_one(ContactIdentity, case.identity_id)
    case_messages = await tx.messages_of(case)
    analyses = [
        m.analysis for m in case_messages if m.direction is Direction.INBOUND and m.analysis
    ]
    first = next((a for a in analyses if a.get("intent") == case.intent), None)
    first = first or (analyses[0] if analyses else None)
    account = await session.get(Account, case.account_id) if case.account_id else None
    customer_id = case.customer_id or identity.customer_id

    # The customer across channels: every identity of theirs, or this one if we do not know them.
    identities = [identity]
    if customer_id is not None:
        identities = list(
            (
                await session.scalars(
                    select(ContactIdentity).where(ContactIdentity.customer_id == customer_id)
                )
            ).all()
        )
        if identity not in identities:
            identities.append(identity)
    identity_ids = [i.id for i in identities]
    transcript = (
        await session.scalars(
            select(Message)
            .where(or_(Message.identity_id.in_(identity_ids), Message.case_id == case.id))
            .order_by(Message.created_at, Message.id)
            .limit(TRANSCRIPT_LIMIT)
        )
    ).all()
    earlier_filter = (
        Case.customer_id == customer_id
        if customer_id is not None
        else Case.identity_id == identity.id
    )
    earlier = (
        await session.scalars(
            select(Case)
            .where(earlier_filter, Case.id != case.id)
            .order_by(Case.id.desc())
            .limit(EARLIER_CASES_LIMIT)
        )
    ).all()
    numbers = {c.id: c.number for c in [case, *earlier]}
    agents = {
        a.id: a
        for a in (
            await session.scalars(
                select(Agent).where(
                    Agent.id.in_(
                        {m.author_agent_id for m in transcript if m.author_agent_id}
                        | ({case.assigned_agent_id} if case.assigned_agent_id else set())
                    )
                )
            )
        ).all()
    }
    events = await tx.events_of(case)
    return {
        "case": case_summary(case, agents.get(case.assigned_agent_id or -1)),
        "analysis": {
            "intent": case.intent,
            "confidence": float(first.get("intent_confidence", 0.0)) if first else None,
            "urgent": case.urgent,
            "hostile": case.hostile,
            "verified": case.verified,
            "sentiment": sentiment_of(case_messages),
        },
        "extracted": {
            "account_numbers": entities_of(case_messages, "ACCOUNT_NUMBER"),
            "addresses": entities_of(case_messages, "ADDRESS"),
        },
        "contact": {
            "channel": identity.channel,
            "address": identity.address,
            "opted_out": identity.opted_out,
            "identities": [{"channel": i.channel, "address": i.address} for i in identities],
        },
        "account": None
        if account is None
        else {
            "number": account.number,
            "holder": account.holder_name,
            "address": account.service_address,
            "district": account.district,
            "status": account.status,
        },
        "earlier_cases": [case_summary(c) for c in earlier],
        "transcript": [
            {
                "id": m.id,
                "case": numbers.get(m.case_id or -1),
                "channel": m.channel,
                "direction": m.direction.value,
                "body": m.body,
                "at": iso(m.created_at),
                "author": _agent_ref(agents.get(m.author_agent_id or -1)),
                "delivery_status": m.delivery_status,
            }
            for m in transcript
        ],
        "events": [
            {"kind": e.kind, "actor": e.actor, "data": e.data, "at": iso(e.created_at)}
            for e in events
        ],
        "routing": routing_json(view),
    }
