"""The staff side of the web: the JSON API under /api/, its WebSocket, the desk and console pages.

``setup_staff(app)`` is the one call the composition root makes: it adds the routes, the JSON
error middleware for /api/, ``Cache-Control: no-store`` on every /api/ answer, and the live
fan-out of outbox events to staff WebSockets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import hdrs, web

from gateway.api import cases, console, incidents, openapi, pages, session, ws
from gateway.api.common import API_PREFIX, FANOUT, api_errors
from gateway.fanout import Fanout

__all__ = ["FANOUT", "api_routes", "setup_staff"]


def api_routes() -> list[web.RouteDef]:
    return [
        *openapi.routes(),
        *session.routes(),
        *cases.routes(),
        *console.routes(),
        *incidents.routes(),
        *ws.routes(),
    ]


def setup_staff(app: web.Application) -> None:
    app.middlewares.append(api_errors)
    app.add_routes([*api_routes(), *pages.routes()])
    app.on_response_prepare.append(_not_stored)
    app.cleanup_ctx.append(_fanout)
    app.on_shutdown.append(_close_sockets)


async def _not_stored(request: web.Request, response: web.StreamResponse) -> None:
    """API answers carry customers' phones, addresses and transcripts: no cache may keep them,
    neither the browser's nor a proxy's."""
    if request.path.startswith(API_PREFIX):
        response.headers[hdrs.CACHE_CONTROL] = "no-store"


async def _fanout(app: web.Application) -> AsyncIterator[None]:
    from gateway.app import REDIS, STORE  # the composition root imports this package

    fanout = Fanout(app[STORE], app[REDIS])
    app[FANOUT] = fanout
    async with fanout.running():
        yield


async def _close_sockets(app: web.Application) -> None:
    fanout = app.get(FANOUT)
    if fanout is not None:
        await fanout.hub.close_all()
