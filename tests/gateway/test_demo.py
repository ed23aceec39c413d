"""The demo utility is the same on every machine and loads once."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select

from gateway.demo import ACCOUNT_COUNT, DEMO_AGENTS, demo_accounts, seed_demo
from gateway.store import CaseStore
from gateway.store.models import Account, Agent, ContactIdentity, Tier


def test_demo_accounts_are_deterministic_and_unique() -> None:
    first, second = demo_accounts(), demo_accounts()
    assert first == second
    assert len({a.number for a in first}) == ACCOUNT_COUNT
    assert len({a.phone for a in first}) == ACCOUNT_COUNT
    assert all(len(a.number) == 10 and a.number.isdigit() for a in first)
    assert len({a.district for a in first}) >= 5


async def test_seeding_loads_accounts_agents_of_every_tier_and_hashed_passwords(
    store: CaseStore,
) -> None:
    assert await seed_demo(store) is True
    assert await seed_demo(store) is False

    async with store.transaction() as tx:
        assert await tx.count(Account) == ACCOUNT_COUNT
        assert await tx.count(ContactIdentity) == 2 * ACCOUNT_COUNT
        agents = (await tx.session.scalars(select(Agent))).all()

    assert {a.tier for a in agents} == set(Tier)
    by_name = {a.username: a for a in agents}
    hasher = PasswordHasher()
    for demo in DEMO_AGENTS:
        stored = by_name[demo.username].password_hash
        assert demo.password not in stored
        assert hasher.verify(stored, demo.password)
