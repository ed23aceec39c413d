"""Gateway settings: one frozen value, read from the environment only by ``main()``.

Every problem is reported as a :class:`ConfigError` naming the variable, so start-up can stop
with one clear line instead of a traceback.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from channels.ids import parse_id
from channels.webchat_limits import ChatLimits, Limit
from gateway.forwarded import Network, parse_networks

DEFAULT_DATABASE_URL = "sqlite:///var/gateway.db"
DEFAULT_MODEL_PATH = "nlp/model"
MIN_SECRET_CHARS = 16
_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")
_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*$")


def random_secret() -> str:
    """The embedded default: one process signs and checks every chat token, so a secret made up
    at start-up works; pages simply start new chat sessions after a restart."""
    return secrets.token_urlsafe(32)


class ConfigError(Exception):
    """A setting is missing or malformed; ``str()`` is the one line shown to the operator."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    api_base: str | None = None
    messaging_service_sid: str | None = None
    from_number: str | None = None
    # How long a send waits for Twilio's answer; after that its outcome is unknown.
    send_timeout: float = 15.0

    def __repr__(self) -> str:
        return f"TwilioSettings(account_sid={self.account_sid!r}, auth_token='***')"


@dataclass(frozen=True, slots=True)
class SignInLimits:
    """Failed sign-ins allowed per account and per client address within ``window`` seconds;
    one more locks that account or address for ``window`` seconds from then."""

    per_account: int = 5
    per_address: int = 20
    window: int = 15 * 60


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    public_base_url: str = "http://127.0.0.1:8080"
    twilio: TwilioSettings | None = None
    smtp_listen_host: str = "127.0.0.1"
    smtp_listen_port: int = 2525
    smtp_relay_url: str | None = None
    mail_domain: str = "utility.example"
    nlp_model_path: Path = Path(DEFAULT_MODEL_PATH)
    log_level: str = "INFO"
    session_secret: str = field(default_factory=random_secret, repr=False)
    chat_allowed_origins: tuple[str, ...] = ()
    chat_limits: ChatLimits = field(default_factory=ChatLimits)
    # Proxies whose X-Forwarded-For is believed for the client's address (gateway.forwarded).
    trusted_proxies: tuple[Network, ...] = ()
    # How long a webhook waits for its turn's reply to answer in the same exchange (TwiML);
    # slower replies go out through the provider's API instead.
    reply_budget: float = 0.8
    # How often an open staff WebSocket checks that its session still stands: it may have
    # expired, or been signed out on another replica.
    staff_socket_recheck: float = 15.0
    # How long a request's body may take to arrive after its headers before the answer is 408.
    body_timeout: float = 15.0
    sign_in_limits: SignInLimits = SignInLimits()
    # How often every replica checks that routing holds each open case (gateway.reconciliation).
    routing_reconcile_every: float = 5.0

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values no log line may show, whatever their shape (a passphrase matches no pattern)."""
        found = [self.session_secret]
        if self.twilio is not None:
            found.append(self.twilio.auth_token)
        for url in (self.database_url, self.redis_url, self.smtp_relay_url):
            password = urlsplit(url).password if url else None
            if password:
                found += [password, unquote(password)]
        return tuple(found)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        port = _port("PORT", get("PORT"), 8080)
        database_url = normalise_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL)
        redis_url = get("REDIS_URL")
        if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError("REDIS_URL", "must start with redis://, rediss:// or unix://")
        public_base_url = (get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{port}").rstrip("/")
        if not public_base_url.startswith(("http://", "https://")):
            raise ConfigError("PUBLIC_BASE_URL", "must be an http:// or https:// URL")
        return cls(
            host=get("HOST") or "127.0.0.1",
            port=port,
            database_url=database_url,
            redis_url=redis_url,
            public_base_url=public_base_url,
            twilio=_twilio(get),
            smtp_listen_host=get("SMTP_LISTEN_HOST") or "127.0.0.1",
            smtp_listen_port=_port("SMTP_LISTEN_PORT", get("SMTP_LISTEN_PORT"), 2525),
            smtp_relay_url=get("SMTP_RELAY_URL"),
            mail_domain=get("MAIL_DOMAIN") or "utility.example",
            nlp_model_path=Path(get("NLP_MODEL_PATH") or DEFAULT_MODEL_PATH),
            log_level=(get("LOG_LEVEL") or "INFO").upper(),
            session_secret=_session_secret(get("SESSION_SECRET"), redis_url),
            chat_allowed_origins=_origins(get("CHAT_ALLOWED_ORIGINS")),
            chat_limits=_chat_limits(get),
            trusted_proxies=_networks("TRUSTED_PROXIES", get("TRUSTED_PROXIES")),
        )


def normalise_database_url(raw: str) -> str:
    """Accept the URLs operators write (``postgresql://``, ``sqlite:///``); pick async drivers."""
    try:
        url: URL = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL", "malformed URL (expected postgresql://… or sqlite:///…)"
        ) from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        url = url.set(drivername="postgresql+asyncpg")
        if not url.database:
            raise ConfigError("DATABASE_URL", "names no database")
    elif backend == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
        if not url.database or url.database == ":memory:":
            raise ConfigError("DATABASE_URL", "SQLite needs a file path (sqlite:///var/gateway.db)")
    else:
        raise ConfigError(
            "DATABASE_URL", f"unsupported database {backend!r} (use postgresql or sqlite)"
        )
    return url.render_as_string(hide_password=False)


def _port(variable: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    port = parse_id(raw)
    if port is None or not 0 < port < 65536:
        raise ConfigError(variable, f"not a TCP port: {raw!r}")
    return port


def _session_secret(raw: str | None, redis_url: str | None) -> str:
    """Replicas (a shared Redis) must share the secret, or a page reconnecting to another replica
    would lose its conversation; one embedded process can make one up."""
    if raw is None:
        if redis_url is not None:
            raise ConfigError(
                "SESSION_SECRET",
                "required with REDIS_URL: every replica must sign chat tokens alike",
            )
        return random_secret()
    if len(raw) < MIN_SECRET_CHARS:
        raise ConfigError("SESSION_SECRET", f"use at least {MIN_SECRET_CHARS} random characters")
    return raw


def _origins(raw: str | None) -> tuple[str, ...]:
    """``CHAT_ALLOWED_ORIGINS``: scheme://host[:port] entries, comma-separated; none: the origin
    of PUBLIC_BASE_URL (see ``gateway.chat.allowed_origins``)."""
    if raw is None:
        return ()
    origins = tuple(o.strip().rstrip("/").lower() for o in raw.split(",") if o.strip())
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise ConfigError(
                "CHAT_ALLOWED_ORIGINS", f"not an origin (scheme://host[:port]): {origin!r}"
            )
    return origins


def _chat_limits(get: Callable[[str], str | None]) -> ChatLimits:
    """``CHAT_SESSIONS_PER_ADDRESS`` and the like, each ``count/seconds`` (``10/600``)."""
    default = ChatLimits()

    def limit(variable: str, fallback: Limit) -> Limit:
        raw = get(variable)
        if raw is None:
            return fallback
        found = _LIMIT.match(raw)
        if found is None or int(found[1]) < 1 or float(found[2]) <= 0:
            raise ConfigError(variable, f"expected count/seconds, like 10/600: {raw!r}")
        return Limit(int(found[1]), float(found[2]))

    return ChatLimits(
        messages_per_session=default.messages_per_session,
        messages_per_address=limit("CHAT_MESSAGES_PER_ADDRESS", default.messages_per_address),
        messages_overall=limit("CHAT_MESSAGES_OVERALL", default.messages_overall),
        sessions_per_address=limit("CHAT_SESSIONS_PER_ADDRESS", default.sessions_per_address),
        sessions_overall=limit("CHAT_SESSIONS_OVERALL", default.sessions_overall),
    )


def _networks(variable: str, raw: str | None) -> tuple[Network, ...]:
    if raw is None:
        return ()
    try:
        return parse_networks([entry for entry in raw.split(",") if entry.strip()])
    except ValueError as error:
        raise ConfigError(variable, str(error)) from None


def _twilio(get: Callable[[str], str | None]) -> TwilioSettings | None:
    """Twilio routes are enabled by ``TWILIO_ACCOUNT_SID``; a token must then come with it."""
    sid, token = get("TWILIO_ACCOUNT_SID"), get("TWILIO_AUTH_TOKEN")
    if sid is None and token is None:
        return None
    if sid is None:
        raise ConfigError("TWILIO_ACCOUNT_SID", "missing while TWILIO_AUTH_TOKEN is set")
    if token is None:
        raise ConfigError("TWILIO_AUTH_TOKEN", "missing while Twilio routes are enabled")
    from_number, service = get("TWILIO_FROM_NUMBER"), get("TWILIO_MESSAGING_SERVICE_SID")
    if from_number is None and service is None:
        raise ConfigError(
            "TWILIO_FROM_NUMBER",
            "set it (or TWILIO_MESSAGING_SERVICE_SID) to say where replies come from",
        )
    return TwilioSettings(
        account_sid=sid,
        auth_token=token,
        api_base=get("TWILIO_API_BASE"),
        messaging_service_sid=service,
        from_number=from_number,
    )
