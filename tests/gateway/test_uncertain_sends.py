"""A send that Twilio did not answer in time may have gone out all the same. The gateway waits
for Twilio's own report, which names our message, before it sends again: a customer never gets a
representative's reply twice, and a reply that never reached Twilio still goes out."""

from __future__ import annotations

from datetime import timedelta

from gateway.app import INBOX
from gateway.casework import reply_to_customer
from gateway.store.models import utcnow
from gateway.sweeper import Sweeper
from tests.gateway.sms_support import KNOWN, SmsGateway, case_number_in

QUESTION = "when is my payment due this month"
ANSWER = "Your payment is due on the 15th."


def sends_of(gateway: SmsGateway, body: str) -> int:
    return sum(1 for request in gateway.twilio.requests if request.form["Body"] == body)


async def test_a_reply_twilio_took_while_we_timed_out_is_recognised_and_never_sent_again(
    impatient_sms_gateway: SmsGateway,
) -> None:
    gateway = impatient_sms_gateway
    number = case_number_in((await gateway.phone(KNOWN.phone).text(QUESTION))[0])
    gateway.twilio.delay_next(1.0)

    reply = await reply_to_customer(
        gateway.store, gateway.outbound, case_number=number, agent_id=1, body=ANSWER
    )
    assert reply.delivery_status == "retrying"
    created = await gateway.twilio.next_created()
    await gateway.status(created["sid"], "sent", reference=reply.message_id)
    await Sweeper(gateway.app[INBOX]).sweep(utcnow() + timedelta(minutes=10))

    message = await gateway.message(reply.message_id)
    assert (message.provider_id, message.delivery_status) == (created["sid"], "sent")
    assert message.delivery_error is None
    assert sends_of(gateway, ANSWER) == 1


async def test_a_reply_that_timed_out_and_never_reached_twilio_goes_out_after_the_wait(
    impatient_sms_gateway: SmsGateway,
) -> None:
    gateway = impatient_sms_gateway
    number = case_number_in((await gateway.phone(KNOWN.phone).text(QUESTION))[0])
    gateway.twilio.delay_next(1.0)
    gateway.twilio.fail_next(1, status=503, code=20500)
    sweeper = Sweeper(gateway.app[INBOX])

    reply = await reply_to_customer(
        gateway.store, gateway.outbound, case_number=number, agent_id=1, body=ANSWER
    )
    assert await gateway.twilio.next_answer() == 503
    await sweeper.sweep(utcnow() + timedelta(seconds=30))
    assert sends_of(gateway, ANSWER) == 1

    await sweeper.sweep(utcnow() + timedelta(minutes=2))
    message = await gateway.message(reply.message_id)
    assert sends_of(gateway, ANSWER) == 2
    assert message.provider_id in gateway.twilio.created
    assert message.delivery_status == "queued"


async def test_a_status_callback_naming_no_possible_message_is_ignored_not_an_error(
    sms_gateway: SmsGateway,
) -> None:
    for reference in ("%C2%B2", "9" * 20, "9" * 5000, "-1"):  # %C2%B2 is "²"
        await sms_gateway.status("SM" + "0" * 32, "delivered", reference=reference)
