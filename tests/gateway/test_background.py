"""Stopping background loops at shutdown, even a loop that survives one cancellation (Python
3.11's ``wait_for`` and ``asyncio.timeout`` can swallow a cancel that races their timeout)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from gateway.background import in_background, stop


async def test_a_loop_that_swallows_a_cancellation_is_still_stopped() -> None:
    waiting = asyncio.Event()
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                waiting.set()
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed += 1

    task = asyncio.create_task(stubborn())
    await waiting.wait()

    await stop(task)

    assert task.cancelled()
    assert swallowed == 1


async def test_a_polling_loop_woken_as_it_is_cancelled_is_still_stopped() -> None:
    """The outbox relay's shape: on Python 3.11, ``wait_for`` returns normally when its event is
    set in the same moment as the cancellation, and the loop polls on."""
    wake = asyncio.Event()

    async def polling() -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), 0.5)
            wake.clear()

    task = asyncio.create_task(polling())
    await asyncio.sleep(0)
    wake.set()

    await stop(task)

    assert task.cancelled()


async def test_an_error_a_loop_ended_with_is_raised_when_it_is_stopped() -> None:
    async def broken() -> None:
        raise LookupError("no such queue")

    task = asyncio.create_task(broken())
    await asyncio.wait({task})

    with pytest.raises(LookupError):
        await stop(task)


async def test_loops_run_while_the_block_runs_and_end_with_it() -> None:
    ticks: list[int] = []
    ticked = asyncio.Event()

    async def ticking() -> None:
        while True:
            ticks.append(len(ticks))
            ticked.set()
            await asyncio.sleep(0)

    async with in_background(ticking()):
        await ticked.wait()
    seen = len(ticks)
    await asyncio.sleep(0)

    assert seen > 0
    assert len(ticks) == seen
