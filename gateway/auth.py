"""Staff sign-in: argon2 password checks, sessions in the case store, CSRF tokens, roles.

The session cookie is HttpOnly and SameSite=Strict; every state-changing request must also
carry the session's CSRF token in ``X-CSRF-Token``, so a page on another site cannot act for a
signed-in representative.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from gateway.store import CaseStore, Transaction
from gateway.store.models import Agent, StaffSession, Tier, utcnow

COOKIE = "gw_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_LIFETIME = timedelta(hours=12)
SESSION_ENDED = 4401
"""The WebSocket close code a page sees when its session ended: sign in again, do not just
reconnect."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RANK = {Tier.REP: 0, Tier.SENIOR: 1, Tier.LEAD: 2}

PASSWORD_WORKERS = 2

_hasher = PasswordHasher()
# Checked against when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def _matches(stored_hash: str, password: str) -> bool:
    # A lone surrogate (a JSON escape like "\ud800") has no UTF-8 spelling; kept as it came, it
    # makes a wrong password like any other instead of an encoding error.
    try:
        return _hasher.verify(stored_hash, password.encode("utf-8", "surrogatepass"))
    except (VerificationError, InvalidHashError):
        return False


class PasswordChecks:
    """Argon2 checks in a small pool of their own threads.

    A check costs about a tenth of a second of CPU: on the event loop it would stall every
    socket of the replica, and in the shared default executor a flood of sign-ins could take
    every thread the rest of the app relies on. argon2-cffi releases the GIL while it hashes.
    """

    def __init__(self, workers: int = PASSWORD_WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="password")

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """No hash (no such user) is checked against a dummy one all the same, and fails."""
        loop = asyncio.get_running_loop()
        checked = _DUMMY_HASH if stored_hash is None else stored_hash
        matches = await loop.run_in_executor(self._pool, _matches, checked, password)
        return matches and stored_hash is not None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True, slots=True)
class Staff:
    agent_id: int
    username: str
    display_name: str
    tier: Tier
    csrf_token: str

    def at_least(self, tier: Tier) -> bool:
        return RANK[self.tier] >= RANK[tier]


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    staff: Staff


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def sign_in(
    store: CaseStore, passwords: PasswordChecks, username: str, password: str
) -> SignedIn | None:
    """No transaction stays open while the password is checked, which takes a while."""
    async with store.transaction() as tx:
        agent = await tx.session.scalar(
            select(Agent).where(Agent.username == username, Agent.active.is_(True))
        )
    matches = await passwords.verify(agent.password_hash if agent else None, password)
    if agent is None or not matches:
        return None
    async with store.transaction() as tx:
        return await open_session(tx, agent)


async def open_session(tx: Transaction, agent: Agent) -> SignedIn:
    """A new session for someone whose password was just checked; expired ones are dropped."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    tx.session.add(
        StaffSession(
            token_hash=token_digest(token),
            agent_id=agent.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await tx.session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    return SignedIn(token, _staff(agent, csrf))


async def staff_for(store: CaseStore, token: str | None) -> Staff | None:
    if not token:
        return None
    async with store.transaction() as tx:
        row = await tx.session.execute(
            select(StaffSession, Agent)
            .join(Agent, Agent.id == StaffSession.agent_id)
            .where(
                StaffSession.token_hash == token_digest(token),
                StaffSession.expires_at > utcnow(),
                Agent.active.is_(True),
            )
        )
        found = row.first()
    if found is None:
        return None
    session, agent = found
    return _staff(agent, session.csrf_token)


async def sign_out(store: CaseStore, token: str) -> None:
    async with store.transaction() as tx:
        await tx.session.execute(
            delete(StaffSession).where(StaffSession.token_hash == token_digest(token))
        )


def _staff(agent: Agent, csrf: str) -> Staff:
    return Staff(agent.id, agent.username, agent.display_name, agent.tier, csrf)


Handler = Callable[[web.Request, Staff], Awaitable[web.StreamResponse]]


def requires(
    tier: Tier, store_of: Callable[[web.Request], CaseStore]
) -> Callable[[Handler], Callable[[web.Request], Awaitable[web.StreamResponse]]]:
    """Guard a handler: 401 without a session, 403 below ``tier`` or without the CSRF token."""

    def decorate(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def guarded(request: web.Request) -> web.StreamResponse:
            staff = await staff_for(store_of(request), request.cookies.get(COOKIE))
            if staff is None:
                raise web.HTTPUnauthorized(text="sign in first", content_type="text/plain")
            if request.method not in SAFE_METHODS and not secrets.compare_digest(
                request.headers.get(CSRF_HEADER, ""), staff.csrf_token
            ):
                raise web.HTTPForbidden(
                    text="missing or wrong CSRF token", content_type="text/plain"
                )
            if not staff.at_least(tier):
                raise web.HTTPForbidden(
                    text=f"needs the {tier.value} role", content_type="text/plain"
                )
            return await handler(request, staff)

        return guarded

    return decorate
