"""Structured logging that never shows a customer's phone, account number or words above DEBUG.

Log lines are JSON objects. Message bodies are logged only at DEBUG by convention; phone and
account numbers are masked here in every record above DEBUG, whatever the caller passed, because
a single careless ``%s`` must not leak them.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from channels.phone import mask_phone

_PHONE = re.compile(r"(?<![\w+])(\+?\d[\d\s().-]{8,}\d)(?!\w)")
_LONG_DIGITS = re.compile(r"(?<![\w-])\d{6,}(?!\w)")


def _mask_number(text: str) -> str:
    """International numbers keep their country code; any other run keeps only its last four."""
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+"):
        return mask_phone("+" + digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_sensitive(text: str) -> str:
    """Mask phone-like and account-like digit runs in free text."""
    text = _PHONE.sub(lambda m: _mask_number(m.group(1)), text)
    return _LONG_DIGITS.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)


class MaskingFilter(logging.Filter):
    """Masks the rendered message of every record above DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            record.msg = mask_sensitive(record.getMessage())
            record.args = None
        return True


class JsonFormatter(logging.Formatter):
    _RESERVED = frozenset(vars(logging.makeLogRecord({})))

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(
            (k, v) for k, v in vars(record).items() if k not in self._RESERVED and k != "message"
        )
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(MaskingFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
