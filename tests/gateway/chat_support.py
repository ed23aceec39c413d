"""A gateway serving the web chat, and customers who chat with it through real WebSockets."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from gateway.app import OUTBOUND
from gateway.casework import Reply, reply_to_customer
from gateway.store import CaseStore
from gateway.store.models import Agent, Case, ContactIdentity, Direction, Message

ORIGIN = "http://127.0.0.1:8080"
"""The origin of the default PUBLIC_BASE_URL, so the default allow-list."""
WAIT = 15.0
"""Generous: a frame normally arrives in milliseconds, but the first analysis may be slower."""


@dataclass
class ChatCustomer:
    """One browser tab: a socket, the token it was given, and the frames it has seen."""

    ws: aiohttp.ClientWebSocketResponse
    session: str
    token: str
    seen: list[dict[str, Any]] = field(default_factory=list)

    @property
    def last_seen(self) -> int | None:
        ids = [f["id"] for f in self.seen if f["type"] == "message"]
        return max(ids) if ids else None

    async def frame(self) -> dict[str, Any]:
        """The next frame other than a typing indicator."""
        while True:
            frame: dict[str, Any] = await self.ws.receive_json(timeout=WAIT)
            if frame["type"] != "typing":
                self.seen.append(frame)
                return frame

    async def typing(self) -> dict[str, Any]:
        """The next typing indicator; frames before it are kept in ``seen``."""
        while True:
            frame: dict[str, Any] = await self.ws.receive_json(timeout=WAIT)
            if frame["type"] == "typing":
                return frame
            self.seen.append(frame)

    async def start_typing(self) -> None:
        await self.ws.send_json({"type": "typing"})

    async def message(self) -> dict[str, Any]:
        frame = await self.frame()
        assert frame["type"] == "message", frame
        return frame

    async def send(self, client_id: str, text: str) -> dict[str, Any]:
        """Send a message under an id of our choosing and return its echo; the gateway's answers
        shown meanwhile are kept in ``seen``."""
        await self.ws.send_str(json.dumps({"type": "message", "id": client_id, "text": text}))
        while True:
            frame = await self.message()
            if frame["direction"] == "inbound" and frame.get("client_id") == client_id:
                return frame

    async def say(self, text: str, *, replies: int = 1) -> list[str]:
        """Send a message; wait for its echo and ``replies`` outbound messages, in any order."""
        client_id = str(uuid.uuid4())
        await self.ws.send_str(json.dumps({"type": "message", "id": client_id, "text": text}))
        echoed, answers = False, []
        while not echoed or len(answers) < replies:
            frame = await self.message()
            if frame.get("client_id") == client_id:
                assert frame["direction"] == "inbound" and frame["author"] == "you"
                assert frame["text"] == text
                echoed = True
            else:
                assert frame["direction"] == "outbound", frame
                answers.append(frame["text"])
        return answers

    async def close(self) -> None:
        await self.ws.close()


async def say_hello(
    client: TestClient[Any, Any],
    *,
    token: str | None = None,
    last_seen: int | None = None,
    origin: str = ORIGIN,
    forwarded_for: str | None = None,
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """A socket that said hello, and the server's first answer. ``forwarded_for`` is the
    X-Forwarded-For a proxy would add; the gateway believes it only from a trusted proxy."""
    headers = {"Origin": origin}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    ws = await client.ws_connect("/chat/ws", headers=headers)
    await ws.send_json({"type": "hello", "token": token, "last_seen": last_seen})
    return ws, await ws.receive_json(timeout=WAIT)


async def open_chat(
    client: TestClient[Any, Any],
    *,
    token: str | None = None,
    last_seen: int | None = None,
    origin: str = ORIGIN,
    forwarded_for: str | None = None,
) -> ChatCustomer:
    ws, welcome = await say_hello(
        client, token=token, last_seen=last_seen, origin=origin, forwarded_for=forwarded_for
    )
    assert welcome["type"] == "welcome", welcome
    return ChatCustomer(ws, welcome["session"], welcome["token"])


async def agent_reply(
    app: web.Application, store: CaseStore, case_number: str, username: str, body: str
) -> Reply:
    """What the desk does when a representative answers, through the given replica."""
    async with store.transaction() as tx:
        agent_id = await tx.session.scalar(select(Agent.id).where(Agent.username == username))
    assert agent_id is not None, username
    return await reply_to_customer(
        store, app[OUTBOUND], case_number=case_number, agent_id=agent_id, body=body
    )


async def case_of(store: CaseStore, number: str) -> Case:
    async with store.transaction() as tx:
        case = await tx.case_by_number(number)
    assert case is not None, number
    return case


async def earlier_traffic(store: CaseStore, messages: int = 1000) -> None:
    """Messages from before the test, so new ones get ids of four digits, as in a live store:
    ``chat-<id>`` then fits the client id format an attacker would have to use."""
    async with store.transaction() as tx:
        identity = ContactIdentity(channel="sms", address="+12175550999")
        tx.session.add(identity)
        await tx.session.flush()
        tx.session.add_all(
            Message(
                identity_id=identity.id,
                direction=Direction.INBOUND,
                channel="sms",
                provider_id=f"SM{n:032d}",
                body="earlier",
            )
            for n in range(messages)
        )
