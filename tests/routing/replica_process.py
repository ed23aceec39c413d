"""One gateway replica as an OS process, for the multi-process test: it enqueues its share of the
contacts, ticks, plays the agents who see its offers (accepting, declining or letting offers
lapse at random), and writes every event it emits as a JSON line. Real time, short timeouts.

    python -m tests.routing.replica_process URL FIRST COUNT SEED EVENTS_FILE
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import sys
import time
from types import MappingProxyType

from routing import (
    Channel,
    ContactOffered,
    NewContact,
    NotOfferedError,
    Queue,
    Router,
    RoutingEvent,
    RoutingPolicy,
    Skill,
    connect,
)

FED_KEY = "test:replicas-fed"
REPLICAS = 2
DEADLINE = 50.0

POLICY = RoutingPolicy(
    offer_timeout=0.4,
    reoffer_cooldown=0.3,
    escalation_target=1.0,
    targets=MappingProxyType({queue: 2.0 for queue in Queue} | {Queue.URGENT: 0.5}),
)


class Replica:
    def __init__(self, rng: random.Random) -> None:
        self.lines: list[str] = []
        self.rng = rng
        self.reactions: set[asyncio.Task[None]] = set()
        self.router: Router

    async def on_event(self, event: RoutingEvent) -> None:
        self.lines.append(json.dumps({"type": type(event).__name__, **dataclasses.asdict(event)}))
        if isinstance(event, ContactOffered):
            task = asyncio.create_task(self.react(event))
            self.reactions.add(task)
            task.add_done_callback(self.reactions.discard)

    async def react(self, offer: ContactOffered) -> None:
        await asyncio.sleep(self.rng.uniform(0, 0.05))
        roll = self.rng.random()
        try:
            if roll < 0.75:
                await self.router.accept(offer.contact_id, offer.agent_id)
                await asyncio.sleep(self.rng.uniform(0, 0.15))
                await self.router.complete(offer.contact_id, offer.agent_id)
            elif roll < 0.9:
                await self.router.decline(offer.contact_id, offer.agent_id)
        except NotOfferedError:
            pass  # the offer lapsed first, or another replica's tick lapsed it

    async def feed(self, first: int, count: int) -> None:
        for n in range(first, first + count):
            await self.router.enqueue(
                NewContact(
                    f"c{n}",
                    self.rng.choice(list(Channel)),
                    self.rng.choice(list(Skill)),
                    time.time(),
                    urgent=self.rng.random() < 0.1,
                    hostile=self.rng.random() < 0.1,
                )
            )
            if n % 20 == 0:
                await asyncio.sleep(0.01)


async def main(url: str, first: int, count: int, seed: int) -> tuple[int, list[str]]:
    redis = await connect(url)
    loop = asyncio.get_running_loop()
    started = loop.time()
    replica = Replica(random.Random(seed))
    replica.router = Router(redis, POLICY, on_event=replica.on_event)
    feeding = asyncio.create_task(replica.feed(first, count))
    fed = False
    code = 1
    while loop.time() - started < DEADLINE:
        await replica.router.tick()
        if feeding.done() and not fed:
            feeding.result()
            await redis.incr(FED_KEY)
            fed = True
        if fed and int(await redis.get(FED_KEY) or 0) == REPLICAS:
            stats = await replica.router.stats()
            busy = sum(view.total_load for view in stats.agents)
            if busy + sum(q.depth for q in stats.queues) == 0 and not replica.reactions:
                code = 0
                break
        await asyncio.sleep(0.05)
    await redis.aclose()
    return code, replica.lines


if __name__ == "__main__":
    url, first, count, seed, events_file = sys.argv[1:6]
    code, lines = asyncio.run(main(url, int(first), int(count), int(seed)))
    with open(events_file, "w", encoding="utf-8") as out:
        out.writelines(line + "\n" for line in lines)
    sys.exit(code)
