"""The SMS simulator sends texts a real gateway accepts as genuine Twilio traffic."""

from __future__ import annotations

from gateway.simulate import simulate_sms
from gateway.store.models import Message
from tests.gateway.sms_support import PUBLIC_BASE_URL, SmsGateway
from tests.support.twilio_api import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN


async def test_simulated_texts_are_signed_so_the_gateway_accepts_every_one(
    sms_gateway: SmsGateway,
) -> None:
    lines: list[str] = []

    tally = await simulate_sms(
        target=str(sms_gateway.client.make_url("")),
        public_base_url=PUBLIC_BASE_URL,
        account_sid=TEST_ACCOUNT_SID,
        auth_token=TEST_AUTH_TOKEN,
        rate=20,
        duration=0.5,
        report=lines.append,
        seed=7,
    )

    assert (tally.sent, tally.accepted, tally.refused, tally.failed) == (10, 10, 0, 0)
    assert lines[-1].startswith("done:")
    async with sms_gateway.store.transaction() as tx:
        assert await tx.count(Message) >= 10


async def test_texts_signed_with_another_token_are_all_refused(sms_gateway: SmsGateway) -> None:
    tally = await simulate_sms(
        target=str(sms_gateway.client.make_url("")),
        public_base_url=PUBLIC_BASE_URL,
        account_sid=TEST_ACCOUNT_SID,
        auth_token="not-the-token",
        rate=20,
        duration=0.2,
        report=lambda _line: None,
    )
    assert (tally.accepted, tally.refused) == (0, 4)
