"""Structured logging that keeps customers' data and our secrets out of the log, and one noisy
cause from drowning the rest.

Log lines are JSON objects. Every part of a record that reaches the log is masked here: the
message with its arguments, each ``extra=`` field, the exception text and its traceback, because
a single careless ``%s``, a header dump or a database error quoting its SQL parameters must not
leak what it carries. Secrets (tokens, cookies, passwords, the secrets the settings hold) are
hidden at every level. Personal data (phone and account numbers, email addresses, a database
error's parameters) is hidden above DEBUG; message bodies are logged only at DEBUG by convention.

Warnings repeat in bursts (one slow client, one dead dependency): a few identical ones per
interval are written, the rest counted and the count told on the next one written. A client's
malformed request is its own mistake, not our error: one INFO line, no traceback.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from aiohttp.http_exceptions import HttpProcessingError

from channels.phone import mask_phone

HIDDEN = "***"

_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
"""Attributes every record has; any other attribute came from ``extra=``."""

_SECRET_NAME = re.compile(
    r"authorization|cookie|password|passwd|secret|token|signature|api[_-]?key|gw_session", re.I
)
_SECRET_FIELD = re.compile(
    r"(?P<key>" + _SECRET_NAME.pattern + r")"
    r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<value>(?:(?:basic|bearer|digest)\s+)?[^\s\"',;&)}\]]+)",
    re.I,
)
_URL_PASSWORD = re.compile(
    r"(?P<head>(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+(?=@)", re.I
)
_CHAT_TOKEN = re.compile(r"\bv1\.[\w-]+\.\d+\.[\w-]+")
_WORD = re.compile(r"(?<![\w-])[\w-]{20,}(?![\w-])")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_TWILIO_SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")
"""Twilio resource ids (``SM…`` messages, ``AC…`` accounts) name things; they grant nothing."""

_SQL_PARAMETERS = re.compile(r"^\[parameters: .*$", re.M)
_ROW_VALUES = re.compile(r"(?P<head>Key \([^)\n]{0,200}\)=|Failing row contains )\(.*\)")
"""PostgreSQL's DETAIL lines quote the values of the row a constraint refused."""
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@(?P<domain>[\w-]+(?:\.[\w-]+)+)")
_NUMBER = re.compile(r"(?:(?<![\w.:-])|(?<=:)(?=\+))\+?(?:\(\d+\)[ .-]?)?\d+(?:[ .-]\d+)*(?![\w-])")
"""Groups of digits, not inside a word, a decimal or a time of day (``sms:+1…`` still counts)."""
_NOT_PERSONAL = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,3}(?:\.\d{1,3}){3}$|\d+\.\d+$")
"""Dates, IPv4 addresses and decimals look like grouped digits but are no one's number."""


def mask_secrets(text: str, known: Iterable[str] = ()) -> str:
    """Hide ``known`` secrets and anything shaped like a credential, at any log level."""
    for secret in known:
        text = text.replace(secret, HIDDEN)
    text = _SECRET_FIELD.sub(lambda m: f"{m['key']}{m['sep']}{HIDDEN}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{HIDDEN}", text)
    text = _CHAT_TOKEN.sub("v1." + HIDDEN, text)
    return _WORD.sub(_mask_random_word, text)


def _mask_random_word(match: re.Match[str]) -> str:
    """Long runs of letters and digits are keys and tokens; identifiers are letters only."""
    word = match.group()
    if _UUID.fullmatch(word) or _TWILIO_SID.fullmatch(word):
        return word
    has_digit = any(c.isdigit() for c in word)
    mixed_case = any(c.isupper() for c in word) and any(c.islower() for c in word)
    if (has_digit and any(c.isalpha() for c in word)) or (mixed_case and len(word) >= 40):
        return HIDDEN
    return word


def mask_sensitive(text: str) -> str:
    """Hide personal data in free text: phone and account numbers keep their last four digits,
    email addresses only their domain, a database error's parameters and row values go."""
    text = _SQL_PARAMETERS.sub("[parameters hidden]", text)
    text = _ROW_VALUES.sub(lambda m: f"{m['head']}({HIDDEN})", text)
    text = _EMAIL.sub(lambda m: f"{HIDDEN}@{m['domain']}", text)
    return _NUMBER.sub(_mask_number, text)


def _mask_number(match: re.Match[str]) -> str:
    """Seven digits and more make a phone number, six in a row an account-like number;
    international numbers keep their country code."""
    text = match.group()
    digits = re.sub(r"\D", "", text)
    longest_run = max(len(run) for run in re.findall(r"\d+", text))
    if (len(digits) < 7 and longest_run < 6) or _NOT_PERSONAL.match(text):
        return text
    if text.startswith("+"):
        return mask_phone("+" + digits)
    return "*" * (len(digits) - 4) + digits[-4:]


class MaskingFilter(logging.Filter):
    """Masks the whole record: secrets always, personal data above DEBUG.

    The message is rendered with its arguments and the exception formatted with its traceback
    here, so what any formatter writes afterwards is the masked text.
    """

    MIN_SECRET_CHARS = 8
    """Shorter ones would hide common words; in URLs and ``key=value`` they are hidden anyway."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret containing another is hidden whole.
        known = {s for s in secrets if len(s) >= self.MIN_SECRET_CHARS}
        self._secrets = sorted(known, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        personal = record.levelno > logging.DEBUG
        record.msg = self._mask(_rendered(record), personal)
        record.args = None
        for key in vars(record).keys() - _RESERVED:
            setattr(record, key, self._mask_field(key, getattr(record, key), personal))
        if record.exc_info:
            record.exc_text = _EXCEPTIONS.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self._mask(record.exc_text, personal)
        if record.stack_info:
            record.stack_info = self._mask(record.stack_info, personal)
        return True

    def _mask(self, text: str, personal: bool) -> str:
        text = mask_secrets(text, self._secrets)
        return mask_sensitive(text) if personal else text

    def _mask_field(self, key: str, value: object, personal: bool) -> object:
        if value is None or isinstance(value, bool | float):
            return value
        if _SECRET_NAME.search(key):
            return HIDDEN
        if isinstance(value, int):
            masked = self._mask(str(value), personal)
            return value if masked == str(value) else masked
        if isinstance(value, Mapping):
            return {str(k): self._mask_field(str(k), v, personal) for k, v in value.items()}
        if isinstance(value, Collection) and not isinstance(value, str | bytes):
            return [self._mask_field("", item, personal) for item in value]
        return self._mask(str(value), personal)


_EXCEPTIONS = logging.Formatter()


def _rendered(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError, KeyError):
        # A call whose arguments do not fit its template still says what it could.
        return f"{record.msg!s} {record.args!r}"


@dataclass
class _Burst:
    started: float
    written: int = 1
    suppressed: int = 0


class RepeatFilter(logging.Filter):
    """Writes the first ``burst`` warnings of one (logger, message template) per ``interval``
    seconds; the rest are counted, and the next one written says ``(N similar suppressed)``.

    INFO and DEBUG lines are never held back: they record what happened, one line per thing.
    """

    MAX_TRACKED = 1024

    def __init__(
        self, burst: int = 5, interval: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.burst = burst
        self.interval = interval
        self._clock = clock
        self._bursts: dict[tuple[str, str], _Burst] = {}
        self._lock = threading.Lock()  # records come from executor threads too

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg))
        now = self._clock()
        with self._lock:
            burst = self._bursts.get(key)
            if burst is not None and now - burst.started < self.interval:
                if burst.written >= self.burst:
                    burst.suppressed += 1
                    return False
                burst.written += 1
                return True
            if burst is None and len(self._bursts) >= self.MAX_TRACKED:
                self._forget_finished(now)
            self._bursts[key] = _Burst(now)
        if burst is not None and burst.suppressed:
            record.msg = f"{_rendered(record)} ({burst.suppressed} similar suppressed)"
            record.args = None
        return True

    def _forget_finished(self, now: float) -> None:
        self._bursts = {k: b for k, b in self._bursts.items() if now - b.started < self.interval}


class ClientErrorFilter(logging.Filter):
    """aiohttp logs a request it could not parse (answered 400) as an ERROR with a traceback;
    the mistake is the client's, so it becomes one INFO line naming what was wrong."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if (
            record.name == "aiohttp.server"
            and isinstance(error, HttpProcessingError)
            and 400 <= error.code < 500
        ):
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            record.msg = f"{_rendered(record)}: {type(error).__name__}: {error.message}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in _RESERVED)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str)


QUIET_LOGGERS = {"aiohttp.access": logging.WARNING, "twilio": logging.WARNING}
"""Loggers that say too much at INFO: a line per request, eleven lines per message sent."""


def log_handler(stream: TextIO | None = None, secrets: Iterable[str] = ()) -> logging.Handler:
    """JSON lines on ``stream`` (stderr by default): rate-limited (a flood of bad requests
    too), clients' mistakes made quiet, then masked."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RepeatFilter())
    handler.addFilter(ClientErrorFilter())
    handler.addFilter(MaskingFilter(secrets))
    handler.setFormatter(JsonFormatter())
    return handler


def configure_logging(
    level: str, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Every logger, ours and our libraries', writes through one masked JSON handler."""
    root = logging.getLogger()
    root.handlers[:] = [log_handler(stream, secrets)]
    root.setLevel(level)
    for name, quiet_level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet_level)
