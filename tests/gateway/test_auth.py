"""Staff sign in with their own password; sessions, roles and CSRF tokens guard every action."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from gateway.auth import COOKIE, CSRF_HEADER, Staff, requires, sign_in, sign_out, staff_for
from gateway.demo import seed_demo
from gateway.store import CaseStore
from gateway.store.models import StaffSession, Tier, utcnow
from tests.gateway.conftest import ClientFactory

STORE = web.AppKey("store", CaseStore)


@pytest.fixture
async def demo_store(store: CaseStore) -> CaseStore:
    await seed_demo(store)
    return store


async def test_the_right_password_signs_in_and_the_session_is_found_again(
    demo_store: CaseStore,
) -> None:
    signed = await sign_in(demo_store, "senior.eva", "demo-senior")

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
    demo_store: CaseStore, username: str, password: str
) -> None:
    assert await sign_in(demo_store, username, password) is None


async def test_signing_out_or_expiry_ends_the_session(demo_store: CaseStore) -> None:
    first = await sign_in(demo_store, "rep.ana", "demo-rep")
    second = await sign_in(demo_store, "rep.ana", "demo-rep")
    assert first is not None and second is not None

    await sign_out(demo_store, first.token)
    async with demo_store.transaction() as tx:
        await tx.session.execute(
            update(StaffSession).values(expires_at=utcnow() - timedelta(seconds=1))
        )

    assert await staff_for(demo_store, first.token) is None
    assert await staff_for(demo_store, second.token) is None
    assert await staff_for(demo_store, "made-up") is None


async def test_tokens_are_stored_only_as_hashes(demo_store: CaseStore) -> None:
    signed = await sign_in(demo_store, "rep.ana", "demo-rep")
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
    client: TestClient[Any, Any], store: CaseStore, username: str, password: str
) -> str:
    signed = await sign_in(store, username, password)
    assert signed is not None
    client.session.cookie_jar.update_cookies({COOKIE: signed.token})
    return signed.staff.csrf_token


async def test_no_session_is_401(guarded: TestClient[Any, Any]) -> None:
    assert (await guarded.get("/lead")).status == 401


async def test_a_representative_cannot_use_a_leads_action(
    guarded: TestClient[Any, Any], demo_store: CaseStore
) -> None:
    csrf = await sign_in_as(guarded, demo_store, "rep.ana", "demo-rep")
    assert (await guarded.get("/lead")).status == 403
    assert (await guarded.post("/lead", headers={CSRF_HEADER: csrf})).status == 403


async def test_a_lead_acts_only_with_the_csrf_token(
    guarded: TestClient[Any, Any], demo_store: CaseStore
) -> None:
    csrf = await sign_in_as(guarded, demo_store, "lead.grace", "demo-lead")

    assert (await guarded.get("/lead")).status == 200
    assert (await guarded.post("/lead")).status == 403
    assert (await guarded.post("/lead", headers={CSRF_HEADER: "forged"})).status == 403
    response = await guarded.post("/lead", headers={CSRF_HEADER: csrf})
    assert response.status == 200
    assert await response.json() == {"username": "lead.grace"}
