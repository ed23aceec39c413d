"""Background loops of a replica, and stopping them for certain at shutdown.

Python 3.11's ``asyncio.wait_for`` and ``asyncio.timeout`` can swallow a cancellation that races
their own timeout, and every loop here waits with a timeout (Redis reads, polls, sleeps). One
``cancel()`` is then not always the end of a loop, and shutdown would wait on it for ever; so a
loop that outlives a cancellation is cancelled again until it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any

RECANCEL_EVERY = 0.5


async def stop(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` until it has ended; an error it ended with is raised here."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RECANCEL_EVERY)
    with contextlib.suppress(asyncio.CancelledError):
        await task


@contextlib.asynccontextmanager
async def in_background(*loops: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Run ``loops`` while the block runs; stop them all when it ends."""
    tasks = [asyncio.create_task(loop) for loop in loops]
    try:
        yield
    finally:
        for task in tasks:
            await stop(task)
