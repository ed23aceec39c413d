"""Signing and checking Twilio webhooks, and reading their forms strictly."""

from __future__ import annotations

import pytest
from multidict import MultiDict, MultiDictProxy
from twilio.request_validator import RequestValidator

from channels.twilio_signature import (
    FormError,
    SignatureVerifier,
    parse_form,
    sign,
    webhook_url,
)
from tests.support.twilio_api import TEST_AUTH_TOKEN
from tests.support.twilio_webhooks import form_body, load_payload

FORM = "application/x-www-form-urlencoded"
URL = "https://gw.example.org/twilio/sms"


def test_sign_produces_what_twilios_validator_accepts() -> None:
    params = load_payload("sms_messaging_service")

    signature = sign(URL, params, TEST_AUTH_TOKEN)

    assert RequestValidator(TEST_AUTH_TOKEN).validate(URL, params, signature)


def test_parse_form_round_trips_what_twilio_sends() -> None:
    params = load_payload("sms_mms") | {"Body": "Ünïcode & spaces + plus = ok ☎"}

    form = parse_form(form_body(params), FORM)

    assert dict(form) == params


def test_parse_form_keeps_repeated_and_blank_params() -> None:
    form = parse_form(b"A=1&A=2&Body=", FORM)

    assert form.getall("A") == ["1", "2"]
    assert form["Body"] == ""


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"Body=%C3%28", FORM), (b"Body=\xc3\x28", FORM), (b"Body=hi", "application/json")],
)
def test_parse_form_refuses_what_it_cannot_read(body: bytes, content_type: str) -> None:
    with pytest.raises(FormError):
        parse_form(body, content_type)


def test_webhook_url_joins_base_and_raw_path() -> None:
    assert webhook_url("https://gw.example.org/", "/twilio/sms?a=%27") == URL + "?a=%27"


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("http://gw.example.org/twilio/sms?a=%27", "/twilio/sms?a=%27"),
        ("https://evil.example:8443/twilio/sms", "/twilio/sms"),
        ("http://evil.example?a=1", "/?a=1"),
        ("http://evil.example", "/"),
    ],
)
def test_webhook_url_takes_only_path_and_query_of_an_absolute_target(
    target: str, path: str
) -> None:
    assert (
        webhook_url("https://gw.example.org:8080", target) == "https://gw.example.org:8080" + path
    )


def test_verifier_names_each_failure() -> None:
    verifier = SignatureVerifier(TEST_AUTH_TOKEN, {"key1": "secret1"})
    params = MultiDictProxy(MultiDict(load_payload("sms_inbound")))
    good = sign(URL, params, TEST_AUTH_TOKEN)

    assert verifier.check(URL, params, good) is None
    assert verifier.check("https://gw.example.org:443/twilio/sms", params, good) is None
    assert verifier.check(URL, params, None) == "missing_signature"
    assert verifier.check(URL, params, "") == "missing_signature"
    assert verifier.check(URL + "/", params, good) == "bad_signature"
    assert verifier.check(URL, params, good, "key=key2,algorithm=HMAC_SHA256") == (
        "unknown_signing_key"
    )
    assert verifier.check(URL, params, good, "algorithm=HMAC_SHA512") == "bad_signature"


def test_verifier_repr_shows_no_secrets() -> None:
    verifier = SignatureVerifier(TEST_AUTH_TOKEN, {"key1": "secret1"})

    assert TEST_AUTH_TOKEN not in repr(verifier)
    assert "secret1" not in repr(verifier)
