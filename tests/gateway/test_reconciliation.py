"""Reconciliation: an open case routing does not hold is routed again, whatever made routing
miss it, by whichever replica gets there first, the most pressing first; an escalation routing
never heard of is made again. Each leaves a line in the case's history."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from gateway.app import ROUTER
from gateway.reconciliation import SETTLE, Reconciler
from gateway.settings import Settings
from gateway.store import CaseStore
from gateway.store.models import Case, utcnow
from nlp.model import NlpModel
from tests.gateway.conftest import (
    Blinking,
    ClientFactory,
    real_redis_only,
    running_sms_gateway,
)
from tests.gateway.sms_support import KNOWN, UNKNOWN_PHONE, SmsGateway, case_number_in
from tests.support.polling import eventually

GAS = "I smell gas really strong in my kitchen at 1420 oak st what do I do"
BILL = "Hi, my bill seems higher than usual this month, can someone check it?"
HOSTILE = "its been a WEEK and nobody answered, you people are useless idiots. calling my lawyer"


@pytest.fixture
async def quiet_gateway(
    aiohttp_client: ClientFactory, settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> AsyncIterator[SmsGateway]:
    """The gateway whose own reconciliation waits an hour, so a test runs every pass itself;
    once routing state was built at start-up (reconciliation leaves a rebuild to the rebuild)."""
    hourly = replace(settings, routing_reconcile_every=3600)
    async for gateway in running_sms_gateway(
        aiohttp_client, hourly, store, nlp_model.analyze, 10.0
    ):
        await eventually(gateway.app[ROUTER].needs_rebuild, lambda needed: not needed)
        yield gateway


async def reconciled(gateway: SmsGateway, case: Case) -> list[dict[str, object]]:
    return [e.data for e in await gateway.events(case) if e.kind == "reconciled"]


async def lost_by_routing(gateway: SmsGateway, phone: str, text: str) -> Case:
    """A case opened and routed; then routing forgets it while the store keeps it open."""
    case = await gateway.case(case_number_in((await gateway.phone(phone).text(text))[0]))
    await gateway.app[ROUTER].withdraw(str(case.id))
    return case


@real_redis_only
async def test_a_case_whose_routing_failed_is_routed_once_redis_is_back(
    blinking_gateway: Blinking,
) -> None:
    gateway, link = blinking_gateway.gateway, blinking_gateway.link
    await gateway.agents_available("senior.eva")

    link.down()
    replies = await gateway.phone(UNKNOWN_PHONE).text(GAS)
    link.up()

    case = await gateway.case(case_number_in(replies[0]))
    assert await eventually(lambda: reconciled(gateway, case), bool) == [{"action": "enqueued"}]
    assert await gateway.offered_to(case) == "senior.eva"


@real_redis_only
async def test_a_lost_escalation_is_made_again_once_redis_is_back(
    blinking_gateway: Blinking,
) -> None:
    gateway, link = blinking_gateway.gateway, blinking_gateway.link
    phone = gateway.phone(KNOWN.phone)
    case = await gateway.case(case_number_in((await phone.text(BILL))[0]))

    link.down()
    await phone.text(HOSTILE)
    link.up()

    assert (await gateway.case(case.reference)).hostile
    assert await eventually(lambda: reconciled(gateway, case), bool) == [
        {"action": "marked_hostile"}
    ]
    assert await gateway.routing_queue_of(case) == "hostile"


async def test_two_replicas_reconciling_at_once_route_a_lost_case_once(
    quiet_gateway: SmsGateway,
) -> None:
    case = await lost_by_routing(quiet_gateway, KNOWN.phone, BILL)
    router = quiet_gateway.app[ROUTER]
    replicas = [Reconciler(quiet_gateway.store, router, every=3600) for _ in range(2)]

    later = utcnow() + SETTLE * 2
    routed = await asyncio.gather(*(replica.reconcile(later) for replica in replicas))

    assert sorted(routed) == [0, 1]
    assert await quiet_gateway.routing_queue_of(case) == "billing"
    assert await reconciled(quiet_gateway, case) == [{"action": "enqueued"}]


async def test_the_most_pressing_lost_case_is_routed_first(quiet_gateway: SmsGateway) -> None:
    calm = await lost_by_routing(quiet_gateway, KNOWN.phone, BILL)
    urgent = await lost_by_routing(quiet_gateway, UNKNOWN_PHONE, GAS)
    reconciler = Reconciler(quiet_gateway.store, quiet_gateway.app[ROUTER], every=3600)

    assert await reconciler.reconcile(utcnow() + SETTLE * 2) == 2

    first = {
        case.id: min(e.id for e in await quiet_gateway.events(case) if e.kind == "reconciled")
        for case in (calm, urgent)
    }
    assert first[urgent.id] < first[calm.id]


async def test_a_case_that_just_changed_is_left_to_the_call_under_way(
    quiet_gateway: SmsGateway,
) -> None:
    case = await lost_by_routing(quiet_gateway, KNOWN.phone, BILL)
    reconciler = Reconciler(quiet_gateway.store, quiet_gateway.app[ROUTER], every=3600)
    just_then = (await quiet_gateway.case(case.reference)).updated_at

    assert await reconciler.reconcile(just_then) == 0
    reconciler.soon(case.id)
    assert await reconciler.reconcile(just_then) == 1

    assert await quiet_gateway.routing_queue_of(case) == "billing"
