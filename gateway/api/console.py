"""The lead's console: what needs attention now, how the queues stand, who is doing what,
whose sign-in is locked, and the moves only seniors and leads make (reassign, take over, join a
conversation, lift a sign-in lock)."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy import func, select

from gateway.api.card import case_summary, iso, sentiment_of
from gateway.api.common import (
    actor_of,
    agent_by_username,
    case_or_404,
    fail,
    guard,
    json_body,
    nudge,
    router_of,
    sign_in_throttle_of,
    store_of,
    text_field,
)
from gateway.auth import Staff
from gateway.fanout import ALERT_KINDS
from gateway.priority import Priority
from gateway.signin_throttle import Counted
from gateway.store.models import Agent, Case, CaseEvent, Direction, Message, Tier, utcnow
from gateway.store.repository import OPEN_STATUSES
from routing import ContactState, Router

log = logging.getLogger(__name__)

SENTIMENT_POINTS = 10
LEVEL_LIMIT = 100
"""Cases shown per level; every level also reports how many it holds in all."""


@guard(Tier.SENIOR)
async def escalations(request: web.Request, staff: Staff) -> web.Response:
    """Open cases that are urgent, hostile (from the start or turned), escalated or past target,
    by level (:class:`~gateway.priority.Priority`: a known customer's emergency, an unverified
    one, hostile, the rest), oldest first within a level. Each level shows at most
    ``LEVEL_LIMIT`` cases and counts them all, so a flood at one level hides no other."""
    alerted = select(CaseEvent.case_id).where(CaseEvent.kind.in_(ALERT_KINDS))
    needs_attention = Case.status.in_(OPEN_STATUSES) & (
        Case.urgent.is_(True) | Case.hostile.is_(True) | Case.id.in_(alerted)
    )
    oldest_first = (Case.created_at, Case.id)
    ranked = (
        select(
            Case.id,
            func.row_number().over(partition_by=Case.priority, order_by=oldest_first).label("rank"),
        )
        .where(needs_attention)
        .subquery()
    )
    async with store_of(request).transaction() as tx:
        counts: dict[int, int] = {
            priority: count
            for priority, count in await tx.session.execute(
                select(Case.priority, func.count()).where(needs_attention).group_by(Case.priority)
            )
        }
        cases = (
            await tx.session.scalars(
                select(Case)
                .join(ranked, ranked.c.id == Case.id)
                .where(ranked.c.rank <= LEVEL_LIMIT)
                .order_by(Case.priority.desc(), *oldest_first)
            )
        ).all()
        ids = [c.id for c in cases]
        events = (
            await tx.session.scalars(
                select(CaseEvent).where(CaseEvent.case_id.in_(ids)).order_by(CaseEvent.id)
            )
        ).all()
        messages = (
            await tx.session.scalars(
                select(Message)
                .where(Message.case_id.in_(ids), Message.direction == Direction.INBOUND)
                .order_by(Message.id)
            )
        ).all()
        agents = {a.id: a for a in (await tx.session.scalars(select(Agent))).all()}
    events_of: defaultdict[int, list[CaseEvent]] = defaultdict(list)
    for event in events:
        events_of[event.case_id].append(event)
    messages_of: defaultdict[int, list[Message]] = defaultdict(list)
    for message in messages:
        if message.case_id is not None:
            messages_of[message.case_id].append(message)
    items = []
    for case in cases:
        history = events_of[case.id]
        opened = next((e for e in history if e.kind == "opened"), None)
        reasons = [str(e.data.get("reason") or e.kind) for e in history if e.kind in ALERT_KINDS]
        sentiment = sentiment_of(messages_of[case.id])
        sentiment["points"] = sentiment["points"][-SENTIMENT_POINTS:]
        items.append(
            case_summary(case, agents.get(case.assigned_agent_id or -1))
            | {
                "level": Priority(case.priority).label,
                "turned_hostile": case.hostile
                and opened is not None
                and not opened.data.get("hostile"),
                "sla_breached": any(e.kind == "sla_breached" for e in history),
                "reasons": sorted(set(reasons)),
                "last_event_at": iso(history[-1].created_at) if history else None,
                "sentiment": sentiment,
            }
        )
    shown = Counter(case.priority for case in cases)
    levels = [
        {"level": level.label, "count": counts.get(level, 0), "shown": shown[level]}
        for level in sorted(Priority, reverse=True)
    ]
    return web.json_response({"levels": levels, "escalations": items})


@guard(Tier.SENIOR)
async def queues(request: web.Request, staff: Staff) -> web.Response:
    stats = await router_of(request).stats()
    return web.json_response(
        {
            "at": stats.at,
            "queues": [
                {
                    "queue": q.queue.value,
                    "depth": q.depth,
                    "oldest_wait": round(q.oldest_wait, 1),
                    "target": q.target,
                    "met": q.met,
                    "breached": q.breached,
                    "attainment": q.attainment,
                }
                for q in stats.queues
            ],
        }
    )


@guard(Tier.SENIOR)
async def agents(request: web.Request, staff: Staff) -> web.Response:
    """Workload per person: presence, load against capacity, open contacts, handled today."""
    stats = await router_of(request).stats()
    views = {view.id: view for view in stats.agents}
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    async with store_of(request).transaction() as tx:
        staff_rows = (
            await tx.session.scalars(
                select(Agent).where(Agent.active.is_(True)).order_by(Agent.tier, Agent.username)
            )
        ).all()
        completed = (
            await tx.session.scalars(
                select(CaseEvent.data).where(
                    CaseEvent.kind == "completed", CaseEvent.created_at >= midnight
                )
            )
        ).all()
        held = {
            str(c.id): c.number
            for c in (
                await tx.session.scalars(
                    select(Case).where(
                        Case.id.in_(
                            [int(i) for v in views.values() for i in v.contact_ids if i.isdigit()]
                        )
                    )
                )
            ).all()
        }
    handled = Counter(str(data.get("agent_id")) for data in completed)
    rows = []
    for agent in staff_rows:
        view = views.get(str(agent.id))
        rows.append(
            {
                "id": agent.id,
                "username": agent.username,
                "display_name": agent.display_name,
                "tier": agent.tier.value,
                "presence": view.presence.value if view else agent.presence,
                "load": view.total_load if view else 0,
                "load_by_channel": {str(k): v for k, v in view.load.items()} if view else {},
                "capacity": {str(k): v for k, v in view.capacity.items()}
                if view
                else dict(agent.capacity),
                "cases": sorted(str(held[i]) for i in view.contact_ids if i in held)
                if view
                else [],
                "handled_today": handled[str(agent.id)],
            }
        )
    return web.json_response({"at": iso(utcnow()), "agents": rows})


async def _move_to(router: Router, case: Case, target: str) -> None:
    """Put the case in front of ``target`` (an offer), wherever it stands in routing now."""
    contact_id = str(case.id)
    view = await router.contact(contact_id)
    if view is None:
        fail(409, "routing does not hold this case (completed or withdrawn)")
    if view.agent_id == target:
        return
    if view.state is ContactState.OFFERED and view.agent_id:
        await router.decline(contact_id, view.agent_id)
        view = await router.contact(contact_id)
    by_agent = view.agent_id if view and view.state is ContactState.ASSIGNED else None
    await router.transfer(contact_id, to_agent=target, by_agent=by_agent)


@guard(Tier.SENIOR)
async def reassign(request: web.Request, staff: Staff) -> web.Response:
    data = await json_body(request)
    username = text_field(data, "agent")
    assert username is not None
    async with store_of(request).transaction() as tx:
        case = await case_or_404(tx, request.match_info["number"])
        target = await agent_by_username(tx, username)
        await tx.record_event(case, "reassigned", actor_of(staff), {"to": target.username})
    await _move_to(router_of(request), case, str(target.id))
    nudge(request)
    return web.json_response({"reassigned": case.number, "to": target.username})


@guard(Tier.SENIOR)
async def take_over(request: web.Request, staff: Staff) -> web.Response:
    """The senior or lead takes the case themselves, from whoever holds or is offered it."""
    router = router_of(request)
    me = str(staff.agent_id)
    async with store_of(request).transaction() as tx:
        case = await case_or_404(tx, request.match_info["number"])
    view = await router.contact(str(case.id))
    if view is None or view.state is not ContactState.ASSIGNED or view.agent_id != me:
        await _move_to(router, case, me)
        await router.accept(str(case.id), me)
        async with store_of(request).transaction() as tx:
            case = await tx.session.get_one(Case, case.id)
            await tx.record_event(case, "taken_over", actor_of(staff), {})
    nudge(request)
    return web.json_response({"taken_over": case.number, "by": staff.username})


@guard(Tier.LEAD)
async def join(request: web.Request, staff: Staff) -> web.Response:
    """A lead joins the conversation beside its representative and may reply from then on."""
    async with store_of(request).transaction() as tx:
        case = await case_or_404(tx, request.match_info["number"])
        if case.status not in OPEN_STATUSES:
            fail(409, "the case is not open")
        await tx.record_event(case, "joined", actor_of(staff), {"agent_id": staff.agent_id})
    nudge(request)
    return web.json_response({"joined": case.number})


def _at(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


@guard(Tier.LEAD)
async def lockouts(request: web.Request, staff: Staff) -> web.Response:
    """Accounts and addresses whose sign-in is locked now: leads unlock colleagues and spot
    someone guessing; a username typed by mistake may show here, so seniors do not see it."""
    found = await sign_in_throttle_of(request).lockouts()
    return web.json_response(
        {
            "lockouts": [
                {
                    "kind": lock.kind.value,
                    "name": lock.name,
                    "failures": lock.failures,
                    "refused": lock.refused,
                    "since": _at(lock.since),
                    "until": _at(lock.until),
                }
                for lock in found
            ]
        }
    )


@guard(Tier.LEAD)
async def clear_lockout(request: web.Request, staff: Staff) -> web.Response:
    data = await json_body(request)
    try:
        kind = Counted(str(data.get("kind")))
    except ValueError:
        fail(400, "'kind' must be one of " + ", ".join(k.value for k in Counted))
    name = text_field(data, "name")
    assert name is not None
    if not await sign_in_throttle_of(request).clear(kind, name):
        fail(404, f"no sign-in lock on {kind.value} {name!r}")
    log.info("sign-in lock on %s %r lifted by %s", kind.value, name, staff.username)
    return web.json_response({"cleared": {"kind": kind.value, "name": name}})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/console/escalations", escalations),
        web.get("/api/console/queues", queues),
        web.get("/api/console/agents", agents),
        web.get("/api/console/lockouts", lockouts),
        web.post("/api/console/lockouts/clear", clear_lockout),
        web.post("/api/cases/{number}/reassign", reassign),
        web.post("/api/cases/{number}/take-over", take_over),
        web.post("/api/cases/{number}/join", join),
    ]
