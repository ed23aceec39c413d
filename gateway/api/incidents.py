"""Outage incidents for the console: what is out where, the estimate customers are told, and
"restored", which tells every linked customer in their own channel (lead only)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from channels.ids import parse_id
from gateway.api.card import iso
from gateway.api.common import actor_of, fail, guard, json_body, nudge, outbound_of, store_of
from gateway.auth import Staff
from gateway.incidents import IncidentNotFoundError, restore, set_estimate
from gateway.store.models import Case, Incident, Tier
from gateway.store.repository import OPEN_STATUSES

RECENT = 50


def incident_json(incident: Incident, reports: int, open_cases: int) -> dict[str, Any]:
    return {
        "id": incident.id,
        "kind": incident.kind,
        "district": incident.district,
        "status": incident.status,
        "summary": incident.summary,
        "estimated_restoration": iso(incident.estimated_restoration),
        "created_at": iso(incident.created_at),
        "last_report_at": iso(incident.last_report_at),
        "restored_at": iso(incident.restored_at),
        "reports": reports,
        "open_cases": open_cases,
    }


def _incident_id(request: web.Request) -> int:
    incident_id = parse_id(request.match_info["id"])
    if incident_id is None:
        fail(404, "no such incident")
    return incident_id


@guard(Tier.SENIOR)
async def list_incidents(request: web.Request, staff: Staff) -> web.Response:
    """Active incidents first, then the most recent others."""
    async with store_of(request).transaction() as tx:
        incidents = (
            await tx.session.scalars(
                select(Incident)
                .order_by((Incident.status == "active").desc(), Incident.id.desc())
                .limit(RECENT)
            )
        ).all()
        ids = [i.id for i in incidents]
        counts = (
            await tx.session.execute(
                select(Case.incident_id, Case.status, func.count())
                .where(Case.incident_id.in_(ids))
                .group_by(Case.incident_id, Case.status)
            )
        ).all()
    reports: Counter[int] = Counter()
    still_open: Counter[int] = Counter()
    for incident_id, status, count in counts:
        if incident_id is None:
            continue
        reports[incident_id] += count
        if status in OPEN_STATUSES:
            still_open[incident_id] += count
    return web.json_response(
        {"incidents": [incident_json(i, reports[i.id], still_open[i.id]) for i in incidents]}
    )


@guard(Tier.LEAD)
async def put_estimate(request: web.Request, staff: Staff) -> web.Response:
    """The estimate later reporters are told; a time with its zone (ISO 8601)."""
    incident_id = _incident_id(request)
    data = await json_body(request)
    raw = data.get("estimated_restoration")
    try:
        when = datetime.fromisoformat(str(raw))
    except ValueError:
        fail(400, "'estimated_restoration' must be an ISO 8601 time")
    if when.tzinfo is None:
        fail(400, "'estimated_restoration' needs a time zone (e.g. 2026-11-23T18:30:00Z)")
    try:
        when = when.astimezone(UTC)  # the store keeps UTC; years 1 and 9999 may not reach it
    except OverflowError:
        fail(400, "'estimated_restoration' is out of range")
    try:
        incident = await set_estimate(store_of(request), incident_id, when)
    except IncidentNotFoundError:
        fail(404, "no such incident")
    nudge(request)
    return web.json_response(
        {"id": incident.id, "estimated_restoration": iso(incident.estimated_restoration)}
    )


@guard(Tier.LEAD)
async def post_restored(request: web.Request, staff: Staff) -> web.Response:
    """Restored: every linked customer with an open case is told in their own channel, once."""
    incident_id = _incident_id(request)
    try:
        queued = await restore(store_of(request), incident_id, actor_of(staff))
    except IncidentNotFoundError:
        fail(404, "no such incident")
    outbound = outbound_of(request)
    # Queued in the store first: any message not delivered here is sent by the delivery sweep.
    statuses = [await outbound.deliver(message_id) for message_id in queued]
    nudge(request)
    return web.json_response(
        {"id": incident_id, "notified": len(queued), "delivery": dict(Counter(statuses))}
    )


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/incidents", list_incidents),
        web.put("/api/incidents/{id}/estimate", put_estimate),
        web.post("/api/incidents/{id}/restored", post_restored),
    ]
