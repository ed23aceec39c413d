"""Routing benchmark: enqueue-and-assign throughput, and how fast a new urgent contact reaches a
free senior while 100,000 contacts wait. Prints each figure beside its target.

    python bench/routing_bench.py [--url URL] [--waiting N] [--samples N] [--in-process]

URL defaults to $BENCH_REDIS_URL, else redis://127.0.0.1:6379/13. The database in the URL is
FLUSHED: give one nobody else uses (db 0 is refused).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import sys
import time
from urllib.parse import urlparse

from redis.asyncio import Redis

from routing import (
    AgentProfile,
    Channel,
    ContactOffered,
    NewContact,
    Presence,
    Router,
    RoutingEvent,
    Skill,
    Tier,
    connect,
)

P99_TARGET_MS = 5.0
# A large utility's storm peak is a few thousand contacts an hour; 100/s leaves a wide margin.
THROUGHPUT_TARGET = 100.0
FULL_CAPACITY = {Channel.VOICE: 1, Channel.CHAT: 3, Channel.SMS: 5, Channel.EMAIL: 5}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def throughput(redis: Redis, contacts: int, clients: int) -> float:
    """Contacts per second through enqueue, offer, accept and complete, `clients` at a time."""
    await redis.flushdb()
    offers: asyncio.Queue[ContactOffered] = asyncio.Queue()

    async def on_event(event: RoutingEvent) -> None:
        if isinstance(event, ContactOffered):
            offers.put_nowait(event)

    router = Router(redis, on_event=on_event)
    agents = [
        AgentProfile(f"a{i}", Tier.REP, frozenset(Skill), Presence.AVAILABLE, FULL_CAPACITY)
        for i in range(100)
    ]
    await router.rebuild([], agents)
    rng = random.Random(1)
    numbers = iter(range(contacts))
    done = 0

    async def client() -> None:
        nonlocal done
        for n in numbers:
            contact = NewContact(
                f"t{n}", rng.choice(list(Channel)), rng.choice(list(Skill)), time.time()
            )
            await router.enqueue(contact)
            while not offers.empty():
                offer = offers.get_nowait()
                await router.accept(offer.contact_id, offer.agent_id)
                await router.complete(offer.contact_id, offer.agent_id)
                done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    assert done == contacts, f"only {done} of {contacts} went through"
    return contacts / elapsed


async def urgent_offer_latency(redis: Redis, waiting: int, samples: int) -> list[float]:
    """Milliseconds from calling enqueue for an urgent call to holding its offer to the free
    senior, while `waiting` contacts fill the skill queues of agents who are all busy."""
    await redis.flushdb()
    offered: list[ContactOffered] = []

    async def on_event(event: RoutingEvent) -> None:
        if isinstance(event, ContactOffered):
            offered.append(event)

    router = Router(redis, on_event=on_event)
    rng = random.Random(2)
    backlog = [
        NewContact(
            f"w{n}",
            rng.choice(list(Channel)),
            rng.choice(list(Skill)),
            time.time() - rng.uniform(0, 900),
        )
        for n in range(waiting)
    ]
    reps = [
        AgentProfile(f"rep{i}", Tier.REP, frozenset(Skill), Presence.BUSY, FULL_CAPACITY)
        for i in range(200)
    ]
    senior = AgentProfile("senior", Tier.SENIOR, frozenset(), Presence.AVAILABLE, FULL_CAPACITY)
    await router.rebuild(backlog, [*reps, senior])
    # The gateway holds no such list; left alive, its 100,000 objects would put collector
    # pauses into the timings.
    del backlog
    gc.collect()
    stats = await router.stats()
    assert sum(q.depth for q in stats.queues) == waiting

    latencies = []
    for n in range(samples):
        contact = NewContact(f"u{n}", Channel.VOICE, Skill.OUTAGES, time.time(), urgent=True)
        started = time.perf_counter()
        await router.enqueue(contact)
        latencies.append((time.perf_counter() - started) * 1000)
        assert offered[-1].contact_id == contact.id and offered[-1].agent_id == "senior"
        await router.withdraw(contact.id)
    return latencies


def row(name: str, figure: str, target: str = "") -> None:
    print(f"  {name:<52} {figure:>14}   {target}")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    parser.add_argument("--waiting", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--in-process", action="store_true", help="the embedded fakeredis server")
    args = parser.parse_args()
    if args.in_process:
        redis, where = await connect(None), "the in-process server (fakeredis + lupa)"
    else:
        if urlparse(args.url).path.strip("/") in ("", "0"):
            print("refusing to flush database 0: name another one in the URL", file=sys.stderr)
            return 2
        redis, where = await connect(args.url), args.url
    print(f"routing bench against {where}")
    print(f"  {'measure':<52} {'figure':>14}   target")
    for clients in (1, 8):
        rate = await throughput(redis, args.contacts, clients)
        row(
            f"enqueue > offer > accept > complete, {clients} client(s)",
            f"{rate:,.0f} /s",
            f">= {THROUGHPUT_TARGET:,.0f} /s",
        )
    latencies = await urgent_offer_latency(redis, args.waiting, args.samples)
    label = f"urgent call offered to free senior, {args.waiting:,} waiting"
    row(f"{label}: p50", f"{statistics.median(latencies):.2f} ms")
    row(
        f"{'':<{len(label)}}  p99",
        f"{percentile(latencies, 0.99):.2f} ms",
        f"<= {P99_TARGET_MS} ms",
    )
    row(f"{'':<{len(label)}}  max", f"{max(latencies):.2f} ms")
    await redis.flushdb()
    await redis.aclose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
