"""What the bad-input campaign (marker ``campaign``) sends, and how it tells a failure.

Strategies for hostile text and JSON, and a log handler that collects what a server logged, so
a campaign can assert that nothing it sent made the server log a traceback or an error: a
client's mistake is answered with a 4xx or an error frame, never with a stack trace.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

CONTROL_AND_FORMAT = st.characters(categories=["Cc", "Cf", "Zl", "Zp"])
"""NUL, escapes, bidi overrides, zero-width joiners, line and paragraph separators."""

ENCODABLE = st.characters(exclude_categories=["Cs"])
"""Every character that has a UTF-8 spelling (no lone surrogates), so it can cross HTTP."""

RISKY_TEXT = (
    "\x00",
    "\u202e",
    "\ufeff",
    "😀" * 3,
    "' OR 1=1 --",
    "%s%d%n",
    "{}[]",
    "CS-000001",
    "4373 Willow Street",
    "yes",
    "STOP",
    "I smell gas",
)


def hostile_text(*, max_size: int = 200, repeat_up_to: int = 2000) -> st.SearchStrategy[str]:
    """Any text with a UTF-8 spelling, leaning towards what breaks parsers and stores: control
    and format characters, NUL, emoji, and snippets repeated into huge messages."""
    pieces = st.one_of(
        st.text(ENCODABLE, max_size=max_size),
        st.text(CONTROL_AND_FORMAT, min_size=1, max_size=max_size),
        st.sampled_from(RISKY_TEXT),
    )
    repeated = st.builds(
        lambda piece, times: piece * times,
        st.one_of(st.sampled_from(RISKY_TEXT), st.text(ENCODABLE, min_size=1, max_size=8)),
        st.integers(min_value=2, max_value=repeat_up_to),
    )
    return st.one_of(pieces, repeated, st.lists(pieces, max_size=5).map("".join))


def json_values(text: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Any]:
    """Any JSON value, integers unbounded (so past 2^63), nested a few levels."""
    text = text if text is not None else st.text(ENCODABLE, max_size=40)
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        text,
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)
        ),
        max_leaves=12,
    )


def deeply_nested(depth: int = 5000) -> str:
    """A JSON document nested ``depth`` arrays deep, past the recursion limit of a parser."""
    return "[" * depth + "]" * depth


def huge_number(digits: int = 5000) -> str:
    """A JSON number with more digits than Python converts by default (4300)."""
    return "9" * digits


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class ServerLog(logging.Handler):
    """Every warning and error logged in this process, from any thread, while installed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def clear(self) -> None:
        self.records.clear()

    def tracebacks(self) -> list[str]:
        """Records with a stack trace or at ERROR and above: each one is a campaign failure."""
        return [
            f"{record.levelname} {record.name}: {record.getMessage()}"
            for record in self.records
            if record.exc_info or record.levelno >= logging.ERROR
        ]


@contextmanager
def server_log() -> Iterator[ServerLog]:
    """Collect the root logger's warnings and errors while the block runs."""
    handler = ServerLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


shared_gateway = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
"""One gateway serves every example of a test, as one deployment serves every customer."""
