"""Loads the Lua scripts and registers them with a Redis client.

Each script is sent as the key prelude, then scripts/lib.lua, then its own body: Redis scripts
cannot call each other, and this keeps one copy of the shared steps (offer, dispatch, requeue).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from routing.keys import lua_prelude


def _read(name: str) -> str:
    return resources.files("routing").joinpath("scripts", f"{name}.lua").read_text("utf-8")


def source(name: str) -> str:
    return lua_prelude() + _read("lib") + _read(name)


@dataclass(frozen=True, slots=True)
class Scripts:
    enqueue: AsyncScript
    dispatch: AsyncScript
    accept: AsyncScript
    decline: AsyncScript
    complete: AsyncScript
    withdraw: AsyncScript
    transfer: AsyncScript
    escalate: AsyncScript
    reclassify: AsyncScript
    presence: AsyncScript
    upsert_agent: AsyncScript
    tick: AsyncScript
    rebuild: AsyncScript
    unlock: AsyncScript
    stats: AsyncScript

    @classmethod
    def register(cls, redis: Redis) -> Scripts:
        """redis-py runs them by SHA and reloads one a restarted server no longer has."""
        names = cls.__dataclass_fields__
        return cls(**{name: redis.register_script(source(name)) for name in names})
