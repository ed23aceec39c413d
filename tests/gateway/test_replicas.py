"""Replicas share one store and one Redis: a text taken by one is offered, accepted and recorded
through another as if there were only one gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from gateway.app import CASE_ROUTING, ROUTER, create_app
from gateway.settings import Settings, TwilioSettings
from gateway.store import CaseStore
from gateway.store.models import Agent, Case
from nlp.model import NlpModel
from routing import Presence
from tests.gateway.conftest import ClientFactory
from tests.gateway.sms_support import (
    KNOWN,
    PUBLIC_BASE_URL,
    UTILITY_NUMBER,
    SmsGateway,
    case_number_in,
)
from tests.support.twilio_api import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, running_twilio_api


@pytest.fixture
async def second_replica(
    aiohttp_client: ClientFactory, sms_gateway: SmsGateway, settings: Settings, nlp_model: NlpModel
) -> AsyncIterator[TestClient[Any, Any]]:
    if settings.redis_url is None:
        pytest.skip("replicas share state only through PostgreSQL and Redis")
    async with running_twilio_api() as twilio:
        twin = replace(
            settings,
            public_base_url=PUBLIC_BASE_URL,
            reply_budget=10.0,
            twilio=TwilioSettings(
                TEST_ACCOUNT_SID,
                TEST_AUTH_TOKEN,
                api_base=twilio.base_url,
                from_number=UTILITY_NUMBER,
            ),
        )
        yield await aiohttp_client(create_app(twin, analyze=nlp_model.analyze))


async def test_a_text_taken_by_one_replica_is_offered_and_accepted_through_the_other(
    sms_gateway: SmsGateway, second_replica: TestClient[Any, Any], store: CaseStore
) -> None:
    other = second_replica.app
    async with store.transaction() as tx:
        eva = await tx.session.scalar(select(Agent).where(Agent.username == "senior.eva"))
    assert eva is not None

    reply = await sms_gateway.phone(KNOWN.phone).text("there's a strong gas smell in my basement")
    case = await sms_gateway.case(case_number_in(reply[0]))
    await other[CASE_ROUTING].set_presence(eva.id, Presence.AVAILABLE)

    seen_by_first = await sms_gateway.app[ROUTER].contact(str(case.id))
    assert seen_by_first is not None and seen_by_first.agent_id == str(eva.id)
    await other[ROUTER].accept(str(case.id), str(eva.id))

    async with store.transaction() as tx:
        stored = await tx.session.get_one(Case, case.id)
        kinds = [e.kind for e in await tx.events_of(stored)]
    assert stored.assigned_agent_id == eva.id
    assert kinds.count("offered") == 1 and kinds.count("assigned") == 1
