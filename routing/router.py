"""The public face of routing: one `Router` per replica, all sharing one Redis.

Every operation is a single Lua call, atomic across replicas; each call that can free an agent
or queue a contact ends with a dispatch pass, so offers go out as soon as they can. The Router
keeps no state of its own beyond configuration: any replica may serve any request.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, cast

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from routing.errors import error_for
from routing.events import EventHook, RoutingEvent, decode
from routing.keys import Keyspace
from routing.lua import Scripts
from routing.model import (
    AgentProfile,
    AgentView,
    Channel,
    ContactFlags,
    ContactView,
    NewContact,
    Presence,
    Queue,
)
from routing.policy import RoutingPolicy
from routing.records import agent_view, contact_view
from routing.stats import RoutingStats, build

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
StoreSnapshot = Callable[[], Awaitable[tuple[Iterable[NewContact], Iterable[AgentProfile]]]]

_REBUILD_BATCH = 500
_CHANNEL_ORDER = (Channel.SMS, Channel.VOICE, Channel.EMAIL, Channel.CHAT)  # as the scripts expect


async def _ignore(event: RoutingEvent) -> None:
    """The default hook: a Router nobody listens to still routes."""


def _check_id(kind: str, value: str) -> str:
    # A ':' could make one key look like another's (contact "x:skip" against the skip set of "x").
    if not value or ":" in value:
        raise ValueError(f"{kind} id {value!r} must be non-empty and contain no ':'")
    return value


def _raise_if_cancel_was_swallowed() -> None:
    # On Python 3.11 asyncio.wait_for (used inside fakeredis) drops a cancellation that arrives
    # as its inner future completes; the request still shows in cancelling(), so honour it here.
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _flag(value: bool) -> str:
    return "1" if value else "0"


class Router:
    """Priority routing over Redis.

    `on_event` receives every event this replica's calls cause, in order, before the call
    returns; it should hand them on (to the outbox, to consoles) rather than raise. `clock` is
    read once per call and passed into Lua, so every replica and every test decides with the
    time it was given.
    """

    def __init__(
        self,
        redis: Redis,
        policy: RoutingPolicy | None = None,
        *,
        on_event: EventHook = _ignore,
        clock: Clock = time.time,
    ) -> None:
        if not redis.connection_pool.connection_kwargs.get("decode_responses"):
            raise ValueError("routing needs a Redis client made with decode_responses=True")
        self.policy = policy or RoutingPolicy()
        self.keys = Keyspace(self.policy.key_prefix)
        self._redis = redis
        self._scripts = Scripts.register(redis)
        self._policy_json = self.policy.to_lua()
        self._on_event = on_event
        self._clock = clock

    async def _call(self, script: AsyncScript, subject: str, *args: str) -> list[Any]:
        now = self._clock()
        reply = await script(keys=[self.keys.root], args=[f"{now:.6f}", self._policy_json, *args])
        status, raw_events, *rest = reply
        for raw in raw_events:
            await self._on_event(decode(raw))
        if status not in ("ok", "exists"):
            raise error_for(status, subject)
        return [status, *rest]

    # -- contacts -------------------------------------------------------------------------------

    async def enqueue(self, contact: NewContact) -> bool:
        """Queues a new contact and offers it if an agent is free. False if routing already holds
        it, so the gateway may enqueue again after any retry."""
        status, *_ = await self._call(
            self._scripts.enqueue,
            contact.id,
            _check_id("contact", contact.id),
            contact.channel,
            contact.skill,
            contact.queue,
            f"{contact.enqueued_at:.6f}",
            _flag(contact.urgent),
            _flag(contact.hostile),
            _flag(contact.verified),
        )
        return bool(status == "ok")

    async def accept(self, contact_id: str, agent_id: str) -> None:
        """Raises NotOfferedError if the offer lapsed, even if no tick noticed yet."""
        await self._call(self._scripts.accept, contact_id, contact_id, agent_id)

    async def decline(self, contact_id: str, agent_id: str) -> None:
        """The contact goes back to its queue; this agent is passed over for it for
        `policy.reoffer_cooldown` seconds."""
        await self._call(self._scripts.decline, contact_id, contact_id, agent_id)

    async def complete(self, contact_id: str, agent_id: str) -> None:
        await self._call(self._scripts.complete, contact_id, contact_id, agent_id)

    async def withdraw(self, contact_id: str) -> None:
        """Forgets the contact wherever it is (the customer hung up, the case closed)."""
        await self._call(self._scripts.withdraw, contact_id, contact_id)

    async def transfer(
        self,
        contact_id: str,
        *,
        to_queue: Queue | None = None,
        to_agent: str | None = None,
        by_agent: str | None = None,
    ) -> None:
        """Moves an assigned contact (`by_agent` its assignee) or, for a lead, a waiting one
        (`by_agent` None) to a queue or straight to a named agent, who gets an offer. The
        transferring agent is passed over for it for a while."""
        if (to_queue is None) == (to_agent is None):
            raise ValueError("transfer to exactly one of a queue or an agent")
        await self._call(
            self._scripts.transfer,
            contact_id,
            contact_id,
            by_agent or "",
            Queue(to_queue) if to_queue else "",
            to_agent or "",
        )

    async def escalate(self, contact_id: str, *, by_agent: str | None = None) -> None:
        """Hands the contact to the leads: it leaves its agent and waits for a lead only, until
        `policy.escalation_target` passes, then for a lead or a senior."""
        await self._call(self._scripts.escalate, contact_id, contact_id, by_agent or "")

    async def mark_hostile(self, contact_id: str) -> None:
        """Escalates live; a waiting contact moves to the hostile queue. Idempotent."""
        await self._call(self._scripts.reclassify, contact_id, contact_id, "hostile")

    async def mark_urgent(self, contact_id: str) -> None:
        """As `mark_hostile`, to the urgent queue."""
        await self._call(self._scripts.reclassify, contact_id, contact_id, "urgent")

    # -- agents ---------------------------------------------------------------------------------

    async def upsert_agent(self, agent: AgentProfile) -> None:
        """Registers an agent or changes tier, skills, capacity or presence; load is kept."""
        await self._call(self._scripts.upsert_agent, agent.id, *self._agent_args(agent))

    async def set_presence(self, agent_id: str, presence: Presence) -> None:
        """Anything but available takes back the agent's pending offers; offline also takes back
        their assigned contacts and queues them again."""
        await self._call(self._scripts.presence, agent_id, agent_id, Presence(presence))

    @staticmethod
    def _agent_args(agent: AgentProfile) -> list[str]:
        return [
            _check_id("agent", agent.id),
            agent.tier,
            ",".join(sorted(agent.skills)),
            agent.presence,
            *(str(agent.capacity_for(channel)) for channel in _CHANNEL_ORDER),
        ]

    # -- the periodic work ------------------------------------------------------------------------

    async def dispatch(self) -> int:
        """Offers waiting contacts to free agents; returns how many offers went out."""
        _, made = await self._call(self._scripts.dispatch, "dispatch")
        return int(made)

    async def tick(self) -> None:
        """Lapses expired offers, fires SLA timers (fallback, escalation, breach), dispatches.
        Every replica may call it as often as it likes: each step is atomic and done once."""
        more = 1
        while more:
            _, more = await self._call(self._scripts.tick, "tick")

    async def tick_forever(
        self, interval: float = 1.0, *, snapshot: StoreSnapshot | None = None
    ) -> None:
        """The worker loop a gateway replica runs for routing. With `snapshot`, it also rebuilds
        Redis from the store whenever Redis has lost routing state."""
        while True:
            try:
                if snapshot is not None:
                    await self.rebuild_if_needed(snapshot)
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The loop edge: a Redis outage or a bad hook must not stop routing for good.
                logger.exception("routing tick failed; retrying in %.1fs", interval)
            _raise_if_cancel_was_swallowed()
            await asyncio.sleep(interval)

    # -- rebuild ----------------------------------------------------------------------------------

    async def needs_rebuild(self) -> bool:
        """True when Redis holds no routing state from a rebuild (first start, flush, restart)."""
        return not await self._redis.exists(self.keys.epoch())

    async def rebuild_if_needed(self, snapshot: StoreSnapshot, *, lock_seconds: float = 60) -> bool:
        """Rebuilds from a fresh store snapshot if Redis lost routing state; True if it did.

        One replica at a time, and it reads the store only once it holds the lock and has seen
        that no other replica rebuilt meanwhile: a second rebuild from an older snapshot could
        bring back a contact completed since.
        """
        if not await self.needs_rebuild():
            return False
        token = uuid.uuid4().hex
        lock = self._redis.set(
            self.keys.rebuild_lock(), token, nx=True, px=int(lock_seconds * 1000)
        )
        # A SET retried after its answer was lost finds the lock taken, by us.
        if not await lock and await self._redis.get(self.keys.rebuild_lock()) != token:
            return False
        try:
            if not await self.needs_rebuild():
                return False
            contacts, agents = await snapshot()
            await self.rebuild(contacts, agents)
            return True
        finally:
            await self._call(self._scripts.unlock, "unlock", token)

    async def rebuild(self, contacts: Iterable[NewContact], agents: Iterable[AgentProfile]) -> None:
        """Restores routing from the store's open contacts and agent sessions, then dispatches.

        Idempotent: contacts routing already holds are left as they are. An assignee that is not
        among `agents` cannot hold the contact, which is queued instead; an offline one gives it
        back to the queue. Replicas should go through `rebuild_if_needed`.
        """
        agent_list = list(agents)
        known = {agent.id for agent in agent_list}
        contact_args: list[str] = []
        for contact in contacts:
            assignee = contact.assignee if contact.assignee in known else None
            contact_args += [
                _check_id("contact", contact.id),
                contact.channel,
                contact.skill,
                contact.queue,
                f"{contact.enqueued_at:.6f}",
                _flag(contact.urgent),
                _flag(contact.hostile),
                _flag(contact.verified),
                assignee or "",
                contact.audience or "",
            ]
        await self._rebuild_batches("contacts", contact_args, per_record=10)
        agent_args = [arg for agent in agent_list for arg in self._agent_args(agent)]
        await self._rebuild_batches("agents", agent_args, per_record=8)
        await cast(Awaitable[Any], self._redis.set(self.keys.epoch(), f"{self._clock():.6f}"))
        await self.dispatch()

    async def _rebuild_batches(self, kind: str, args: Sequence[str], *, per_record: int) -> None:
        step = per_record * _REBUILD_BATCH
        for start in range(0, len(args), step):
            await self._call(self._scripts.rebuild, "rebuild", kind, *args[start : start + step])

    # -- reading ----------------------------------------------------------------------------------

    async def contact(self, contact_id: str) -> ContactView | None:
        fields = await cast(
            Awaitable[dict[str, str]], self._redis.hgetall(self.keys.contact(contact_id))
        )
        return contact_view(contact_id, fields) if fields else None

    async def held(self, contact_ids: Sequence[str]) -> dict[str, ContactFlags]:
        """Which of these contacts routing holds, each with its flags, in one round trip: a
        gateway compares them with its open cases to find what routing lost."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for contact_id in contact_ids:
                pipe.hmget(self.keys.contact(contact_id), "urgent", "hostile")
            rows: list[list[str | None]] = await pipe.execute()
        return {
            contact_id: ContactFlags(urgent=urgent == "1", hostile=hostile == "1")
            for contact_id, (urgent, hostile) in zip(contact_ids, rows, strict=True)
            if urgent is not None
        }

    async def agent(self, agent_id: str) -> AgentView | None:
        fields = await cast(
            Awaitable[dict[str, str]], self._redis.hgetall(self.keys.agent(agent_id))
        )
        if not fields.get("tier"):
            return None
        contacts = await cast(Awaitable[set[str]], self._redis.smembers(self.keys.work(agent_id)))
        return agent_view(agent_id, fields, contacts)

    async def stats(self) -> RoutingStats:
        _, lanes, sla, agents = await self._call(self._scripts.stats, "stats")
        return build(self._clock(), self.policy.targets, lanes, sla, agents)
