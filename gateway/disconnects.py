"""A client that hangs up before its request is read (an aborted upload, a dropped phone) is no
failure of ours: one INFO line, no traceback, and 499 in the metrics, as nginx counts it.

aiohttp raises ``ConnectionResetError`` from the body read; left alone, an error middleware or
aiohttp itself logs it as an internal error with a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

CLIENT_CLOSED_REQUEST = 499

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def client_disconnects(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Innermost, so no other middleware mistakes a client's hang-up for a failure."""
    try:
        return await handler(request)
    except ConnectionResetError:
        if request.transport is not None and not request.transport.is_closing():
            raise  # the client is still there: the reset came from something else of ours
        log.info("client closed the connection during %s %s", request.method, request.path)
        # Nobody reads this answer; aiohttp drops it quietly when it cannot be written.
        return web.Response(status=CLIENT_CLOSED_REQUEST)
