"""The web chat adapter: signed session tokens, strict frames, origin, size and rate limits
(per session, per network address and overall), and a real WebSocket served on loopback with the
gateway's side reduced to a stand-in."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from channels import Channel, InboundMessage
from channels.webchat import (
    BUSY,
    OUTGOING_LIMIT,
    WebChat,
    WebChatSettings,
    client_id_of,
    message_key,
)
from channels.webchat_frames import (
    MAX_TEXT_CHARS,
    ChatText,
    FrameError,
    Hello,
    MessageFrame,
    Typing,
    message_frame,
    parse_client_frame,
    typing,
)
from channels.webchat_limits import (
    Admission,
    ChatLimits,
    Limit,
    RateLimiter,
    address_key,
)
from channels.webchat_tokens import DEFAULT_TTL, TokenSigner

SECRET = "a-test-secret-of-enough-length"
ORIGIN = "https://www.utility.example"
AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- tokens ----------------------------------------------------------------------------------


def test_a_token_names_the_session_it_was_issued_for() -> None:
    signer = TokenSigner(SECRET)
    session = signer.new_session()

    verified = signer.verify(signer.issue(session.session_id))

    assert verified is not None and verified.session_id == session.session_id


def test_new_sessions_never_share_an_id() -> None:
    signer = TokenSigner(SECRET)
    assert len({signer.new_session().session_id for _ in range(1000)}) == 1000


def test_a_token_with_another_session_id_spliced_in_is_refused() -> None:
    signer = TokenSigner(SECRET)
    mine, theirs = signer.new_session().session_id, signer.new_session().session_id
    version, _, issued, signature = signer.issue(mine).split(".")

    assert signer.verify(f"{version}.{theirs}.{issued}.{signature}") is None


def test_a_token_signed_with_another_secret_is_refused() -> None:
    forger = TokenSigner("someone-elses-secret-entirely")
    assert TokenSigner(SECRET).verify(forger.issue("victim-session")) is None


def test_a_token_with_a_changed_issue_time_is_refused() -> None:
    signer = TokenSigner(SECRET)
    version, session_id, issued, signature = signer.issue("s1").split(".")

    assert signer.verify(f"{version}.{session_id}.{int(issued) + 3600}.{signature}") is None


def test_a_token_expires_after_its_time_to_live() -> None:
    clock = FakeClock()
    signer = TokenSigner(SECRET, clock=clock)
    token = signer.issue("s1")

    clock.now += DEFAULT_TTL - 1
    assert signer.verify(token) is not None
    clock.now += 2
    assert signer.verify(token) is None


def test_a_token_issued_in_the_future_beyond_clock_skew_is_refused() -> None:
    clock = FakeClock()
    token = TokenSigner(SECRET, clock=FakeClock(clock.now + 3600)).issue("s1")
    assert TokenSigner(SECRET, clock=clock).verify(token) is None


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "v1",
        "v1.s1.123",
        "v2.s1.123.abc",
        "v1..123.abc",
        "v1.s1.x.abc",
        "v1.s1.\u00b2.abc",
        "v1.s1.+123.abc",
        "x" * 500,
    ],
)
def test_malformed_tokens_are_refused(token: str | None) -> None:
    assert TokenSigner(SECRET).verify(token) is None


def test_a_short_secret_is_not_accepted() -> None:
    with pytest.raises(ValueError, match="16 characters"):
        TokenSigner("short")


# --- frames ----------------------------------------------------------------------------------


def test_hello_carries_the_token_and_the_last_message_seen() -> None:
    assert parse_client_frame('{"type":"hello","token":"t","last_seen":41}') == Hello("t", 41)
    assert parse_client_frame('{"type":"hello","token":null,"last_seen":null}') == Hello(None, None)


def test_a_message_carries_the_clients_id_and_the_text_as_typed() -> None:
    frame = parse_client_frame('{"type":"message","id":"0b7c-11aa-22bb","text":"  hi\\nthere "}')
    assert frame == ChatText("0b7c-11aa-22bb", "  hi\nthere ")


def test_typing_is_a_frame_of_its_own() -> None:
    assert parse_client_frame('{"type":"typing"}') == Typing()


def test_a_message_of_exactly_the_limit_is_accepted_and_one_more_character_is_not() -> None:
    at_limit = parse_client_frame(_message("x" * MAX_TEXT_CHARS))
    assert isinstance(at_limit, ChatText)

    with pytest.raises(FrameError) as refused:
        parse_client_frame(_message("x" * (MAX_TEXT_CHARS + 1), client_id="c0ffee00-1"))
    assert refused.value.code == "too_long"
    assert refused.value.client_id == "c0ffee00-1"


def test_a_blank_message_is_refused_as_empty() -> None:
    with pytest.raises(FrameError) as refused:
        parse_client_frame(_message(" \n\t "))
    assert refused.value.code == "empty"


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2]",
        '{"type":"shout"}',
        '{"type":"message","id":"short","text":"hi"}',
        '{"type":"message","id":"<script>alert(1)</script>","text":"hi"}',
        '{"type":"message","id":"0b7c-11aa-22bb","text":5}',
        '{"type":"hello","token":7,"last_seen":null}',
        '{"type":"hello","token":null,"last_seen":-1}',
        '{"type":"hello","token":null,"last_seen":true}',
        f'{{"type":"hello","token":null,"last_seen":{2**63}}}',
        '{"type":"hello","token":null,"last_seen":' + "9" * 5000 + "}",
        "[" * 5000 + "]" * 5000,
        '{"type":"message","id":"0b7c-11aa-22bb","text":' + "[" * 5000 + "]" * 5000 + "}",
    ],
)
def test_frames_outside_the_protocol_are_bad_frames(raw: str) -> None:
    with pytest.raises(FrameError) as refused:
        parse_client_frame(raw)
    assert refused.value.code == "bad_frame"


# --- rate limit ------------------------------------------------------------------------------


def test_the_rate_limit_allows_five_messages_in_ten_seconds_per_session() -> None:
    clock = FakeClock(0.0)
    limiter = RateLimiter(Limit(5, 10.0), clock)

    assert [limiter.allow("a") for _ in range(6)] == [True] * 5 + [False]
    assert limiter.allow("b")
    clock.now = 9.9
    assert not limiter.allow("a")
    clock.now = 10.0
    assert limiter.allow("a")


def test_the_rate_limit_forgets_sessions_idle_for_a_whole_window() -> None:
    clock = FakeClock(0.0)
    limiter = RateLimiter(Limit(5, 10.0), clock)
    for n in range(RateLimiter.SWEEP_EVERY - 1):
        limiter.allow(f"session-{n}")
    assert limiter.tracked() == RateLimiter.SWEEP_EVERY - 1

    clock.now = 10.0
    limiter.allow("active")

    assert limiter.tracked() == 1


def test_an_ipv6_client_is_counted_by_its_64_and_an_ipv4_client_by_its_address() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9")
    assert address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.7") == address_key("203.0.113.7") == "203.0.113.7"
    assert address_key(None) == address_key("not an address") == "unknown"


def test_a_limit_needs_a_count_and_a_window() -> None:
    with pytest.raises(ValueError):
        Limit(0, 10.0)
    with pytest.raises(ValueError):
        Limit(5, 0.0)


def test_new_sessions_are_limited_per_address_and_overall() -> None:
    admission = Admission(
        ChatLimits(sessions_per_address=Limit(2, 60.0), sessions_overall=Limit(3, 60.0)),
        FakeClock(0.0),
    )

    assert [admission.new_session("203.0.113.7") for _ in range(3)] == [None, None, "address"]
    assert admission.new_session("198.51.100.1") is None
    assert admission.new_session("192.0.2.55") == "overall"


def test_messages_are_limited_per_session_per_address_and_overall() -> None:
    admission = Admission(
        ChatLimits(
            messages_per_session=Limit(2, 10.0),
            messages_per_address=Limit(3, 60.0),
            messages_overall=Limit(4, 60.0),
        ),
        FakeClock(0.0),
    )

    first = [admission.message("tab-a", "203.0.113.7") for _ in range(3)]
    second = [admission.message("tab-b", "203.0.113.7") for _ in range(2)]
    elsewhere = [admission.message("tab-c", "198.51.100.1") for _ in range(2)]

    assert first == [None, None, "session"]
    assert second == [None, "address"]
    assert elsewhere == [None, "overall"]


def test_a_refused_event_uses_up_no_budget() -> None:
    clock = FakeClock(0.0)
    admission = Admission(
        ChatLimits(messages_per_session=Limit(5, 10.0), messages_per_address=Limit(1, 60.0)),
        clock,
    )
    assert admission.message("tab-a", "203.0.113.7") is None
    for _ in range(10):
        assert admission.message("tab-b", "203.0.113.7") == "address"

    clock.now = 60.0

    assert admission.message("tab-b", "203.0.113.7") is None


# --- the socket ------------------------------------------------------------------------------


@dataclass
class GatewayStandIn:
    """The gateway's side: records messages, echoes them as stored, keeps per-session history."""

    chat: WebChat | None = None
    inbound: list[InboundMessage] = field(default_factory=list)
    typing_sessions: list[str] = field(default_factory=list)
    history_calls: list[tuple[str, int | None]] = field(default_factory=list)
    stored: dict[str, list[MessageFrame]] = field(default_factory=dict)
    refused: list[tuple[str, str]] = field(default_factory=list)
    fail: Exception | None = None

    async def on_inbound(self, message: InboundMessage) -> None:
        if self.fail is not None:
            raise self.fail
        self.inbound.append(message)
        frame = message_frame(
            len(self.inbound),
            direction="inbound",
            text=message.body,
            at=AT,
            author="you",
            client_id=client_id_of(message.provider_id),
        )
        self.stored.setdefault(message.sender, []).append(frame)
        assert self.chat is not None
        self.chat.sockets.deliver_local(message.sender, frame)

    async def history(self, session_id: str, after_id: int | None) -> Sequence[MessageFrame]:
        self.history_calls.append((session_id, after_id))
        return [f for f in self.stored.get(session_id, []) if f["id"] > (after_id or 0)]

    async def on_typing(self, session_id: str) -> None:
        self.typing_sessions.append(session_id)


ChatClient = TestClient[web.Request, web.Application]


@pytest.fixture
def gateway() -> GatewayStandIn:
    return GatewayStandIn()


PEER = "X-Test-Peer"
"""The test app takes the client's address from this header, as the gateway takes it from
X-Forwarded-For behind a trusted proxy: every test client is on loopback."""


@web.middleware
async def _peer_from_header(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    peer = request.headers.get(PEER)
    return await handler(request.clone(remote=peer) if peer else request)


ChatClientFactory = Callable[[ChatLimits], Awaitable[ChatClient]]


@pytest.fixture
def chat_client_with(
    aiohttp_client: Callable[[web.Application], Awaitable[ChatClient]], gateway: GatewayStandIn
) -> ChatClientFactory:
    async def make(limits: ChatLimits) -> ChatClient:
        chat = WebChat(
            WebChatSettings(allowed_origins=frozenset({ORIGIN}), hello_timeout=2.0, limits=limits),
            TokenSigner(SECRET),
            on_inbound=gateway.on_inbound,
            history=gateway.history,
            on_typing=gateway.on_typing,
            on_refused=lambda what, limit: gateway.refused.append((what, limit)),
        )
        gateway.chat = chat
        app = web.Application(middlewares=[_peer_from_header])
        app.add_routes(chat.routes())
        return await aiohttp_client(app)

    return make


@pytest.fixture
async def chat_client(chat_client_with: ChatClientFactory) -> ChatClient:
    return await chat_client_with(ChatLimits())


async def _connect(
    client: ChatClient, token: str | None = None, last_seen: int | None = None, peer: str = ""
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """The socket and the server's first answer to hello."""
    headers = {"Origin": ORIGIN} | ({PEER: peer} if peer else {})
    ws = await client.ws_connect("/chat/ws", headers=headers)
    await ws.send_json({"type": "hello", "token": token, "last_seen": last_seen})
    return ws, await ws.receive_json(timeout=5)


async def _open(
    client: ChatClient, token: str | None = None, last_seen: int | None = None, peer: str = ""
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    ws, welcome = await _connect(client, token, last_seen, peer)
    assert welcome["type"] == "welcome", welcome
    return ws, welcome


def _message(text: str, client_id: str | None = None) -> str:
    return json.dumps({"type": "message", "id": client_id or str(uuid.uuid4()), "text": text})


async def test_a_customer_message_becomes_an_inbound_chat_message_and_is_echoed(
    chat_client: ChatClient, gateway: GatewayStandIn
) -> None:
    ws, welcome = await _open(chat_client)
    client_id = str(uuid.uuid4())

    await ws.send_str(_message("my power is out", client_id))
    echo = await ws.receive_json(timeout=5)

    assert gateway.inbound[0].channel is Channel.CHAT
    assert gateway.inbound[0].provider_id == message_key(welcome["session"], client_id)
    assert gateway.inbound[0].sender == welcome["session"]
    assert gateway.inbound[0].recipient == "webchat"
    assert gateway.inbound[0].body == "my power is out"
    assert echo == {
        "type": "message",
        "id": 1,
        "direction": "inbound",
        "text": "my power is out",
        "at": AT.isoformat(),
        "author": "you",
        "client_id": client_id,
    }
    await ws.close()


async def test_the_same_message_id_from_two_sessions_names_two_messages(
    chat_client: ChatClient, gateway: GatewayStandIn
) -> None:
    first, first_welcome = await _open(chat_client)
    second, second_welcome = await _open(chat_client)
    client_id = str(uuid.uuid4())

    for ws in (first, second):
        await ws.send_str(_message("hello", client_id))
        assert (await ws.receive_json(timeout=5))["client_id"] == client_id

    assert [m.provider_id for m in gateway.inbound] == [
        message_key(first_welcome["session"], client_id),
        message_key(second_welcome["session"], client_id),
    ]
    await first.close()
    await second.close()


async def test_a_disallowed_origin_is_refused_before_the_upgrade(chat_client: ChatClient) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await chat_client.ws_connect("/chat/ws", headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403


async def test_a_socket_without_an_origin_is_refused(chat_client: ChatClient) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await chat_client.ws_connect("/chat/ws")
    assert refused.value.status == 403


async def test_the_first_frame_must_be_hello(chat_client: ChatClient) -> None:
    ws = await chat_client.ws_connect("/chat/ws", headers={"Origin": ORIGIN})
    await ws.send_str(_message("hi"))

    refused = await ws.receive_json(timeout=5)
    closed = await ws.receive(timeout=5)

    assert refused["type"] == "error" and refused["code"] == "hello_first"
    assert closed.type is aiohttp.WSMsgType.CLOSE


async def test_a_frame_nested_thousands_deep_is_a_bad_frame_and_the_socket_stays_open(
    chat_client: ChatClient, gateway: GatewayStandIn
) -> None:
    ws, _ = await _open(chat_client)

    await ws.send_str("[" * 5000 + "]" * 5000)
    refused = await ws.receive_json(timeout=5)
    await ws.send_str(_message("still here"))
    echo = await ws.receive_json(timeout=5)

    assert (refused["type"], refused["code"]) == ("error", "bad_frame")
    assert echo["text"] == "still here"
    await ws.close()


async def test_an_oversized_message_gets_an_error_and_is_not_accepted(
    chat_client: ChatClient, gateway: GatewayStandIn
) -> None:
    ws, _ = await _open(chat_client)
    client_id = str(uuid.uuid4())

    await ws.send_str(_message("x" * (MAX_TEXT_CHARS + 1), client_id))
    error = await ws.receive_json(timeout=5)

    assert error["type"] == "error" and error["code"] == "too_long" and error["id"] == client_id
    assert gateway.inbound == []
    await ws.close()


async def test_a_sixth_message_within_ten_seconds_is_refused(
    chat_client: ChatClient, gateway: GatewayStandIn
) -> None:
    ws, _ = await _open(chat_client)
    for n in range(5):
        await ws.send_str(_message(f"message {n}"))
        assert (await ws.receive_json(timeout=5))["type"] == "message"

    sixth = str(uuid.uuid4())
    await ws.send_str(_message("one too many", sixth))
    error = await ws.receive_json(timeout=5)

    assert error == {
        "type": "error",
        "code": "rate_limited",
        "message": "at most 5 messages every 10 seconds; please wait a moment",
        "id": sixth,
    }
    assert len(gateway.inbound) == 5
    await ws.close()


async def test_a_message_the_gateway_could_not_commit_is_reported_not_accepted(
    chat_client: ChatClient, gateway: GatewayStandIn
) -> None:
    gateway.fail = ConnectionError("store down")
    ws, _ = await _open(chat_client)
    client_id = str(uuid.uuid4())

    await ws.send_str(_message("hello?", client_id))
    error = await ws.receive_json(timeout=5)

    assert error["code"] == "not_accepted" and error["id"] == client_id
    await ws.close()


async def test_reconnecting_with_the_token_resumes_the_session_after_the_last_seen_message(
    chat_client: ChatClient, gateway: GatewayStandIn
) -> None:
    ws, welcome = await _open(chat_client)
    await ws.send_str(_message("first"))
    first = await ws.receive_json(timeout=5)
    await ws.close()
    session = welcome["session"]
    gateway.stored[session].append(
        message_frame(2, direction="outbound", text="missed reply", at=AT, author="Ana")
    )

    again, resumed = await _open(chat_client, token=welcome["token"], last_seen=first["id"])
    replayed = await again.receive_json(timeout=5)

    assert resumed["session"] == session
    assert gateway.history_calls == [(session, first["id"])]
    assert (
        replayed["id"] == 2 and replayed["text"] == "missed reply" and replayed["author"] == "Ana"
    )
    await again.close()


async def test_a_forged_token_starts_a_new_session_and_replays_nothing(
    chat_client: ChatClient, gateway: GatewayStandIn
) -> None:
    victim, welcome = await _open(chat_client)
    await victim.send_str(_message("my account is 4402 118 236"))
    await victim.receive_json(timeout=5)
    forged = TokenSigner("someone-elses-secret-entirely").issue(welcome["session"])

    ws, other = await _open(chat_client, token=forged, last_seen=0)

    assert other["session"] != welcome["session"]
    assert gateway.history_calls == []
    await victim.close()
    await ws.close()


async def test_frames_for_a_session_reach_every_socket_of_it_and_no_other(
    chat_client: ChatClient, gateway: GatewayStandIn
) -> None:
    tab1, welcome = await _open(chat_client)
    tab2, _ = await _open(chat_client, token=welcome["token"])
    stranger, _ = await _open(chat_client)
    assert gateway.chat is not None

    delivered = gateway.chat.sockets.deliver_local(welcome["session"], typing("Ana"))

    assert delivered == 2
    assert await tab1.receive_json(timeout=5) == {"type": "typing", "who": "Ana"}
    assert await tab2.receive_json(timeout=5) == {"type": "typing", "who": "Ana"}
    await stranger.send_str("not json")
    assert (await stranger.receive_json(timeout=5))["code"] == "bad_frame"
    for ws in (tab1, tab2, stranger):
        await ws.close()


async def test_the_customer_typing_is_reported_at_most_every_two_seconds(
    chat_client: ChatClient, gateway: GatewayStandIn
) -> None:
    ws, welcome = await _open(chat_client)

    await ws.send_json({"type": "typing"})
    await ws.send_json({"type": "typing"})
    await ws.send_str("not json")  # answered only after both typing frames were handled
    await ws.receive_json(timeout=5)

    assert gateway.typing_sessions == [welcome["session"]]
    await ws.close()


async def test_a_closed_socket_leaves_the_registry(
    chat_client: ChatClient, gateway: GatewayStandIn
) -> None:
    ws, welcome = await _open(chat_client)
    assert gateway.chat is not None
    assert gateway.chat.sockets.count(welcome["session"]) == 1

    await ws.close()
    again, _ = await _open(chat_client)  # served after the first socket's handler finished
    await again.close()

    assert gateway.chat.sockets.count(welcome["session"]) == 0


async def test_a_socket_too_slow_to_keep_up_is_closed_with_a_single_warning(
    chat_client: ChatClient, gateway: GatewayStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    ws, welcome = await _open(chat_client)
    assert gateway.chat is not None

    for _ in range(3 * OUTGOING_LIMIT):  # all at once: the socket gets no turn to send
        gateway.chat.sockets.deliver_local(welcome["session"], typing("Ana"))
    closed = await ws.receive(timeout=5)

    assert closed.type is aiohttp.WSMsgType.CLOSE
    assert closed.data == aiohttp.WSCloseCode.TRY_AGAIN_LATER
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "chat socket too slow; closing it so the page reconnects and replays"
    ]


async def _refused_session(client: ChatClient, peer: str) -> None:
    """A new session past the budget: told why, then closed with 'try again later'."""
    ws, answer = await _connect(client, peer=peer)
    assert answer == {"type": "error", "code": "rate_limited", "message": BUSY}
    closing = await ws.receive(timeout=5)
    assert closing.type is aiohttp.WSMsgType.CLOSE
    assert closing.data == aiohttp.WSCloseCode.TRY_AGAIN_LATER
    await ws.close()


async def test_new_sessions_from_one_address_are_refused_past_its_budget_but_its_tabs_go_on(
    chat_client_with: ChatClientFactory, gateway: GatewayStandIn
) -> None:
    client = await chat_client_with(ChatLimits(sessions_per_address=Limit(3, 600.0)))
    opened = [await _open(client, peer="203.0.113.7") for _ in range(3)]

    await _refused_session(client, peer="203.0.113.7")
    tab, _ = await _open(client, token=opened[0][1]["token"], peer="203.0.113.7")
    neighbour, _ = await _open(client, peer="198.51.100.1")
    await tab.send_str(_message("still here"))
    echo = await tab.receive_json(timeout=5)

    assert echo["type"] == "message" and echo["text"] == "still here"
    assert gateway.refused == [("session", "address")]
    for ws in [*(ws for ws, _ in opened), tab, neighbour]:
        await ws.close()


async def test_new_sessions_are_refused_past_the_overall_budget_whatever_the_address(
    chat_client_with: ChatClientFactory, gateway: GatewayStandIn
) -> None:
    client = await chat_client_with(
        ChatLimits(sessions_per_address=Limit(2, 600.0), sessions_overall=Limit(4, 600.0))
    )
    opened = [await _open(client, peer=f"203.0.113.{n}") for n in range(4)]

    for n in range(4, 8):
        await _refused_session(client, peer=f"203.0.113.{n}")

    assert gateway.refused == [("session", "overall")] * 4
    for ws, _ in opened:
        await ws.close()


async def test_sessions_at_one_address_share_its_message_budget(
    chat_client_with: ChatClientFactory, gateway: GatewayStandIn
) -> None:
    client = await chat_client_with(ChatLimits(messages_per_address=Limit(3, 60.0)))
    first, _ = await _open(client, peer="203.0.113.7")
    second, _ = await _open(client, peer="203.0.113.7")
    for ws in (first, second, first):
        await ws.send_str(_message("gas smell"))
        assert (await ws.receive_json(timeout=5))["type"] == "message"

    refused = str(uuid.uuid4())
    await second.send_str(_message("gas smell", refused))
    error = await second.receive_json(timeout=5)

    assert error == {
        "type": "error",
        "code": "rate_limited",
        "message": "too many messages from your network right now; please wait a moment",
        "id": refused,
    }
    assert len(gateway.inbound) == 3
    assert gateway.refused == [("message", "address")]
    await first.close()
    await second.close()
