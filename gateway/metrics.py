"""Prometheus metrics, one registry per app so tests can run several apps in one process."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "gateway_http_requests",
            "HTTP requests answered",
            ["route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "gateway_http_request_seconds",
            "Time to answer an HTTP request",
            ["route"],
            registry=self.registry,
        )
        self.webhooks_rejected = Counter(
            "gateway_webhooks_rejected",
            "Webhooks refused for a bad or missing signature",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.chat_refused = Counter(
            "gateway_chat_refused",
            "Chat sessions and messages refused by a rate limit",
            ["what", "limit"],
            registry=self.registry,
        )
        self.inbound_messages = Counter(
            "gateway_inbound_messages",
            "Customer messages committed to the store",
            ["channel", "duplicate"],
            registry=self.registry,
        )

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as error:
            status = error.status
            raise
        finally:
            self.http_requests.labels(name, str(status)).inc()
            self.http_latency.labels(name).observe(time.perf_counter() - started)

    async def handle(self, _request: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(self.registry))
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        return response
