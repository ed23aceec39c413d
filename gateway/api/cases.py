"""A representative's work: offers, their cases, the contact card, and what they do to a case.

Routing decides who holds a contact; the store records what happened. Every action checks the
role and the relation to the case (assignee, offered to, joined) before it touches either.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web
from sqlalchemy import select

from gateway.api.card import case_summary, contact_card, routing_json
from gateway.api.common import (
    actor_of,
    agent_by_username,
    case_or_404,
    fail,
    guard,
    has_joined,
    json_body,
    nudge,
    outbound_of,
    router_of,
    store_of,
    text_field,
)
from gateway.auth import Staff
from gateway.case_routing import contact_of
from gateway.casework import reply_to_customer
from gateway.store import Transaction
from gateway.store.models import Agent, Case, CaseEvent, CaseStatus, Tier
from gateway.store.repository import OPEN_STATUSES
from routing import ContactState, ContactView, Queue, Router

MAX_NOTE_CHARS = 4000
DISPOSITIONS = frozenset(
    {"resolved_first_contact", "follow_up_scheduled", "referred", "duplicate", "no_response"}
)


def mine(view: ContactView | None, staff: Staff) -> bool:
    return view is not None and view.agent_id == str(staff.agent_id)


async def may_view(tx: Transaction, case: Case, view: ContactView | None, staff: Staff) -> bool:
    """Seniors and leads see every case; a representative those offered or assigned to them now,
    and those they once held (to finish the paperwork after completing)."""
    if staff.at_least(Tier.SENIOR) or case.assigned_agent_id == staff.agent_id:
        return True
    return mine(view, staff) or await _routed_to(tx, case, staff, "assigned")


async def knows_of(tx: Transaction, case: Case, view: ContactView | None, staff: Staff) -> bool:
    """Whether the person may learn that the case exists: whoever may view it, and a
    representative it was once offered to (who may then hear that the offer lapsed)."""
    return await may_view(tx, case, view, staff) or await _routed_to(tx, case, staff, "offered")


async def _routed_to(tx: Transaction, case: Case, staff: Staff, kind: str) -> bool:
    """Whether the case's history shows routing event ``kind`` naming this person."""
    events = await tx.session.scalars(
        select(CaseEvent.data).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
    )
    return any(str(data.get("agent_id")) == str(staff.agent_id) for data in events)


async def known_case(
    tx: Transaction, router: Router, staff: Staff, number: str
) -> tuple[Case, ContactView | None]:
    """The numbered case and where routing holds it. A representative who was never offered
    nor assigned it hears "no such case", exactly as for a number that does not exist, so case
    numbers cannot be probed by trying them."""
    case = await tx.case_by_number(number)
    view = await _view(router, case) if case is not None else None
    if case is None or not await knows_of(tx, case, view, staff):
        fail(404, "no such case")
    return case, view


async def _view(router: Router, case: Case) -> ContactView | None:
    return await router.contact(str(case.id))


@guard(Tier.REP)
async def list_offers(request: web.Request, staff: Staff) -> web.Response:
    router = router_of(request)
    me = await router.agent(str(staff.agent_id))
    offers: list[tuple[ContactView, int]] = []
    for contact_id in sorted(me.contact_ids if me else ()):
        view = await router.contact(contact_id)
        if view and view.state is ContactState.OFFERED and mine(view, staff):
            offers.append((view, int(contact_id)))
    async with store_of(request).transaction() as tx:
        cases = {
            c.id: c
            for c in (
                await tx.session.scalars(select(Case).where(Case.id.in_([i for _, i in offers])))
            ).all()
        }
    return web.json_response(
        {
            "now": time.time(),
            "offers": [
                case_summary(cases[case_id])
                | {"expires_at": view.offer_expires_at, "queue": view.queue.value}
                for view, case_id in offers
                if case_id in cases
            ],
        }
    )


@guard(Tier.REP)
async def list_cases(request: web.Request, staff: Staff) -> web.Response:
    """Mine by default; seniors and leads may list every open case of a queue or a status."""
    queue, state = request.query.get("queue"), request.query.get("state")
    filtered = queue is not None or state is not None
    if filtered and not staff.at_least(Tier.SENIOR):
        fail(403, "only seniors and leads filter beyond their own cases")
    query = select(Case).order_by(Case.priority.desc(), Case.id)
    if state is not None:
        try:
            query = query.where(Case.status == CaseStatus(state))
        except ValueError:
            fail(400, "unknown state")
    else:
        query = query.where(Case.status.in_(OPEN_STATUSES))
    if not filtered:
        query = query.where(Case.assigned_agent_id == staff.agent_id)
    if queue is not None and queue not in {q.value for q in Queue}:
        fail(400, "unknown queue")
    router = router_of(request)
    async with store_of(request).transaction() as tx:
        cases = (await tx.session.scalars(query.limit(500))).all()
        agents = {a.id: a for a in (await tx.session.scalars(select(Agent))).all()}
    if queue is not None:
        cases = [c for c in cases if await _queue_of(router, c) == queue]
    return web.json_response(
        {"cases": [case_summary(c, agents.get(c.assigned_agent_id or -1)) for c in cases]}
    )


async def _queue_of(router: Router, case: Case) -> str:
    """Where routing holds the case now (a transfer moves it), else where its intent puts it."""
    view = await _view(router, case)
    return (view.queue if view else contact_of(case, router).queue).value


async def _card(request: web.Request, staff: Staff, number: str) -> dict[str, Any]:
    async with store_of(request).transaction() as tx:
        case, view = await known_case(tx, router_of(request), staff, number)
        if not await may_view(tx, case, view, staff):
            fail(403, "not your case")
        return await contact_card(tx, case, view)


@guard(Tier.REP)
async def get_case(request: web.Request, staff: Staff) -> web.Response:
    return web.json_response(await _card(request, staff, request.match_info["number"]))


async def _case_and_view(request: web.Request, staff: Staff) -> tuple[Case, ContactView | None]:
    async with store_of(request).transaction() as tx:
        return await known_case(tx, router_of(request), staff, request.match_info["number"])


@guard(Tier.REP)
async def accept(request: web.Request, staff: Staff) -> web.Response:
    case, _ = await _case_and_view(request, staff)
    await router_of(request).accept(str(case.id), str(staff.agent_id))
    nudge(request)
    return web.json_response(await _card(request, staff, request.match_info["number"]))


@guard(Tier.REP)
async def decline(request: web.Request, staff: Staff) -> web.Response:
    case, _ = await _case_and_view(request, staff)
    await router_of(request).decline(str(case.id), str(staff.agent_id))
    nudge(request)
    return web.json_response({"declined": case.number})


async def _settle_routing(router: Router, case: Case, view: ContactView | None) -> None:
    """A case leaving the open states leaves routing: completed by its assignee, else withdrawn."""
    if view is not None and view.state is ContactState.ASSIGNED and view.agent_id:
        await router.complete(str(case.id), view.agent_id)
    else:
        await router.withdraw(str(case.id))


async def _change_status(
    request: web.Request, staff: Staff, status: CaseStatus, disposition: str | None
) -> None:
    router = router_of(request)
    async with store_of(request).transaction() as tx:
        case = await case_or_404(tx, request.match_info["number"])
        before = case.status
        if case.status is not status:
            await tx.set_status(case, status, actor_of(staff))
        if disposition is not None:
            await tx.record_event(
                case, "disposition", actor_of(staff), {"disposition": disposition}
            )
    if status not in OPEN_STATUSES:
        # Also when the store had it already: a request retried after a 503 finishes the job.
        await _settle_routing(router, case, await _view(router, case))
    elif before not in OPEN_STATUSES:
        await router.enqueue(contact_of(case, router))
    nudge(request)


def _disposition(data: dict[str, Any]) -> str | None:
    disposition = data.get("disposition")
    if disposition is not None and (
        not isinstance(disposition, str) or disposition not in DISPOSITIONS
    ):
        fail(400, "'disposition' must be one of " + ", ".join(sorted(DISPOSITIONS)))
    return disposition


@guard(Tier.REP)
async def complete(request: web.Request, staff: Staff) -> web.Response:
    """Done with it: routing frees my slot and the case is resolved."""
    data = await json_body(request) if request.body_exists else {}
    disposition = _disposition(data)
    case, _ = await _case_and_view(request, staff)
    await router_of(request).complete(str(case.id), str(staff.agent_id))
    status = case.status if case.status not in OPEN_STATUSES else CaseStatus.RESOLVED
    await _change_status(request, staff, status, disposition)
    return web.json_response(await _card(request, staff, request.match_info["number"]))


async def _working_on(request: web.Request, staff: Staff) -> tuple[Case, ContactView | None]:
    """The case, if I am its assignee or a senior/lead; 403 otherwise."""
    case, view = await _case_and_view(request, staff)
    if case.assigned_agent_id != staff.agent_id and not staff.at_least(Tier.SENIOR):
        fail(403, "not your case")
    return case, view


@guard(Tier.REP)
async def reply(request: web.Request, staff: Staff) -> web.Response:
    """Answers through the customer's own channel; the assignee or a lead who joined."""
    data = await json_body(request)
    body = data.get("body")
    if not isinstance(body, str):
        fail(400, "'body' must be a string")
    async with store_of(request).transaction() as tx:
        case, _ = await known_case(tx, router_of(request), staff, request.match_info["number"])
        allowed = case.assigned_agent_id == staff.agent_id or await has_joined(tx, case, staff)
    if not allowed:
        fail(403, "only the case's representative, or a lead who joined it, may reply")
    sent = await reply_to_customer(
        store_of(request),
        outbound_of(request),
        case_number=request.match_info["number"],
        agent_id=staff.agent_id,
        body=body,
    )
    nudge(request)
    return web.json_response(
        {"message_id": sent.message_id, "delivery_status": sent.delivery_status}, status=201
    )


@guard(Tier.REP)
async def set_status(request: web.Request, staff: Staff) -> web.Response:
    data = await json_body(request)
    try:
        status = CaseStatus(str(data.get("status")))
    except ValueError:
        fail(400, "'status' must be one of " + ", ".join(s.value for s in CaseStatus))
    disposition = _disposition(data)
    await _working_on(request, staff)
    await _change_status(request, staff, status, disposition)
    return web.json_response(await _card(request, staff, request.match_info["number"]))


@guard(Tier.REP)
async def add_note(request: web.Request, staff: Staff) -> web.Response:
    """A note is an event in the case's history, visible to whoever works the case next."""
    data = await json_body(request)
    text = text_field(data, "text")
    assert text is not None
    if len(text) > MAX_NOTE_CHARS:
        fail(400, f"a note is at most {MAX_NOTE_CHARS} characters")
    async with store_of(request).transaction() as tx:
        case, view = await known_case(tx, router_of(request), staff, request.match_info["number"])
        if not await may_view(tx, case, view, staff):
            fail(403, "not your case")
        await tx.record_event(case, "note", actor_of(staff), {"text": text})
    nudge(request)
    return web.json_response({"noted": True}, status=201)


@guard(Tier.REP)
async def transfer(request: web.Request, staff: Staff) -> web.Response:
    """To a queue or a named agent. The assignee hands it on; a senior or lead may move any."""
    data = await json_body(request)
    queue_name, username = data.get("queue"), data.get("agent")
    if (queue_name is None) == (username is None):
        fail(400, "give exactly one of 'queue' or 'agent'")
    to_queue: Queue | None = None
    to_agent: str | None = None
    if queue_name is not None:
        try:
            to_queue = Queue(str(queue_name))
        except ValueError:
            fail(400, "unknown queue")
    else:
        async with store_of(request).transaction() as tx:
            to_agent = str((await agent_by_username(tx, str(username))).id)
    case, view = await _working_on(request, staff)
    by_agent = view.agent_id if view and view.state is ContactState.ASSIGNED else None
    await router_of(request).transfer(
        str(case.id), to_queue=to_queue, to_agent=to_agent, by_agent=by_agent
    )
    nudge(request)
    return web.json_response(
        {"transferred": case.number, "routing": routing_json(await _view(router_of(request), case))}
    )


@guard(Tier.REP)
async def escalate(request: web.Request, staff: Staff) -> web.Response:
    """Ask for a lead: the case leaves its representative and waits for a lead."""
    case, view = await _working_on(request, staff)
    by_agent = view.agent_id if view and view.state is ContactState.ASSIGNED else None
    await router_of(request).escalate(str(case.id), by_agent=by_agent)
    nudge(request)
    return web.json_response({"escalated": case.number})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/offers", list_offers),
        web.get("/api/cases", list_cases),
        web.get("/api/cases/{number}", get_case),
        web.post("/api/cases/{number}/accept", accept),
        web.post("/api/cases/{number}/decline", decline),
        web.post("/api/cases/{number}/complete", complete),
        web.post("/api/cases/{number}/replies", reply),
        web.post("/api/cases/{number}/status", set_status),
        web.post("/api/cases/{number}/notes", add_note),
        web.post("/api/cases/{number}/transfer", transfer),
        web.post("/api/cases/{number}/escalate", escalate),
    ]
