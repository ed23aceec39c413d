"""What every request meets at the edge: compressed bodies refused unread, bodies that do not
arrive cut off, and answers that name no software versions. Some requests go over raw loopback
sockets, to send what a client library would not."""

from __future__ import annotations

import asyncio
import functools
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient

from channels.twilio_signature import sign
from gateway.app import create_app
from gateway.settings import Settings
from gateway.store import CaseStore
from gateway.store.models import Message
from tests.gateway.conftest import ClientFactory
from tests.gateway.sms_support import KNOWN, PUBLIC_BASE_URL, UTILITY_NUMBER, SmsGateway
from tests.support.twilio_api import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN

WAIT = 10.0
"""Generous: an answer the gateway gives at once normally comes in milliseconds."""
BODY_TIMEOUT = 0.5


@functools.cache
def gzip_bomb() -> bytes:
    """50 MB of zeros in about 50 KB."""
    return gzip.compress(bytes(50_000_000), compresslevel=9)


class RawConnection:
    """One TCP connection to the gateway, written and read byte for byte."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def head(self) -> tuple[int, dict[str, str]]:
        """The status and headers of the next answer."""
        async with asyncio.timeout(WAIT):
            raw = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *lines = raw.decode("latin-1").split("\r\n")
        headers = {}
        for line in filter(None, lines):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


Connect = Callable[[TestClient[Any, Any]], Awaitable[RawConnection]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Opens raw connections to a test client's server; all are closed after the test."""
    opened: list[RawConnection] = []

    async def open_to(client: TestClient[Any, Any]) -> RawConnection:
        opened.append(RawConnection(*await asyncio.open_connection(client.host, client.port)))
        return opened[-1]

    yield open_to
    for connection in opened:
        await connection.close()


async def messages_in(store: CaseStore) -> int:
    async with store.transaction() as tx:
        return await tx.count(Message)


def request_head(method: str, target: str, **headers: str) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.mark.parametrize("path", ["/api/session", "/no-such-path"])
async def test_a_compressed_body_is_refused_before_it_is_read(
    gateway_client: TestClient[Any, Any], connect: Connect, path: str
) -> None:
    bomb = gzip_bomb()
    connection = await connect(gateway_client)
    await connection.send(
        request_head(
            "POST",
            path,
            Content_Type="application/json",
            Content_Encoding="gzip",
            Content_Length=str(len(bomb)),
        )
        + bomb[: len(bomb) // 2]
    )

    status, headers = await connection.head()
    in_flight = await gateway_client.get("/healthz")

    assert status == 415
    assert headers["accept-encoding"] == "identity"
    assert headers["connection"] == "close"
    assert in_flight.status == 200
    await connection.send(bomb[len(bomb) // 2 :])


async def test_the_refusal_of_a_compressed_api_request_is_a_json_error(
    gateway_client: TestClient[Any, Any],
) -> None:
    response = await gateway_client.post(
        "/api/session",
        data=gzip.compress(b'{"username": "rep.ana", "password": "x"}'),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )

    assert response.status == 415
    assert (await response.json())["error"].startswith("compressed request bodies")


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "bogus"])
async def test_a_signed_compressed_webhook_is_refused_and_never_inflated(
    sms_gateway: SmsGateway, encoding: str
) -> None:
    form = {
        "AccountSid": TEST_ACCOUNT_SID,
        "From": KNOWN.phone,
        "To": UTILITY_NUMBER,
        "Body": "why is my bill so high",
        "MessageSid": "SM" + "1" * 32,
    }
    signature = sign(PUBLIC_BASE_URL + "/twilio/sms", form, TEST_AUTH_TOKEN)
    before = await messages_in(sms_gateway.store)

    response = await sms_gateway.client.post(
        "/twilio/sms",
        data=gzip.compress(urlencode(form).encode()),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Encoding": encoding,
            "X-Twilio-Signature": signature,
        },
    )

    assert response.status == 415
    assert "compressed" in await response.text()
    assert await messages_in(sms_gateway.store) == before


async def test_a_plain_body_declared_as_identity_is_read_as_usual(
    gateway_client: TestClient[Any, Any],
) -> None:
    response = await gateway_client.post(
        "/api/session",
        json={"username": "nobody", "password": "wrong"},
        headers={"Content-Encoding": "identity"},
    )
    assert response.status == 401


@pytest.fixture
async def impatient_client(
    aiohttp_client: ClientFactory, settings: Settings
) -> TestClient[Any, Any]:
    """The gateway, waiting only half a second for a request's body."""
    return await aiohttp_client(create_app(replace(settings, body_timeout=BODY_TIMEOUT)))


@pytest.mark.parametrize("path", ["/api/session", "/api/me/presence"])
async def test_a_body_that_does_not_arrive_in_time_is_answered_408(
    impatient_client: TestClient[Any, Any], connect: Connect, path: str
) -> None:
    connection = await connect(impatient_client)
    method = "PUT" if path.endswith("presence") else "POST"
    await connection.send(
        request_head(method, path, Content_Type="application/json", Content_Length="1000")
        + b'{"user'
    )

    status, headers = await connection.head()

    assert status == 408
    assert headers["connection"] == "close"


async def test_a_body_that_arrives_in_pieces_within_the_time_is_taken(
    impatient_client: TestClient[Any, Any],
    connect: Connect,
) -> None:
    body = b'{"username": "nobody", "password": "wrong"}'
    connection = await connect(impatient_client)
    await connection.send(
        request_head(
            "POST", "/api/session", Content_Type="application/json", Content_Length=str(len(body))
        )
        + body[:10]
    )
    await connection.send(body[10:])

    status, _ = await connection.head()

    assert status == 401


async def test_a_chat_socket_is_not_held_to_the_body_deadline(
    impatient_client: TestClient[Any, Any],
) -> None:
    ws = await impatient_client.ws_connect("/chat/ws", headers={"Origin": "http://127.0.0.1:8080"})
    await asyncio.sleep(BODY_TIMEOUT * 2)  # longer than the deadline, on purpose
    await ws.send_json({"type": "hello", "token": None, "last_seen": None})

    assert (await ws.receive_json(timeout=WAIT))["type"] == "welcome"
    await ws.close()


async def test_answers_name_no_software_versions(gateway_client: TestClient[Any, Any]) -> None:
    for path in ("/healthz", "/no-such-path", "/chat"):
        response = await gateway_client.get(path)
        assert response.headers["Server"] == "gateway", path
