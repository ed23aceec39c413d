"""Ids from outside are plain ASCII decimals within the store's 64-bit keys, or nothing."""

from __future__ import annotations

import pytest

from channels.ids import MAX_ID, parse_id


@pytest.mark.parametrize("raw", ["0", "7", "0042", str(MAX_ID)])
def test_plain_decimals_within_a_64_bit_key_are_ids(raw: str) -> None:
    assert parse_id(raw) == int(raw)


@pytest.mark.parametrize(
    "raw",
    ["", "²", "1²", "٣", "+7", "-7", "1_000", " 7", "7\n", "7.0", "0x7", str(MAX_ID + 1), "9" * 20],
)
def test_anything_else_is_no_id(raw: str) -> None:
    assert parse_id(raw) is None
