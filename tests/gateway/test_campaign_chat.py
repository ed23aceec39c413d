"""The bad-input campaign against the customer chat socket: any hello, then any frames, text or
binary, JSON or not. The socket answers what it cannot take with an error frame whose code the
page can act on and stays open; nothing is logged with a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient
from hypothesis import example, given
from hypothesis import strategies as st

from channels.webchat_frames import MAX_FRAME_BYTES
from tests.gateway.chat_support import ORIGIN, WAIT, open_chat
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

MESSAGE_TOO_BIG = aiohttp.WSCloseCode.MESSAGE_TOO_BIG
ERROR_CODES = {"bad_frame", "hello_first", "empty", "too_long", "rate_limited", "not_accepted"}
HELLO_REFUSED = {"bad_frame", "hello_first"}

fields = {
    "type": st.sampled_from(["hello", "message", "typing", "", "HELLO", "welcome"]),
    "token": st.one_of(st.none(), hostile_text(max_size=80), json_values()),
    "last_seen": st.one_of(st.none(), st.integers(), json_values()),
    "id": st.one_of(st.uuids().map(str), hostile_text(max_size=70), json_values()),
    "text": st.one_of(hostile_text(max_size=300, repeat_up_to=2500), json_values()),
}
frame_objects = st.fixed_dictionaries({}, optional=fields).map(as_json)
text_frames = st.one_of(
    frame_objects,
    json_values().map(as_json),
    hostile_text(max_size=100),
)
frames = st.one_of(text_frames, st.binary(max_size=64))
hellos = st.one_of(
    st.builds(
        lambda token, last_seen: as_json({"type": "hello", "token": token, "last_seen": last_seen}),
        fields["token"],
        fields["last_seen"],
    ),
    text_frames,
)
VALID_HELLO = as_json({"type": "hello", "token": None, "last_seen": None})


@pytest.fixture
def logged() -> Iterator[ServerLog]:
    with server_log() as log:
        yield log


class Socket:
    """One customer's socket, and a probe that shows it still reads and answers frames."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.probes = 0

    async def send(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            await self.ws.send_bytes(frame)
        else:
            await self.ws.send_str(frame)

    async def answers(self) -> list[dict[str, Any]]:
        """Sends an empty message as a probe; returns the frames that came before its error.
        The socket reads frames in order, so whatever a frame sent earlier was answered with
        (other than replies, which come from the conversation later) arrives before it."""
        self.probes += 1
        probe_id = f"probe-{self.probes:04d}"
        await self.ws.send_str(as_json({"type": "message", "id": probe_id, "text": " "}))
        seen = []
        while True:
            received = await self.ws.receive(timeout=WAIT)
            assert received.type is WSMsgType.TEXT, (received.type, received.data, seen)
            frame = json.loads(received.data)
            if frame == {
                "type": "error",
                "code": "empty",
                "message": "a message needs some text",
                "id": probe_id,
            }:
                return seen
            seen.append(frame)


async def open_socket(client: TestClient[Any, Any]) -> aiohttp.ClientWebSocketResponse:
    return await client.ws_connect("/chat/ws", headers={"Origin": ORIGIN})


def error_codes(frames: list[dict[str, Any]]) -> set[str]:
    return {frame["code"] for frame in frames if frame.get("type") == "error"}


# A hello never reaches the store: the embedded backend is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@shared_gateway
@given(hello=hellos)
@example(hello=as_json({"type": "hello", "token": None, "last_seen": 2**63}))
@example(hello=as_json({"type": "hello", "token": "v1.x.1.y", "last_seen": 2**64 + 1}))
@example(hello=deeply_nested())
@example(hello='{"type": "hello", "last_seen": ' + huge_number() + "}")
async def test_any_hello_is_welcomed_or_refused_with_a_reason(
    chat_app: TestClient[Any, Any], logged: ServerLog, hello: str
) -> None:
    logged.clear()
    ws = await open_socket(chat_app)
    try:
        await ws.send_str(hello)
        first = await ws.receive(timeout=WAIT)
        if len(hello.encode()) > MAX_FRAME_BYTES:
            assert (first.type, first.data) == (WSMsgType.CLOSE, MESSAGE_TOO_BIG), hello
        else:
            assert first.type is WSMsgType.TEXT, (first, hello)
            answer = json.loads(first.data)
            if answer["type"] == "welcome":
                assert await Socket(ws).answers() == [], hello
            else:
                assert answer["type"] == "error", (answer, hello)
                assert answer["code"] in HELLO_REFUSED, (answer, hello)
                closed = await ws.receive(timeout=WAIT)
                assert closed.type is WSMsgType.CLOSE, (closed, hello)
    finally:
        await ws.close()
    assert logged.tracebacks() == [], hello


@shared_gateway
@given(sent=st.lists(frames, min_size=1, max_size=4))
@example(sent=[deeply_nested()])
@example(sent=['{"type": "message", "id": "' + "a" * 8 + '", "text": ' + huge_number() + "}"])
@example(sent=['{"type": "message", "id": "abcdefgh-0001", "text": "\\ud800 hi"}'])
@example(sent=['{"type": "message", "id": "abcdefgh-0002", "text": "bill\\u0000 please"}'])
async def test_every_frame_after_hello_is_taken_or_answered_with_an_error_code(
    chat_app: TestClient[Any, Any], logged: ServerLog, sent: list[str | bytes]
) -> None:
    logged.clear()
    ws = await open_socket(chat_app)
    socket = Socket(ws)
    try:
        await ws.send_str(VALID_HELLO)
        assert (await ws.receive_json(timeout=WAIT))["type"] == "welcome"
        for frame in sent:
            size = len(frame if isinstance(frame, bytes) else frame.encode())
            await socket.send(frame)
            if size > MAX_FRAME_BYTES:
                closed = await ws.receive(timeout=WAIT)
                assert (closed.type, closed.data) == (WSMsgType.CLOSE, MESSAGE_TOO_BIG), frame
                break
            answered = await socket.answers()
            assert error_codes(answered) <= ERROR_CODES, (answered, frame)
            assert {f["type"] for f in answered} <= {"message", "typing", "error"}, frame
    finally:
        await ws.close()
    assert logged.tracebacks() == [], sent


@shared_gateway
@given(last_seen=st.one_of(st.integers(), json_values()))
@example(last_seen=2**63)
@example(last_seen=-1)
async def test_a_returning_page_is_welcomed_back_whatever_it_says_it_saw(
    chat_app: TestClient[Any, Any], logged: ServerLog, last_seen: Any
) -> None:
    logged.clear()
    first = await open_chat(chat_app)
    await first.close()
    ws = await open_socket(chat_app)
    try:
        await ws.send_str(as_json({"type": "hello", "token": first.token, "last_seen": last_seen}))
        answer = await ws.receive_json(timeout=WAIT)
        if answer["type"] == "welcome":
            assert answer["session"] == first.session
            assert error_codes(await Socket(ws).answers()) == set(), last_seen
        else:
            assert answer == {**answer, "type": "error", "code": "bad_frame"}, last_seen
    finally:
        await ws.close()
    assert logged.tracebacks() == [], last_seen
