"""Typing indicators between a chat customer and the representative working the case, both ways,
through the staff WebSocket and the chat socket. Embedded and with services."""

from __future__ import annotations

from tests.gateway.chat_support import ChatCustomer, open_chat
from tests.gateway.sms_support import KNOWN, PUBLIC_BASE_URL, SmsGateway, case_number_in
from tests.gateway.staff_support import Staffing, StaffMember


async def chatting_with(gateway: SmsGateway, rep: StaffMember) -> tuple[ChatCustomer, str]:
    """A chat customer whose billing case the representative has accepted."""
    customer = await open_chat(gateway.client, origin=PUBLIC_BASE_URL)
    await customer.say("I think I was double charged on my last bill")
    await customer.say(f"its {KNOWN.number}")
    number = case_number_in((await customer.say(f"the address is {KNOWN.service_address}"))[0])
    accepted = await rep.post(f"/api/cases/{number}/accept")
    assert accepted.status == 200, accepted
    return customer, number


async def test_a_customer_typing_shows_on_the_desk_of_the_rep_on_the_case_only(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    ben = await staffing.signed_in("rep.ben")
    customer, number = await chatting_with(sms_gateway, ana)

    async with ana.live() as anas_desk, ben.live() as bens_desk:
        await customer.start_typing()
        shown = await anas_desk.until(lambda frame: frame["type"] == "typing")
        elsewhere = await bens_desk.nothing_more()

    assert shown == {"type": "typing", "case": number}
    assert [frame for frame in elsewhere if frame["type"] == "typing"] == []
    await customer.close()


async def test_the_rep_typing_a_reply_shows_in_the_customers_chat_window(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    customer, number = await chatting_with(sms_gateway, ana)

    async with ana.live() as desk:
        await desk.socket.send_json({"type": "typing", "case": number})
        shown = await customer.typing()

    assert shown["who"] == "Ana Torres"
    await customer.close()


async def test_only_someone_working_the_case_may_signal_typing_on_it(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    ben = await staffing.signed_in("rep.ben")
    customer, number = await chatting_with(sms_gateway, ana)

    async with ben.live() as desk:
        await desk.socket.send_json({"type": "typing", "case": number})
        refused = await desk.until(lambda frame: frame["type"] == "error")
        await desk.socket.send_str("{not json")
        malformed = await desk.until(lambda frame: frame["type"] == "error")

    assert refused["error"] == f"you are not working on {number}"
    assert "typing" in malformed["error"]
    await customer.close()
