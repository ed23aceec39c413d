"""Two OS processes, each a replica running its own dispatcher loop over the same real Redis:
2,000 contacts, 30 agents accepting, declining and letting offers lapse at random. Every contact
is assigned exactly once and completed, none is lost, no capacity is ever exceeded."""

from __future__ import annotations

import asyncio
import json
import random
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis

import routing
from routing import OfferDeclined, OfferTimedOut, Router, RoutingEvent
from tests.routing.conftest import TEST_REDIS_URL
from tests.routing.factories import roster
from tests.routing.ledger import Ledger
from tests.routing.replica_process import FED_KEY, POLICY

CONTACTS = 2000
REPO = Path(__file__).resolve().parents[2]
PROCESSES = 2


def read_events(path: Path) -> list[RoutingEvent]:
    events = []
    for line in path.read_text("utf-8").splitlines():
        fields = json.loads(line)
        events.append(getattr(routing, fields.pop("type"))(**fields))
    return events


@pytest.mark.slow
async def test_two_processes_assign_every_contact_exactly_once(tmp_path: Path) -> None:
    redis = await routing.connect(TEST_REDIS_URL)
    await redis.flushdb()
    agents = roster(30, random.Random(5))
    await Router(redis, POLICY).rebuild([], agents)
    share = CONTACTS // PROCESSES
    files = [tmp_path / f"events-{i}.jsonl" for i in range(PROCESSES)]
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.routing.replica_process",
            TEST_REDIS_URL,
            str(i * share),
            str(share),
            str(100 + i),
            str(files[i]),
            cwd=REPO,
        )
        for i in range(PROCESSES)
    ]
    codes = await asyncio.wait_for(asyncio.gather(*(p.wait() for p in processes)), timeout=58)
    assert codes == [0] * PROCESSES, "a replica did not finish before its deadline"

    events = [event for path in files for event in read_events(path)]
    assert all(read_events(path) for path in files), "both replicas did work"
    ledger = Ledger({agent.id: agent.capacity for agent in agents})
    ledger.replay(events)
    everyone = {f"c{n}" for n in range(CONTACTS)}
    assert set(ledger.accepted) == everyone and set(ledger.accepted.values()) == {1}
    assert set(ledger.completed) == everyone and set(ledger.completed.values()) == {1}
    assert any(isinstance(e, OfferDeclined) for e in events)
    assert any(isinstance(e, OfferTimedOut) for e in events)
    await assert_redis_is_empty(redis, Router(redis, POLICY))
    await redis.delete(FED_KEY)
    await redis.aclose()


async def assert_redis_is_empty(redis: Redis, router: Router) -> None:
    assert await redis.keys(router.keys.contact("*")) == []
    assert await redis.zcard(router.keys.offers()) == 0
    assert await redis.scard(router.keys.lanes()) == 0
    stats = await router.stats()
    assert len(stats.agents) == 30
    for view in stats.agents:
        assert view.total_load == 0 and not view.contact_ids, view
