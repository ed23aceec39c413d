"""The schema comes only from Alembic migrations, and they describe exactly the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from gateway.settings import normalise_database_url
from gateway.store import CaseStore, create_engine, migrate
from gateway.store.models import Base, utcnow


async def test_migrations_leave_nothing_for_autogenerate_to_add(store: CaseStore) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with store.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_cases_opened_before_verification_was_recorded_count_as_verified_when_known(
    database_url: str,
) -> None:
    engine = create_engine(normalise_database_url(database_url))
    try:
        await migrate(engine, "0006")
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO customers (id, name, created_at) VALUES (1, 'Ada', :now)"),
                {"now": utcnow()},
            )
            await conn.execute(
                text(
                    "INSERT INTO contact_identities (id, channel, address, opted_out, created_at) "
                    "VALUES (1, 'chat', 'session-1', FALSE, :now)"
                ),
                {"now": utcnow()},
            )
            for number, customer, urgent, priority in [
                ("CS-000001", 1, True, 2),
                ("CS-000002", None, True, 2),
                ("CS-000003", 1, False, 1),
            ]:
                await conn.execute(
                    text(
                        "INSERT INTO cases (number, customer_id, identity_id, channel, status, "
                        "intent, urgent, hostile, priority, created_at, updated_at) VALUES "
                        "(:number, :customer, 1, 'chat', 'new', 'emergency', :urgent, FALSE, "
                        ":priority, :now, :now)"
                    ),
                    {
                        "number": number,
                        "customer": customer,
                        "urgent": urgent,
                        "priority": priority,
                        "now": utcnow(),
                    },
                )

        await migrate(engine)

        async with engine.connect() as conn:
            rows = (
                await conn.execute(text("SELECT number, verified, priority FROM cases ORDER BY id"))
            ).all()
        assert [(n, bool(v), p) for n, v, p in rows] == [
            ("CS-000001", True, 3),
            ("CS-000002", False, 2),
            ("CS-000003", True, 1),
        ]
    finally:
        await engine.dispose()
