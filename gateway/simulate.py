"""``python -m gateway simulate sms``: realistic, correctly signed texts to a running gateway.

For demos and load: messages are drawn from the NLP corpus's SMS and chat messages, senders
from the demo utility's customers (known phones) mixed with unknown numbers, and each request
is signed exactly as Twilio would sign it for ``PUBLIC_BASE_URL``.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from channels.twilio_signature import sign
from gateway.demo import demo_accounts
from nlp.corpus import load_corpus

UTILITY_NUMBER = "+12175550100"


@dataclass
class Tally:
    sent: int = 0
    accepted: int = 0
    refused: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)

    def line(self, elapsed: float) -> str:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

        return (
            f"{elapsed:5.1f}s sent {self.sent} ok {self.accepted} refused {self.refused} "
            f"failed {self.failed} p50 {pct(0.5):.0f} ms p99 {pct(0.99):.0f} ms"
        )


def sample_texts() -> list[str]:
    return [m.text for m in load_corpus() if m.style in ("sms", "chat")]


async def simulate_sms(
    *,
    target: str,
    public_base_url: str,
    account_sid: str,
    auth_token: str,
    rate: float,
    duration: float,
    report: Callable[[str], None] = print,
    seed: int | None = None,
) -> Tally:
    rng = random.Random(seed)
    texts = sample_texts()
    known = [a.phone for a in demo_accounts()]
    signed_url = public_base_url.rstrip("/") + "/twilio/sms"
    post_url = target.rstrip("/") + "/twilio/sms"
    tally = Tally()
    total = max(1, int(rate * duration))
    started = time.perf_counter()

    async def one(session: aiohttp.ClientSession) -> None:
        sender = rng.choice(known) if rng.random() < 0.7 else f"+1312555{rng.randrange(10_000):04d}"
        params = {
            "AccountSid": account_sid,
            "MessageSid": "SM" + uuid.uuid4().hex,
            "From": sender,
            "To": UTILITY_NUMBER,
            "Body": rng.choice(texts),
            "NumMedia": "0",
            "NumSegments": "1",
        }
        headers = {"X-Twilio-Signature": sign(signed_url, params, auth_token)}
        began = time.perf_counter()
        tally.sent += 1
        try:
            async with session.post(post_url, data=params, headers=headers) as response:
                await response.read()
                if response.status < 300:
                    tally.accepted += 1
                else:
                    tally.refused += 1
        except aiohttp.ClientError:
            tally.failed += 1
        tally.latencies.append(time.perf_counter() - began)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        pending: set[asyncio.Task[None]] = set()
        next_report = 1.0
        for i in range(total):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(session))
            pending.add(task)
            task.add_done_callback(pending.discard)
            if time.perf_counter() - started >= next_report:
                report(tally.line(time.perf_counter() - started))
                next_report += 1.0
        await asyncio.gather(*pending)
    report("done: " + tally.line(time.perf_counter() - started))
    return tally
