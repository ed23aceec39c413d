"""Emergencies cannot be buried. Anonymous chat sessions are limited per network address and
overall; an urgent case nobody can tie to a customer is marked unverified; and a known
customer's emergency leads the seniors' console and is offered to a senior first, however many
unverified ones came before it. Every test runs embedded and with services.

The gateway believes X-Forwarded-For from loopback here, as it would from its proxy, so each
test customer can come from an address of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest
from sqlalchemy import select

from channels.webchat import BUSY
from channels.webchat_limits import ChatLimits, Limit
from gateway.api.console import LEVEL_LIMIT
from gateway.app import ROUTER
from gateway.case_routing import contact_of
from gateway.forwarded import parse_networks
from gateway.priority import priority_of
from gateway.settings import Settings
from gateway.store.models import CaseEvent
from tests.gateway.chat_support import ORIGIN, open_chat, say_hello
from tests.gateway.sms_support import KNOWN, SmsGateway, case_number_in
from tests.gateway.staff_support import Staffing

GAS = "I smell gas in my kitchen"
EARLIER_FLOOD = 200
CHATS = 10
"""With the earlier flood, more than the 200 cases the console used to show."""
TIGHT = ChatLimits(sessions_per_address=Limit(3, 600.0), sessions_overall=Limit(5, 600.0))


@pytest.fixture
def settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """The suite's settings with loopback as a trusted proxy and the test's chat limits."""
    return replace(
        settings,
        chat_allowed_origins=(ORIGIN,),
        chat_limits=getattr(request, "param", ChatLimits()),
        trusted_proxies=parse_networks(["127.0.0.1"]),
    )


async def _refused(gateway: SmsGateway, address: str) -> None:
    ws, answer = await say_hello(gateway.client, forwarded_for=address)
    assert answer == {"type": "error", "code": "rate_limited", "message": BUSY}
    closing = await ws.receive(timeout=5)
    assert (closing.type, closing.data) == (
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSCloseCode.TRY_AGAIN_LATER,
    )
    await ws.close()


@pytest.mark.parametrize("settings", [TIGHT], indirect=True)
async def test_anonymous_sessions_are_refused_past_the_limit_of_their_address_and_overall(
    sms_gateway: SmsGateway,
) -> None:
    client = sms_gateway.client
    same_address = [await open_chat(client, forwarded_for="203.0.113.7") for _ in range(3)]
    await _refused(sms_gateway, "203.0.113.7")
    others = [
        await open_chat(client, forwarded_for=address)
        for address in ("198.51.100.1", "198.51.100.2")
    ]
    await _refused(sms_gateway, "192.0.2.44")
    tab = await open_chat(client, token=same_address[0].token, forwarded_for="203.0.113.7")

    assert tab.session == same_address[0].session
    assert await tab.say("is anyone there?") != []
    metrics = await (await client.get("/metrics")).text()
    assert 'gateway_chat_refused_total{limit="address",what="session"} 1.0' in metrics
    assert 'gateway_chat_refused_total{limit="overall",what="session"} 1.0' in metrics
    for customer in [*same_address, *others, tab]:
        await customer.close()


async def test_an_anonymous_emergency_is_unverified_and_one_from_a_known_phone_is_verified(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    eva = await staffing.signed_in("senior.eva")
    anonymous = await open_chat(sms_gateway.client, forwarded_for="203.0.113.7")
    chat_case = case_number_in((await anonymous.say(GAS))[-1])
    sms_case = case_number_in((await sms_gateway.phone(KNOWN.phone).text(GAS))[-1])

    chat_card = (await eva.get(f"/api/cases/{chat_case}")).body
    sms_card = (await eva.get(f"/api/cases/{sms_case}")).body
    feed = (await eva.get("/api/console/escalations")).body

    assert chat_card["case"]["urgent"] and not chat_card["case"]["verified"]
    assert sms_card["case"]["urgent"] and sms_card["case"]["verified"]
    assert [(i["number"], i["level"], i["verified"]) for i in feed["escalations"]] == [
        (sms_case, "urgent", True),
        (chat_case, "urgent_unverified", False),
    ]
    await anonymous.close()


async def test_an_account_only_proposed_for_confirmation_does_not_verify_an_emergency(
    sms_gateway: SmsGateway,
) -> None:
    stranger = await open_chat(sms_gateway.client, forwarded_for="203.0.113.7")
    await stranger.say("I think I was double charged on my last bill")
    await stranger.say(f"its {KNOWN.number}")

    number = case_number_in((await stranger.say(GAS))[-1])

    case = await sms_gateway.case(number)
    assert case.urgent and not case.verified
    await stranger.close()


async def _earlier_flood(gateway: SmsGateway, n: int) -> list[str]:
    """n anonymous urgent chat cases, written as intake writes them and queued in routing: the
    part of a flood that came before the customers of the test, who would take a minute to chat
    them all."""
    async with gateway.store.transaction() as tx:
        cases = []
        for i in range(n):
            identity = await tx.identity("chat", f"earlier-flood-{i}")
            case = await tx.open_case(
                identity,
                intent="emergency",
                urgent=True,
                verified=False,
                priority=priority_of(urgent=True, hostile=False, verified=False),
            )
            cases.append(case)
    router = gateway.app[ROUTER]
    for case in cases:
        await router.enqueue(contact_of(case, router))
    return [case.reference for case in cases]


async def _anonymous_gas_reports(gateway: SmsGateway, n: int) -> list[str]:
    """n anonymous customers, each from an address and a session of its own, report gas."""
    numbers = []
    for i in range(n):
        customer = await open_chat(gateway.client, forwarded_for=f"203.0.113.{i + 1}")
        numbers.append(case_number_in((await customer.say(GAS))[-1]))
        await customer.close()
    return numbers


@pytest.fixture
async def patient_staffing(patient_sms_gateway: SmsGateway) -> AsyncIterator[Staffing]:
    staffing = Staffing(patient_sms_gateway.client)
    try:
        yield staffing
    finally:
        await staffing.close()


async def test_a_known_customers_emergency_after_a_flood_tops_the_console_and_is_offered_first(
    patient_sms_gateway: SmsGateway, patient_staffing: Staffing
) -> None:
    gateway, staffing = patient_sms_gateway, patient_staffing
    earlier = await _earlier_flood(gateway, EARLIER_FLOOD)
    await _anonymous_gas_reports(gateway, CHATS)
    known = case_number_in((await gateway.phone(KNOWN.phone).text(GAS))[-1])
    grace = await staffing.signed_in("lead.grace")

    feed = (await grace.get("/api/console/escalations")).body
    await staffing.signed_in("senior.eva", available=True)

    assert feed["escalations"][0]["number"] == known
    assert [i["number"] for i in feed["escalations"][1:]] == earlier[:LEVEL_LIMIT]
    assert {i["level"] for i in feed["escalations"][1:]} == {"urgent_unverified"}
    assert {level["level"]: (level["count"], level["shown"]) for level in feed["levels"]} == {
        "urgent": (1, 1),
        "urgent_unverified": (EARLIER_FLOOD + CHATS, LEVEL_LIMIT),
        "hostile": (0, 0),
        "routine": (0, 0),
    }
    async with gateway.store.transaction() as tx:
        first_offer = await tx.session.scalar(
            select(CaseEvent.case_id).where(CaseEvent.kind == "offered").order_by(CaseEvent.id)
        )
    assert first_offer == (await gateway.case(known)).id
