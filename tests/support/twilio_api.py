"""A stand-in for Twilio's Messages REST API, served for real on a loopback port.

The adapter is tested through twilio's own client and HTTP stack, so the stand-in speaks the
wire protocol: form-encoded ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with
basic auth, answered with JSON shaped like Twilio's Message resource or like its errors.
Switches make the next requests fail or stall, to exercise retry classification.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import BasicAuth, hdrs, web
from multidict import CIMultiDict, MultiDict

TEST_ACCOUNT_SID = "AC7f3c9e2b41d6a8e0c5b1f4d2a9e8c7b6"
TEST_AUTH_TOKEN = "3e1c0a9f7b5d4e2c8a6f1b0d9e7c5a3b"
API_VERSION = "2010-04-01"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in received it, whatever it answered."""

    method: str
    path: str
    account_sid: str
    form: MultiDict[str]
    headers: CIMultiDict[str]
    authorized: bool


@dataclass
class _Fault:
    status: int
    code: int | None
    message: str
    problem_details: bool


class TwilioApiStandIn:
    """Twilio's Messages API for one account. Use :func:`running_twilio_api` to serve it."""

    def __init__(self, account_sid: str = TEST_ACCOUNT_SID, auth_token: str = TEST_AUTH_TOKEN):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[RecordedRequest] = []
        self.created: dict[str, dict[str, Any]] = {}
        self._faults: deque[_Fault] = deque()
        self._delays: deque[float] = deque()
        self._runner: web.AppRunner | None = None
        self._arrivals: asyncio.Queue[RecordedRequest] = asyncio.Queue()
        self._creations: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._answers: asyncio.Queue[int] = asyncio.Queue()
        self.base_url = ""

    async def next_request(self) -> RecordedRequest:
        """The next request not yet waited for, as soon as it arrives (at most ten seconds)."""
        async with asyncio.timeout(10):
            return await self._arrivals.get()

    async def next_created(self) -> dict[str, Any]:
        """The next message created, as Twilio answered it (at most ten seconds)."""
        async with asyncio.timeout(10):
            return await self._creations.get()

    async def next_answer(self) -> int:
        """The HTTP status of the next answer given, even to a client that stopped waiting."""
        async with asyncio.timeout(10):
            return await self._answers.get()

    # -- switches --------------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        code: int | None = None,
        message: str = "Internal Server Error",
        problem_details: bool = False,
    ) -> None:
        """Answer the next ``count`` requests with this error instead of creating a message.

        ``problem_details`` answers in the RFC 9457 shape some Twilio APIs use, rather than the
        classic ``{"code", "message", "more_info", "status"}``.
        """
        for _ in range(count):
            self._faults.append(_Fault(status, code, message, problem_details))

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """Stall the next ``count`` requests this long before answering."""
        self._delays.extend([seconds] * count)

    # -- serving ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(
            f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json", self._answer_create
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _answer_create(self, request: web.Request) -> web.Response:
        response = await self._create_message(request)
        self._answers.put_nowait(response.status)
        return response

    async def _create_message(self, request: web.Request) -> web.Response:
        account_sid = request.match_info["account_sid"]
        form = MultiDict(await request.post())
        authorized = self._authorized(request, account_sid)
        recorded = RecordedRequest(
            request.method,
            request.path,
            account_sid,
            MultiDict((k, str(v)) for k, v in form.items()),
            CIMultiDict(request.headers),
            authorized,
        )
        self.requests.append(recorded)
        self._arrivals.put_nowait(recorded)
        if self._delays:
            await asyncio.sleep(self._delays.popleft())
        if not authorized:
            return _error(401, 20003, "Authentication Error - invalid username")
        if self._faults:
            fault = self._faults.popleft()
            if fault.problem_details:
                return _problem(fault.status, fault.code or fault.status, fault.message)
            return _error(fault.status, fault.code or fault.status, fault.message)
        if not form.get("To"):
            return _error(400, 21604, "A 'To' phone number is required.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return _error(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body") and not form.get("MediaUrl"):
            return _error(400, 21602, "Message body is required.")
        payload = self._message(account_sid, form)
        self.created[payload["sid"]] = payload
        self._creations.put_nowait(payload)
        return web.json_response(payload, status=201)

    def _authorized(self, request: web.Request, account_sid: str) -> bool:
        try:
            auth = BasicAuth.decode(request.headers.get(hdrs.AUTHORIZATION, ""))
        except ValueError:
            return False
        return (
            auth.login == self.account_sid
            and auth.password == self.auth_token
            and account_sid == self.account_sid
        )

    def _message(self, account_sid: str, form: MultiDict[Any]) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC), usegmt=True)
        body = str(form.get("Body", ""))
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"
        return {
            "account_sid": account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": str(len(form.getall("MediaUrl", []))),
            "num_segments": str(max(1, -(-len(body) // 153))),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": form.get("To"),
            "uri": uri,
        }


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


def _problem(status: int, code: int, title: str) -> web.Response:
    return web.json_response(
        {
            "type": f"https://www.twilio.com/docs/errors/{code}",
            "title": title,
            "status": status,
            "code": code,
            "detail": title,
        },
        status=status,
        content_type="application/problem+json",
    )


@asynccontextmanager
async def running_twilio_api(
    account_sid: str = TEST_ACCOUNT_SID, auth_token: str = TEST_AUTH_TOKEN
) -> AsyncIterator[TwilioApiStandIn]:
    """Serve a fresh stand-in on a free loopback port for the duration of the block."""
    api = TwilioApiStandIn(account_sid, auth_token)
    await api.start()
    try:
        yield api
    finally:
        await api.close()
