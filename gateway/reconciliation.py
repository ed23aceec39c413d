"""Routing that cannot lose a case: every open case routing does not hold is routed again.

Routing state in Redis is derived from the store. A rebuild restores all of it after Redis lost
its data, but a single routing call can also fail on its own (a reset that outlasts the Redis
client's retries, a restart in the middle of a call): the store then has an open case routing
never heard of, or a case that turned hostile which routing still holds as calm. So every
replica compares the two every few seconds, and at once after one of its routing calls failed:
one query for the open cases, one round trip to Redis for what routing holds of them. A case
routing lost is enqueued again, the most pressing first (urgent, then hostile, then oldest); a
lost escalation is made again; either is written in the case's history.

Every replica may do it at the same moment: enqueueing a contact routing already holds changes
nothing, so one enqueue takes and only that replica records it. Cases changed in the last
``SETTLE`` are left to the routing call that is probably still under way for them (a new case
between its commit and its enqueue, a completed one between routing and its new status),
unless that call is known to have failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from redis.exceptions import RedisError

from gateway.case_routing import restored_contact_of
from gateway.store import CaseStore
from gateway.store.models import Case, utcnow
from gateway.store.repository import OPEN_STATUSES
from routing import ContactFlags, Router, RoutingError

log = logging.getLogger(__name__)

SETTLE = timedelta(seconds=3)
ACTOR = "reconciliation"


def most_pressing_first(case: Case) -> tuple[bool, bool, datetime]:
    return (not case.urgent, not case.hostile, case.created_at)


class Reconciler:
    def __init__(self, store: CaseStore, router: Router, *, every: float) -> None:
        self.store = store
        self.router = router
        self.every = every
        self._suspects: set[int] = set()
        self._wake = asyncio.Event()

    def soon(self, case_id: int | None = None) -> None:
        """A routing call just failed (for ``case_id``, if known): reconcile now, not at the next
        period, and that case even though it has only just changed."""
        if case_id is not None:
            self._suspects.add(case_id)
        self._wake.set()

    async def reconcile(self, now: datetime | None = None) -> int:
        """One pass; returns how many cases it routed again or escalated again."""
        if await self.router.needs_rebuild():
            return 0  # the rebuild restores every open case, with more than an enqueue knows
        suspects = set(self._suspects)
        settled = (now or utcnow()) - SETTLE
        async with self.store.transaction() as tx:
            cases = [c for c in await tx.open_cases() if c.updated_at < settled or c.id in suspects]
        held = await self.router.held([str(c.id) for c in cases])
        repaired = 0
        for case in sorted(cases, key=most_pressing_first):
            try:
                if await self._repair(case, held.get(str(case.id))):
                    repaired += 1
            except RoutingError as error:
                # The case moved on meanwhile (completed, withdrawn): nothing to repair.
                log.info("reconciling case %d: %s", case.id, type(error).__name__)
        self._suspects -= suspects
        return repaired

    async def _repair(self, case: Case, flags: ContactFlags | None) -> bool:
        contact_id = str(case.id)
        if flags is None:
            if case.assigned_agent_id is not None:
                return False  # routing restores an assignment only in a rebuild
            contact = replace(restored_contact_of(case, self.router), assignee=None)
            if not await self.router.enqueue(contact):
                return False  # another replica, or the call under way, was first
            return await self._record(case, "enqueued", withdraw_if_closed=True)
        if case.urgent and not flags.urgent:
            await self.router.mark_urgent(contact_id)
            return await self._record(case, "marked_urgent")
        if case.hostile and not flags.hostile:
            await self.router.mark_hostile(contact_id)
            return await self._record(case, "marked_hostile")
        return False

    async def _record(self, case: Case, action: str, *, withdraw_if_closed: bool = False) -> bool:
        """History says what reconciliation did. A case closed since it was read leaves routing
        again: its closing withdrew it, maybe before this enqueue."""
        async with self.store.transaction() as tx:
            current = await tx.session.get_one(Case, case.id)
            still_open = current.status in OPEN_STATUSES
            if still_open:
                await tx.record_event(current, "reconciled", ACTOR, {"action": action})
        if not still_open and withdraw_if_closed:
            await self.router.withdraw(str(case.id))
        log.info("reconciliation: case %d %s", case.id, action.replace("_", " "))
        return still_open

    async def run(self) -> None:
        """The worker loop of every replica; a failed pass is logged and the next one runs."""
        while True:
            try:
                await self.reconcile()
            except (RedisError, OSError) as error:
                log.warning("reconciliation: routing unreachable (%s)", type(error).__name__)
            except Exception:
                # The loop edge: the store being down must not stop reconciliation for good.
                log.exception("reconciliation failed; again in %.0f s", self.every)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.every):
                    await self._wake.wait()
            self._wake.clear()
