"""Failed sign-ins counted per account and per client address, in Redis so replicas share them.

Every attempt is counted before its password is checked (one Lua call), so parallel guesses
cannot slip past the limit while their checks are in flight; a success takes its count back.
Once an account or address has used its allowance within the window, the next attempt locks it
for a window from then. While locked, attempts are refused without checking the password, so a
flood costs no hashing; they are counted as ``refused`` for the leads but do not extend the lock,
so its owner can rely on the time they were told. Unknown usernames are counted the same way, so
a lockout says nothing about which accounts exist.

Time comes from the injected clock, not from Redis, so tests can move it; key expiry only
collects counters nobody touches any more.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis

from gateway.settings import SignInLimits
from gateway.store.models import USERNAME_LENGTH

log = logging.getLogger(__name__)

# One hash tag, so a Redis Cluster keeps every key of a script in one slot.
PREFIX = "{signin}:"
LOCKS = PREFIX + "locked"

_ATTEMPT = """
-- KEYS: the account's counter, the address's counter, the index of locks (scored by until)
-- ARGV: now (ms), window (ms), account limit, address limit, account member, address member
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local limits = {tonumber(ARGV[3]), tonumber(ARGV[4])}
local members = {ARGV[5], ARGV[6]}
local function field(key, name) return tonumber(redis.call('HGET', key, name) or '0') end

local locked_until = 0
for i = 1, 2 do
  local held = field(KEYS[i], 'until')
  if held > now then
    redis.call('HINCRBY', KEYS[i], 'refused', 1)
    locked_until = math.max(locked_until, held)
  elseif held > 0 or now - field(KEYS[i], 'first') >= window then
    redis.call('DEL', KEYS[i])
    redis.call('ZREM', KEYS[3], members[i])
  end
end
if locked_until > 0 then return {locked_until, 0, 0} end

local locked = {0, 0}
for i = 1, 2 do
  if field(KEYS[i], 'count') >= limits[i] then
    locked_until = now + window
    redis.call('HSET', KEYS[i], 'until', locked_until, 'since', now, 'refused', 1)
    redis.call('ZADD', KEYS[3], locked_until, members[i])
    redis.call('PEXPIRE', KEYS[i], 2 * window)
    locked[i] = 1
  end
end
if locked_until > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  return {locked_until, locked[1], locked[2]}
end

for i = 1, 2 do
  redis.call('HSETNX', KEYS[i], 'first', now)
  redis.call('HINCRBY', KEYS[i], 'count', 1)
  redis.call('PEXPIRE', KEYS[i], 2 * window)
end
return {0, 0, 0}
"""

_SUCCEEDED = """
-- KEYS: the account's counter, the address's counter, the index of locks; ARGV: account member
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if tonumber(redis.call('HGET', KEYS[2], 'count') or '0') > 0 then
  redis.call('HINCRBY', KEYS[2], 'count', -1)
end
return 1
"""


class Counted(StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Sign-in is locked for this account or address until ``until`` (epoch seconds)."""

    until: float
    retry_after: int


@dataclass(frozen=True, slots=True)
class Lockout:
    kind: Counted
    name: str
    failures: int
    refused: int
    since: float
    until: float


def _member(kind: Counted, name: str) -> str:
    # No username is longer; longer names share the counter of their first characters, which
    # bounds the size of a key a stranger can make us store.
    return f"{kind}:{name[:USERNAME_LENGTH] if kind is Counted.ACCOUNT else name}"


class SignInThrottle:
    def __init__(self, redis: Redis, limits: SignInLimits, clock: Callable[[], float]) -> None:
        self._redis = redis
        self._limits = limits
        self._clock = clock
        self._attempt = redis.register_script(_ATTEMPT)
        self._succeeded = redis.register_script(_SUCCEEDED)

    async def attempt(self, username: str, address: str) -> Refusal | None:
        """Count an attempt before its password is checked; a refusal means: do not check it."""
        now = self._now_ms()
        members = (_member(Counted.ACCOUNT, username), _member(Counted.ADDRESS, address))
        until, account_locked, address_locked = await self._attempt(
            keys=[PREFIX + members[0], PREFIX + members[1], LOCKS],
            args=[
                now,
                self._limits.window * 1000,
                self._limits.per_account,
                self._limits.per_address,
                *members,
            ],
        )
        if not until:
            return None
        if account_locked:
            self._log_lock(Counted.ACCOUNT, username, self._limits.per_account)
        if address_locked:
            self._log_lock(Counted.ADDRESS, address, self._limits.per_address)
        return Refusal(until / 1000, max(1, math.ceil((until - now) / 1000)))

    async def succeeded(self, username: str, address: str) -> None:
        """The right password: the account starts afresh, and the address's count of failures
        loses this attempt again (its other failures stand)."""
        account = _member(Counted.ACCOUNT, username)
        await self._succeeded(
            keys=[PREFIX + account, PREFIX + _member(Counted.ADDRESS, address), LOCKS],
            args=[account],
        )

    async def lockouts(self) -> list[Lockout]:
        """Accounts and addresses locked now, the soonest to end first."""
        locked = await self._redis.zrangebyscore(LOCKS, f"({self._now_ms()}", "+inf")
        members = [str(member) for member in locked]
        async with self._redis.pipeline(transaction=False) as pipe:
            for member in members:
                pipe.hgetall(PREFIX + member)
            counters: list[dict[str, str]] = await pipe.execute()
        found = []
        for member, counter in zip(members, counters, strict=True):
            if "until" not in counter:
                continue
            kind, name = member.split(":", 1)
            found.append(
                Lockout(
                    kind=Counted(kind),
                    name=name,
                    failures=int(counter.get("count", 0)),
                    refused=int(counter.get("refused", 0)),
                    since=int(counter["since"]) / 1000,
                    until=int(counter["until"]) / 1000,
                )
            )
        return found

    async def clear(self, kind: Counted, name: str) -> bool:
        """Lift a lock and forget its failures; False when there was no lock."""
        member = _member(kind, name)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(LOCKS, member)
            pipe.delete(PREFIX + member)
            removed, _deleted = await pipe.execute()
        return bool(removed)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _log_lock(self, kind: Counted, name: str, limit: int) -> None:
        log.warning(
            "sign-in locked for %s %r after %d failed attempts, for %d s",
            kind.value,
            name,
            limit,
            self._limits.window,
        )
