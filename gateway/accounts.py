"""Reading account numbers and service addresses out of what customers type, and matching them."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.store.models import Account

_DIGIT_RUN = re.compile(r"\d[\d\s-]{8,14}\d")
_ABBREVIATIONS = {
    "st": "street",
    "str": "street",
    "ave": "avenue",
    "av": "avenue",
    "rd": "road",
    "ln": "lane",
    "dr": "drive",
    "ct": "court",
    "blvd": "boulevard",
    "wy": "way",
    "pl": "place",
    "ter": "terrace",
    "cir": "circle",
    "pkwy": "parkway",
    "hwy": "highway",
    "ste": "suite",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
}
_STREET_TYPES = frozenset(
    {
        "street",
        "avenue",
        "road",
        "lane",
        "drive",
        "court",
        "boulevard",
        "way",
        "place",
        "terrace",
        "circle",
        "parkway",
        "highway",
    }
)
_UNITS = frozenset({"apt", "apartment", "unit", "suite"})
_HOUSE_DIGITS = 6
_NAME_WORDS = 4
"""The most words a street name has before its type; more are not read."""


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


def address_in(text: str) -> str | None:
    """The one service address a message gives, normalised, from its house number on.

    A house number is a short number followed by a word; an account number is never one. The
    street must carry its type ("Mill Road", "Mill Rd"): without one, "it says 212 dollars" or a
    pasted "alert(1) ..." would count as a wrong address and cost the customer a miss. Of several,
    the first wins: a message makes one claim, so listing many house numbers is not many guesses.
    """
    words = normalise_address(_DIGIT_RUN.sub(_blank_account_number, text)).split()
    starts = [
        i
        for i, word in enumerate(words[:-1])
        if word.isdigit() and len(word) <= _HOUSE_DIGITS and not words[i + 1].isdigit()
    ]
    if not starts:
        return None
    claims = [_street_from(words, i) for i in starts]
    typed = [claim for claim in claims if _STREET_TYPES & set(claim.split())]
    return typed[0] if typed else None


def same_address(claimed: str, service_address: str) -> bool:
    """Whether a claimed address (from ``address_in``) is this service address.

    House number and street name must match; "St" and "Street" are one; a street type the
    customer leaves out is not needed, one that differs is a mismatch; a unit is not needed.
    """
    house, *street = normalise_address(service_address).split()
    for i, word in enumerate(street):
        if word in _UNITS:
            street = street[:i]
            break
    kind = street[-1] if len(street) > 1 and street[-1] in _STREET_TYPES else None
    name = street[:-1] if kind else street
    words = claimed.split()
    if not name or words[:1] != [house] or words[1 : 1 + len(name)] != name:
        return False
    after = words[1 + len(name) : 2 + len(name)]
    return kind is None or not after or after[0] not in _STREET_TYPES or after[0] == kind


async def accounts_at(session: AsyncSession, claimed: str) -> list[Account]:
    """Accounts whose service address is the claimed one."""
    house = claimed.split()[0]
    rows = await session.scalars(select(Account).where(Account.service_address.like(f"{house} %")))
    return [account for account in rows if same_address(claimed, account.service_address)]


def _street_from(words: list[str], house: int) -> str:
    """The house number and the words after it, up to the next number."""
    end = house + 1
    while end < min(len(words), house + 2 + _NAME_WORDS) and not words[end].isdigit():
        end += 1
    return " ".join(words[house:end])


def _blank_account_number(run: re.Match[str]) -> str:
    return " " if account_number_in(run.group()) else run.group()
