"""Several replicas working the same Redis at once never offer a contact to two agents, never drop
one, and never exceed a capacity. Here the replicas are Routers interleaving in one process; the
multi-process test does the same across OS processes."""

from __future__ import annotations

import asyncio
import random
from collections import deque

from redis.asyncio import Redis

from routing import (
    Channel,
    ContactEscalated,
    ContactOffered,
    NewContact,
    OfferDeclined,
    OfferTimedOut,
    Router,
    RoutingError,
    Skill,
)
from tests.routing.factories import FakeClock, Recorder, roster
from tests.routing.ledger import Ledger


async def test_replicas_working_at_once_assign_every_contact_exactly_once(
    redis: Redis, clock: FakeClock
) -> None:
    rng = random.Random(11)
    agents = roster(12, rng)
    recorders = [Recorder() for _ in range(6)]
    replicas = [Router(redis, on_event=rec, clock=clock) for rec in recorders]
    await replicas[0].rebuild([], agents)
    waiting = deque(f"c{i}" for i in range(240))
    seen = [0] * len(replicas)
    to_complete: list[list[tuple[str, str]]] = [[] for _ in replicas]

    async def step(i: int) -> None:
        router, rec = replicas[i], recorders[i]
        for _ in range(rng.randint(0, 4)):
            if waiting:
                await router.enqueue(
                    NewContact(
                        waiting.popleft(),
                        rng.choice(list(Channel)),
                        rng.choice(list(Skill)),
                        clock.now,
                        urgent=rng.random() < 0.1,
                        hostile=rng.random() < 0.1,
                    )
                )
        offers = rec.of(ContactOffered)[seen[i] :]
        seen[i] += len(offers)
        for offer in offers:
            roll = rng.random()
            try:
                if roll < 0.7:
                    await router.accept(offer.contact_id, offer.agent_id)
                    to_complete[i].append((offer.contact_id, offer.agent_id))
                elif roll < 0.85:
                    await router.decline(offer.contact_id, offer.agent_id)
            except RoutingError:
                pass  # lapsed or taken back meanwhile: routing has moved it on
        finishing = rng.randint(0, 3)
        done, to_complete[i] = to_complete[i][:finishing], to_complete[i][finishing:]
        for contact_id, agent_id in done:
            await router.complete(contact_id, agent_id)
        await router.tick()

    for _ in range(400):
        await asyncio.gather(*(step(i) for i in range(len(replicas))))
        clock.advance(rng.uniform(1, 8))
        stats = await replicas[0].stats()
        held = sum(len(view.contact_ids) for view in stats.agents)
        if not waiting and held + sum(q.depth for q in stats.queues) == 0:
            break

    everything = [event for rec in recorders for event in rec.events]
    kinds = {type(event) for event in everything}
    assert {OfferDeclined, OfferTimedOut, ContactEscalated} <= kinds  # the run took every path
    ledger = Ledger({a.id: a.capacity for a in agents})
    ledger.replay(everything)
    assert set(ledger.completed) == {f"c{i}" for i in range(240)}
    assert set(ledger.completed.values()) == {1}
    assert set(ledger.accepted.values()) == {1}
    assert await redis.keys(replicas[0].keys.contact("*")) == []
