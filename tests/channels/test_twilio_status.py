"""Delivery state only moves forward, whatever order Twilio's callbacks arrive in."""

from __future__ import annotations

import pytest

from channels.twilio_status import DELIVERY_ORDER, FINAL_STATUSES, is_forward


@pytest.mark.parametrize(
    ("old", "new", "forward"),
    [
        (None, "queued", True),
        (None, "delivered", True),
        ("accepted", "queued", True),
        ("queued", "sending", True),
        ("queued", "sent", True),
        ("sending", "sent", True),
        ("sent", "delivered", True),
        ("sent", "undelivered", True),
        ("queued", "failed", True),
        ("scheduled", "canceled", True),
        ("delivered", "read", True),
        ("delivered", "sent", False),
        ("delivered", "queued", False),
        ("sent", "sent", False),
        ("delivered", "undelivered", False),
        ("failed", "delivered", False),
        ("read", "delivered", False),
        ("sent", "carrier_pondering", False),
        (None, "carrier_pondering", False),
        ("carrier_pondering", "delivered", True),
    ],
)
def test_is_forward(old: str | None, new: str, forward: bool) -> None:
    assert is_forward(old, new) is forward


def test_every_final_status_is_ranked_at_or_after_delivery() -> None:
    assert all(DELIVERY_ORDER[status] >= DELIVERY_ORDER["delivered"] for status in FINAL_STATUSES)
