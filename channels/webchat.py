"""The customer web chat as a channel: a WebSocket at ``GET /chat/ws``, JSON frames both ways.

The adapter checks the page's ``Origin``, signs and checks session tokens, limits message size,
limits new sessions and messages per session, per network address and overall
(:mod:`channels.webchat_limits`), and turns a customer's message into an
:class:`~channels.message.InboundMessage` for the injected ``on_inbound``. It keeps a registry of
this process's open sockets per session; whoever holds a frame for a session (a reply, an echo,
a typing indicator) hands it to :meth:`ChatSockets.deliver_local`. On every (re)connect it
replays what the injected ``history`` returns after the last message the page saw, so a network
drop loses nothing.

It knows nothing of cases, stores or other replicas: the gateway wires those in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import WSCloseCode, WSMsgType, web

from channels.message import Channel, InboundMessage
from channels.webchat_frames import (
    MAX_FRAME_BYTES,
    MAX_TEXT_CHARS,
    ChatText,
    FrameError,
    Hello,
    MessageFrame,
    ServerFrame,
    Typing,
    encode,
    error,
    parse_client_frame,
    welcome,
)
from channels.webchat_limits import Admission, ChatLimits, Refusal, address_key
from channels.webchat_tokens import ChatSession, TokenSigner

__all__ = [
    "BUSY",
    "MAX_TEXT_CHARS",
    "RECIPIENT",
    "ChatSockets",
    "History",
    "OnChatInbound",
    "OnRefused",
    "OnTyping",
    "WebChat",
    "WebChatSettings",
    "client_id_of",
    "message_key",
    "normalise_origin",
]

log = logging.getLogger(__name__)

RECIPIENT = "webchat"
"""The ``recipient`` of every chat message: there is one chat, the utility's."""

OnChatInbound = Callable[[InboundMessage], Awaitable[None]]
"""Returns once the message is committed; the echo to the page then comes through
:meth:`ChatSockets.deliver_local` like any other frame. Raising tells the page "not accepted"."""

History = Callable[[str, int | None], Awaitable[Sequence[MessageFrame]]]
"""``history(session_id, after_id)``: the session's message frames after ``after_id`` (all of
them for ``None``), oldest first."""

OnTyping = Callable[[str], Awaitable[None]]
"""``on_typing(session_id)``: the customer is typing; called at most every few seconds."""

OnRefused = Callable[[Literal["session", "message"], Refusal], None]
"""``on_refused(what, limit)``: a new session or a message was refused by that limit (a metric)."""

Clock = Callable[[], float]

OUTGOING_LIMIT = 500
"""Frames waiting for one slow socket before it is closed; the page reconnects and replays."""
TYPING_EVERY = 2.0
BUSY = (
    "The chat is very busy right now. Please try again in a few minutes; "
    "if anyone is in danger, call 911."
)
"""Told to a page refused a new session, before the socket is closed."""
_MESSAGE_REFUSED: dict[Refusal, str] = {
    "address": "too many messages from your network right now; please wait a moment",
    "overall": "the chat is very busy right now; please wait a moment",
}


@dataclass(frozen=True, slots=True)
class WebChatSettings:
    """``allowed_origins`` are normalised origins (``https://www.utility.example``)."""

    allowed_origins: frozenset[str]
    path: str = "/chat/ws"
    limits: ChatLimits = field(default_factory=ChatLimits)
    hello_timeout: float = 10.0
    heartbeat: float = 25.0


def normalise_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def message_key(session_id: str, client_id: str) -> str:
    """The provider id a customer's chat message is stored under: the page's id for it, scoped
    to the session. Session ids are unguessable and never hold a ``:``, so no page can name,
    claim or replay a message of another session, nor an id the gateway gives its own replies."""
    return f"{session_id}:{client_id}"


def client_id_of(provider_id: str) -> str:
    """The page's own id for a stored message, as the page knows it."""
    return provider_id.rpartition(":")[2]


class _Connection:
    """One open socket. Frames go out in order through one writer task; message frames are sent
    once each, so a message that arrives live while history is replayed is not shown twice."""

    def __init__(self, ws: web.WebSocketResponse, session_id: str) -> None:
        self.ws = ws
        self.session_id = session_id
        self._outgoing: asyncio.Queue[ServerFrame] = asyncio.Queue()
        self._sent_ids: set[int] = set()
        self._held: list[MessageFrame] | None = []
        self._writer = asyncio.create_task(self._write())
        self._closing: asyncio.Task[bool] | None = None

    def push(self, frame: ServerFrame) -> None:
        if self._closing is not None:
            return  # told to reconnect once; what it missed comes back in the replay
        if frame["type"] == "message":
            if self._held is not None:
                self._held.append(frame)
                return
            if frame["id"] in self._sent_ids:
                return
            self._sent_ids.add(frame["id"])
        if self._outgoing.qsize() >= OUTGOING_LIMIT:
            log.warning("chat socket too slow; closing it so the page reconnects and replays")
            self._writer.cancel()
            self._closing = asyncio.create_task(self.ws.close(code=WSCloseCode.TRY_AGAIN_LATER))
            return
        self._outgoing.put_nowait(frame)

    def replay(self, frames: Iterable[MessageFrame]) -> None:
        """Send the history first, then whatever arrived live meanwhile."""
        held, self._held = self._held or [], None
        for frame in [*frames, *held]:
            self.push(frame)

    async def _write(self) -> None:
        while True:
            frame = await self._outgoing.get()
            if self.ws.closed:
                return
            try:
                await self.ws.send_str(encode(frame))
            except (ConnectionError, RuntimeError):
                return  # the reader sees the close and unregisters this connection

    async def close(self) -> None:
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer


class ChatSockets:
    """This process's open chat sockets, per session. A session may have several (two tabs)."""

    def __init__(self) -> None:
        self._by_session: defaultdict[str, set[_Connection]] = defaultdict(set)

    def add(self, connection: _Connection) -> None:
        self._by_session[connection.session_id].add(connection)

    def remove(self, connection: _Connection) -> None:
        connections = self._by_session.get(connection.session_id)
        if connections is None:
            return
        connections.discard(connection)
        if not connections:
            del self._by_session[connection.session_id]

    def deliver_local(self, session_id: str, frame: ServerFrame) -> int:
        """Queue the frame on every socket of the session open here; returns how many."""
        connections = self._by_session.get(session_id, set())
        for connection in list(connections):
            connection.push(frame)
        return len(connections)

    def count(self, session_id: str | None = None) -> int:
        if session_id is not None:
            return len(self._by_session.get(session_id, ()))
        return sum(len(c) for c in self._by_session.values())

    async def close_all(self) -> None:
        """At shutdown: tell every page to reconnect (to another replica)."""
        for connections in list(self._by_session.values()):
            for connection in list(connections):
                await connection.ws.close(
                    code=WSCloseCode.GOING_AWAY, message=b"server shutting down"
                )


class WebChat:
    """The WebSocket endpoint. The gateway adds :meth:`routes` and injects the callbacks."""

    def __init__(
        self,
        settings: WebChatSettings,
        signer: TokenSigner,
        *,
        on_inbound: OnChatInbound,
        history: History,
        on_typing: OnTyping | None = None,
        on_refused: OnRefused | None = None,
        sockets: ChatSockets | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.sockets = sockets or ChatSockets()
        self._on_inbound = on_inbound
        self._history = history
        self._on_typing = on_typing
        self._on_refused = on_refused
        self._admission = Admission(settings.limits, clock)
        self._clock = clock

    def routes(self) -> list[web.RouteDef]:
        return [web.get(self.settings.path, self.handle)]

    def origin_allowed(self, origin: str | None) -> bool:
        """Browsers always send ``Origin`` on a WebSocket upgrade; a socket without one is not a
        page of ours, so it is refused too."""
        return origin is not None and normalise_origin(origin) in self.settings.allowed_origins

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if not self.origin_allowed(request.headers.get("Origin")):
            log.warning("refused chat socket from a disallowed origin")
            return web.Response(status=403, text="origin not allowed\n", content_type="text/plain")
        ws = web.WebSocketResponse(heartbeat=self.settings.heartbeat, max_msg_size=MAX_FRAME_BYTES)
        await ws.prepare(request)
        hello = await self._hello(ws)
        if hello is None:
            return ws
        address = address_key(request.remote)
        session = self.signer.verify(hello.token)
        resumed = session is not None
        if session is None:
            refused = self._admission.new_session(address)
            if refused is not None:
                await self._refuse_session(ws, refused)
                return ws
            session = self.signer.new_session()
        connection = _Connection(ws, session.session_id)
        self.sockets.add(connection)
        try:
            connection.push(welcome(self.signer.issue(session.session_id), session.session_id))
            frames = await self._history(session.session_id, hello.last_seen) if resumed else []
            connection.replay(frames)
            log.info(
                "chat session %s… %s", session.session_id[:6], "resumed" if resumed else "started"
            )
            await self._read(ws, connection, session, address)
        finally:
            self.sockets.remove(connection)
            await connection.close()
        return ws

    async def _hello(self, ws: web.WebSocketResponse) -> Hello | None:
        """The first frame must be ``hello``; otherwise the socket is closed with a reason."""
        try:
            first = await ws.receive(timeout=self.settings.hello_timeout)
        except TimeoutError:
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"hello expected")
            return None
        if first.type is not WSMsgType.TEXT:
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"hello expected")
            return None
        try:
            frame = parse_client_frame(first.data)
        except FrameError as exc:
            await ws.send_str(encode(error(exc.code, str(exc))))
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"hello expected")
            return None
        if not isinstance(frame, Hello):
            await ws.send_str(encode(error("hello_first", "send hello first")))
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"hello expected")
            return None
        return frame

    async def _refuse_session(self, ws: web.WebSocketResponse, refused: Refusal) -> None:
        """Politely: the page shows why, and tries again later on its own."""
        log.debug("chat session refused by the %s limit", refused)
        if self._on_refused is not None:
            self._on_refused("session", refused)
        await ws.send_str(encode(error("rate_limited", BUSY)))
        await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"chat busy")

    async def _read(
        self,
        ws: web.WebSocketResponse,
        connection: _Connection,
        session: ChatSession,
        address: str,
    ) -> None:
        last_typing = float("-inf")
        async for raw in ws:
            if raw.type is not WSMsgType.TEXT:
                connection.push(error("bad_frame", "frames are JSON text"))
                continue
            try:
                frame = parse_client_frame(raw.data)
            except FrameError as exc:
                connection.push(error(exc.code, str(exc), exc.client_id))
                continue
            if isinstance(frame, Hello):
                connection.push(error("bad_frame", "hello comes once, first"))
            elif isinstance(frame, Typing):
                now = self._clock()
                if self._on_typing is not None and now - last_typing >= TYPING_EVERY:
                    last_typing = now
                    await self._on_typing(session.session_id)
            elif isinstance(frame, ChatText):
                await self._take(connection, session, address, frame)

    async def _take(
        self, connection: _Connection, session: ChatSession, address: str, text: ChatText
    ) -> None:
        refused = self._admission.message(session.session_id, address)
        if refused is not None:
            log.debug("chat message refused by the %s limit", refused)
            if self._on_refused is not None:
                self._on_refused("message", refused)
            connection.push(error("rate_limited", self._why(refused), text.client_id))
            return
        inbound = InboundMessage(
            channel=Channel.CHAT,
            provider_id=message_key(session.session_id, text.client_id),
            sender=session.session_id,
            recipient=RECIPIENT,
            body=text.text,
        )
        try:
            await self._on_inbound(inbound)
        except Exception:
            # The edge: the message was not committed, and the page must hear so and keep it.
            log.exception("chat message from session %s… not accepted", session.session_id[:6])
            connection.push(
                error("not_accepted", "message not accepted; it will be sent again", text.client_id)
            )
            return
        log.debug("chat message %s from session %s accepted", text.client_id, session.session_id)

    def _why(self, refused: Refusal) -> str:
        if refused == "session":
            limit = self.settings.limits.messages_per_session
            return (
                f"at most {limit.count} messages every {limit.window:g} seconds; "
                "please wait a moment"
            )
        return _MESSAGE_REFUSED[refused]
