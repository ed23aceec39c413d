"""SMS intake, end to end: signed Twilio webhooks in, TwiML or Twilio REST out, cases in the store.

Each test reads like the transcript of one customer's texts. Every test runs twice: embedded
(SQLite, in-process routing) and with services (PostgreSQL, the real Redis).
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from gateway.casework import reply_to_customer
from gateway.outbound import OptedOutError
from gateway.replies import SAFETY
from gateway.store.models import Case, CaseEvent, ContactIdentity, Message
from tests.gateway.sms_support import KNOWN, UNKNOWN_PHONE, SmsGateway, case_number_in


async def test_a_known_customer_asking_about_a_bill_gets_a_case_number_at_once(
    sms_gateway: SmsGateway,
) -> None:
    phone = sms_gateway.phone(KNOWN.phone)

    replies = await phone.text("why is my water bill $412 this month?? its usually like $80")

    assert len(replies) == 1
    number = case_number_in(replies[0])
    assert "A representative will reply here shortly." in replies[0]
    case = await sms_gateway.case(number)
    assert case.intent == "billing_dispute"
    assert case.account_id == await sms_gateway.account_id(KNOWN.number)
    assert not case.urgent and not case.hostile
    assert await sms_gateway.routing_queue_of(case) == "billing"


async def test_an_unknown_phone_gives_its_account_number_and_service_address_and_is_verified(
    sms_gateway: SmsGateway,
) -> None:
    phone = sms_gateway.phone(UNKNOWN_PHONE)

    asked = await phone.text("I think I was double charged on my last bill")
    asked_address = await phone.text(
        f"its {KNOWN.number[:4]} {KNOWN.number[4:7]} {KNOWN.number[7:]}"
    )
    opened = await phone.text(f"the address is {KNOWN.service_address}")

    assert asked == [
        "To open your case, please reply with your 10-digit account number and the service "
        "address (for example 1420 Oak Street)."
    ]
    assert asked_address == [
        "Thanks. To confirm it's you, what is the service address on that account?"
    ]
    assert opened[0].endswith(f"We have verified the account ending {KNOWN.number[-4:]}.")
    case = await sms_gateway.case(case_number_in(opened[0]))
    assert case.intent == "billing_dispute"
    assert case.account_id == await sms_gateway.account_id(KNOWN.number)
    transcript = await sms_gateway.transcript(case)
    assert [m.direction.value for m in transcript] == ["inbound", "outbound"] * 3
    identity = await sms_gateway.identity(UNKNOWN_PHONE)
    assert identity.customer_id is not None


async def test_an_unknown_phone_missing_twice_still_gets_a_case_for_a_representative_to_verify(
    sms_gateway: SmsGateway,
) -> None:
    phone = sms_gateway.phone(UNKNOWN_PHONE)

    await phone.text("I need a payment plan, I cant pay the whole amount this month")
    missed = await phone.text(f"1234567890 at {KNOWN.service_address}")
    asked = await phone.text(f"{KNOWN.number}, no idea of the address, sorry")
    opened = await phone.text("sorry, cant find my bill")

    assert missed[0].startswith("We could not verify those details.")
    assert asked == ["Thanks. To confirm it's you, what is the service address on that account?"]
    assert "a representative will confirm it with you" in opened[0]
    case = await sms_gateway.case(case_number_in(opened[0]))
    assert case.intent == "payment" and case.account_id is None
    identity = await sms_gateway.identity(UNKNOWN_PHONE)
    assert identity.customer_id is None


async def test_a_gas_smell_gets_safety_instructions_first_and_an_urgent_case_offered_to_a_senior(
    sms_gateway: SmsGateway,
) -> None:
    await sms_gateway.agents_available("rep.ana", "senior.eva")
    phone = sms_gateway.phone(UNKNOWN_PHONE)

    replies = await phone.text(
        "I smell gas really strong in my kitchen at 1420 oak st what do I do"
    )

    assert replies[0].startswith(SAFETY)
    case = await sms_gateway.case(case_number_in(replies[0]))
    assert case.urgent and case.intent == "emergency"
    assert await sms_gateway.offered_to(case) == "senior.eva"


async def test_a_follow_up_that_turns_hostile_escalates_the_case(sms_gateway: SmsGateway) -> None:
    phone = sms_gateway.phone(KNOWN.phone)
    first = await phone.text(
        "Hi, my bill seems higher than usual this month, can someone check it?"
    )
    number = case_number_in(first[0])

    await phone.text(
        "its been a WEEK and nobody answered, you people are useless idiots. calling my lawyer"
    )

    case = await sms_gateway.case(number)
    assert case.hostile
    kinds = [e.kind for e in await sms_gateway.events(case)]
    assert kinds.count("escalated") == 1
    assert await sms_gateway.routing_queue_of(case) == "hostile"


async def test_stop_opts_out_and_a_later_agent_reply_is_refused(sms_gateway: SmsGateway) -> None:
    phone = sms_gateway.phone(KNOWN.phone)
    opened = await phone.text("when is my payment due this month")
    number = case_number_in(opened[0])

    stop = await phone.text("STOP")

    assert stop == [
        "You are unsubscribed and will get no more texts from us. Reply START to opt back in."
    ]
    with pytest.raises(OptedOutError):
        await reply_to_customer(
            sms_gateway.store,
            sms_gateway.outbound,
            case_number=number,
            agent_id=1,
            body="Your payment is due on the 15th.",
        )
    assert sms_gateway.twilio.requests == []

    assert await phone.text("START") == ["You are subscribed again. Text us any time."]


async def test_an_agent_reply_goes_out_through_twilio_with_a_status_callback(
    sms_gateway: SmsGateway,
) -> None:
    phone = sms_gateway.phone(KNOWN.phone)
    number = case_number_in((await phone.text("when is my payment due this month"))[0])

    reply = await reply_to_customer(
        sms_gateway.store,
        sms_gateway.outbound,
        case_number=number,
        agent_id=1,
        body="Your payment is due on the 15th.",
    )

    assert reply.delivery_status == "queued"
    sent = sms_gateway.twilio.requests[-1].form
    assert sent["To"] == KNOWN.phone and sent["Body"] == "Your payment is due on the 15th."
    assert sent["StatusCallback"] == f"https://gw.example.org/twilio/status?ref={reply.message_id}"
    provider_id = next(iter(sms_gateway.twilio.created))
    await sms_gateway.status(provider_id, "delivered")
    await sms_gateway.status(provider_id, "sent")
    assert (await sms_gateway.message(reply.message_id)).delivery_status == "delivered"


async def test_a_failed_send_is_shown_on_the_case_and_retried_once_not_twice(
    sms_gateway: SmsGateway,
) -> None:
    phone = sms_gateway.phone(KNOWN.phone)
    number = case_number_in((await phone.text("when is my payment due this month"))[0])
    sms_gateway.twilio.fail_next(1, status=503, code=20500)

    reply = await reply_to_customer(
        sms_gateway.store,
        sms_gateway.outbound,
        case_number=number,
        agent_id=1,
        body="Your payment is due on the 15th.",
    )

    assert reply.delivery_status == "retrying"
    assert (await sms_gateway.outbound.deliver(reply.message_id)) == "queued"
    assert (await sms_gateway.outbound.deliver(reply.message_id)) == "queued"
    bodies = [r.form["Body"] for r in sms_gateway.twilio.requests]
    assert bodies == ["Your payment is due on the 15th."] * 2
    assert len(sms_gateway.twilio.created) == 1


async def test_a_retried_webhook_changes_nothing(sms_gateway: SmsGateway) -> None:
    phone = sms_gateway.phone(KNOWN.phone)

    first = await phone.text(
        "my meter reading looks wrong", sid="SM00000000000000000000000000000001"
    )
    retried = await phone.text(
        "my meter reading looks wrong", sid="SM00000000000000000000000000000001"
    )

    assert len(first) == 1 and retried == []
    async with sms_gateway.store.transaction() as tx:
        assert await tx.count(Case) == 1
        assert await tx.count(Message) == 2


async def test_fifty_retries_of_one_webhook_at_once_make_one_case_and_one_reply(
    sms_gateway: SmsGateway,
) -> None:
    phone = sms_gateway.phone(KNOWN.phone)
    sid = "SM00000000000000000000000000000002"

    answers = await asyncio.gather(
        *(phone.text("my meter reading looks wrong", sid=sid) for _ in range(50))
    )

    assert sum(len(a) for a in answers) <= 1
    async with sms_gateway.store.transaction() as tx:
        assert await tx.count(Case) == 1
        directions = (await tx.session.scalars(select(Message.direction))).all()
    assert sorted(d.value for d in directions) == ["inbound", "outbound"]


async def test_a_slow_analysis_still_gets_a_prompt_answer_and_the_reply_comes_by_rest(
    slow_sms_gateway: SmsGateway,
) -> None:
    phone = slow_sms_gateway.phone(KNOWN.phone)

    replies = await phone.text("why is my bill so high")

    assert replies == []
    async with slow_sms_gateway.store.transaction() as tx:
        assert await tx.count(Message) == 1
    request = await slow_sms_gateway.twilio.next_request()
    assert "Your case number is CS-" in request.form["Body"]


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"From": KNOWN.phone, "Body": "hi"}, 400),
        ({"MessageSid": "SM1", "Body": "hi"}, 400),
    ],
)
async def test_webhooks_missing_fields_are_refused_clearly(
    sms_gateway: SmsGateway, form: dict[str, str], status: int
) -> None:
    response = await sms_gateway.post_signed(form)
    assert response.status == status
    assert "missing" in (await response.text()).lower()


async def test_a_text_with_a_nul_is_taken_with_the_nul_replaced(sms_gateway: SmsGateway) -> None:
    replies = await sms_gateway.phone(UNKNOWN_PHONE).text("my bill\x00 is wrong")

    assert len(replies) == 1
    async with sms_gateway.store.transaction() as tx:
        stored = await tx.session.scalar(select(Message.body).where(Message.direction == "inbound"))
    assert stored == "my bill\ufffd is wrong"


async def test_a_sender_longer_than_any_phone_number_is_refused_clearly(
    sms_gateway: SmsGateway,
) -> None:
    response = await sms_gateway.post_signed(
        {"From": "+1" + "5" * 300, "To": "+12175550100", "MessageSid": "SM1", "Body": "hi"}
    )
    assert response.status == 400
    assert "From" in await response.text()


async def test_a_full_length_text_is_kept_whole(sms_gateway: SmsGateway) -> None:
    body = ("my bill is wrong " * 100)[:1600]
    replies = await sms_gateway.phone(KNOWN.phone).text(body)
    assert len(replies) == 1
    async with sms_gateway.store.transaction() as tx:
        stored = await tx.session.scalar(select(Message.body).where(Message.direction == "inbound"))
    assert stored == body


async def test_a_bad_signature_is_refused_and_counted(sms_gateway: SmsGateway) -> None:
    response = await sms_gateway.client.post(
        "/twilio/sms",
        data={"From": KNOWN.phone, "MessageSid": "SM9", "To": "+12175550100", "Body": "hi"},
        headers={"X-Twilio-Signature": "forged"},
    )
    metrics = await (await sms_gateway.client.get("/metrics")).text()

    assert response.status == 403
    assert 'gateway_webhooks_rejected_total{channel="sms",reason="bad_signature"} 1.0' in metrics
    async with sms_gateway.store.transaction() as tx:
        assert await tx.count(ContactIdentity) == 2 * 300
        assert await tx.count(CaseEvent) == 0
