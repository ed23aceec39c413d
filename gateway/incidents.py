"""Outage incidents: many reports from one district become one incident, and when it is
restored everyone who reported it hears so in their own channel.

An incident collects reports while it is active and its last report is recent (``WINDOW``); an
active incident that has gone quiet longer than that is closed as stale and a new report starts
a new incident. The store allows one active incident per kind and district, so concurrent first
reports on different replicas still make one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from gateway import replies
from gateway.store import CaseStore, Transaction
from gateway.store.models import Account, Case, ContactIdentity, Incident, utcnow
from gateway.store.repository import OPEN_STATUSES

WINDOW = timedelta(hours=3)
OUTAGE = "outage"


class IncidentNotFoundError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Linked:
    incident: Incident
    already_known: bool


async def link_outage(tx: Transaction, case: Case, district: str) -> Linked:
    """Join the district's current outage incident, or start one."""
    now = utcnow()
    current = await _active(tx, district)
    if current is not None and now - current.last_report_at > WINDOW:
        current.status = "stale"
        await tx.session.flush()
        current = None
    already_known = current is not None
    if current is None:
        await tx.session.execute(
            tx.insert_ignoring_conflicts(
                Incident,
                {
                    "kind": OUTAGE,
                    "district": district,
                    "status": "active",
                    "summary": "",
                    "created_at": now,
                    "last_report_at": now,
                },
                index_elements=["kind", "district"],
                index_where=Incident.status == "active",
            )
        )
        current = await _active(tx, district)
        assert current is not None
    current.last_report_at = now
    case.incident_id = current.id
    await tx.record_event(
        case, "linked_to_incident", "system", {"incident_id": current.id, "district": district}
    )
    return Linked(current, already_known)


async def _active(tx: Transaction, district: str) -> Incident | None:
    return await tx.session.scalar(
        select(Incident)
        .where(Incident.kind == OUTAGE, Incident.district == district, Incident.status == "active")
        .with_for_update()
    )


async def district_of(tx: Transaction, case: Case) -> str | None:
    if case.account_id is None:
        return None
    account = await tx.session.get(Account, case.account_id)
    return account.district if account else None


async def set_estimate(store: CaseStore, incident_id: int, when: datetime) -> Incident:
    async with store.transaction() as tx:
        incident = await tx.session.get(Incident, incident_id)
        if incident is None:
            raise IncidentNotFoundError(incident_id)
        incident.estimated_restoration = when
        tx.record_outbox(
            "incident", {"incident_id": incident.id, "estimated_restoration": when.isoformat()}
        )
        return incident


async def restore(store: CaseStore, incident_id: int, actor: str) -> list[int]:
    """Mark the incident restored and queue a message to every linked customer who may receive
    one; returns those messages' ids for delivery."""
    queued: list[int] = []
    async with store.transaction() as tx:
        incident = await tx.session.get(Incident, incident_id)
        if incident is None:
            raise IncidentNotFoundError(incident_id)
        if incident.status == "restored":
            return []
        incident.status = "restored"
        incident.restored_at = utcnow()
        cases = (
            await tx.session.scalars(
                select(Case)
                .where(Case.incident_id == incident.id, Case.status.in_(OPEN_STATUSES))
                .order_by(Case.id)
            )
        ).all()
        for case in cases:
            identity = await tx.session.get_one(ContactIdentity, case.identity_id)
            await tx.record_event(case, "incident_restored", actor, {"incident_id": incident.id})
            if identity.opted_out:
                continue
            message = await tx.record_outbound(
                identity,
                case=case,
                body=replies.restored(incident.district, case.reference),
            )
            queued.append(message.id)
    return queued
