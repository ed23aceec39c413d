"""Sending SMS through Twilio's REST API with twilio's own async client.

Twilio's Message create has no idempotency key, so a request that timed out may still have
been sent. The status callback URL therefore carries ``OutboundMessage.idempotency_key``
(``?ref=``): Twilio's first report on such a message names our own message, and the gateway
waits for it (``SendError.outcome_unknown``) before it sends again.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any
from urllib.parse import urlencode

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from channels.message import Channel, OutboundMessage, SendError, SendResult
from channels.phone import mask_phone, normalize_phone
from channels.twilio_settings import TwilioSmsSettings

log = logging.getLogger(__name__)

MAX_SEND_BODY_CHARS = 1600
REFERENCE_PARAM = "ref"
"""The status callback's query parameter that carries our own message id."""
OPTED_OUT_CODE = 21610
"""Twilio's error for a recipient who replied STOP: retrying cannot help until they reply START."""


class _HeaderAuthHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # twilio has no types
    """twilio's async HTTP client, sending the credentials as an ``Authorization`` header.

    ``AsyncTwilioHttpClient`` builds an ``aiohttp.BasicAuth``, deprecated since aiohttp 3.14
    (twilio/twilio-python#931, unfixed in twilio 9.13); the header it produces is the same.
    Subclassing the HTTP client is the customisation twilio documents.
    """

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109  (twilio's signature; send() bounds it)
        allow_redirects: bool = False,
    ) -> Any:
        headers = dict(headers or {})
        if auth is not None:
            credentials = f"{auth[0]}:{auth[1]}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
        return await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=None,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


class TwilioSmsSender:
    """Sends ``OutboundMessage``s; open it anywhere, ``aclose()`` it on shutdown.

    The HTTP session is created on the first send, inside the running event loop, so the
    sender can be built in a synchronous app factory.
    """

    def __init__(self, settings: TwilioSmsSettings) -> None:
        self._settings = settings
        self._http: Any = None
        self._client: Any = None
        self._closed = False

    async def send(self, msg: OutboundMessage) -> SendResult:
        """Create the message at Twilio; :class:`SendError` when Twilio did not take it."""
        if msg.channel is not Channel.SMS:
            raise ValueError(f"TwilioSmsSender sends SMS, not {msg.channel}")
        settings = self._settings
        sender = msg.sender or settings.from_number
        if sender is None and settings.messaging_service_sid is None:
            raise SendError("no sender: set from_number or messaging_service_sid", retryable=False)
        if len(msg.body) > MAX_SEND_BODY_CHARS:
            raise SendError(
                f"body is {len(msg.body)} characters, Twilio takes {MAX_SEND_BODY_CHARS}",
                retryable=False,
            )
        to = normalize_phone(msg.recipient, settings.default_region)
        kwargs: dict[str, str] = {
            "to": to,
            "body": msg.body,
            "status_callback": _with_reference(
                msg.status_callback or settings.status_callback_url, msg.idempotency_key
            ),
        }
        if sender is not None:
            kwargs["from_"] = normalize_phone(sender, settings.default_region)
        if settings.messaging_service_sid is not None:
            kwargs["messaging_service_sid"] = settings.messaging_service_sid
        messages = self._rest_client().api.v2010.account.messages
        cause: Exception | None = None
        try:
            async with asyncio.timeout(settings.send_timeout):
                created = await messages.create_async(**kwargs)
        except (TwilioRestException, TwilioServiceException) as exc:
            cause, error = exc, _rest_error(exc)
        except TimeoutError as exc:
            cause = exc
            error = SendError(
                "Twilio did not answer in time (outcome unknown)",
                retryable=True,
                outcome_unknown=True,
            )
        except (aiohttp.ClientError, OSError) as exc:
            cause = exc
            error = SendError(f"cannot reach Twilio: {type(exc).__name__}", retryable=True)
        except ValueError as exc:
            # A 2xx whose body is not JSON: Twilio may well have taken the message.
            cause = exc
            error = SendError("unreadable answer from Twilio", retryable=False)
        else:
            sid, status = created.sid, created.status
            if sid:
                log.info("sms %s to %s: %s", sid, mask_phone(to), status)
                return SendResult(provider_id=str(sid), status=str(status or "queued"))
            error = SendError("Twilio answered without a message sid", retryable=False)
        log.warning(
            "sms %s to %s not sent: %s (retryable: %s)",
            msg.idempotency_key,
            mask_phone(to),
            error,
            error.retryable,
        )
        log.debug("Twilio's detail for %s: %s", msg.idempotency_key, error.detail)
        raise error from cause

    async def aclose(self) -> None:
        """Close the HTTP session; sending afterwards is an error."""
        self._closed = True
        http, self._http, self._client = self._http, None, None
        if http is not None:
            await http.close()

    def _rest_client(self) -> Any:
        if self._closed:
            raise RuntimeError("TwilioSmsSender is closed")
        if self._client is None:
            settings = self._settings
            http = _HeaderAuthHttpClient()
            self._client = Client(
                settings.account_sid,
                settings.auth_token,
                http_client=http,
                # Only main() reads the process environment; without a mapping of its own the
                # client would pick up TWILIO_EDGE/TWILIO_REGION and rewrite the API host.
                environment={"TWILIO_ACCOUNT_SID": settings.account_sid},
                user_agent_extensions=["utility-gateway"],
            )
            if settings.api_base is not None:
                # The Api domain's base_url is where every api.twilio.com URL is built from.
                self._client.api.base_url = settings.api_base
            self._http = http
        return self._client


def _with_reference(url: str, reference: str) -> str:
    """The status callback URL naming our message: Twilio signs it whole, query included."""
    return url + ("&" if "?" in url else "?") + urlencode({REFERENCE_PARAM: reference})


def _rest_error(exc: TwilioRestException | TwilioServiceException) -> SendError:
    http_status = int(exc.status)
    code = _int_or_none(exc.code)
    detail = exc.detail or exc.title if isinstance(exc, TwilioServiceException) else exc.msg
    return SendError(
        f"Twilio refused the message (HTTP {http_status}, code {code})",
        retryable=http_status >= 500 or http_status == 429,
        code=code,
        http_status=http_status,
        detail=str(detail) if detail else None,
        opted_out=code == OPTED_OUT_CODE,
    )


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
