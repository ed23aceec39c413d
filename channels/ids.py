"""Ids that arrive as text from outside (a URL, a token, a chat frame), read strictly.

Our ids are the store's 64-bit keys written in ASCII digits. ``str.isdigit`` also accepts ``²``
and other characters ``int()`` refuses; ``int()`` accepts ``+7``, ``1_000``, blanks and
non-ASCII digits; and a number past :data:`MAX_ID` fails in the database, as a 500, instead of
here, as "no such thing".
"""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1
"""The largest key a 64-bit signed integer column holds (PostgreSQL ``bigint``, SQLite)."""

_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(raw: str) -> int | None:
    """``raw`` as an id, or ``None`` when it cannot be one of ours."""
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None
