"""A real gateway on a loopback port, served by a thread with its own event loop.

For synchronous clients, such as schemathesis's ``requests`` transport: they would block the
test's own event loop, and with it a gateway served there. The app is built, started and cleaned
up inside the thread, so every resource it opens belongs to that thread's loop; a test reaches
them through :meth:`ThreadedGateway.run`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from aiohttp import web

from gateway.app import create_app
from gateway.intake import Analyzer
from gateway.settings import Settings

T = TypeVar("T")
WAIT = 60.0


@dataclass(frozen=True)
class ThreadedGateway:
    base_url: str
    app: web.Application
    loop: asyncio.AbstractEventLoop

    def url(self, path: str) -> str:
        return self.base_url + path

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` in the gateway's loop, where its store and Redis clients live."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=WAIT)


@contextmanager
def gateway_in_thread(settings: Settings, analyze: Analyzer) -> Iterator[ThreadedGateway]:
    """Serve the gateway on a free loopback port while the block runs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(replace(settings, port=port, public_base_url=base_url), analyze=analyze)
    loop = asyncio.new_event_loop()
    started: Future[None] = Future()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(app, access_log=None)
        try:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.SockSite(runner, listener).start())
        except BaseException as error:
            started.set_exception(error)
            return
        started.set_result(None)
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.run_until_complete(loop.shutdown_asyncgens())

    thread = threading.Thread(target=serve, name=f"gateway:{port}", daemon=True)
    thread.start()
    try:
        started.result(timeout=WAIT)
        yield ThreadedGateway(base_url, app, loop)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=WAIT)
        loop.close()
        listener.close()
