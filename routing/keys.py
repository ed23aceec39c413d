"""The Redis keyspace, written once and rendered for both Python and the Lua scripts.

Every key starts with the hash tag `{prefix}`, so a Redis Cluster keeps them in one slot and a
script may touch any of them. routing/README.md explains what each key holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# name -> template below the root; each `{}` is one argument, in order.
TEMPLATES: Mapping[str, str] = MappingProxyType(
    {
        "epoch": "epoch",
        "rebuild_lock": "rebuild-lock",
        "seq": "seq",
        "contact": "c:{}",
        "skip": "c:{}:skip",
        "lane": "lane:{}",
        "lanes": "lanes",
        "offers": "offers",
        "timers": "timers",
        "agent": "a:{}",
        "work": "a:{}:work",
        "agents": "agents",
        "free_by_skill": "free:{}:skill:{}",
        "free_by_tier": "free:{}:tier:{}",
        "sla": "sla",
    }
)


class Keyspace:
    """The keys Python reads directly; the scripts build all of them from the same templates."""

    def __init__(self, prefix: str) -> None:
        if not prefix or any(char in prefix for char in "{}: "):
            raise ValueError(f"key prefix {prefix!r} must be a plain word")
        self.root = "{" + prefix + "}"

    def _key(self, name: str, *parts: str) -> str:
        return f"{self.root}:{TEMPLATES[name].format(*parts)}"

    def epoch(self) -> str:
        return self._key("epoch")

    def rebuild_lock(self) -> str:
        return self._key("rebuild_lock")

    def contact(self, contact_id: str) -> str:
        return self._key("contact", contact_id)

    def lanes(self) -> str:
        return self._key("lanes")

    def offers(self) -> str:
        return self._key("offers")

    def agent(self, agent_id: str) -> str:
        return self._key("agent", agent_id)

    def work(self, agent_id: str) -> str:
        return self._key("work", agent_id)

    def pattern(self) -> str:
        """Matches every routing key, for tests that check nothing is left behind."""
        return self.root + ":*"


def lua_prelude() -> str:
    """Lua functions `K.<name>(...)` building the same keys from `KEYS[1]`, the root."""
    lines = ["local ROOT = KEYS[1]", "local K = {}"]
    for name, template in TEMPLATES.items():
        pieces = template.split("{}")
        params = [f"p{i}" for i in range(len(pieces) - 1)]
        expr = ["ROOT", repr(":" + pieces[0])]
        for param, piece in zip(params, pieces[1:], strict=True):
            expr.append(param)
            if piece:
                expr.append(repr(piece))
        lines.append(f"function K.{name}({', '.join(params)}) return {' .. '.join(expr)} end")
    return "\n".join(lines) + "\n"
