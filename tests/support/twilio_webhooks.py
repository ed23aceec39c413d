"""Build Twilio webhooks the way Twilio sends them: a form body and its signature.

Captured-looking payloads live under ``tests/payloads/twilio/``; their signatures are computed
here with the test auth token (a real capture's signature only holds for the real token).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlencode

from multidict import MultiDict

from channels.twilio_signature import SIGNATURE_HEADER, sign

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "twilio"

Params = Mapping[str, str] | Sequence[tuple[str, str]]


def load_payload(name: str) -> dict[str, str]:
    """The form parameters of ``tests/payloads/twilio/<name>.json``, as a fresh dict."""
    data = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return dict(data["params"])


def form_body(params: Params) -> bytes:
    """Encode like Twilio: ``application/x-www-form-urlencoded``, UTF-8, spaces as ``+``."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    return urlencode(pairs, encoding="utf-8").encode("ascii")


def signed_headers(url: str, params: Params, auth_token: str) -> dict[str, str]:
    """Headers of a webhook POSTed to ``url`` with ``params``, signed with ``auth_token``."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        SIGNATURE_HEADER: sign(url, MultiDict(pairs), auth_token),
    }
