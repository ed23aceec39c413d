"""The order of Twilio message statuses, so delivery state only ever moves forward.

Status callbacks arrive out of order and more than once (``sent`` after ``delivered`` is
ordinary), so the gateway records a status only when :func:`is_forward` says it advances the
message. Which status follows which is Twilio's protocol knowledge, hence it lives here.
"""

from __future__ import annotations

from types import MappingProxyType

DELIVERY_ORDER: MappingProxyType[str, int] = MappingProxyType(
    {
        # before Twilio has a sender for it (Messaging Service, scheduling)
        "accepted": 0,
        "scheduled": 0,
        "queued": 1,
        "sending": 2,
        "sent": 3,
        # final outcomes: one message reaches exactly one of these
        "delivered": 4,
        "undelivered": 4,
        "failed": 4,
        "canceled": 4,
        "partially_delivered": 4,
        # only channels with read receipts (WhatsApp, RCS), and only after delivery
        "read": 5,
    }
)
"""Rank of each outbound status; equal ranks are alternatives, not successors."""

FINAL_STATUSES = frozenset(
    {"delivered", "undelivered", "failed", "canceled", "partially_delivered", "read"}
)
"""Statuses that end a message's delivery; only ``read`` can still follow one of them."""


def is_forward(old: str | None, new: str) -> bool:
    """Whether ``new`` advances a message whose recorded status is ``old``.

    Unknown statuses (a status Twilio adds later) never advance a message: the gateway may log
    them, but the recorded state stays on known ground. A first status always advances.
    """
    new_rank = DELIVERY_ORDER.get(new)
    if new_rank is None:
        return False
    if old is None:
        return True
    old_rank = DELIVERY_ORDER.get(old)
    if old_rank is None:
        return True
    return new_rank > old_rank
