"""Signed web chat session tokens: who a chat socket belongs to, without server-side state.

A token is ``v1.<session id>.<issued at>.<signature>``, the signature an HMAC-SHA256 of the
session id and issue time under a secret every replica shares. A browser keeps it to come back
to its own conversation after a drop; a token that fails the check is never an error the
customer sees, it only means a new session, so a forged token reaches no one's conversation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from channels.ids import parse_id

VERSION = "v1"
DEFAULT_TTL = 7 * 24 * 3600.0
"""A week: long enough to come back to a conversation a representative answers the next day."""

MAX_TOKEN_CHARS = 200
CLOCK_SKEW = 60.0
"""Replicas' clocks may differ a little; a token issued slightly "in the future" is still ours."""

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class ChatSession:
    session_id: str
    issued_at: int


class TokenSigner:
    """Issues and checks tokens; ``verify`` answers ``None`` for anything not issued by us
    within ``ttl`` seconds, whatever is wrong with it."""

    def __init__(self, secret: str, *, ttl: float = DEFAULT_TTL, clock: Clock = time.time) -> None:
        if len(secret) < 16:
            raise ValueError("a chat session secret needs at least 16 characters")
        self._key = secret.encode()
        self.ttl = ttl
        self._clock = clock

    def new_session(self) -> ChatSession:
        return ChatSession(secrets.token_urlsafe(18), int(self._clock()))

    def issue(self, session_id: str) -> str:
        """A fresh token for the session; each reconnect renews it, so active chats stay valid."""
        issued_at = int(self._clock())
        return f"{VERSION}.{session_id}.{issued_at}.{self._signature(session_id, issued_at)}"

    def verify(self, token: str | None) -> ChatSession | None:
        if not token or len(token) > MAX_TOKEN_CHARS:
            return None
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != VERSION or not parts[1]:
            return None
        session_id, issued_at, signature = parts[1], parse_id(parts[2]), parts[3]
        if issued_at is None:
            return None
        if not hmac.compare_digest(signature, self._signature(session_id, issued_at)):
            return None
        age = self._clock() - issued_at
        if age > self.ttl or age < -CLOCK_SKEW:
            return None
        return ChatSession(session_id, issued_at)

    def _signature(self, session_id: str, issued_at: int) -> str:
        digest = hmac.new(
            self._key, f"{VERSION}.{session_id}.{issued_at}".encode(), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
