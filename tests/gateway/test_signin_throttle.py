"""Sign-in is throttled per account and per address: after too many failures it answers 429 with
Retry-After, without checking the password, until the window has passed or a lead lifts the
lock. Time is the clock handed to the app, moved by the tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from gateway.app import create_app
from gateway.demo import seed_demo
from gateway.settings import Settings
from gateway.store import CaseStore
from nlp.model import NlpModel
from tests.gateway.conftest import ClientFactory
from tests.gateway.staff_support import Answer, Staffing, StaffMember

WINDOW = 15 * 60
ELSEWHERE = "127.0.0.2"


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def _gateway(
    aiohttp_client: ClientFactory, settings: Settings, nlp_model: NlpModel, clock: Clock
) -> TestClient[Any, Any]:
    return await aiohttp_client(create_app(settings, analyze=nlp_model.analyze, clock=clock))


@pytest.fixture
async def staffing(
    aiohttp_client: ClientFactory,
    settings: Settings,
    store: CaseStore,
    nlp_model: NlpModel,
    clock: Clock,
) -> AsyncIterator[Staffing]:
    """Browsers on a gateway with the demo staff and the default limits (5 per account, 20 per
    address, 15 minutes)."""
    await seed_demo(store)
    staffing = Staffing(await _gateway(aiohttp_client, settings, nlp_model, clock))
    try:
        yield staffing
    finally:
        await staffing.close()


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The hash of every argon2 check made, in order (the check itself still runs)."""
    checked: list[str] = []
    verify = PasswordHasher.verify

    def counted(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        checked.append(str(hash))
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    yield checked


def locked_out(answer: Answer, retry_after: range) -> bool:
    return (
        answer.status == 429
        and answer.body["retry_after"] in retry_after
        and answer.error is not None
        and answer.error.startswith("too many failed sign-ins: try again in ")
    )


async def attempts(member: StaffMember, username: str, password: str, times: int) -> list[Answer]:
    return [await member.sign_in(username, password) for _ in range(times)]


async def test_after_five_failures_even_the_right_password_is_refused_without_a_check(
    staffing: Staffing, password_checks: list[str]
) -> None:
    stranger = staffing.browser()

    answers = await attempts(stranger, "rep.ana", "guess", 300)
    right = await stranger.sign_in("rep.ana", "demo-rep")

    assert [a.status for a in answers[:5]] == [401] * 5
    assert all(locked_out(a, range(WINDOW - 1, WINDOW + 1)) for a in answers[5:])
    assert locked_out(right, range(WINDOW - 1, WINDOW + 1))
    assert len(password_checks) == 5
    async with stranger.http.post(
        stranger.url("/api/session"), json={"username": "rep.ana", "password": "demo-rep"}
    ) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == str((await response.json())["retry_after"])


async def test_the_lock_ends_a_window_after_it_began_and_refusals_do_not_extend_it(
    staffing: Staffing, clock: Clock
) -> None:
    ana = staffing.browser()
    await attempts(ana, "rep.ana", "guess", 6)

    clock.advance(WINDOW - 100)
    still = await ana.sign_in("rep.ana", "demo-rep")
    clock.advance(100)
    after = await ana.sign_in("rep.ana", "demo-rep")

    assert locked_out(still, range(100, 101))
    assert after.status == 201


async def test_a_success_starts_the_account_afresh(staffing: Staffing) -> None:
    ana = staffing.browser()

    before = await attempts(ana, "rep.ana", "guess", 4)
    signed_in = await ana.sign_in("rep.ana", "demo-rep")
    after = await attempts(ana, "rep.ana", "guess", 6)

    assert [a.status for a in before] == [401] * 4
    assert signed_in.status == 201
    assert [a.status for a in after[:5]] == [401] * 5
    assert locked_out(after[5], range(WINDOW - 1, WINDOW + 1))


async def test_an_unknown_username_is_throttled_exactly_like_a_real_one(
    staffing: Staffing,
) -> None:
    stranger = staffing.browser()

    real = await attempts(stranger, "rep.ana", "guess", 6)
    unknown = await attempts(stranger, "rep.nobody", "guess", 6)

    assert [a.status for a in unknown] == [a.status for a in real] == [401] * 5 + [429]
    assert [(a.status, a.body) for a in unknown[:5]] == [(a.status, a.body) for a in real[:5]]
    assert unknown[5].body.keys() == real[5].body.keys()


async def test_one_address_is_locked_after_twenty_failures_whatever_the_usernames(
    staffing: Staffing, password_checks: list[str]
) -> None:
    sprayer, colleague = staffing.browser(), staffing.browser(ELSEWHERE)

    spray = [await sprayer.sign_in(f"user{n}", "guess") for n in range(20)]
    refused = await sprayer.sign_in("lead.grace", "demo-lead")
    elsewhere = await colleague.sign_in("lead.grace", "demo-lead")

    assert [a.status for a in spray] == [401] * 20
    assert locked_out(refused, range(WINDOW - 1, WINDOW + 1))
    assert elsewhere.status == 201
    assert len(password_checks) == 21


async def test_a_lead_sees_the_lockouts_and_lifts_one(
    staffing: Staffing, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    stranger = staffing.browser()
    with caplog.at_level(logging.WARNING, logger="gateway.signin_throttle"):
        await attempts(stranger, "rep.ana", "s3cret-guess", 8)
    grace = staffing.browser(ELSEWHERE)
    assert (await grace.sign_in("lead.grace")).status == 201
    chen = await staffing.signed_in("rep.chen")
    eva = await staffing.signed_in("senior.eva")

    clock.advance(60)
    seen = await grace.get("/api/console/lockouts")

    assert seen.status == 200
    [lock] = seen.body["lockouts"]
    assert lock["kind"] == "account" and lock["name"] == "rep.ana"
    assert (lock["failures"], lock["refused"]) == (5, 3)
    assert lock["since"] < lock["until"]
    assert (await chen.get("/api/console/lockouts")).status == 403
    assert (await eva.get("/api/console/lockouts")).status == 403
    assert "rep.ana" in caplog.text and "s3cret-guess" not in caplog.text

    unlock = {"kind": "account", "name": "rep.ana"}
    assert (
        await grace.request("POST", "/api/console/lockouts/clear", unlock, csrf=False)
    ).status == 403
    assert (await grace.post("/api/console/lockouts/clear", unlock)).status == 200
    assert (await grace.get("/api/console/lockouts")).body == {"lockouts": []}
    assert (await grace.post("/api/console/lockouts/clear", unlock)).status == 404
    assert (await stranger.sign_in("rep.ana", "demo-rep")).status == 201


async def test_replicas_share_the_counts(
    aiohttp_client: ClientFactory,
    settings: Settings,
    staffing: Staffing,
    nlp_model: NlpModel,
    clock: Clock,
) -> None:
    if settings.redis_url is None:
        pytest.skip("replicas share counts only through a real Redis")
    other = Staffing(await _gateway(aiohttp_client, settings, nlp_model, clock))
    try:
        await attempts(staffing.browser(), "rep.ana", "guess", 5)
        on_the_other_replica = await other.browser().sign_in("rep.ana", "demo-rep")
    finally:
        await other.close()

    assert locked_out(on_the_other_replica, range(WINDOW - 1, WINDOW + 1))


async def test_without_its_counters_sign_in_refuses_with_503(
    aiohttp_client: ClientFactory, store: CaseStore, settings: Settings, nlp_model: NlpModel
) -> None:
    if settings.redis_url is None:
        pytest.skip("the in-process Redis cannot be unreachable")
    await seed_demo(store)
    unreachable = Settings(database_url=settings.database_url, redis_url="redis://127.0.0.1:9/0")
    staffing = Staffing(await _gateway(aiohttp_client, unreachable, nlp_model, Clock()))
    try:
        answer = await staffing.browser().sign_in("lead.grace")
    finally:
        await staffing.close()

    assert answer.status == 503
