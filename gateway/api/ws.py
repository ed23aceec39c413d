"""The staff WebSocket: live events for the signed-in person, filtered by role in the hub."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from gateway.api.common import FANOUT, fail, guard
from gateway.auth import Staff
from gateway.store.models import Tier


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
    listener = hub.add(staff, socket)
    try:
        await socket.send_json(
            {
                "type": "hello",
                "agent": {"id": staff.agent_id, "username": staff.username, "tier": staff.tier},
            }
        )
        async for message in socket:
            if message.type is WSMsgType.TEXT and message.data == "ping":
                await socket.send_str("pong")
    finally:
        hub.remove(listener)
    return socket


def routes() -> list[web.RouteDef]:
    return [web.get("/api/ws", staff_socket)]
