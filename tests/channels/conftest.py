"""Fixtures for channel adapter tests: real servers on loopback, recording callbacks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from channels.twilio_send import TwilioSmsSender
from channels.twilio_settings import TwilioSmsSettings
from channels.twilio_sms import TwilioSmsWebhooks
from tests.channels.helpers import Recorder, SmsClientFactory, make_settings
from tests.support.twilio_api import (
    TEST_ACCOUNT_SID,
    TEST_AUTH_TOKEN,
    TwilioApiStandIn,
    running_twilio_api,
)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def sms_settings() -> TwilioSmsSettings:
    return make_settings()


@pytest.fixture
def sms_client_for(
    aiohttp_client: Callable[
        [web.Application], Awaitable[TestClient[web.Request, web.Application]]
    ],
    recorder: Recorder,
) -> SmsClientFactory:
    """A test client for an app serving only the SMS webhooks, configured as given."""

    async def make(settings: TwilioSmsSettings) -> TestClient[web.Request, web.Application]:
        webhooks = TwilioSmsWebhooks(
            settings,
            on_inbound=recorder.on_inbound,
            on_status=recorder.on_status,
            on_rejected=recorder.on_rejected,
        )
        app = web.Application()
        app.add_routes(webhooks.routes())
        return await aiohttp_client(app)

    return make


@pytest.fixture
async def sms_client(
    sms_client_for: SmsClientFactory, sms_settings: TwilioSmsSettings
) -> TestClient[web.Request, web.Application]:
    return await sms_client_for(sms_settings)


@pytest.fixture
async def twilio_api() -> AsyncIterator[TwilioApiStandIn]:
    """Twilio's Messages API, served on a free loopback port for one test."""
    async with running_twilio_api(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN) as api:
        yield api


@pytest.fixture
async def sms_sender(twilio_api: TwilioApiStandIn) -> AsyncIterator[TwilioSmsSender]:
    """A sender pointed at :func:`twilio_api`, closed after the test."""
    sender = TwilioSmsSender(make_settings(api_base=twilio_api.base_url, send_timeout=2.0))
    yield sender
    await sender.aclose()
