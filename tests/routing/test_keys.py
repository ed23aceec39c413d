"""The keyspace is written once: the Lua scripts and Python build the same keys."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from routing.keys import TEMPLATES, Keyspace, lua_prelude


async def test_lua_and_python_build_the_same_keys(redis: Redis) -> None:
    keys = Keyspace("routing")
    calls = ", ".join(
        f"K.{name}({', '.join(repr(f'x{i}') for i in range(template.count('{}')))})"
        for name, template in TEMPLATES.items()
    )
    script = redis.register_script(lua_prelude() + f"return {{{calls}}}")

    from_lua = await script(keys=[keys.root])

    from_python = [
        f"{keys.root}:{template.format(*(f'x{i}' for i in range(template.count('{}'))))}"
        for template in TEMPLATES.values()
    ]
    assert from_lua == from_python
    assert keys.contact("x0") in from_lua and keys.work("x0") in from_lua


def test_every_key_carries_one_hash_tag_for_redis_cluster() -> None:
    assert Keyspace("routing").contact("42") == "{routing}:c:42"
    with pytest.raises(ValueError):
        Keyspace("{routing}")
