"""The staff WebSocket: live events for the signed-in person, filtered by role in the hub.

The page may send two frames: ``ping`` (answered ``pong``) and ``{"type": "typing", "case":
"CS-000123"}`` while the person writes a reply, which the customer's chat window shows. The
socket lives only as long as its session: it is closed when the session expires or is signed
out, on whichever replica that happened.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from gateway.api.common import (
    FANOUT,
    chat_of,
    fail,
    guard,
    has_joined,
    settings_of,
    store_of,
)
from gateway.auth import COOKIE, SESSION_ENDED, Staff, staff_for, token_digest
from gateway.background import in_background
from gateway.store import CaseStore
from gateway.store.models import Tier

TYPING_EVERY = 1.0
"""At most one typing signal per second from one socket is looked at; the rest are dropped."""


@guard(Tier.REP)
async def staff_socket(request: web.Request, staff: Staff) -> web.WebSocketResponse:
    """Authenticated by the session cookie. A handshake from another site's page is refused:
    browsers send cookies on WebSocket handshakes whatever the page's origin."""
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        fail(403, "cross-site WebSocket refused")
    socket = web.WebSocketResponse(heartbeat=30)
    await socket.prepare(request)
    hub = request.app[FANOUT].hub
    token = request.cookies.get(COOKIE, "")
    listener = hub.add(staff, socket, token_digest(token))
    watch = _close_when_session_ends(
        socket, store_of(request), token, settings_of(request).staff_socket_recheck
    )
    typing = _Typing(request, staff)
    try:
        async with in_background(watch):
            await socket.send_json(
                {
                    "type": "hello",
                    "agent": {"id": staff.agent_id, "username": staff.username, "tier": staff.tier},
                }
            )
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    continue
                if message.data == "ping":
                    await socket.send_str("pong")
                    continue
                error = await typing.handle(message.data)
                if error is not None:
                    await socket.send_json({"type": "error", "error": error})
    finally:
        hub.remove(listener)
    return socket


async def _close_when_session_ends(
    socket: web.WebSocketResponse, store: CaseStore, token: str, every: float
) -> None:
    while not socket.closed:
        await asyncio.sleep(every)
        if await staff_for(store, token) is None:
            await socket.close(code=SESSION_ENDED, message=b"session ended; sign in again")
            return


class _Typing:
    """Typing signals from one socket: only on a case the person may reply to, and throttled."""

    def __init__(self, request: web.Request, staff: Staff) -> None:
        self.request = request
        self.staff = staff
        self.last_sent = 0.0

    async def handle(self, raw: str) -> str | None:
        """Passes a typing frame on; returns what was wrong with any other frame."""
        frame = _json_object(raw)
        number = frame.get("case") if frame is not None else None
        if frame is None or frame.get("type") != "typing" or not isinstance(number, str):
            return 'expected "ping" or {"type": "typing", "case": "CS-000123"}'
        now = time.monotonic()
        if now - self.last_sent < TYPING_EVERY:
            return None
        self.last_sent = now
        if not await self._may_reply(number):
            return f"you are not working on {number}"
        await chat_of(self.request).typing_to_customer(number, self.staff.display_name)
        return None

    async def _may_reply(self, number: str) -> bool:
        async with store_of(self.request).transaction() as tx:
            case = await tx.case_by_number(number)
            if case is None:
                return False
            return case.assigned_agent_id == self.staff.agent_id or await has_joined(
                tx, case, self.staff
            )


def _json_object(raw: str) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def routes() -> list[web.RouteDef]:
    return [web.get("/api/ws", staff_socket)]
