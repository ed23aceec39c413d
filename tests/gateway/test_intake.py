"""The intake conversation with a stranger: anyone the gateway does not recognise, which is every
web chat and every text from a number on no account.

A stranger hears nothing about any account until they prove who they are with two facts that
must both match one account: its number and its service address, in either order. Every test
runs on both channels, each embedded (SQLite, in-process routing) and with services (PostgreSQL,
the real Redis).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway import replies
from gateway.demo import DemoAccount, demo_accounts
from gateway.store import CaseStore
from gateway.store.models import Case
from tests.gateway.chat_support import case_of, open_chat
from tests.gateway.sms_support import SmsGateway, case_number_in

KNOWN, OTHER = demo_accounts()[:2]
NO_SUCH_NUMBER = "1234567890"
NO_SUCH_ADDRESS = "4866 Mill Road"
BILL = "I think I was double charged on my last bill"
PAYMENT_PLAN = "I need a payment plan, I cant pay the whole amount this month"

Say = Callable[[str], Awaitable[list[str]]]
"""What a stranger does: send one message, get back the gateway's replies."""


@dataclass
class Strangers:
    """New strangers on one channel, each in a conversation of their own."""

    new: Callable[[], Awaitable[Say]]
    store: CaseStore

    async def case(self, opened: list[str]) -> Case:
        """The case whose number the first of these replies gives."""
        return await case_of(self.store, case_number_in(opened[0]))


@pytest.fixture(params=["chat", "sms"])
def strangers(request: pytest.FixtureRequest, store: CaseStore) -> Strangers:
    """Strangers in the web chat, or texting from numbers on no account."""
    if request.param == "chat":
        chat_app: TestClient[Any, Any] = request.getfixturevalue("chat_app")

        async def chat() -> Say:
            return (await open_chat(chat_app)).say

        return Strangers(chat, store)
    sms_gateway: SmsGateway = request.getfixturevalue("sms_gateway")
    unknown_phones = (f"+1312555{n:04d}" for n in itertools.count(1000))

    async def sms() -> Say:
        return sms_gateway.phone(next(unknown_phones)).text

    return Strangers(sms, store)


def assert_nothing_told_of(account: DemoAccount, said: list[str]) -> None:
    text = " ".join(said).lower()
    house, street = account.service_address.lower().split()[:2]
    assert account.number[-4:] not in text, said
    assert house not in text and street not in text, said
    assert account.district.lower() not in text, said


def test_the_made_up_account_is_on_no_account() -> None:
    assert NO_SUCH_NUMBER not in {a.number for a in demo_accounts()}
    assert all(not a.service_address.startswith(NO_SUCH_ADDRESS) for a in demo_accounts())


async def test_an_account_number_alone_tells_nothing_and_reads_the_same_for_any_number(
    strangers: Strangers,
) -> None:
    holder, guesser = await strangers.new(), await strangers.new()
    await holder(BILL)
    await guesser(BILL)

    told_holder = await holder(f"my account number is {KNOWN.number}")
    told_guesser = await guesser(f"my account number is {NO_SUCH_NUMBER}")

    assert told_holder == told_guesser
    assert_nothing_told_of(KNOWN, told_holder)
    assert told_holder == [replies.ASK_ADDRESS]


async def test_a_service_address_alone_tells_nothing_and_reads_the_same_for_any_address(
    strangers: Strangers,
) -> None:
    holder, guesser = await strangers.new(), await strangers.new()

    told_holder = await holder(f"{BILL}. The service address is {KNOWN.service_address}")
    told_guesser = await guesser(f"{BILL}. The service address is {NO_SUCH_ADDRESS}")

    assert told_holder == told_guesser
    assert_nothing_told_of(KNOWN, told_holder)
    assert told_holder == [replies.ASK_NUMBER]


async def test_the_number_then_its_address_in_everyday_spelling_verifies_the_account(
    strangers: Strangers,
) -> None:
    customer = await strangers.new()
    await customer(BILL)
    await customer(f"my account number is {KNOWN.number}")

    opened = await customer("4865 mill rd.")

    assert KNOWN.service_address == "4865 Mill Road"
    case = await strangers.case(opened)
    assert case.intent == "billing_dispute"
    assert case.account_id is not None
    assert opened[0].endswith(replies.verified(KNOWN.number[-4:]))


async def test_the_address_then_its_number_verifies_the_account(strangers: Strangers) -> None:
    customer = await strangers.new()
    asked = await customer(f"{BILL}. The service address is {OTHER.service_address.upper()}")

    number = OTHER.number
    opened = await customer(f"my account number is {number[:4]} {number[4:7]} {number[7:]}")

    assert asked == [replies.ASK_NUMBER]
    assert (await strangers.case(opened)).account_id is not None


async def test_a_number_with_another_accounts_address_verifies_nothing_and_tells_nothing(
    strangers: Strangers,
) -> None:
    customer = await strangers.new()
    said = [
        *await customer(BILL),
        *await customer(f"my account number is {KNOWN.number}"),
        *await customer(f"the service address is {OTHER.service_address}"),
    ]
    opened = await customer(f"account {NO_SUCH_NUMBER}, service address {NO_SUCH_ADDRESS}")

    assert_nothing_told_of(KNOWN, [*said, *opened])
    assert_nothing_told_of(OTHER, [*said, *opened])
    assert said[-1] == replies.ASK_ACCOUNT_AGAIN
    case = await strangers.case(opened)
    assert case.account_id is None
    assert opened[0].endswith(replies.UNVERIFIED)


async def test_two_misses_use_up_the_conversations_guesses_even_on_a_new_topic(
    strangers: Strangers,
) -> None:
    customer = await strangers.new()
    await customer(BILL)
    await customer(f"account {NO_SUCH_NUMBER} at {KNOWN.service_address}")
    await customer(f"account {NO_SUCH_NUMBER} at {OTHER.service_address}")

    opened = await customer(f"{PAYMENT_PLAN}, account {KNOWN.number} at {KNOWN.service_address}")

    case = await strangers.case(opened)
    assert case.intent == "payment" and case.account_id is None
    assert opened[0].endswith(replies.UNVERIFIED)
    assert_nothing_told_of(KNOWN, opened)
