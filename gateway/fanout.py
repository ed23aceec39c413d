"""Live events for staff: from the outbox, across replicas, to the WebSockets of the right people.

Every case change writes an outbox row in its own transaction. In every replica a relay claims
unpublished rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two relays never claim the same
row; SQLite runs one writer at a time anyway), publishes them on a Redis channel and marks them
published in the same transaction: a failed publish rolls the claim back and the rows are tried
again. Delivery is therefore at least once, so every consumer drops an outbox id it has seen.
Every replica subscribes to the channel and pushes each event to its own staff WebSockets,
filtered by role: a representative hears of their own offers and cases, seniors and leads also
of escalations, SLA breaches and urgent or hostile contacts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import delete, event, select, update

from gateway.auth import Staff
from gateway.background import in_background
from gateway.pubsub import Subscription, namespaced
from gateway.store import CaseStore
from gateway.store.models import OutboxEvent, Tier, utcnow

log = logging.getLogger(__name__)

CHANNEL = "gateway:outbox"
TYPING = "gateway:customer-typing"
ALERT_KINDS = frozenset({"escalated", "lead_alerted", "sla_breached"})
RETENTION = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class FanoutEvent:
    """One outbox row as it travels between replicas."""

    id: int
    topic: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps({"id": self.id, "topic": self.topic, "payload": self.payload})

    @classmethod
    def from_json(cls, raw: str | bytes) -> FanoutEvent:
        data = json.loads(raw)
        return cls(int(data["id"]), str(data["topic"]), dict(data["payload"]))

    def frame(self) -> dict[str, Any]:
        """What a staff WebSocket receives; who else was told is nobody's business."""
        data = {k: v for k, v in self.payload.items() if k != "audience"}
        return {"type": "event", "id": self.id, "topic": self.topic, **data}


def visible_to(staff: Staff, event: FanoutEvent) -> bool:
    """The role filter, the same on every replica."""
    payload = event.payload
    audience = payload.get("audience") or {}
    me = str(staff.agent_id)
    if me in (str(payload.get("agent_id")), str(audience.get("assignee"))):
        return True
    if staff.tier is Tier.REP:
        return False
    if event.topic != "case":
        return True
    return (
        payload.get("kind") in ALERT_KINDS
        or bool(audience.get("urgent"))
        or bool(audience.get("hostile"))
    )


class Relay:
    """Moves committed outbox rows onto Redis pub/sub; safe to run in every replica at once."""

    def __init__(
        self,
        store: CaseStore,
        redis: Redis,
        *,
        channel: str = CHANNEL,
        interval: float = 0.5,
        batch: int = 200,
    ) -> None:
        self.store = store
        self.redis = redis
        self.channel = channel
        self.interval = interval
        self.batch = batch
        self._wake = asyncio.Event()

    def nudge(self) -> None:
        """Something was just committed here: relay now rather than at the next poll."""
        self._wake.set()

    async def relay_once(self) -> int:
        """Claim, publish and mark one batch; returns how many rows went out."""
        async with self.store.transaction() as tx:
            claimable = (
                select(OutboxEvent.id)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            )
            rows = await tx.session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(claimable.scalar_subquery()))
                .where(OutboxEvent.published_at.is_(None))
                .values(published_at=utcnow())
                .returning(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload)
                .execution_options(synchronize_session=False)
            )
            events = sorted(
                (FanoutEvent(row.id, row.topic, row.payload) for row in rows), key=lambda e: e.id
            )
            if events:
                # Published before the claim commits: if Redis refuses, the claim rolls back.
                async with self.redis.pipeline(transaction=False) as pipe:
                    for event in events:
                        pipe.publish(self.channel, event.to_json())
                    await pipe.execute()
        return len(events)

    async def prune(self) -> None:
        """Published rows are kept a day for inspection, then dropped."""
        async with self.store.transaction() as tx:
            await tx.session.execute(
                delete(OutboxEvent).where(OutboxEvent.published_at < utcnow() - RETENTION)
            )

    async def run(self) -> None:
        """The worker loop: relay while there is a backlog, otherwise wait for a nudge or a poll."""
        rounds = 0
        while True:
            try:
                sent = await self.relay_once()
                rounds += 1
                if rounds % 3000 == 0:
                    await self.prune()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                log.warning(
                    "outbox relay: Redis unreachable (%s); again in 1 s", type(error).__name__
                )
                await asyncio.sleep(1.0)
                continue
            except Exception:
                # The loop edge: the store being down must not stop the relay for good.
                log.exception("outbox relay failed; retrying in 1 s")
                await asyncio.sleep(1.0)
                continue
            if sent == 0:
                # A nudge during an empty round was most likely our own commit; anything else
                # is found by the next poll at the latest.
                self._wake.clear()
            if sent < self.batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval)
                self._wake.clear()


Deliver = Callable[[FanoutEvent], Awaitable[None]]


class Receiver:
    """Hands on each published event once per id, whatever Redis delivers twice."""

    def __init__(self, deliver: Deliver, *, remember: int = 10_000) -> None:
        self.deliver = deliver
        self._seen: set[int] = set()
        self._order: deque[int] = deque()
        self._remember = remember

    def first_time(self, event_id: int) -> bool:
        """Idempotency: an id seen among the last ``remember`` is dropped."""
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        self._order.append(event_id)
        if len(self._order) > self._remember:
            self._seen.discard(self._order.popleft())
        return True

    async def handle(self, _channel: str, raw: str) -> None:
        try:
            event = FanoutEvent.from_json(raw)
        except (ValueError, KeyError, TypeError):
            log.warning("dropped a malformed fan-out message")
            return
        if self.first_time(event.id):
            await self.deliver(event)


@dataclass(eq=False)
class Listener:
    """One staff WebSocket; ``session`` is the digest of the session it was opened with."""

    staff: Staff
    socket: web.WebSocketResponse
    session: str
    sent: int = field(default=0)


class Hub:
    """The staff WebSockets connected to this replica."""

    def __init__(self) -> None:
        self.listeners: set[Listener] = set()

    def add(self, staff: Staff, socket: web.WebSocketResponse, session: str) -> Listener:
        listener = Listener(staff, socket, session)
        self.listeners.add(listener)
        return listener

    def remove(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    async def deliver(self, event: FanoutEvent) -> None:
        await self._send(event.frame(), event)

    async def customer_typing(self, _channel: str, raw: str) -> None:
        """Not an outbox event (nothing to keep): seen by whoever may see the case's events."""
        try:
            data = json.loads(raw)
            frame = {"type": "typing", "case": str(data["case"])}
            event = FanoutEvent(0, "typing", {"agent_id": data.get("agent_id")})
        except (ValueError, KeyError, TypeError):
            log.warning("dropped a malformed typing message")
            return
        await self._send(frame, event)

    async def _send(self, frame: dict[str, Any], event: FanoutEvent) -> None:
        for listener in list(self.listeners):
            if listener.socket.closed or not visible_to(listener.staff, event):
                continue
            try:
                await listener.socket.send_json(frame)
                listener.sent += 1
            except (ConnectionError, RuntimeError):
                self.remove(listener)

    async def close_session(self, session: str, code: int) -> None:
        """Signing out ends that session's live feeds on this replica at once (other replicas'
        sockets notice at their next session check); the person's other sessions stay open."""
        for listener in [x for x in self.listeners if x.session == session]:
            self.remove(listener)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await listener.socket.close(code=code, message=b"signed out")

    async def close_all(self) -> None:
        """At shutdown, so the server is not kept waiting on open sockets."""
        for listener in list(self.listeners):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await listener.socket.close(code=1001, message=b"server shutting down")
        self.listeners.clear()


async def announce_customer_typing(redis: Redis, case_number: str, agent_id: int | None) -> None:
    """A customer is typing on a case: its representative's desk, on whichever replica, shows it
    (and seniors and leads watching it)."""
    payload = {"case": case_number, "agent_id": agent_id}
    await redis.publish(namespaced(redis, TYPING), json.dumps(payload))


class Fanout:
    """The relay, the subscription and the hub of one replica."""

    def __init__(self, store: CaseStore, redis: Redis, *, channel: str | None = None) -> None:
        channel = channel or namespaced(redis, CHANNEL)
        self.store = store
        self.hub = Hub()
        self.relay = Relay(store, redis, channel=channel)
        self.events = Subscription(redis, Receiver(self.hub.deliver).handle, channel=channel)
        self.typing = Subscription(
            redis, self.hub.customer_typing, channel=namespaced(redis, TYPING)
        )

    def _committed(self, _connection: Any) -> None:
        # SQLAlchemy's asyncio layer runs engine events on the event loop's thread.
        self.relay.nudge()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Commits on this replica's engine wake the relay at once; other replicas' commits are
        found by its poll."""
        engine = self.store.engine.sync_engine
        event.listen(engine, "commit", self._committed)
        try:
            async with (
                self.events.running(),
                self.typing.running(),
                in_background(self.relay.run()),
            ):
                yield
        finally:
            event.remove(engine, "commit", self._committed)
