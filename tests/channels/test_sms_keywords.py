"""Twilio's standard keywords, recognised only when they are the whole message."""

from __future__ import annotations

import pytest

from channels.sms_keywords import keyword


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        *[
            (word, "stop")
            for word in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT")
        ],
        ("REVOKE", "stop"),
        ("stop", "stop"),
        ("Stop", "stop"),
        ("  stop\n", "stop"),
        ("Stop.", "stop"),
        ("QUIT!", "stop"),
        ("START", "start"),
        ("yes", "start"),
        ("Unstop", "start"),
        ("HELP", "help"),
        ("info", "help"),
        ("help!", "help"),
        ("stop texting me about the bill", None),
        ("please stop", None),
        ("STOP ALL", None),
        ("yes my power is out", None),
        ("", None),
        ("   ", None),
        ("STOPP", None),
        ("stop?", None),
        ("Is there any help for seniors?", None),
    ],
)
def test_keyword(body: str, expected: str | None) -> None:
    assert keyword(body) == expected
