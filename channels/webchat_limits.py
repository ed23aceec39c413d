"""How much one chat session, one network address and everybody together may ask of the chat.

A chat session costs nothing to make, so a limit per session alone stops nobody: whoever opens
a new session per message is never limited. New sessions and messages are therefore also
limited per client address and overall. The address is what the server sees as the peer
(``request.remote``); behind a reverse proxy that is the proxy, unless the gateway replaced it
with the client's address from ``X-Forwarded-For`` (see ``gateway.forwarded``).

The limits are kept in this process: behind a load balancer of N replicas an address may open
up to N times its budget when its sockets land on different replicas, and so may everybody
together. That bounds a flood; it does not make one impossible.
"""

from __future__ import annotations

import ipaddress
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Clock = Callable[[], float]
Refusal = Literal["session", "address", "overall"]
"""Which limit refused: the session's, the network address's, or everybody's together."""

IPV6_PREFIX = 64
"""An IPv6 customer usually holds a whole /64, so an address is counted as its /64."""
UNKNOWN_ADDRESS = "unknown"


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` events every ``window`` seconds."""

    count: int
    window: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.window <= 0:
            raise ValueError(f"a limit needs a count of at least 1 and a window: {self}")

    def __str__(self) -> str:
        return f"{self.count} every {self.window:g} seconds"


@dataclass(frozen=True, slots=True)
class ChatLimits:
    """The chat's limits; the defaults leave room for a household or an office behind one
    address (several tabs share one session; a private window or another device is another)."""

    messages_per_session: Limit = Limit(5, 10.0)
    messages_per_address: Limit = Limit(30, 60.0)
    messages_overall: Limit = Limit(600, 60.0)
    sessions_per_address: Limit = Limit(10, 600.0)
    sessions_overall: Limit = Limit(60, 60.0)


def address_key(remote: str | None) -> str:
    """The key an address is counted under: IPv4 as it is, IPv6 by its /64."""
    if not remote:
        return UNKNOWN_ADDRESS
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return UNKNOWN_ADDRESS
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


class RateLimiter:
    """At most ``limit.count`` events per ``limit.window`` seconds per key, over a sliding window.

    Keys idle for a whole window are dropped now and then, so memory follows the keys that are
    active, not every key this process ever saw.
    """

    SWEEP_EVERY = 1000

    def __init__(self, limit: Limit, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._events: defaultdict[str, deque[float]] = defaultdict(deque)
        self._calls = 0

    def allow(self, key: str) -> bool:
        """Counts the event if there is room for it."""
        if not self.has_room(key):
            return False
        self.record(key)
        return True

    def has_room(self, key: str) -> bool:
        now = self._clock()
        self._calls += 1
        if self._calls % self.SWEEP_EVERY == 0:
            self._sweep(now)
        events = self._events.get(key)
        if events is None:
            return True
        while events and events[0] <= now - self.limit.window:
            events.popleft()
        return len(events) < self.limit.count

    def record(self, key: str) -> None:
        self._events[key].append(self._clock())

    def tracked(self) -> int:
        return len(self._events)

    def _sweep(self, now: float) -> None:
        idle = [
            k
            for k, events in self._events.items()
            if not events or events[-1] <= now - self.limit.window
        ]
        for key in idle:
            del self._events[key]


class Admission:
    """The limiters of one process: whether a new session or a message may come in.

    An event is counted only when every limit has room for it, so a refused message or session
    uses up nobody's budget, and a page retrying after a refusal is not refused for ever.
    """

    _ALL = "*"

    def __init__(self, limits: ChatLimits, clock: Clock = time.monotonic) -> None:
        self.limits = limits
        self._session_messages = RateLimiter(limits.messages_per_session, clock)
        self._address_messages = RateLimiter(limits.messages_per_address, clock)
        self._all_messages = RateLimiter(limits.messages_overall, clock)
        self._address_sessions = RateLimiter(limits.sessions_per_address, clock)
        self._all_sessions = RateLimiter(limits.sessions_overall, clock)

    def new_session(self, address: str) -> Refusal | None:
        """A page with no valid token asks for a session; None admits it."""
        return self._admit(
            ("address", self._address_sessions, address),
            ("overall", self._all_sessions, self._ALL),
        )

    def message(self, session_id: str, address: str) -> Refusal | None:
        return self._admit(
            ("session", self._session_messages, session_id),
            ("address", self._address_messages, address),
            ("overall", self._all_messages, self._ALL),
        )

    @staticmethod
    def _admit(*checks: tuple[Refusal, RateLimiter, str]) -> Refusal | None:
        for refusal, limiter, key in checks:
            if not limiter.has_room(key):
                return refusal
        for _, limiter, key in checks:
            limiter.record(key)
        return None
