"""Redis blinks under a running gateway: its connections reset, or its link to Redis down for a
while. A reset costs nothing: the Redis client sends the command again on a fresh connection.
An outage longer than the client's retries costs staff a 503 they may retry, never a 500 (and
no case: see test_reconciliation)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.settings import Settings
from gateway.store import CaseStore
from nlp.model import NlpModel
from tests.gateway.conftest import (
    Blinking,
    ClientFactory,
    real_redis_only,
    running_sms_gateway,
)
from tests.gateway.sms_support import UNKNOWN_PHONE, SmsGateway, case_number_in
from tests.gateway.staff_support import Staffing
from tests.support.redis_faults import ResettingClock

GAS = "I smell gas really strong in my kitchen at 1420 oak st what do I do"


@pytest.fixture
async def resetting(
    aiohttp_client: ClientFactory, settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> AsyncIterator[tuple[SmsGateway, ResettingClock]]:
    """The gateway on the real Redis, whose connections are all reset before each routing call
    once the clock is armed."""
    assert settings.redis_url is not None
    clock = ResettingClock(settings.redis_url)
    async for gateway in running_sms_gateway(
        aiohttp_client, settings, store, nlp_model.analyze, 10.0, clock=clock
    ):
        yield gateway, clock
        clock.armed = False


@real_redis_only
async def test_emergencies_texted_while_connections_are_reset_are_offered_to_seniors(
    resetting: tuple[SmsGateway, ResettingClock],
) -> None:
    gateway, clock = resetting
    await gateway.agents_available("rep.ana", "senior.eva", "senior.femi")
    await gateway.phone(UNKNOWN_PHONE).text("when is my payment due this month")

    clock.armed = True
    cases = []
    for phone in ("+13125550191", "+13125550192", "+13125550193"):
        replies = await gateway.phone(phone).text(GAS)
        cases.append(await gateway.case(case_number_in(replies[0])))

    assert clock.resets > 0
    for case in cases:
        assert await gateway.offered_to(case) in ("senior.eva", "senior.femi")


@real_redis_only
async def test_a_staff_accept_while_connections_are_reset_is_not_an_error(
    resetting: tuple[SmsGateway, ResettingClock],
) -> None:
    gateway, clock = resetting
    staffing = Staffing(gateway.client)
    try:
        eva = await staffing.signed_in("senior.eva", available=True)
        number = case_number_in((await gateway.phone(UNKNOWN_PHONE).text(GAS))[0])

        clock.armed = True
        accepted = await eva.post(f"/api/cases/{number}/accept")

        assert accepted.status == 200, accepted
        assert accepted.body["case"]["assignee"]["username"] == "senior.eva"
        assert clock.resets > 0
    finally:
        await staffing.close()


@real_redis_only
async def test_a_staff_action_while_routing_is_unreachable_is_a_503_to_retry(
    blinking_gateway: Blinking,
) -> None:
    gateway, link = blinking_gateway.gateway, blinking_gateway.link
    staffing = Staffing(gateway.client)
    try:
        eva = await staffing.signed_in("senior.eva", available=True)
        number = case_number_in((await gateway.phone(UNKNOWN_PHONE).text(GAS))[0])

        link.down()
        refused = await eva.post(f"/api/cases/{number}/accept")
        link.up()
        accepted = await eva.post(f"/api/cases/{number}/accept")

        assert refused.status == 503
        assert refused.error == "routing is briefly unavailable; try again"
        assert int(refused.headers["Retry-After"]) > 0
        assert accepted.status == 200, accepted
    finally:
        await staffing.close()
