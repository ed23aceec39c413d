"""Opening the case store's engine, with SQLite made safe for concurrent writers and text made
storable on both databases."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        engine = create_async_engine(url, echo=echo, pool_pre_ping=True)
    else:
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        _make_sqlite_transactions_immediate(engine)
    _make_text_storable(engine)
    return engine


def storable(text: str) -> str:
    """``text`` with NUL, which PostgreSQL refuses in text, and lone surrogates, which no driver
    can encode, replaced by U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, text)


def _make_text_storable(engine: AsyncEngine) -> None:
    """Every text parameter of every statement goes through :func:`storable`.

    Customers, Twilio and staff can send any text, and it reaches the store through messages,
    identities, usernames and case numbers alike. Replacing what the databases cannot hold in
    one place keeps a stray NUL from turning a customer's message into a server error, and
    keeps both databases answering the same: a lookup of ``"a\\x00"`` finds what storing it
    stored. JSON values are sent as escaped ASCII, so they pass unchanged.
    """

    @event.listens_for(engine.sync_engine, "before_cursor_execute", retval=True)
    def _on_execute(
        _conn: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> tuple[str, Any]:
        return statement, _storable_parameters(parameters)


def _storable_parameters(parameters: Any) -> Any:
    if isinstance(parameters, str):
        return storable(parameters)
    if isinstance(parameters, tuple | list):
        return type(parameters)(_storable_parameters(p) for p in parameters)
    if isinstance(parameters, Mapping):
        return {key: _storable_parameters(value) for key, value in parameters.items()}
    return parameters


def _make_sqlite_transactions_immediate(engine: AsyncEngine) -> None:
    """Start every transaction with ``BEGIN IMMEDIATE``.

    A deferred SQLite transaction that reads and then writes must upgrade its lock, and two of
    them doing so at once deadlock: one fails with "database is locked" whatever the busy
    timeout. Taking the write lock up front makes writers queue on the busy timeout instead.
    WAL lets readers in other processes carry on meanwhile.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
