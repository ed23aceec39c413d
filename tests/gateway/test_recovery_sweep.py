"""The recovery sweep: what a crashed replica left half-done is finished by another, and what a
live replica is still doing is left alone, so nothing is lost and nothing is sent twice.

The sweep is called directly with a clock set past its grace period, as if time had passed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from channels import Channel, InboundMessage
from gateway import sweeper as sweeping
from gateway.app import INBOX
from gateway.casework import reply_to_customer
from gateway.inbox import Inbox
from gateway.intake import Turn, unhandled
from gateway.settings import Settings
from gateway.store import CaseStore
from gateway.store.models import utcnow
from gateway.sweeper import GRACE, Sweeper
from nlp import Analysis
from nlp.model import NlpModel
from tests.gateway.conftest import ClientFactory, running_sms_gateway
from tests.gateway.sms_support import (
    KNOWN,
    UNKNOWN_PHONE,
    UTILITY_NUMBER,
    SmsGateway,
    case_number_in,
)

BILL_QUESTION = "why is my water bill $412 this month?? its usually like $80"
POISON = "\u2063poison"


class PoisonError(Exception):
    pass


@pytest.fixture
async def poisoned_sms_gateway(
    aiohttp_client: ClientFactory, settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> AsyncIterator[SmsGateway]:
    """A gateway whose analysis raises on any message containing ``POISON``."""

    def analyze(text: str, channel: str | None) -> Analysis:
        if POISON in text:
            raise PoisonError("the model cannot take this message")
        return nlp_model.analyze(text, channel)

    async for gateway in running_sms_gateway(aiohttp_client, settings, store, analyze, 10.0):
        yield gateway


def text_from(phone: str, body: str, sid: str) -> InboundMessage:
    return InboundMessage(
        channel=Channel.SMS, provider_id=sid, sender=phone, recipient=UTILITY_NUMBER, body=body
    )


def later() -> datetime:
    return utcnow() + GRACE * 2


async def turn_taken_but_not_answered(inbox: Inbox, sid: str) -> Turn:
    """A text whose turn queued a reply, and whose webhook has not answered yet (or never will:
    its replica died)."""
    accepted = await inbox.intake.accept(text_from(KNOWN.phone, BILL_QUESTION, sid))
    turn = await inbox.run_turn(accepted.message_id, BILL_QUESTION, "sms")
    assert turn.reply_message_id is not None
    return turn


async def test_a_text_committed_by_a_replica_that_then_died_gets_its_turn_and_reply(
    sms_gateway: SmsGateway,
) -> None:
    inbox: Inbox = sms_gateway.app[INBOX]
    await inbox.intake.accept(text_from(KNOWN.phone, BILL_QUESTION, "SM" + "1" * 32))
    sweeper = Sweeper(inbox)

    await sweeper.sweep(utcnow())
    assert sms_gateway.twilio.requests == []

    await sweeper.sweep(later())
    sent = await sms_gateway.twilio.next_request()
    assert sent.form["To"] == KNOWN.phone
    await sms_gateway.case(case_number_in(sent.form["Body"]))


async def test_a_reply_still_waiting_for_its_webhook_answer_is_not_swept(
    sms_gateway: SmsGateway,
) -> None:
    inbox: Inbox = sms_gateway.app[INBOX]
    turn = await turn_taken_but_not_answered(inbox, "SM" + "2" * 32)

    await Sweeper(inbox).sweep(utcnow())

    assert sms_gateway.twilio.requests == []
    assert turn.reply_message_id is not None
    assert await inbox.outbound.answered_in_exchange(turn.reply_message_id)


async def test_a_reply_whose_replica_died_is_sent_once_and_never_again_in_an_answer(
    sms_gateway: SmsGateway,
) -> None:
    inbox: Inbox = sms_gateway.app[INBOX]
    turn = await turn_taken_but_not_answered(inbox, "SM" + "3" * 32)
    sweeper = Sweeper(inbox)

    await sweeper.sweep(later())
    await sweeper.sweep(later())

    assert [r.form["Body"] for r in sms_gateway.twilio.requests] == [turn.reply]
    assert turn.reply_message_id is not None
    assert not await inbox.outbound.answered_in_exchange(turn.reply_message_id)


async def test_a_send_that_failed_is_retried_by_the_sweep_when_its_time_comes(
    sms_gateway: SmsGateway,
) -> None:
    number = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])
    sms_gateway.twilio.fail_next(1, status=503, code=20500)
    reply = await reply_to_customer(
        sms_gateway.store, sms_gateway.outbound, case_number=number, agent_id=1, body="Hi."
    )
    assert reply.delivery_status == "retrying"
    sweeper = Sweeper(sms_gateway.app[INBOX])

    await sweeper.sweep(utcnow())
    assert len(sms_gateway.twilio.requests) == 1

    await sweeper.sweep(later())
    assert len(sms_gateway.twilio.requests) == 2
    assert (await sms_gateway.message(reply.message_id)).provider_id is not None


async def test_a_message_whose_turn_raises_does_not_hold_up_the_others(
    poisoned_sms_gateway: SmsGateway,
) -> None:
    gateway = poisoned_sms_gateway
    inbox: Inbox = gateway.app[INBOX]
    await inbox.intake.accept(text_from(UNKNOWN_PHONE, f"hello {POISON}", "SM" + "5" * 32))
    await inbox.intake.accept(text_from(KNOWN.phone, BILL_QUESTION, "SM" + "6" * 32))

    await Sweeper(inbox).sweep(later())

    sent = await gateway.twilio.next_request()
    assert sent.form["To"] == KNOWN.phone
    stuck = await unhandled(gateway.store, later())
    assert [m.body for m in stuck] == [f"hello {POISON}"]
    assert (await gateway.message(stuck[0].message_id)).turn_failures == 1


async def test_a_message_that_keeps_failing_is_quarantined_and_no_longer_swept(
    poisoned_sms_gateway: SmsGateway,
) -> None:
    gateway = poisoned_sms_gateway
    inbox: Inbox = gateway.app[INBOX]
    accepted = await inbox.intake.accept(text_from(UNKNOWN_PHONE, POISON, "SM" + "7" * 32))
    sweeper = Sweeper(inbox)

    for _ in range(sweeping.QUARANTINE_AFTER):
        await sweeper.sweep(later())

    message = await gateway.message(accepted.message_id)
    assert message.delivery_status == "quarantined"
    assert message.turn_failures == sweeping.QUARANTINE_AFTER
    assert await unhandled(gateway.store, later()) == []
    await sweeper.sweep(later())
    assert (await gateway.message(accepted.message_id)).turn_failures == sweeping.QUARANTINE_AFTER
