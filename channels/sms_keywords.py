"""Recognise the carrier-standard SMS keywords Twilio acts on by default.

Twilio itself blocks and unblocks senders on these words (and answers them) before the webhook
reaches us; the gateway only needs to know that it happened, to record consent and skip intake.
Twilio acts on single-word messages only, so ``"stop texting me about the bill"`` is not STOP.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

Keyword = Literal["stop", "start", "help"]

KEYWORDS: MappingProxyType[str, Keyword] = MappingProxyType(
    {
        **dict.fromkeys(
            ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"),
            "stop",
        ),
        **dict.fromkeys(("START", "YES", "UNSTOP"), "start"),
        **dict.fromkeys(("HELP", "INFO"), "help"),
    }
)

_TRAILING = ".!"


def keyword(body: str) -> Keyword | None:
    """The standard keyword the whole body is, or ``None``.

    Case and surrounding whitespace are ignored, and so is trailing ``.`` or ``!``
    (``"Stop."``); any other word in the body means it is an ordinary message.
    """
    word = body.strip().rstrip(_TRAILING).strip().upper()
    return KEYWORDS.get(word)
