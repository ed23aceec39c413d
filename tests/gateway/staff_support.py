"""Staff members using the API over real HTTP, each with their own cookie jar and CSRF token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientWebSocketResponse, CookieJar
from aiohttp.test_utils import TestClient

from gateway.auth import CSRF_HEADER
from gateway.demo import DEMO_AGENTS

PASSWORDS = {agent.username: agent.password for agent in DEMO_AGENTS}


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None


@dataclass
class StaffMember:
    """One browser: its own cookies; writes carry the CSRF token it was given at sign-in."""

    client: TestClient[Any, Any]
    http: ClientSession
    csrf: str | None = None
    agent: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))

    async def request(
        self, method: str, path: str, json: Any = None, *, csrf: bool = True
    ) -> Answer:
        headers = {CSRF_HEADER: self.csrf} if csrf and self.csrf else {}
        async with self.http.request(method, self.url(path), json=json, headers=headers) as r:
            body = await r.json() if r.content_type == "application/json" else await r.text()
            return Answer(r.status, body, r.headers)

    async def get(self, path: str) -> Answer:
        return await self.request("GET", path)

    async def post(self, path: str, json: Any = None) -> Answer:
        return await self.request("POST", path, json)

    async def put(self, path: str, json: Any = None) -> Answer:
        return await self.request("PUT", path, json)

    async def sign_in(self, username: str, password: str | None = None) -> Answer:
        answer = await self.post(
            "/api/session", {"username": username, "password": password or PASSWORDS[username]}
        )
        if answer.status == 201:
            self.csrf = answer.body["csrf_token"]
            self.agent = answer.body["agent"]
        return answer

    async def available(self) -> None:
        answer = await self.put("/api/me/presence", {"presence": "available"})
        assert answer.status == 200, answer

    @asynccontextmanager
    async def live(self) -> AsyncIterator[LiveFeed]:
        socket = await self.http.ws_connect(self.url("/api/ws"))
        feed = LiveFeed(socket)
        try:
            hello = await feed.next()
            assert hello["type"] == "hello"
            yield feed
        finally:
            await socket.close()


@dataclass
class LiveFeed:
    socket: ClientWebSocketResponse
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def next(self, wait: float = 5.0) -> dict[str, Any]:
        frame: dict[str, Any] = await self.socket.receive_json(timeout=wait)
        self.seen.append(frame)
        return frame

    async def until(
        self, matches: Callable[[dict[str, Any]], bool], wait: float = 5.0
    ) -> dict[str, Any]:
        """The first event that matches, waiting at most ``wait`` seconds for it."""
        async with asyncio.timeout(wait):
            while True:
                frame = await self.next(wait)
                if matches(frame):
                    return frame

    async def nothing_more(self, wait: float = 0.5) -> list[dict[str, Any]]:
        """Frames that arrive within ``wait``; used to show that an event was not sent."""
        frames = []
        try:
            while True:
                frames.append(await self.next(wait))
        except TimeoutError:
            return frames


class Staffing:
    """Opens a browser per staff member on one gateway and closes them all at the end."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self._sessions: list[ClientSession] = []

    def browser(self) -> StaffMember:
        http = ClientSession(cookie_jar=CookieJar(unsafe=True))
        self._sessions.append(http)
        return StaffMember(self.client, http)

    async def signed_in(self, username: str, *, available: bool = False) -> StaffMember:
        member = self.browser()
        answer = await member.sign_in(username)
        assert answer.status == 201, answer
        if available:
            await member.available()
        return member

    async def close(self) -> None:
        for http in self._sessions:
            await http.close()
