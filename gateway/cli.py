"""``python -m gateway``: serve, migrate, seed-demo. The only place that reads the environment."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from aiohttp import web
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from gateway.app import create_app
from gateway.demo import DEMO_AGENTS, seed_demo
from gateway.logs import configure_logging
from gateway.settings import ConfigError, Settings
from gateway.store import CaseStore, create_engine, migrate
from nlp.model import ModelNotFoundError

log = logging.getLogger(__name__)

PAGES = (
    ("customer chat", "/chat"),
    ("representative desk", "/desk"),
    ("lead console", "/console"),
    ("health", "/healthz"),
    ("readiness", "/readyz"),
    ("metrics", "/metrics"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gateway",
        description="Omnichannel contact-center gateway for public utilities. "
        "Configuration comes from the environment (see README.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="serve HTTP (webhooks, pages, API) on HOST:PORT")
    commands.add_parser("migrate", help="bring the case store's schema up to date (Alembic)")
    commands.add_parser(
        "seed-demo", help="load the demo utility (accounts, staff) into an empty store"
    )
    simulate = commands.add_parser(
        "simulate", help="send realistic, signed traffic to a running gateway"
    )
    channels = simulate.add_subparsers(dest="channel", required=True, metavar="CHANNEL")
    sms = channels.add_parser(
        "sms", help="texts signed with TWILIO_AUTH_TOKEN for PUBLIC_BASE_URL, as Twilio signs them"
    )
    sms.add_argument("--rate", type=_positive, default=2.0, help="messages per second (default 2)")
    sms.add_argument("--duration", type=_positive, default=10.0, help="seconds (default 10)")
    sms.add_argument("--url", help="where to send them (default http://HOST:PORT)")
    sms.add_argument("--seed", type=int, help="repeat the same traffic")
    return parser


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
        configure_logging(settings.log_level, settings.secrets)
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            print("case store is up to date")
        elif args.command == "seed-demo":
            asyncio.run(_seed(settings))
        elif args.command == "simulate":
            return asyncio.run(_simulate(settings, args))
        else:
            asyncio.run(preflight(settings))
            _serve(settings)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


async def preflight(settings: Settings) -> None:
    """Refuse to start against a store or Redis that cannot be reached, naming the variable."""
    store = CaseStore(create_engine(settings.database_url))
    try:
        await store.ping()
    except (SQLAlchemyError, OSError) as error:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        raise ConfigError("DATABASE_URL", f"cannot connect to {where}: {_reason(error)}") from None
    finally:
        await store.close()
    if settings.redis_url:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(settings.redis_url)
        try:
            await client.ping()
        except (RedisError, OSError) as error:
            raise ConfigError("REDIS_URL", f"cannot connect: {_reason(error)}") from None
        finally:
            await client.aclose()


def _reason(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    return str(cause).splitlines()[0] if str(cause) else type(cause).__name__


async def _migrate(settings: Settings) -> None:
    await preflight(settings)
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


async def _seed(settings: Settings) -> None:
    store = CaseStore(create_engine(settings.database_url))
    try:
        seeded = await seed_demo(store)
    finally:
        await store.close()
    print("demo utility loaded" if seeded else "store already has data: demo not loaded again")
    print("demo staff (username / password / tier):")
    for agent in DEMO_AGENTS:
        print(f"  {agent.username:<12} {agent.password:<12} {agent.tier.value}")


async def _simulate(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.simulate import simulate_sms

    if settings.twilio is None:
        raise ConfigError(
            "TWILIO_AUTH_TOKEN", "needed, with TWILIO_ACCOUNT_SID, to sign simulated texts"
        )
    target = args.url or f"http://{settings.host}:{settings.port}"
    tally = await simulate_sms(
        target=target,
        public_base_url=settings.public_base_url,
        account_sid=settings.twilio.account_sid,
        auth_token=settings.twilio.auth_token,
        rate=args.rate,
        duration=args.duration,
        seed=args.seed,
    )
    if tally.accepted == 0:
        print(
            f"error: no text was accepted at {target}; is the gateway running there with the same "
            "TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL?",
            file=sys.stderr,
        )
        return 1
    return 0


def _serve(settings: Settings) -> None:
    app = create_app(settings)
    routed = {resource.canonical for resource in app.router.resources()}
    base = f"http://{settings.host}:{settings.port}"
    print(f"gateway serving on {base}")
    for name, path in PAGES:
        if path in routed:
            print(f"  {name:<20} {base}{path}")
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)
    except ModelNotFoundError as error:
        raise ConfigError("NLP_MODEL_PATH", f"{error}; build it with `make model`") from None
