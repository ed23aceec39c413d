"""The provider-neutral message types every channel adapter produces and consumes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"
    CHAT = "chat"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message from a customer, as the channel received it.

    ``provider_id`` is the provider's own id (``MessageSid``, ``CallSid``, ``Message-ID``, a chat
    message uuid): the store keeps ``(channel, provider_id)`` unique so a retried delivery is
    harmless.
    """

    channel: Channel
    provider_id: str
    sender: str
    recipient: str
    body: str
    media_urls: tuple[str, ...] = ()
    subject: str | None = None
    thread_refs: tuple[str, ...] = ()
    received_at: datetime = field(default_factory=_now)
    meta: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message to a customer.

    ``idempotency_key`` is our own message id: an adapter passes it to the provider where the
    provider supports it, and the store refuses to send a message that already has a provider id.
    """

    channel: Channel
    recipient: str
    body: str
    idempotency_key: str
    sender: str | None = None
    subject: str | None = None
    thread_refs: tuple[str, ...] = ()
    status_callback: str | None = None


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the provider said when it took a message: its id and first delivery status."""

    provider_id: str
    status: str


class SendError(Exception):
    """The provider did not take the message.

    ``retryable`` says whether trying again later can help (provider down, rate limited, timed
    out) or not (invalid address, recipient opted out: ``opted_out``). ``outcome_unknown`` says
    the provider may have taken it all the same (the request timed out): its own report, which
    names our ``idempotency_key``, should be waited for before sending again. ``code`` is the
    provider's error code, ``http_status`` its HTTP status. ``str()`` is safe to log; ``detail``
    is the provider's own text, which may quote the address, so it is never logged above DEBUG.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        code: int | None = None,
        http_status: int | None = None,
        detail: str | None = None,
        opted_out: bool = False,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.outcome_unknown = outcome_unknown
        self.code = code
        self.http_status = http_status
        self.detail = detail
        self.opted_out = opted_out


OnInbound = Callable[[InboundMessage], Awaitable[str | None]]
"""What a channel calls for each inbound message, once it is verified and normalised.

It returns when the message is committed to the store (a channel acknowledges the provider only
then). The result is the text to answer within the same exchange where the protocol allows it
(TwiML for Twilio SMS), or ``None`` to answer nothing now and reply later through ``send``.
"""
