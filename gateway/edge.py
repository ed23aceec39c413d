"""What every HTTP request meets before its handler, and what every answer carries.

No client of ours compresses a request body: Twilio posts plain forms, browsers plain JSON. So
aiohttp's own inflating of request bodies is switched off (:data:`HANDLER_ARGS`), because it
inflates on the event loop: a kilobyte of gzip is a megabyte of zeros, and the whole replica
stalls while it is inflated, even for a path that does not exist. A request that declares a
``Content-Encoding`` is answered 415 before its body is read.

A body must arrive within ``body_timeout`` seconds of its headers, else the answer is 408: a
client that announces ``Content-Length: 1000`` and sends nothing would otherwise hold a
connection and a handler open for ever. The body is read here, once, and aiohttp keeps it for
the handler's ``read()``, ``text()`` and ``json()``. Requests without a body (WebSocket upgrades
among them) and requests for no route pass straight through.

Answers name the software as :data:`SERVER_NAME` only, without versions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

from gateway.api.common import API_PREFIX

log = logging.getLogger(__name__)

HANDLER_ARGS: Mapping[str, Any] = {"auto_decompress": False}
"""Passed to aiohttp's protocol handler: bodies are handed over as they were sent."""

SERVER_NAME = "gateway"
IDENTITY = "identity"


def refusal(request: web.Request, status: int, message: str) -> web.Response:
    """A client's mistake: JSON under /api/ like every API error, plain text elsewhere. The
    connection is closed after it, since part of the request may still be on its way."""
    if request.path.startswith(API_PREFIX):
        response = web.json_response({"error": message}, status=status)
    else:
        response = web.Response(status=status, text=message + "\n", content_type="text/plain")
    response.force_close()
    return response


@web.middleware
async def refuse_encoded_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    encoding = request.headers.get(hdrs.CONTENT_ENCODING, IDENTITY).strip().lower()
    if encoding in ("", IDENTITY):
        return await handler(request)
    log.info("refused %s %s: Content-Encoding %.40r", request.method, request.path, encoding)
    response = refusal(request, 415, "compressed request bodies are not accepted; send it plain")
    response.headers[hdrs.ACCEPT_ENCODING] = IDENTITY
    return response


def read_bodies_within(seconds: float) -> Middleware:
    """The middleware that reads a request's body before its handler, within ``seconds``."""

    @web.middleware
    async def read_body(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.can_read_body and request.match_info.http_exception is None:
            try:
                async with asyncio.timeout(seconds):
                    await request.read()
            except TimeoutError:
                log.info("no body for %s %s within %gs", request.method, request.path, seconds)
                return refusal(request, 408, f"the request body did not arrive within {seconds:g}s")
            except web.HTTPRequestEntityTooLarge:
                return refusal(request, 413, f"a body is at most {request.client_max_size} bytes")
            except web.RequestPayloadError:
                log.info("unreadable body for %s %s", request.method, request.path)
                return refusal(request, 400, "the request body could not be read")
        return await handler(request)

    return read_body


def middlewares(body_timeout: float) -> list[Middleware]:
    """In this order, before any handler (and after the metrics, which count these answers)."""
    return [refuse_encoded_bodies, read_bodies_within(body_timeout)]


async def name_no_versions(_request: web.Request, response: web.StreamResponse) -> None:
    """aiohttp would say ``Python/3.11 aiohttp/3.x``: a free hint about which flaws apply."""
    response.headers[hdrs.SERVER] = SERVER_NAME
