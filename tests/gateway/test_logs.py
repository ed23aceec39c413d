"""Logs above DEBUG never show a customer's phone or account number."""

from __future__ import annotations

import json
import logging

from gateway.logs import JsonFormatter, MaskingFilter, mask_sensitive


def test_account_numbers_and_phones_in_free_text_are_masked() -> None:
    text = mask_sensitive("acct 4817220935 texted from +1 555 201 0183 about case CS-000123")
    assert "4817220935" not in text and "******0935" in text
    assert "201 0183" not in text and "0183" in text
    assert "CS-000123" in text


def render(level: int, msg: str, *args: object) -> dict[str, object]:
    record = logging.LogRecord("gateway.test", level, __file__, 1, msg, args, None)
    MaskingFilter().filter(record)
    return json.loads(JsonFormatter().format(record))  # type: ignore[no-any-return]


def test_info_records_are_masked_even_when_passed_as_arguments() -> None:
    line = render(logging.INFO, "inbound from %s for account %s", "+15552010183", "4817220935")
    assert line["msg"] == "inbound from +1******0183 for account ******0935"
    assert line["level"] == "info" and line["logger"] == "gateway.test"


def test_debug_records_are_left_whole_for_local_diagnosis() -> None:
    line = render(logging.DEBUG, "body: %s", "call me at +15552010183")
    assert line["msg"] == "body: call me at +15552010183"
