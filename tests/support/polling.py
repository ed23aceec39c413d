"""Waiting for a state another task will reach, with a deadline instead of a fixed sleep."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    wanted: Callable[[T], bool],
    *,
    within: float = 10.0,
    every: float = 0.05,
) -> T:
    """Calls ``probe`` until its result is ``wanted``; fails after ``within`` seconds, showing
    the last result."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await probe()
        if wanted(result):
            return result
        assert loop.time() < deadline, f"still {result!r} after {within} s"
        await asyncio.sleep(every)
