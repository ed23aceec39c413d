"""Everything the Twilio SMS adapter is configured with, as one frozen value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from channels.twilio_signature import check_public_base_url

DEFAULT_INBOUND_PATH = "/twilio/sms"
DEFAULT_STATUS_PATH = "/twilio/status"


@dataclass(frozen=True, slots=True)
class TwilioSmsSettings:
    """How to reach Twilio and how Twilio reaches us.

    ``public_base_url`` is the URL Twilio calls (``https://gw.example.org``, possibly with a
    path prefix a proxy strips): signatures are checked against it, never against the Host a
    request arrived with. ``api_base`` replaces ``https://api.twilio.com`` when set (tests point
    it at a local stand-in). A reply needs a sender: ``from_number``, ``messaging_service_sid``,
    or the ``sender`` of each ``OutboundMessage``. ``signing_keys`` maps Twilio SharedKey ids to
    their secrets, for webhooks signed with a shared key rather than the auth token.
    """

    account_sid: str
    auth_token: str = field(repr=False)
    public_base_url: str
    api_base: str | None = None
    inbound_path: str = DEFAULT_INBOUND_PATH
    status_callback_path: str = DEFAULT_STATUS_PATH
    messaging_service_sid: str | None = None
    from_number: str | None = None
    default_region: str = "US"
    send_timeout: float = 15.0
    signing_keys: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.account_sid or not self.auth_token:
            raise ValueError("account_sid and auth_token are required")
        object.__setattr__(self, "public_base_url", check_public_base_url(self.public_base_url))
        if self.api_base is not None:
            parts = urlsplit(self.api_base)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"api_base must be an absolute http(s) URL, got {self.api_base!r}")
            object.__setattr__(self, "api_base", self.api_base.rstrip("/"))
        for path in (self.inbound_path, self.status_callback_path):
            if not path.startswith("/"):
                raise ValueError(f"webhook paths start with '/', got {path!r}")
        if self.send_timeout <= 0:
            raise ValueError("send_timeout must be positive")

    @property
    def inbound_url(self) -> str:
        """What to configure as the number's or Messaging Service's incoming-message webhook."""
        return self.public_base_url + self.inbound_path

    @property
    def status_callback_url(self) -> str:
        """Where Twilio reports delivery of what we send."""
        return self.public_base_url + self.status_callback_path

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> TwilioSmsSettings:
        """Read the variables the public contract names; ``main()`` passes ``os.environ``.

        ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``, ``PUBLIC_BASE_URL`` are required;
        ``TWILIO_API_BASE``, ``TWILIO_MESSAGING_SERVICE_SID``, ``TWILIO_FROM_NUMBER`` optional.
        """
        missing = [
            name
            for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")
            if not environ.get(name)
        ]
        if missing:
            raise ValueError(f"missing environment variables: {', '.join(missing)}")
        return cls(
            account_sid=environ["TWILIO_ACCOUNT_SID"],
            auth_token=environ["TWILIO_AUTH_TOKEN"],
            public_base_url=environ["PUBLIC_BASE_URL"],
            api_base=environ.get("TWILIO_API_BASE") or None,
            messaging_service_sid=environ.get("TWILIO_MESSAGING_SERVICE_SID") or None,
            from_number=environ.get("TWILIO_FROM_NUMBER") or None,
        )
