"""Staff sign in with their own password, checked off the event loop; sessions, roles and CSRF
tokens guard every action."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from sqlalchemy import update

from gateway.app import create_app
from gateway.auth import (
    COOKIE,
    CSRF_HEADER,
    PASSWORD_WORKERS,
    PasswordChecks,
    Staff,
    requires,
    sign_in,
    sign_out,
    staff_for,
)
from gateway.demo import seed_demo
from gateway.settings import Settings
from gateway.store import CaseStore
from gateway.store.models import StaffSession, Tier, utcnow
from nlp.model import NlpModel
from tests.gateway.conftest import ClientFactory

STORE = web.AppKey("store", CaseStore)


@pytest.fixture
async def demo_store(store: CaseStore) -> CaseStore:
    await seed_demo(store)
    return store


@pytest.fixture
def passwords() -> Iterator[PasswordChecks]:
    checks = PasswordChecks()
    yield checks
    checks.close()


async def test_the_right_password_signs_in_and_the_session_is_found_again(
    demo_store: CaseStore, passwords: PasswordChecks
) -> None:
    signed = await sign_in(demo_store, passwords, "senior.eva", "demo-senior")

    assert signed is not None and signed.staff.tier is Tier.SENIOR
    assert await staff_for(demo_store, signed.token) == signed.staff


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("senior.eva", "wrong"),
        ("nobody", "demo-senior"),
        ("senior.eva", ""),
        ("senior.eva", "\ud800"),
        ("senior.eva\x00", "demo-senior"),
        ("\ud800", "demo-senior"),
    ],
)
async def test_a_wrong_password_or_unknown_name_signs_no_one_in(
    demo_store: CaseStore, passwords: PasswordChecks, username: str, password: str
) -> None:
    assert await sign_in(demo_store, passwords, username, password) is None


async def test_signing_out_or_expiry_ends_the_session(
    demo_store: CaseStore, passwords: PasswordChecks
) -> None:
    first = await sign_in(demo_store, passwords, "rep.ana", "demo-rep")
    second = await sign_in(demo_store, passwords, "rep.ana", "demo-rep")
    assert first is not None and second is not None

    await sign_out(demo_store, first.token)
    async with demo_store.transaction() as tx:
        await tx.session.execute(
            update(StaffSession).values(expires_at=utcnow() - timedelta(seconds=1))
        )

    assert await staff_for(demo_store, first.token) is None
    assert await staff_for(demo_store, second.token) is None
    assert await staff_for(demo_store, "made-up") is None


async def test_tokens_are_stored_only_as_hashes(
    demo_store: CaseStore, passwords: PasswordChecks
) -> None:
    signed = await sign_in(demo_store, passwords, "rep.ana", "demo-rep")
    assert signed is not None
    async with demo_store.transaction() as tx:
        assert await tx.session.get(StaffSession, signed.token) is None


@pytest.fixture
async def guarded(aiohttp_client: ClientFactory, demo_store: CaseStore) -> TestClient[Any, Any]:
    async def whoami(request: web.Request, staff: Staff) -> web.Response:
        return web.json_response({"username": staff.username})

    app = web.Application()
    app[STORE] = demo_store
    lead_only = requires(Tier.LEAD, lambda r: r.app[STORE])
    app.router.add_get("/lead", lead_only(whoami))
    app.router.add_post("/lead", lead_only(whoami))
    return await aiohttp_client(app)


async def sign_in_as(
    client: TestClient[Any, Any],
    store: CaseStore,
    passwords: PasswordChecks,
    username: str,
    password: str,
) -> str:
    signed = await sign_in(store, passwords, username, password)
    assert signed is not None
    client.session.cookie_jar.update_cookies({COOKIE: signed.token})
    return signed.staff.csrf_token


async def test_no_session_is_401(guarded: TestClient[Any, Any]) -> None:
    assert (await guarded.get("/lead")).status == 401


async def test_a_representative_cannot_use_a_leads_action(
    guarded: TestClient[Any, Any], demo_store: CaseStore, passwords: PasswordChecks
) -> None:
    csrf = await sign_in_as(guarded, demo_store, passwords, "rep.ana", "demo-rep")
    assert (await guarded.get("/lead")).status == 403
    assert (await guarded.post("/lead", headers={CSRF_HEADER: csrf})).status == 403


async def test_a_lead_acts_only_with_the_csrf_token(
    guarded: TestClient[Any, Any], demo_store: CaseStore, passwords: PasswordChecks
) -> None:
    csrf = await sign_in_as(guarded, demo_store, passwords, "lead.grace", "demo-lead")

    assert (await guarded.get("/lead")).status == 200
    assert (await guarded.post("/lead")).status == 403
    assert (await guarded.post("/lead", headers={CSRF_HEADER: "forged"})).status == 403
    response = await guarded.post("/lead", headers={CSRF_HEADER: csrf})
    assert response.status == 200
    assert await response.json() == {"username": "lead.grace"}


async def test_password_checks_leave_the_event_loop_free(
    aiohttp_client: ClientFactory,
    settings: Settings,
    demo_store: CaseStore,
    nlp_model: NlpModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each check is held until /healthz has answered: only a check made off the event loop
    lets it answer meanwhile."""
    release, started = threading.Event(), threading.Semaphore(0)
    held: list[str] = []
    verify = PasswordHasher.verify

    def held_verify(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        held.append(threading.current_thread().name)
        started.release()
        release.wait(timeout=3)
        held.pop()
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", held_verify)
    client = await aiohttp_client(create_app(settings, analyze=nlp_model.analyze))
    signing_in = [
        asyncio.create_task(
            client.post("/api/session", json={"username": "lead.grace", "password": "demo-lead"})
        )
        for _ in range(4)
    ]
    for _ in range(PASSWORD_WORKERS):
        assert await asyncio.to_thread(started.acquire, timeout=10)

    health = await client.get("/healthz")
    checks_held_meanwhile = len(held)
    release.set()
    answers = await asyncio.gather(*signing_in)

    assert health.status == 200
    assert checks_held_meanwhile == PASSWORD_WORKERS
    assert [a.status for a in answers] == [201] * 4
