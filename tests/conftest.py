"""Fixtures shared by the whole suite: real databases and a real Redis, never mocks of our own.

Store tests run twice, on a SQLite file and on a fresh PostgreSQL database. PostgreSQL and Redis
are expected at TEST_POSTGRES_URL / TEST_REDIS_URL; when unreachable the tests that need them are
skipped, unless REQUIRE_SERVICES=1 (as in CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import hypothesis
import pytest
import redis.asyncio as aioredis
from sqlalchemy.engine import make_url

from gateway.settings import Settings, normalise_database_url
from gateway.store import CaseStore, create_engine, migrate

TEST_POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

# The bad-input campaign (marker `campaign`): a short, repeatable run in `make test`, a long
# random one in `make fuzz` (`--hypothesis-profile=long`). Examples talk to real servers, so
# their time says nothing about the code under test: no deadline.
hypothesis.settings.register_profile(
    "ci", max_examples=5, deadline=None, derandomize=True, print_blob=True
)
hypothesis.settings.register_profile("long", max_examples=200, deadline=None, print_blob=True)
hypothesis.settings.load_profile("ci")


def service_unavailable(what: str, error: BaseException) -> None:
    message = f"{what} unreachable: {error}"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


async def create_postgres_database() -> str:
    """A new empty database on the test server; returns its URL."""
    admin = make_url(TEST_POSTGRES_URL)
    name = f"gw_test_{uuid.uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    except (OSError, asyncpg.PostgresError) as error:
        service_unavailable("PostgreSQL", error)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin.set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    admin = make_url(TEST_POSTGRES_URL).render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind, as an operator would write its URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gateway.db'}"
        return
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[CaseStore]:
    """A migrated, empty case store on each database."""
    engine = create_engine(normalise_database_url(database_url))
    await migrate(engine)
    store = CaseStore(engine)
    try:
        yield store
    finally:
        await store.close()


async def flushed_redis() -> str:
    """The real Redis test database, emptied; returns its URL."""
    client = aioredis.Redis.from_url(TEST_REDIS_URL)
    try:
        await client.flushdb()
    except (OSError, aioredis.ConnectionError) as error:
        service_unavailable("Redis", error)
    finally:
        await client.aclose()
    return TEST_REDIS_URL


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The real Redis test database, flushed before the test."""
    yield await flushed_redis()


@pytest.fixture
def settings(request: pytest.FixtureRequest, store: CaseStore) -> Settings:
    """A gateway on the migrated test store: embedded (SQLite, in-process routing) or services
    (PostgreSQL, the real Redis)."""
    engine_url = store.engine.url.render_as_string(hide_password=False)
    if store.engine.dialect.name == "sqlite":
        return Settings(database_url=engine_url)
    return Settings(database_url=engine_url, redis_url=request.getfixturevalue("redis_url"))
