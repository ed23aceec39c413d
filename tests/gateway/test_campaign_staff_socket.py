"""The bad-input campaign against the staff WebSocket: a signed-in representative's page sends
any frames, text or binary, JSON or not. The socket answers ``ping`` with ``pong``, anything it
cannot take with an error frame, and stays open; nothing is logged with a traceback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient
from hypothesis import example, given
from hypothesis import strategies as st

from tests.gateway.staff_support import Staffing, StaffMember
from tests.support.bad_input import (
    ServerLog,
    as_json,
    deeply_nested,
    hostile_text,
    huge_number,
    json_values,
    server_log,
    shared_gateway,
)

pytestmark = pytest.mark.campaign

typing_frames = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["typing", "ping", "event", ""]),
        "case": st.one_of(st.sampled_from(["CS-000001", "CS-999999"]), json_values()),
    },
).map(as_json)
frames = st.one_of(
    typing_frames, json_values().map(as_json), hostile_text(), st.binary(max_size=64)
)


@pytest.fixture
def logged() -> Iterator[ServerLog]:
    with server_log() as log:
        yield log


@pytest.fixture
async def ana(chat_app: TestClient[Any, Any]) -> AsyncIterator[StaffMember]:
    """Signed in once: every example opens its own socket with the same session."""
    staffing = Staffing(chat_app)
    try:
        yield await staffing.signed_in("rep.ana")
    finally:
        await staffing.close()


@shared_gateway
@given(sent=st.lists(frames, min_size=1, max_size=4))
@example(sent=[deeply_nested()])
@example(sent=['{"type": "typing", "case": ' + huge_number() + "}"])
@example(sent=['{"type": "typing", "case": "CS-\\u0000\\ud800"}'])
async def test_every_frame_from_a_staff_page_is_answered_and_the_socket_stays_open(
    ana: StaffMember, logged: ServerLog, sent: list[str | bytes]
) -> None:
    logged.clear()
    socket = await ana.http.ws_connect(ana.url("/api/ws"))
    try:
        assert (await socket.receive_json(timeout=5))["type"] == "hello"
        for frame in sent:
            if isinstance(frame, bytes):
                await socket.send_bytes(frame)
            else:
                await socket.send_str(frame)
            await socket.send_str("ping")
            while (answer := await socket.receive(timeout=5)).data != "pong":
                assert answer.type is WSMsgType.TEXT, (answer.type, answer.data, frame)
                assert answer.json()["type"] in ("error", "event", "typing"), (answer, frame)
    finally:
        await socket.close()
    assert logged.tracebacks() == [], sent
