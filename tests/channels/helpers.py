"""Plain helpers for channel tests: the gateway's side of an adapter, and test settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestClient

from channels.message import InboundMessage
from channels.twilio_settings import TwilioSmsSettings
from channels.twilio_sms import RejectReason
from tests.support.twilio_api import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN

PUBLIC_BASE_URL = "https://gw.example.org"
OUR_NUMBER = "+15415550100"


@dataclass
class Recorder:
    """The gateway's side of the adapter, reduced to lists; ``reply``/``fail`` steer it."""

    inbound: list[InboundMessage] = field(default_factory=list)
    statuses: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    rejected: list[RejectReason] = field(default_factory=list)
    reply: str | None = None
    fail: Exception | None = None

    async def on_inbound(self, message: InboundMessage) -> str | None:
        if self.fail is not None:
            raise self.fail
        self.inbound.append(message)
        return self.reply

    async def on_status(
        self, provider_id: str, status: str, error_code: str | None, reference: str | None
    ) -> None:
        if self.fail is not None:
            raise self.fail
        self.statuses.append((provider_id, status, error_code, reference))

    def on_rejected(self, reason: RejectReason) -> None:
        self.rejected.append(reason)


def make_settings(**overrides: object) -> TwilioSmsSettings:
    values: dict[str, object] = {
        "account_sid": TEST_ACCOUNT_SID,
        "auth_token": TEST_AUTH_TOKEN,
        "public_base_url": PUBLIC_BASE_URL,
        "from_number": OUR_NUMBER,
    }
    values.update(overrides)
    return TwilioSmsSettings(**values)  # type: ignore[arg-type]


SmsClientFactory = Callable[
    [TwilioSmsSettings], Awaitable[TestClient[web.Request, web.Application]]
]
"""What ``sms_client_for`` gives: a test client for webhooks configured by these settings."""
