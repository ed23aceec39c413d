"""Faults between a gateway and its Redis, made for real: connections reset by the server, and a
network link that goes down and comes back.

The test Redis is shared with other test runs on other databases, so a reset only ever kills
connections on the database of the URL it is given, and an outage is made in a proxy in front
of Redis, never on the server itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import redis
from sqlalchemy.engine import make_url


def _killable(client: redis.Redis, db: int) -> list[str]:
    me = client.client_id()
    return [str(c["id"]) for c in client.client_list() if int(c["db"]) == db and int(c["id"]) != me]


def reset_connections(url: str) -> int:
    """Kills every connection to the database of ``url`` (but its own), as a network blink or a
    proxy restart would; returns how many. Blocking on purpose: it runs inside a clock."""
    db = int(make_url(url).database or 0)
    with redis.Redis.from_url(url, decode_responses=True) as client:
        ids = _killable(client, db)
        for client_id in ids:
            client.execute_command("CLIENT", "KILL", "ID", client_id)
    return len(ids)


class ResettingClock:
    """A routing clock that, while armed, resets every connection to the database right before
    routing sends each call (routing reads its clock once per call, just before sending it): the
    first command on each pooled connection is then certain to meet a dead socket."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.armed = False
        self.resets = 0

    def __call__(self) -> float:
        if self.armed:
            self.resets += reset_connections(self.url)
        return time.time()


class RedisLink:
    """A TCP proxy on loopback in front of the real Redis. Down, it drops every connection and
    hangs up on new ones at once, as when the network between a replica and Redis fails."""

    def __init__(self, target_url: str) -> None:
        target = make_url(target_url)
        self.target_host = target.host or "127.0.0.1"
        self.target_port = target.port or 6379
        self.database = target.database or "0"
        self.is_down = False
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}/{self.database}"

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[RedisLink]:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        try:
            yield self
        finally:
            self._server.close()
            self.down()
            for pipe in list(self._pipes):
                pipe.cancel()
            await asyncio.gather(*self._pipes, return_exceptions=True)
            await self._server.wait_closed()

    def down(self) -> None:
        self.is_down = True
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    def up(self) -> None:
        self.is_down = False

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.is_down:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            pipe = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(pipe)
            pipe.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(sink)
            sink.close()
