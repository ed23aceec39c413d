"""The composition root: ``create_app(settings)`` wires store, NLP, routing and channels.

Resources open and close in ``cleanup_ctx`` generators, in order: the store, routing state,
sign-in (its throttle shares routing's Redis), then the contact-center services that use them
(NLP model, intake, outbound, sweeps).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

import routing
from channels import InboundMessage
from channels.twilio_send import TwilioSmsSender
from channels.twilio_settings import TwilioSmsSettings
from channels.twilio_sms import TwilioSmsWebhooks
from gateway import edge
from gateway.api import setup_staff
from gateway.auth import PasswordChecks
from gateway.background import in_background
from gateway.case_routing import CaseRouting
from gateway.chat import ChatGateway
from gateway.disconnects import client_disconnects
from gateway.forwarded import forwarded_middleware
from gateway.inbox import Inbox
from gateway.intake import Analyzer, Intake
from gateway.metrics import Metrics
from gateway.outbound import Outbound, Sender
from gateway.reconciliation import Reconciler
from gateway.settings import Settings
from gateway.signin_throttle import SignInThrottle
from gateway.store import CaseStore, create_engine
from gateway.sweeper import Sweeper
from nlp.model import NlpModel

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", CaseStore)
METRICS = web.AppKey("metrics", Metrics)
REDIS = web.AppKey("redis", Redis)
ROUTER = web.AppKey("router", routing.Router)
CASE_ROUTING = web.AppKey("case_routing", CaseRouting)
RECONCILER = web.AppKey("reconciler", Reconciler)
OUTBOUND = web.AppKey("outbound", Outbound)
INBOX = web.AppKey("inbox", Inbox)
SENDERS = web.AppKey("senders", dict[str, Sender])
CHAT = web.AppKey("chat", ChatGateway)
PASSWORDS = web.AppKey("passwords", PasswordChecks)
SIGN_IN_THROTTLE = web.AppKey("sign_in_throttle", SignInThrottle)

Clock = Callable[[], float]
READY_WITHIN = 0.5
"""Seconds /readyz waits for Redis to answer."""


def create_app(
    settings: Settings,
    *,
    analyze: Analyzer | None = None,
    routing_policy: routing.RoutingPolicy | None = None,
    clock: Clock = time.time,
) -> web.Application:
    """``analyze``, ``routing_policy`` and ``clock`` replace the defaults in tests only."""
    metrics = Metrics()
    # A client that hangs up while the edge still reads its body is the client's doing too.
    middlewares: list[Middleware] = [
        metrics.middleware,
        client_disconnects,
        *edge.middlewares(settings.body_timeout),
    ]
    if settings.trusted_proxies:
        middlewares.insert(0, forwarded_middleware(settings.trusted_proxies))
    app = web.Application(middlewares=middlewares, handler_args=edge.HANDLER_ARGS)
    app.on_response_prepare.append(edge.name_no_versions)
    app[SETTINGS] = settings
    app[METRICS] = metrics
    app[SENDERS] = {}
    app.cleanup_ctx.append(_store)
    app.cleanup_ctx.append(_routing_context(routing_policy, clock))
    app.cleanup_ctx.append(_sign_in_context(clock))
    if settings.twilio is not None:
        _add_twilio_sms(app, _twilio_sms_settings(settings))
    app.cleanup_ctx.append(_contact_center_context(analyze))
    _add_web_chat(app)
    setup_staff(app)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics.handle)
    return app


async def _store(app: web.Application) -> AsyncIterator[None]:
    store = CaseStore(create_engine(app[SETTINGS].database_url))
    app[STORE] = store
    yield
    await store.close()


def _routing_context(
    policy: routing.RoutingPolicy | None, clock: Clock
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        """Routing state lives in Redis; with no REDIS_URL an in-process server runs the same code.

        A replica starts even while Redis is down, and reports not ready until it is back."""
        settings = app[SETTINGS]
        url = settings.redis_url
        redis = routing.client(url) if url else await routing.connect(None)
        app[REDIS] = redis
        case_routing = CaseRouting(app[STORE])
        router = routing.Router(redis, policy, on_event=case_routing.record, clock=clock)
        case_routing.attach(router)
        app[ROUTER] = router
        app[CASE_ROUTING] = case_routing
        app[RECONCILER] = Reconciler(app[STORE], router, every=settings.routing_reconcile_every)
        yield
        await redis.aclose()

    return context


def _sign_in_context(clock: Clock) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        """Failed sign-ins are counted in Redis, so every replica enforces the same limits."""
        app[SIGN_IN_THROTTLE] = SignInThrottle(app[REDIS], app[SETTINGS].sign_in_limits, clock)
        passwords = PasswordChecks()
        app[PASSWORDS] = passwords
        yield
        passwords.close()

    return context


def _contact_center_context(
    analyze: Analyzer | None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        intake = Intake(app[STORE], analyze or NlpModel.load(settings.nlp_model_path).analyze)
        senders: dict[str, Sender] = app[SENDERS]
        outbound = Outbound(app[STORE], senders)
        reconciler = app[RECONCILER]
        inbox = Inbox(
            intake,
            outbound,
            app[CASE_ROUTING].after_turn,
            settings.reply_budget,
            routing_failed=reconciler.soon,
        )
        app[OUTBOUND] = outbound
        app[INBOX] = inbox
        sweeper = Sweeper(inbox)
        router = app[ROUTER]
        async with in_background(
            sweeper.run(),
            router.tick_forever(snapshot=app[CASE_ROUTING].snapshot),
            reconciler.run(),
        ):
            yield
        await inbox.drain()
        intake.close()

    return context


def _twilio_sms_settings(settings: Settings) -> TwilioSmsSettings:
    assert settings.twilio is not None
    return TwilioSmsSettings(
        account_sid=settings.twilio.account_sid,
        auth_token=settings.twilio.auth_token,
        public_base_url=settings.public_base_url,
        api_base=settings.twilio.api_base,
        messaging_service_sid=settings.twilio.messaging_service_sid,
        from_number=settings.twilio.from_number,
        send_timeout=settings.twilio.send_timeout,
    )


def _add_twilio_sms(app: web.Application, sms: TwilioSmsSettings) -> None:
    """The webhooks look the inbox up per request: it is built at start-up, after the routes."""
    metrics = app[METRICS]

    async def on_inbound(message: InboundMessage) -> str | None:
        return await app[INBOX].answer(message)

    async def on_status(
        provider_id: str, status: str, error_code: str | None, reference: str | None
    ) -> None:
        await app[OUTBOUND].on_status(provider_id, status, error_code, reference)

    webhooks = TwilioSmsWebhooks(
        sms,
        on_inbound=on_inbound,
        on_status=on_status,
        on_rejected=lambda reason: metrics.webhooks_rejected.labels("sms", reason).inc(),
    )
    app.add_routes(webhooks.routes())

    async def sender(app: web.Application) -> AsyncIterator[None]:
        twilio = TwilioSmsSender(sms)
        app[SENDERS]["sms"] = twilio
        yield
        await twilio.aclose()

    app.cleanup_ctx.append(sender)


def _add_web_chat(app: web.Application) -> None:
    """After the contact-center context: the chat needs the inbox, and closes before it drains."""
    refused = app[METRICS].chat_refused
    chat = ChatGateway(
        app[SETTINGS], on_refused=lambda what, limit: refused.labels(what, limit).inc()
    )
    app[CHAT] = chat
    app.add_routes(chat.routes())
    app.on_shutdown.append(chat.close_sockets)

    async def context(app: web.Application) -> AsyncIterator[None]:
        async with chat.running(app[STORE], app[REDIS], app[INBOX], app[SENDERS]):
            yield

    app.cleanup_ctx.append(context)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "alive"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the store and routing state answer; a load balancer stops sending otherwise."""
    checks: dict[str, str] = {}
    try:
        await request.app[STORE].ping()
        checks["store"] = "ok"
    except (SQLAlchemyError, OSError) as error:
        log.warning("readiness: store unreachable: %s", type(error).__name__)
        checks["store"] = "unreachable"
    try:
        # Bounded: the client's retries would otherwise keep a load balancer waiting.
        async with asyncio.timeout(READY_WITHIN):
            await request.app[REDIS].ping()
        checks["routing"] = "ok"
    except (RedisError, OSError, TimeoutError) as error:
        log.warning("readiness: routing state unreachable: %s", type(error).__name__)
        checks["routing"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return web.json_response({"ready": ready, **checks}, status=200 if ready else 503)
