"""The bad-input campaign against the intake conversation: any text, huge, in any script, with
control characters, from a texting phone or a chat session, through the real NLP model and the
store. Every message is committed and taken through a turn without an exception; the first
message of a new contact always gets a reply."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from channels import Channel, InboundMessage
from gateway.demo import seed_demo
from gateway.intake import Intake
from gateway.store import CaseStore
from nlp.model import NlpModel
from tests.gateway.sms_support import KNOWN, UTILITY_NUMBER
from tests.support.bad_input import hostile_text

pytestmark = pytest.mark.campaign

# One store and one engine take every example, as one deployment takes every customer.
shared_intake = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

senders = itertools.count()


@pytest.fixture
async def intake(store: CaseStore, nlp_model: NlpModel) -> AsyncIterator[Intake]:
    await seed_demo(store)
    engine = Intake(store, nlp_model.analyze)
    try:
        yield engine
    finally:
        engine.close()


def inbound(channel: Channel, sender: str, body: str) -> InboundMessage:
    return InboundMessage(
        channel=channel,
        provider_id=f"campaign-{next(senders)}",
        sender=sender,
        recipient=UTILITY_NUMBER if channel is Channel.SMS else "webchat",
        body=body,
    )


@shared_intake
@given(
    channel=st.sampled_from([Channel.SMS, Channel.CHAT]),
    texts=st.lists(hostile_text(max_size=400, repeat_up_to=5000), min_size=1, max_size=3),
)
@example(channel=Channel.SMS, texts=["\x00", "yes\x00", "\x00STOP"])
@example(channel=Channel.CHAT, texts=["my account is \ud800 " + KNOWN.number, "\ud800yes"])
@example(channel=Channel.CHAT, texts=[KNOWN.service_address + "\u202e\x1b[2J", "y" * 100_000])
async def test_any_text_is_taken_through_a_turn_and_a_new_contact_hears_back(
    intake: Intake, channel: Channel, texts: list[str]
) -> None:
    number = next(senders)
    sender = f"+1312555{number:04d}" if channel is Channel.SMS else f"session-{number}"
    replies = []
    for text in texts:
        message = inbound(channel, sender, text)
        accepted = await intake.accept(message)
        turn = await intake.take_turn(accepted.message_id, message.body, channel)
        replies.append(turn.reply)
    assert replies[0], texts
