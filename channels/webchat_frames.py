"""The web chat's JSON frames, both ways.

Client → server: ``hello`` (first, once), ``message``, ``typing``. Server → client:
``welcome``, ``message``, ``typing``, ``error``. Parsing is strict about shape and lenient about
nothing: a frame that is not what the protocol says becomes a :class:`FrameError` whose code the
client can act on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NotRequired, TypedDict

from channels.ids import MAX_ID

MAX_TEXT_CHARS = 2000
MAX_FRAME_BYTES = 16 * 1024
"""Well above a 2,000-character message in UTF-8 and JSON escaping; anything larger closes the
socket, since no honest client sends it."""

_CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")

ErrorCode = Literal[
    "bad_frame",
    "hello_first",
    "too_long",
    "empty",
    "rate_limited",
    "not_accepted",
]
Direction = Literal["inbound", "outbound"]


class FrameError(ValueError):
    """A client frame the protocol does not allow; ``code`` goes back in an ``error`` frame."""

    def __init__(self, code: ErrorCode, message: str, client_id: str | None = None) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.client_id = client_id


@dataclass(frozen=True, slots=True)
class Hello:
    token: str | None
    last_seen: int | None


@dataclass(frozen=True, slots=True)
class ChatText:
    client_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Typing:
    pass


ClientFrame = Hello | ChatText | Typing


class WelcomeFrame(TypedDict):
    type: Literal["welcome"]
    token: str
    session: str


class MessageFrame(TypedDict):
    type: Literal["message"]
    id: int
    direction: Direction
    text: str
    at: str
    author: str
    client_id: NotRequired[str]


class TypingFrame(TypedDict):
    type: Literal["typing"]
    who: str


class ErrorFrame(TypedDict):
    type: Literal["error"]
    code: ErrorCode
    message: str
    id: NotRequired[str]


ServerFrame = WelcomeFrame | MessageFrame | TypingFrame | ErrorFrame


def parse_client_frame(raw: str) -> ClientFrame:
    """One text frame from the browser; raises :class:`FrameError` for anything else.

    A message's text is kept as typed but must hold something besides white space and fit in
    :data:`MAX_TEXT_CHARS`; the error then names the client's message id so the page can mark
    that message as not sent.
    """
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        # RecursionError: arrays nested thousands deep; ValueError also covers numbers of more
        # digits than Python converts.
        raise FrameError("bad_frame", "frames are JSON objects") from None
    if not isinstance(data, dict):
        raise FrameError("bad_frame", "frames are JSON objects")
    kind = data.get("type")
    if kind == "hello":
        token, last_seen = data.get("token"), data.get("last_seen")
        if token is not None and not isinstance(token, str):
            raise FrameError("bad_frame", "hello.token is a string or null")
        if last_seen is not None and (
            not isinstance(last_seen, int)
            or isinstance(last_seen, bool)
            or not 0 <= last_seen <= MAX_ID
        ):
            raise FrameError("bad_frame", "hello.last_seen is a message id or null")
        return Hello(token, last_seen)
    if kind == "message":
        client_id, text = data.get("id"), data.get("text")
        if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
            raise FrameError("bad_frame", "message.id is the client's uuid")
        if not isinstance(text, str):
            raise FrameError("bad_frame", "message.text is a string", client_id)
        if not text.strip():
            raise FrameError("empty", "a message needs some text", client_id)
        if len(text) > MAX_TEXT_CHARS:
            raise FrameError(
                "too_long", f"a message is at most {MAX_TEXT_CHARS} characters", client_id
            )
        return ChatText(client_id, text)
    if kind == "typing":
        return Typing()
    raise FrameError("bad_frame", "unknown frame type")


def welcome(token: str, session_id: str) -> WelcomeFrame:
    return {"type": "welcome", "token": token, "session": session_id}


def message_frame(
    message_id: int,
    *,
    direction: Direction,
    text: str,
    at: datetime,
    author: str,
    client_id: str | None = None,
) -> MessageFrame:
    """``author`` is ``"you"`` for the customer's own messages, ``"bot"`` for the gateway's
    automatic replies, otherwise the representative's display name."""
    frame: MessageFrame = {
        "type": "message",
        "id": message_id,
        "direction": direction,
        "text": text,
        "at": at.isoformat(),
        "author": author,
    }
    if client_id is not None:
        frame["client_id"] = client_id
    return frame


def typing(who: str) -> TypingFrame:
    return {"type": "typing", "who": who}


def error(code: ErrorCode, message: str, client_id: str | None = None) -> ErrorFrame:
    frame: ErrorFrame = {"type": "error", "code": code, "message": message}
    if client_id is not None:
        frame["id"] = client_id
    return frame


def encode(frame: ServerFrame) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
