"""The web chat in the gateway: its socket endpoint, pages, delivery across replicas and history.

A customer's message goes through :meth:`Inbox.take` and is committed before the page sees it
echoed. Everything the page is shown afterwards (that echo, intake replies, a representative's
messages, typing indicators) is published on the Redis channel of the chat session
(``chat:session:<db>:<id>``); every replica subscribes to all of them and hands each frame to the
sockets it holds for that session, so it does not matter which replica a customer's socket landed
on. Pub/sub delivers only to who is listening at that moment: what a page missed while it was
away comes from the store when it reconnects, so the store, not Redis, is what makes chat safe.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select

from channels import Channel, InboundMessage, OutboundMessage, SendError, SendResult
from channels.webchat import (
    ChatSockets,
    OnRefused,
    WebChat,
    WebChatSettings,
    client_id_of,
    normalise_origin,
)
from channels.webchat_frames import MessageFrame, ServerFrame, message_frame, typing
from channels.webchat_tokens import TokenSigner
from gateway.fanout import announce_customer_typing
from gateway.inbox import Inbox
from gateway.outbound import Sender
from gateway.pubsub import Subscription, namespaced
from gateway.settings import Settings
from gateway.store import CaseStore
from gateway.store.models import Agent, Case, ContactIdentity, Direction, Message

log = logging.getLogger(__name__)

SESSION_CHANNELS = "chat:session"
HISTORY_LIMIT = 500
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STATIC = Path(__file__).with_name("web") / "static"


class ChatPublisher:
    """Puts a frame on the session's Redis channel, for whichever replica holds its sockets."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.prefix = namespaced(redis, SESSION_CHANNELS) + ":"

    async def publish(self, session_id: str, frame: ServerFrame) -> int:
        """Returns how many replicas heard it (0 when no page of the session is open)."""
        return int(await self.redis.publish(self.prefix + session_id, json.dumps(frame)))


class ChatSender:
    """The ``chat`` :class:`~gateway.outbound.Sender`: a stored outbound message becomes a frame.

    Publishing is delivery: a page that is not open gets the message from history when it comes
    back, so the result is ``delivered`` either way. Only Redis being unreachable fails a send,
    and that is worth retrying.
    """

    def __init__(self, store: CaseStore, publisher: ChatPublisher) -> None:
        self.store = store
        self.publisher = publisher

    async def send(self, msg: OutboundMessage) -> SendResult:
        message_id = int(msg.idempotency_key)
        async with self.store.transaction() as tx:
            row = (
                await tx.session.execute(
                    select(Message, Agent.display_name)
                    .outerjoin(Agent, Agent.id == Message.author_agent_id)
                    .where(Message.id == message_id)
                )
            ).one()
        frame = _frame(row[0], row[1])
        try:
            await self.publisher.publish(msg.recipient, frame)
        except (RedisError, OSError) as error:
            raise SendError(
                f"chat fan-out unavailable ({type(error).__name__})", retryable=True
            ) from error
        return SendResult(provider_id=f"chat-{message_id}", status="delivered")


def _frame(message: Message, agent_name: str | None) -> MessageFrame:
    if message.direction is Direction.INBOUND:
        return message_frame(
            message.id,
            direction="inbound",
            text=message.body,
            at=message.created_at,
            author="you",
            client_id=client_id_of(message.provider_id or ""),
        )
    return message_frame(
        message.id,
        direction="outbound",
        text=message.body,
        at=message.created_at,
        author=agent_name or "bot",
    )


async def chat_history(
    store: CaseStore, session_id: str, after_id: int | None
) -> list[MessageFrame]:
    """The session's messages after ``after_id``, oldest first: only that session's identity."""
    query = (
        select(Message, Agent.display_name)
        .join(ContactIdentity, ContactIdentity.id == Message.identity_id)
        .outerjoin(Agent, Agent.id == Message.author_agent_id)
        .where(ContactIdentity.channel == Channel.CHAT, ContactIdentity.address == session_id)
        .order_by(Message.id)
        .limit(HISTORY_LIMIT)
    )
    if after_id is not None:
        query = query.where(Message.id > after_id)
    async with store.transaction() as tx:
        rows = (await tx.session.execute(query)).all()
    return [_frame(message, name) for message, name in rows]


async def stored_inbound(store: CaseStore, provider_id: str) -> MessageFrame:
    async with store.transaction() as tx:
        message = await tx.session.scalar(
            select(Message).where(
                Message.channel == Channel.CHAT, Message.provider_id == provider_id
            )
        )
    assert message is not None, "take() returned before the message was committed"
    return _frame(message, None)


def allowed_origins(settings: Settings) -> frozenset[str]:
    """``CHAT_ALLOWED_ORIGINS``, or the origin of ``PUBLIC_BASE_URL`` when none are set."""
    if settings.chat_allowed_origins:
        return frozenset(normalise_origin(o) for o in settings.chat_allowed_origins)
    url = urlsplit(settings.public_base_url)
    return frozenset({normalise_origin(f"{url.scheme}://{url.netloc}")})


class ChatGateway:
    """The web chat of one replica: the socket endpoint, its pages, its sender and subscriber.

    Built with the app and its routes; :meth:`running` gets the store, Redis and inbox once the
    app's earlier cleanup contexts have opened them.
    """

    def __init__(self, settings: Settings, *, on_refused: OnRefused | None = None) -> None:
        self.origins = allowed_origins(settings)
        self.sockets = ChatSockets()
        self.webchat = WebChat(
            WebChatSettings(allowed_origins=self.origins, limits=settings.chat_limits),
            TokenSigner(settings.session_secret),
            on_inbound=self._on_inbound,
            history=self._history,
            on_typing=self._on_customer_typing,
            on_refused=on_refused,
            sockets=self.sockets,
        )
        self._store: CaseStore | None = None
        self._inbox: Inbox | None = None
        self._publisher: ChatPublisher | None = None

    def routes(self) -> list[web.RouteDef]:
        return [
            *self.webchat.routes(),
            web.get("/chat", self._page("chat.html", "text/html")),
            web.get("/chat/chat.js", self._page("chat.js", "text/javascript")),
            web.get("/chat/chat.css", self._page("chat.css", "text/css")),
            web.get("/chat/embed.js", self._page("embed.js", "text/javascript")),
        ]

    @contextlib.asynccontextmanager
    async def running(
        self, store: CaseStore, redis: Redis, inbox: Inbox, senders: dict[str, Sender]
    ) -> AsyncIterator[None]:
        """The sender stays registered after this exits: replies still draining at shutdown go
        out while Redis is open."""
        self._store, self._inbox = store, inbox
        self._publisher = ChatPublisher(redis)
        senders[Channel.CHAT] = ChatSender(store, self._publisher)
        every_session = Subscription(
            redis, self._deliver_local, channel=self._publisher.prefix + "*", pattern=True
        )
        async with every_session.running():
            yield

    async def _deliver_local(self, channel: str, data: str) -> None:
        """A frame published by any replica, for the sockets of its session held here."""
        try:
            frame = cast(ServerFrame, json.loads(data))
        except ValueError:
            log.warning("dropped a malformed chat frame")
            return
        _, publisher = self._ready()
        self.sockets.deliver_local(channel.removeprefix(publisher.prefix), frame)

    async def close_sockets(self, _app: web.Application | None = None) -> None:
        """At shutdown, so pages reconnect to another replica instead of waiting on this one."""
        await self.sockets.close_all()

    async def typing_to_customer(self, case_number: str, who: str) -> bool:
        """Show the customer on a chat case that ``who`` is typing; False if it is no chat case."""
        store, publisher = self._ready()
        async with store.transaction() as tx:
            row = (
                await tx.session.execute(
                    select(ContactIdentity)
                    .join(Case, Case.identity_id == ContactIdentity.id)
                    .where(Case.number == case_number, ContactIdentity.channel == Channel.CHAT)
                )
            ).scalar_one_or_none()
        if row is None:
            return False
        await publisher.publish(row.address, typing(who))
        return True

    async def _on_inbound(self, inbound: InboundMessage) -> None:
        store, publisher = self._ready()
        assert self._inbox is not None
        await self._inbox.take(inbound)
        # The echo: every open page of the session shows the message, now that it is committed.
        await publisher.publish(inbound.sender, await stored_inbound(store, inbound.provider_id))

    async def _history(self, session_id: str, after_id: int | None) -> Sequence[MessageFrame]:
        store, _ = self._ready()
        return await chat_history(store, session_id, after_id)

    async def _on_customer_typing(self, session_id: str) -> None:
        store, publisher = self._ready()
        async with store.transaction() as tx:
            latest = (
                await tx.session.execute(
                    select(Case.number, Case.assigned_agent_id)
                    .join(ContactIdentity, ContactIdentity.id == Case.identity_id)
                    .where(ContactIdentity.channel == Channel.CHAT)
                    .where(ContactIdentity.address == session_id)
                    .order_by(Case.id.desc())
                    .limit(1)
                )
            ).first()
        if latest is not None:
            await announce_customer_typing(publisher.redis, latest.number, latest.assigned_agent_id)

    def _ready(self) -> tuple[CaseStore, ChatPublisher]:
        if self._store is None or self._publisher is None:
            raise RuntimeError("the web chat is used before the app started")
        return self._store, self._publisher

    def _page(self, name: str, content_type: str) -> Handler:
        """Read once when the app is built: a few small files, never read inside the loop."""
        body = (STATIC / name).read_bytes()
        headers = {
            "Content-Security-Policy": self._content_security_policy(),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        }

        async def handler(_request: web.Request) -> web.StreamResponse:
            return web.Response(
                body=body, content_type=content_type, charset="utf-8", headers=headers
            )

        return handler

    def _content_security_policy(self) -> str:
        """No inline script or style anywhere; the chat page may be framed by the allowed
        origins (the utility's website, through ``embed.js``) and by nothing else."""
        ancestors = " ".join(["'self'", *sorted(self.origins)])
        return (
            "default-src 'self'; connect-src 'self' ws: wss:; script-src 'self'; "
            "style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
            f"object-src 'none'; frame-ancestors {ancestors}"
        )
