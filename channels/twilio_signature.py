"""Twilio webhook authentication: read the form exactly as posted, check ``X-Twilio-Signature``.

Two historic ways to lose real messages, both guarded here:

- validating against the URL the request *arrived* on rather than the one Twilio *called*
  (behind a TLS-terminating proxy the scheme, host and port all differ), so the URL is always
  ``public_base_url`` + the request's raw path and query, byte for byte as received;
- validating over a subset of the posted parameters (Messaging Service traffic adds
  ``MessagingServiceSid`` and friends), so every parameter, repeated ones included, goes to
  twilio's own ``RequestValidator``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from multidict import MultiDict, MultiDictProxy
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

__all__ = [
    "FORM_CONTENT_TYPE",
    "SIGNATURE_HEADER",
    "SIGNATURE_SETTINGS_HEADER",
    "FormError",
    "SignatureFailure",
    "SignatureVerifier",
    "check_public_base_url",
    "parse_form",
    "sign",
    "webhook_url",
]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

_ABSOLUTE_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")

SignatureFailure = Literal["missing_signature", "bad_signature", "unknown_signing_key"]
"""Why a webhook failed authentication: a fixed set, fit for a metrics label."""


class FormError(ValueError):
    """The request body is not a form we can read, so it cannot be authenticated either."""


def parse_form(body: bytes, content_type: str) -> MultiDictProxy[str]:
    """Decode an ``application/x-www-form-urlencoded`` body strictly as UTF-8.

    aiohttp's ``request.post()`` replaces undecodable percent-escapes with U+FFFD, which would
    turn a corrupt request into a plausible-looking message; here it is an error instead.
    """
    if content_type != FORM_CONTENT_TYPE:
        raise FormError(f"expected {FORM_CONTENT_TYPE}, got {content_type or 'no content type'}")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise FormError("form is not valid UTF-8") from exc
    except ValueError as exc:
        raise FormError(f"form cannot be parsed: {exc}") from exc
    return MultiDictProxy(MultiDict(pairs))


def webhook_url(public_base_url: str, raw_target: str) -> str:
    """The URL Twilio signed: our public base URL plus the raw path and query as received.

    ``public_base_url`` may carry a path prefix that a proxy strips before the request reaches
    us (``https://gw.example.org/utility``); the raw path is used undecoded because Twilio signs
    the query string exactly as it sent it. A request target in absolute form
    (``POST http://host/twilio/sms``, which HTTP/1.1 servers must accept) counts by its path
    and query only: the scheme and host are ours to know, not the client's to say.
    """
    if not raw_target.startswith("/"):
        origin = _ABSOLUTE_ORIGIN.match(raw_target)
        raw_target = raw_target[origin.end() :] if origin else ""
        if not raw_target.startswith("/"):
            raw_target = "/" + raw_target
    return public_base_url.rstrip("/") + raw_target


def sign(
    url: str,
    params: Mapping[str, str] | MultiDict[str] | MultiDictProxy[str],
    auth_token: str,
    algorithm: str | None = None,
) -> str:
    """The ``X-Twilio-Signature`` Twilio would send for a POST of ``params`` to ``url``.

    For the load simulator and tests, which must produce webhooks the gateway accepts.
    """
    return str(RequestValidator(auth_token).compute_signature(url, params, algorithm))


class SignatureVerifier:
    """Checks webhooks against the account auth token, or a configured shared key.

    A webhook that names a signing key in ``X-Twilio-Webhooks-Signature-Settings``
    (``key=<id>,algorithm=<alg>``) was signed with that key's secret, not the auth token;
    ``signing_keys`` maps key ids to secrets so such webhooks can be verified.
    """

    def __init__(self, auth_token: str, signing_keys: Mapping[str, str] | None = None) -> None:
        self._auth_token = auth_token
        self._signing_keys = dict(signing_keys or {})

    def __repr__(self) -> str:
        return f"<SignatureVerifier keys={sorted(self._signing_keys)}>"

    def check(
        self,
        url: str,
        params: MultiDictProxy[str],
        signature: str | None,
        signature_settings: str | None = None,
    ) -> SignatureFailure | None:
        """``None`` when the webhook is authentic, else why it is not."""
        if not signature:
            return "missing_signature"
        secret = self._auth_token
        key_id = _signing_key_id(signature_settings)
        if key_id is not None:
            found = self._signing_keys.get(key_id)
            if found is None:
                return "unknown_signing_key"
            secret = found
        algorithm = get_signature_algorithm(signature_settings)
        if RequestValidator(secret).validate(url, params, signature, algorithm):
            return None
        return "bad_signature"


def _signing_key_id(signature_settings: str | None) -> str | None:
    for part in (signature_settings or "").split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip() == "key" and value.strip():
            return value.strip()
    return None


def check_public_base_url(url: str) -> str:
    """``url`` without a trailing slash, or ``ValueError`` when it cannot be signed against."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"public_base_url must be an absolute http(s) URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ValueError("public_base_url must not carry a query string or fragment")
    return url.rstrip("/")
