"""One spelling per phone number, and none of them in logs."""

from __future__ import annotations

import pytest

from channels.phone import mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("address", "region", "expected"),
    [
        ("+15035550183", None, "+15035550183"),
        (" +1 (503) 555-0183 ", None, "+15035550183"),
        ("503-555-0183", "US", "+15035550183"),
        ("503-555-0183", None, "503-555-0183"),
        ("+447700900123", None, "+447700900123"),
        ("+44 7700 900123", "US", "+447700900123"),
        ("whatsapp:+1 503 555 0183", None, "whatsapp:+15035550183"),
        ("12345", "US", "12345"),
        ("CITYPOWER", "US", "CITYPOWER"),
        ("+1415", None, "+1415"),
    ],
)
def test_normalize_phone(address: str, region: str | None, expected: str) -> None:
    assert normalize_phone(address, region) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("+15035550183", "+1******0183"),
        ("+447700900123", "+4*******0123"),
        ("whatsapp:+15035550183", "whatsapp:+1******0183"),
        ("12345", "*****"),
        ("", "-"),
        (None, "-"),
    ],
)
def test_mask_phone(address: str | None, expected: str) -> None:
    assert mask_phone(address) == expected
