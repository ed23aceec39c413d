"""Recognising which account a customer means, from a number or a service address they typed."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.models import Account

_DIGIT_RUN = re.compile(r"\d[\d\s-]{8,14}\d")
_ABBREVIATIONS = {
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "rd": "road",
    "ln": "lane",
    "dr": "drive",
    "ct": "court",
    "blvd": "boulevard",
    "wy": "way",
    "apt": "apt",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
}


def account_number_in(text: str) -> str | None:
    """The first run of exactly ten digits, however the customer grouped them."""
    for run in _DIGIT_RUN.findall(text):
        digits = re.sub(r"\D", "", run)
        if len(digits) == 10:
            return digits
    return None


def normalise_address(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


async def find_accounts(
    session: AsyncSession, number: str | None, addresses: Sequence[str]
) -> list[Account]:
    """Accounts matching the number, else the first of the addresses that matches any.

    An address matches when it starts with the house number and street the customer gave, so
    "1420 oak st" finds "1420 Oak Street Apt 3"; a street-less fragment never matches.
    """
    if number is not None:
        account = await session.scalar(select(Account).where(Account.number == number))
        return [account] if account else []
    for candidate in addresses:
        wanted = normalise_address(candidate)
        if len(wanted.split()) < 2 or not wanted.split()[0].isdigit():
            continue
        house = wanted.split()[0]
        rows = await session.scalars(
            select(Account).where(Account.service_address.like(f"{house} %"))
        )
        found = [a for a in rows if normalise_address(a.service_address).startswith(wanted)]
        if found:
            return found
    return []
