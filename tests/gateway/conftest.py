from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.app import Clock, create_app
from gateway.demo import seed_demo
from gateway.intake import Analyzer
from gateway.settings import Settings, TwilioSettings
from gateway.store import CaseStore
from nlp import Analysis
from nlp.model import DEFAULT_MODEL_DIR, NlpModel
from routing import Queue, RoutingPolicy
from tests.gateway.sms_support import PUBLIC_BASE_URL, UTILITY_NUMBER, SmsGateway
from tests.gateway.staff_support import Staffing
from tests.support.redis_faults import RedisLink
from tests.support.twilio_api import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, running_twilio_api

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]
real_redis_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
"""For a test of what happens between a replica and a Redis server of its own."""


@pytest.fixture
async def gateway_client(aiohttp_client: ClientFactory, settings: Settings) -> TestClient[Any, Any]:
    app: web.Application = create_app(settings)
    return await aiohttp_client(app)


@pytest.fixture
async def chat_app(
    aiohttp_client: ClientFactory, settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> AsyncIterator[TestClient[Any, Any]]:
    """The gateway with the demo utility loaded and the real NLP model."""
    await seed_demo(store)
    yield await aiohttp_client(create_app(settings, analyze=nlp_model.analyze))


@pytest.fixture(scope="session")
def nlp_model() -> NlpModel:
    """The model `make model` built, loaded once for the whole run."""
    return NlpModel.load(DEFAULT_MODEL_DIR)


async def running_sms_gateway(
    aiohttp_client: ClientFactory,
    settings: Settings,
    store: CaseStore,
    analyze: Analyzer,
    reply_budget: float,
    send_timeout: float = 15.0,
    routing_policy: RoutingPolicy | None = None,
    clock: Clock = time.time,
) -> AsyncIterator[SmsGateway]:
    """The demo utility, a Twilio stand-in and the gateway on them (``settings`` as given)."""
    await seed_demo(store)
    async with running_twilio_api() as twilio:
        sms_settings = replace(
            settings,
            public_base_url=PUBLIC_BASE_URL,
            reply_budget=reply_budget,
            twilio=TwilioSettings(
                TEST_ACCOUNT_SID,
                TEST_AUTH_TOKEN,
                api_base=twilio.base_url,
                from_number=UTILITY_NUMBER,
                send_timeout=send_timeout,
            ),
        )
        app = create_app(sms_settings, analyze=analyze, routing_policy=routing_policy, clock=clock)
        client = await aiohttp_client(app)
        yield SmsGateway(client, app, twilio, store)
        await client.close()  # while Twilio's stand-in, the store and Redis are still there


@pytest.fixture
async def sms_gateway(
    aiohttp_client: ClientFactory, settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> AsyncIterator[SmsGateway]:
    """The gateway with Twilio SMS, the demo utility loaded, and the real NLP model. Replies are
    waited for long enough that they always come back in the webhook's answer, even on a busy
    machine; ``slow_sms_gateway`` covers the other path."""
    async for gateway in running_sms_gateway(
        aiohttp_client, settings, store, nlp_model.analyze, 10.0
    ):
        yield gateway


@pytest.fixture
async def slow_sms_gateway(
    aiohttp_client: ClientFactory, settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> AsyncIterator[SmsGateway]:
    """As ``sms_gateway``, but every analysis takes two seconds, longer than a webhook may wait."""

    def slow_analyze(text: str, channel: str | None) -> Analysis:
        time.sleep(2)
        return nlp_model.analyze(text, channel)

    async for gateway in running_sms_gateway(aiohttp_client, settings, store, slow_analyze, 0.8):
        yield gateway


@pytest.fixture
async def patient_sms_gateway(
    aiohttp_client: ClientFactory, settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> AsyncIterator[SmsGateway]:
    """As ``sms_gateway``, but urgent and hostile contacts wait an hour before routing widens
    their audience, escalates them and alerts the leads: a test that queues hundreds of them on
    a slow machine checks their order, not hundreds of escalations written as it shuts down."""
    targets = dict(RoutingPolicy().targets) | {Queue.URGENT: 3600.0, Queue.HOSTILE: 3600.0}
    async for gateway in running_sms_gateway(
        aiohttp_client,
        settings,
        store,
        nlp_model.analyze,
        10.0,
        routing_policy=RoutingPolicy(targets=targets),
    ):
        yield gateway


@pytest.fixture
async def impatient_sms_gateway(
    aiohttp_client: ClientFactory, settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> AsyncIterator[SmsGateway]:
    """As ``sms_gateway``, but a send gives up on Twilio's answer after 0.3 s."""
    async for gateway in running_sms_gateway(
        aiohttp_client, settings, store, nlp_model.analyze, 10.0, send_timeout=0.3
    ):
        yield gateway


@pytest.fixture
async def staffing(sms_gateway: SmsGateway) -> AsyncIterator[Staffing]:
    """Staff browsers on the SMS gateway, each with its own cookies."""
    staffing = Staffing(sms_gateway.client)
    try:
        yield staffing
    finally:
        await staffing.close()


@dataclass
class Blinking:
    gateway: SmsGateway
    link: RedisLink


@pytest.fixture
async def blinking_gateway(
    aiohttp_client: ClientFactory, settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> AsyncIterator[Blinking]:
    """As ``sms_gateway``, on the real Redis through a link the test can take down (the embedded
    server runs in the gateway's own process: nothing comes between them). Reconciliation runs
    every 0.2 s."""
    assert settings.redis_url is not None, "only on the real Redis"
    async with RedisLink(settings.redis_url).running() as link:
        quick = replace(settings, redis_url=link.url, routing_reconcile_every=0.2)
        async for gateway in running_sms_gateway(
            aiohttp_client, quick, store, nlp_model.analyze, 10.0
        ):
            yield Blinking(gateway, link)
            link.up()
