"""A staff WebSocket lives only as long as its session: it closes when the session expires or is
signed out, on whichever replica. Embedded and with services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from gateway.app import create_app
from gateway.auth import SESSION_ENDED
from gateway.demo import seed_demo
from gateway.settings import Settings
from gateway.store import CaseStore
from gateway.store.models import StaffSession, utcnow
from nlp.model import NlpModel
from tests.gateway.conftest import ClientFactory
from tests.gateway.staff_support import LiveFeed, Staffing, StaffMember

RECHECK = 0.05


@pytest.fixture
def quick_settings(settings: Settings) -> Settings:
    """Sockets recheck their session every 50 ms, so an ended session shows at once."""
    return replace(settings, staff_socket_recheck=RECHECK)


@pytest.fixture
async def staffing(
    aiohttp_client: ClientFactory, quick_settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> AsyncIterator[Staffing]:
    await seed_demo(store)
    client = await aiohttp_client(create_app(quick_settings, analyze=nlp_model.analyze))
    staffing = Staffing(client)
    try:
        yield staffing
    finally:
        await staffing.close()


async def closing_code(feed: LiveFeed) -> int | None:
    message = await feed.socket.receive(timeout=5)
    assert message.type is WSMsgType.CLOSE, message
    return feed.socket.close_code


async def test_the_live_feed_closes_when_the_session_expires(
    staffing: Staffing, store: CaseStore
) -> None:
    ana = await staffing.signed_in("rep.ana")

    async with ana.live() as feed:
        async with store.transaction() as tx:
            await tx.session.execute(
                update(StaffSession).values(expires_at=utcnow() - timedelta(seconds=1))
            )
        code = await closing_code(feed)

    assert code == SESSION_ENDED
    assert (await ana.get("/api/me")).status == 401


async def test_the_live_feed_closes_when_the_session_is_signed_out_on_another_replica(
    staffing: Staffing,
    aiohttp_client: ClientFactory,
    quick_settings: Settings,
    nlp_model: NlpModel,
) -> None:
    ana = await staffing.signed_in("rep.ana")
    other: TestClient[Any, Any] = await aiohttp_client(
        create_app(quick_settings, analyze=nlp_model.analyze)
    )
    ana_on_other = StaffMember(other, ana.http, ana.csrf)

    async with ana.live() as feed:
        signed_out = await ana_on_other.request("DELETE", "/api/session")
        code = await closing_code(feed)

    assert signed_out.status == 200
    assert code == SESSION_ENDED


async def test_a_live_session_keeps_its_feed_open(staffing: Staffing) -> None:
    ana = await staffing.signed_in("rep.ana")

    async with ana.live() as feed:
        await feed.socket.send_str("ping")
        first = await feed.socket.receive_str(timeout=5)
        quiet = await feed.nothing_more(wait=RECHECK * 10)

    assert first == "pong"
    assert quiet == []


async def test_signing_out_one_browser_leaves_the_same_persons_other_browser_live(
    staffing: Staffing,
) -> None:
    at_desk = await staffing.signed_in("rep.ana")
    on_laptop = await staffing.signed_in("rep.ana")

    async with at_desk.live() as desk_feed, on_laptop.live() as laptop_feed:
        await at_desk.request("DELETE", "/api/session")
        code = await closing_code(desk_feed)
        await laptop_feed.socket.send_str("ping")
        answer = await laptop_feed.socket.receive_str(timeout=5)

    assert code == SESSION_ENDED
    assert answer == "pong"
    assert (await on_laptop.get("/api/me")).status == 200


@pytest.mark.parametrize(
    "frame",
    ["[" * 5000 + "]" * 5000, '{"type": "typing", "case": ' + "9" * 5000 + "}"],
    ids=["nested 5,000 deep", "a 5,000-digit number"],
)
async def test_a_frame_it_cannot_read_is_answered_with_an_error_and_the_feed_stays_open(
    staffing: Staffing, frame: str
) -> None:
    ana = await staffing.signed_in("rep.ana")

    async with ana.live() as feed:
        await feed.socket.send_str(frame)
        refused = await feed.next()
        await feed.socket.send_str("ping")
        answer = await feed.socket.receive_str(timeout=5)

    assert refused["type"] == "error"
    assert answer == "pong"
