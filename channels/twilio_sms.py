"""Twilio Programmable Messaging as a channel: webhooks in, REST out.

The gateway builds one :class:`TwilioSmsWebhooks` (adding its :meth:`~TwilioSmsWebhooks.routes`
to the app) and one :class:`~channels.twilio_send.TwilioSmsSender`; both are configured by a
:class:`~channels.twilio_settings.TwilioSmsSettings`. The adapter knows nothing of cases,
routing or metrics: it is handed ``on_inbound``, ``on_status`` and ``on_rejected``.

A webhook is acknowledged (2xx) only once its callback returned, that is once the message or
status is committed; if the callback raises, Twilio gets a 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Literal

from aiohttp import web
from multidict import MultiDictProxy
from twilio.twiml.messaging_response import MessagingResponse

from channels.message import Channel, InboundMessage, OnInbound, SendError, SendResult
from channels.phone import mask_phone, normalize_phone
from channels.sms_keywords import KEYWORDS, Keyword, keyword
from channels.twilio_send import REFERENCE_PARAM, TwilioSmsSender
from channels.twilio_settings import TwilioSmsSettings
from channels.twilio_signature import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    FormError,
    SignatureFailure,
    SignatureVerifier,
    parse_form,
    sign,
    webhook_url,
)
from channels.twilio_status import DELIVERY_ORDER, FINAL_STATUSES, is_forward

__all__ = [
    "DELIVERY_ORDER",
    "FINAL_STATUSES",
    "IDEMPOTENCY_HEADER",
    "KEYWORDS",
    "MAX_BODY_CHARS",
    "MAX_FIELD_CHARS",
    "MAX_MEDIA",
    "InboundError",
    "Keyword",
    "OnRejected",
    "OnStatus",
    "RejectReason",
    "SendError",
    "SendResult",
    "TwilioSmsSender",
    "TwilioSmsSettings",
    "TwilioSmsWebhooks",
    "is_forward",
    "keyword",
    "parse_inbound",
    "parse_status",
    "sign",
]

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 1600
"""Twilio's limit for one message body; longer bodies are kept truncated, never refused."""

MAX_MEDIA = 10
"""Twilio's limit of media per MMS; any beyond it are dropped (and counted in ``meta``)."""

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"

MAX_FIELD_CHARS = 254
"""The longest id or address taken. Twilio's are far shorter (a MessageSid has 34 characters, an
E.164 number at most 16); a longer one is refused, not stored."""

FieldProblem = Literal["missing_field", "invalid_field"]
RejectReason = Literal[SignatureFailure, "undecodable_form", FieldProblem]
"""Why a webhook was refused (403 for the signature failures, 400 for the rest).

A fixed set, so the gateway can use it as a metrics label. ``missing_field`` and
``invalid_field`` come after a valid signature: Twilio sent something we could not take, which
deserves an alert.
"""

OnStatus = Callable[[str, str, str | None, str | None], Awaitable[None]]
"""``on_status(provider_id, status, error_code, reference)``: returns once the status is
recorded. ``reference`` is our own message id from the callback URL, when it carries one."""

OnRejected = Callable[[RejectReason], None]
"""Called for every refused webhook, before the 4xx answer goes out; must not block."""

_PASSTHROUGH_META = (
    "AccountSid",
    "MessagingServiceSid",
    "NumSegments",
    "NumMedia",
    "OptOutType",
    "FromCountry",
    "FromState",
    "FromCity",
    "FromZip",
)
_MEDIA_URL = re.compile(r"MediaUrl([0-9]+)")
# Characters XML 1.0 cannot carry; one in a reply would make Twilio reject the whole TwiML.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class InboundError(ValueError):
    """A webhook that is authentic but cannot become a message; ``str()`` says why."""

    def __init__(self, message: str, reason: FieldProblem = "missing_field") -> None:
        super().__init__(message)
        self.reason: FieldProblem = reason


def _refuse_overlong(fields: dict[str, str]) -> None:
    too_long = [name for name, value in fields.items() if len(value) > MAX_FIELD_CHARS]
    if too_long:
        raise InboundError(
            f"field(s) longer than {MAX_FIELD_CHARS} characters: {', '.join(too_long)}",
            "invalid_field",
        )


def parse_inbound(
    form: MultiDictProxy[str],
    *,
    default_region: str | None = None,
    idempotency_token: str | None = None,
) -> InboundMessage:
    """Turn an incoming-message webhook's form into our message type.

    Media: the first :data:`MAX_MEDIA` ``MediaUrlN`` present, in index order, whatever
    ``NumMedia`` claims; refusing the webhook instead would also lose the text. ``meta`` keeps
    Twilio's own fields under their Twilio names (``MessagingServiceSid``, ``NumSegments``,
    ``NumMedia``, ``OptOutType``, ``From*`` geography, ...) and adds ``idempotency_token``,
    ``body_truncated``/``body_length``, ``media_content_types`` (comma-separated, in
    ``media_urls`` order) and ``media_dropped`` where they apply.
    """
    fields = {name: (form.get(name) or "").strip() for name in ("MessageSid", "From", "To")}
    missing = [name for name, value in fields.items() if not value]
    if missing:
        raise InboundError(f"missing required field(s): {', '.join(missing)}")
    _refuse_overlong(fields)

    indexed = sorted(
        (int(match.group(1)), value)
        for key, value in form.items()
        if (match := _MEDIA_URL.fullmatch(key)) and value.strip()
    )
    kept = indexed[:MAX_MEDIA]
    media_urls = tuple(url.strip() for _, url in kept)

    meta = {name: form[name] for name in _PASSTHROUGH_META if form.get(name)}
    if idempotency_token:
        meta["idempotency_token"] = idempotency_token
    if len(indexed) > MAX_MEDIA:
        meta["media_dropped"] = str(len(indexed) - MAX_MEDIA)
    if media_urls:
        meta["media_content_types"] = ",".join(
            form.get(f"MediaContentType{index}", "") for index, _ in kept
        )

    body = form.get("Body")
    if body is None:
        if not media_urls:
            raise InboundError("missing required field: Body (and the message has no media)")
        body = ""
    if len(body) > MAX_BODY_CHARS:
        meta["body_truncated"] = "true"
        meta["body_length"] = str(len(body))
        body = body[:MAX_BODY_CHARS]

    return InboundMessage(
        channel=Channel.SMS,
        provider_id=fields["MessageSid"],
        sender=normalize_phone(fields["From"], default_region),
        recipient=normalize_phone(fields["To"], default_region),
        body=body,
        media_urls=media_urls,
        meta=meta,
    )


def parse_status(form: MultiDictProxy[str]) -> tuple[str, str, str | None]:
    """``(provider_id, status, error_code)`` from a status callback, statuses as Twilio spells them.

    ``SmsStatus`` stands in for ``MessageStatus`` only if the latter is absent.
    """
    sid = (form.get("MessageSid") or "").strip()
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip()
    missing = [
        name for name, value in (("MessageSid", sid), ("MessageStatus", status)) if not value
    ]
    if missing:
        raise InboundError(f"missing required field(s): {', '.join(missing)}")
    error_code = (form.get("ErrorCode") or "").strip()
    _refuse_overlong({"MessageSid": sid, "MessageStatus": status, "ErrorCode": error_code})
    return sid, status, error_code or None


def render_twiml(reply: str | None) -> str:
    """A ``<Response>`` carrying ``reply`` as one ``<Message>``, or empty: Twilio sends nothing."""
    response = MessagingResponse()
    if reply:
        response.message(_XML_INVALID.sub("", reply))
    return str(response.to_xml())


def _ignore_rejection(reason: RejectReason) -> None:
    del reason


class TwilioSmsWebhooks:
    """The two webhooks Twilio calls: incoming messages and delivery status callbacks."""

    def __init__(
        self,
        settings: TwilioSmsSettings,
        *,
        on_inbound: OnInbound,
        on_status: OnStatus,
        on_rejected: OnRejected = _ignore_rejection,
    ) -> None:
        self._settings = settings
        self._on_inbound = on_inbound
        self._on_status = on_status
        self._on_rejected = on_rejected
        self._verifier = SignatureVerifier(settings.auth_token, settings.signing_keys)

    def routes(self) -> list[web.RouteDef]:
        """``POST`` routes at the settings' inbound and status paths."""
        return [
            web.post(self._settings.inbound_path, self.handle_sms),
            web.post(self._settings.status_callback_path, self.handle_status),
        ]

    async def handle_sms(self, request: web.Request) -> web.StreamResponse:
        """Verify, normalise, hand over, and answer with TwiML once the message is committed."""
        form = await self._authentic_form(request)
        if isinstance(form, web.Response):
            return form
        try:
            message = parse_inbound(
                form,
                default_region=self._settings.default_region,
                idempotency_token=request.headers.get(IDEMPOTENCY_HEADER),
            )
        except InboundError as exc:
            return self._reject(request, exc.reason, 400, str(exc))
        try:
            reply = await self._on_inbound(message)
        except Exception:
            # The edge: any failure to commit must reach Twilio as a 5xx, never as a 200.
            log.exception("on_inbound failed for %s; answering 500", message.provider_id)
            return _plain(500, "message not accepted; try again")
        log.info(
            "sms %s from %s accepted%s",
            message.provider_id,
            mask_phone(message.sender),
            " with a reply" if reply else "",
        )
        return web.Response(text=render_twiml(reply), content_type="text/xml", charset="utf-8")

    async def handle_status(self, request: web.Request) -> web.StreamResponse:
        """Verify and hand a delivery status over; 204 once it is recorded."""
        form = await self._authentic_form(request)
        if isinstance(form, web.Response):
            return form
        try:
            sid, status, error_code = parse_status(form)
        except InboundError as exc:
            return self._reject(request, exc.reason, 400, str(exc))
        try:
            await self._on_status(sid, status, error_code, request.query.get(REFERENCE_PARAM))
        except Exception:
            log.exception("on_status failed for %s (%s); answering 500", sid, status)
            return _plain(500, "status not accepted; try again")
        log.debug("status %s for %s (error %s)", status, sid, error_code)
        return web.Response(status=204)

    async def _authentic_form(self, request: web.Request) -> MultiDictProxy[str] | web.Response:
        try:
            form = parse_form(await request.read(), request.content_type)
        except FormError as exc:
            return self._reject(request, "undecodable_form", 400, str(exc))
        failure = self._verifier.check(
            webhook_url(self._settings.public_base_url, request.raw_path),
            form,
            request.headers.get(SIGNATURE_HEADER),
            request.headers.get(SIGNATURE_SETTINGS_HEADER),
        )
        if failure is not None:
            return self._reject(request, failure, 403, "invalid Twilio signature")
        return form

    def _reject(
        self, request: web.Request, reason: RejectReason, status: int, text: str
    ) -> web.Response:
        log.warning("refused Twilio webhook %s: %s (%s)", request.path, reason, status)
        self._on_rejected(reason)
        return _plain(status, text)


def _plain(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text + "\n", content_type="text/plain")
