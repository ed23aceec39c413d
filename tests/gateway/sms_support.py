"""A gateway with Twilio SMS enabled, a stand-in for Twilio's API, and phones that text it."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from channels.twilio_signature import sign
from gateway.app import CASE_ROUTING, OUTBOUND, ROUTER
from gateway.demo import demo_accounts
from gateway.outbound import Outbound
from gateway.store import CaseStore
from gateway.store.models import Agent, Case, CaseEvent, ContactIdentity, Message
from routing import Presence
from tests.support.twilio_api import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TwilioApiStandIn

PUBLIC_BASE_URL = "https://gw.example.org"
UTILITY_NUMBER = "+12175550100"
KNOWN = demo_accounts()[0]
UNKNOWN_PHONE = "+13125550199"


def case_number_in(text: str) -> str:
    found = re.search(r"CS-\d{6}", text)
    assert found, f"no case number in {text!r}"
    return found.group()


@dataclass
class Phone:
    gateway: SmsGateway
    number: str

    async def text(self, body: str, sid: str | None = None) -> list[str]:
        """Send a text; the replies that came back inside Twilio's webhook response."""
        form = {
            "From": self.number,
            "To": UTILITY_NUMBER,
            "Body": body,
            "NumMedia": "0",
            "MessageSid": sid or "SM" + uuid.uuid4().hex,
        }
        response = await self.gateway.post_signed(form)
        assert response.status == 200, await response.text()
        assert response.content_type == "text/xml"
        return [m.text or "" for m in ET.fromstring(await response.text()).iter("Message")]


@dataclass
class SmsGateway:
    client: TestClient[Any, Any]
    app: web.Application
    twilio: TwilioApiStandIn
    store: CaseStore

    @property
    def outbound(self) -> Outbound:
        return self.app[OUTBOUND]

    def phone(self, number: str) -> Phone:
        return Phone(self, number)

    async def post_signed(self, form: dict[str, str], path: str = "/twilio/sms") -> ClientResponse:
        form = {"AccountSid": TEST_ACCOUNT_SID} | form
        signature = sign(PUBLIC_BASE_URL + path, form, TEST_AUTH_TOKEN)
        return await self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})

    async def status(
        self, provider_id: str, status: str, reference: int | str | None = None
    ) -> None:
        """Twilio's status callback; ``reference`` is our message id, as its URL names it."""
        path = "/twilio/status" if reference is None else f"/twilio/status?ref={reference}"
        response = await self.post_signed(
            {"MessageSid": provider_id, "MessageStatus": status}, path=path
        )
        assert response.status == 204, await response.text()

    async def case(self, number: str) -> Case:
        async with self.store.transaction() as tx:
            case = await tx.case_by_number(number)
        assert case is not None, number
        return case

    async def account_id(self, number: str) -> int:
        async with self.store.transaction() as tx:
            account = await tx.account_by_number(number)
        assert account is not None
        return account.id

    async def identity(self, phone: str) -> ContactIdentity:
        async with self.store.transaction() as tx:
            return await tx.identity("sms", phone)

    async def transcript(self, case: Case) -> Sequence[Message]:
        async with self.store.transaction() as tx:
            return await tx.messages_of(case)

    async def events(self, case: Case) -> Sequence[CaseEvent]:
        async with self.store.transaction() as tx:
            return await tx.events_of(case)

    async def message(self, message_id: int) -> Message:
        async with self.store.transaction() as tx:
            return await tx.session.get_one(Message, message_id)

    async def agents_available(self, *usernames: str) -> None:
        for username in usernames:
            await self.app[CASE_ROUTING].set_presence(
                await self._agent_id(username), Presence.AVAILABLE
            )

    async def routing_queue_of(self, case: Case) -> str:
        view = await self.app[ROUTER].contact(str(case.id))
        assert view is not None, f"routing does not hold case {case.number}"
        return view.queue.value

    async def offered_to(self, case: Case) -> str | None:
        view = await self.app[ROUTER].contact(str(case.id))
        if view is None or view.agent_id is None:
            return None
        async with self.store.transaction() as tx:
            return (await tx.session.get_one(Agent, int(view.agent_id))).username

    async def _agent_id(self, username: str) -> int:
        async with self.store.transaction() as tx:
            agent_id = await tx.session.scalar(select(Agent.id).where(Agent.username == username))
        assert agent_id is not None, username
        return agent_id
