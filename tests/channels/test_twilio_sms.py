"""The Twilio SMS adapter, end to end over HTTP: webhooks in, REST out through twilio's client."""

from __future__ import annotations

import asyncio
import logging
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from yarl import URL

from channels.message import Channel, OutboundMessage
from channels.twilio_send import SendError, TwilioSmsSender
from channels.twilio_settings import TwilioSmsSettings
from channels.twilio_signature import SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, sign
from channels.twilio_sms import MAX_BODY_CHARS, MAX_FIELD_CHARS, MAX_MEDIA
from tests.channels.helpers import (
    OUR_NUMBER,
    PUBLIC_BASE_URL,
    Recorder,
    SmsClientFactory,
    make_settings,
)
from tests.support.twilio_api import TEST_AUTH_TOKEN, TwilioApiStandIn
from tests.support.twilio_webhooks import Params, form_body, load_payload, signed_headers

Client = TestClient[web.Request, web.Application]

INBOUND_URL = f"{PUBLIC_BASE_URL}/twilio/sms"
STATUS_URL = f"{PUBLIC_BASE_URL}/twilio/status"
CUSTOMER = "+15035550183"


async def post_signed(
    client: Client,
    params: Params,
    *,
    path: str = "/twilio/sms",
    signed_url: str | None = None,
    token: str = TEST_AUTH_TOKEN,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST ``params`` to ``path`` signed as Twilio signs a call to ``signed_url``."""
    url = signed_url or f"{PUBLIC_BASE_URL}{path}"
    all_headers = signed_headers(url, params, token) | (headers or {})
    return await client.post(path, data=form_body(params), headers=all_headers)


def outbound(body: str = "Your case number is 10442.", **overrides: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "channel": Channel.SMS,
        "recipient": CUSTOMER,
        "body": body,
        "idempotency_key": "msg-0001",
    }
    values.update(overrides)
    return OutboundMessage(**values)


# -- signatures ---------------------------------------------------------------------------


async def test_valid_webhook_is_normalised_and_acknowledged(
    sms_client: Client, recorder: Recorder
) -> None:
    params = load_payload("sms_inbound")

    response = await post_signed(sms_client, params)

    assert response.status == 200
    assert response.content_type == "text/xml"
    assert ET.fromstring(await response.text()).tag == "Response"
    assert len(ET.fromstring(await response.text())) == 0
    [message] = recorder.inbound
    assert message.channel is Channel.SMS
    assert message.provider_id == params["MessageSid"]
    assert message.sender == CUSTOMER
    assert message.recipient == OUR_NUMBER
    assert message.body == params["Body"]
    assert message.media_urls == ()
    assert message.meta["NumSegments"] == "1"
    assert message.meta["AccountSid"] == params["AccountSid"]
    assert message.meta["FromCity"] == "PORTLAND"
    assert recorder.rejected == []


async def test_signature_uses_public_url_not_the_host_the_request_arrived_on(
    sms_client: Client, recorder: Recorder
) -> None:
    params = load_payload("sms_inbound")
    arrival = str(sms_client.make_url("/twilio/sms"))
    assert arrival.startswith("http://127.0.0.1:")

    behind_proxy = await post_signed(sms_client, params, signed_url=INBOUND_URL)
    signed_for_arrival = await post_signed(sms_client, params, signed_url=arrival)

    assert behind_proxy.status == 200
    assert signed_for_arrival.status == 403
    assert recorder.rejected == ["bad_signature"]


async def test_public_base_url_may_carry_the_prefix_a_proxy_strips(
    sms_client_for: SmsClientFactory, recorder: Recorder
) -> None:
    client = await sms_client_for(make_settings(public_base_url="https://gw.example.org/utility/"))
    params = load_payload("sms_inbound")

    response = await post_signed(
        client, params, signed_url="https://gw.example.org/utility/twilio/sms"
    )

    assert response.status == 200
    assert len(recorder.inbound) == 1


async def test_query_string_is_signed_exactly_as_received(
    sms_client: Client, recorder: Recorder
) -> None:
    params = load_payload("sms_inbound")
    raw_path_qs = "/twilio/sms?utility=water&note=it%27s%20ok"
    url = URL(str(sms_client.make_url("/")).rstrip("/") + raw_path_qs, encoded=True)

    async def post(signed_url: str) -> int:
        response = await sms_client.session.post(
            url, data=form_body(params), headers=signed_headers(signed_url, params, TEST_AUTH_TOKEN)
        )
        return response.status

    assert await post(PUBLIC_BASE_URL + raw_path_qs) == 200
    assert await post(PUBLIC_BASE_URL + "/twilio/sms?utility=water&note=it's ok") == 403
    assert await post(INBOUND_URL) == 403
    assert len(recorder.inbound) == 1


async def post_in_absolute_form(
    client: Client, target: str, params: Params, signed_url: str
) -> int:
    """POST with an absolute request target (``POST http://host/path HTTP/1.1``), which aiohttp's
    client never sends; the status of the answer."""
    body = form_body(params)
    headers = signed_headers(signed_url, params, TEST_AUTH_TOKEN)
    head = [f"POST {target} HTTP/1.1", "Host: gw.example.org", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        async with asyncio.timeout(10):
            status_line = await reader.readline()
    finally:
        writer.close()
        await writer.wait_closed()
    return int(status_line.split()[1])


async def test_an_absolute_request_target_is_checked_by_its_path_and_query(
    sms_client_for: SmsClientFactory, recorder: Recorder
) -> None:
    client = await sms_client_for(make_settings(public_base_url="http://127.0.0.1:8080"))
    params = load_payload("sms_inbound")
    signed_url = "http://127.0.0.1:8080/twilio/sms?ref=1"

    genuine = await post_in_absolute_form(
        client, "http://gw.example.org/twilio/sms?ref=1", params, signed_url
    )
    forged = await post_in_absolute_form(
        client, "http://evil.example/twilio/sms?ref=1", params, signed_url + "2"
    )

    assert (genuine, forged) == (200, 403)
    assert recorder.rejected == ["bad_signature"]


async def test_messaging_service_payload_validates_over_all_its_params(
    sms_client: Client, recorder: Recorder
) -> None:
    params = load_payload("sms_messaging_service")
    without_service = {k: v for k, v in params.items() if k != "MessagingServiceSid"}

    response = await post_signed(sms_client, params)
    # A validator that drops MessagingServiceSid would accept this one and refuse the real one.
    stale = await client_post_with_signature_of(sms_client, params, without_service)

    assert response.status == 200
    assert recorder.inbound[0].meta["MessagingServiceSid"] == params["MessagingServiceSid"]
    assert stale.status == 403


async def client_post_with_signature_of(client: Client, params: Params, signed: Params) -> Any:
    headers = signed_headers(INBOUND_URL, signed, TEST_AUTH_TOKEN)
    return await client.post("/twilio/sms", data=form_body(params), headers=headers)


async def test_repeated_params_are_all_signed(sms_client: Client, recorder: Recorder) -> None:
    params = [*load_payload("sms_inbound").items(), ("AddOns", "a"), ("AddOns", "b")]

    response = await post_signed(sms_client, params)
    tampered = await client_post_with_signature_of(sms_client, params, params[:-1])

    assert response.status == 200
    assert tampered.status == 403


async def test_tampered_param_is_refused(sms_client: Client, recorder: Recorder) -> None:
    params = load_payload("sms_inbound")
    tampered = params | {"Body": "Cancel my service"}

    response = await client_post_with_signature_of(sms_client, tampered, params)

    assert response.status == 403
    assert recorder.inbound == []
    assert recorder.rejected == ["bad_signature"]


async def test_missing_signature_is_refused(sms_client: Client, recorder: Recorder) -> None:
    response = await sms_client.post(
        "/twilio/sms",
        data=form_body(load_payload("sms_inbound")),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status == 403
    assert recorder.inbound == []
    assert recorder.rejected == ["missing_signature"]


async def test_other_accounts_token_is_refused(sms_client: Client, recorder: Recorder) -> None:
    response = await post_signed(sms_client, load_payload("sms_inbound"), token="0" * 32)

    assert response.status == 403
    assert recorder.rejected == ["bad_signature"]


async def test_shared_key_signatures_use_the_named_key_and_algorithm(
    sms_client_for: SmsClientFactory, recorder: Recorder
) -> None:
    key_id, secret = "webhooks_sharedkey_01abc", "s3cr3t-shared-key"
    client = await sms_client_for(make_settings(signing_keys={key_id: secret}))
    params = load_payload("sms_inbound")
    body = form_body(params)

    async def post(settings_header: str) -> int:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            SIGNATURE_HEADER: sign(INBOUND_URL, params, secret, "HMAC_SHA256"),
            SIGNATURE_SETTINGS_HEADER: settings_header,
        }
        response = await client.post("/twilio/sms", data=body, headers=headers)
        return response.status

    assert await post(f"key={key_id},algorithm=HMAC_SHA256") == 200
    assert await post("key=webhooks_sharedkey_unknown,algorithm=HMAC_SHA256") == 403
    assert await post(f"key={key_id},algorithm=HMAC_SHA1") == 403
    assert recorder.rejected == ["unknown_signing_key", "bad_signature"]


# -- normalising --------------------------------------------------------------------------


async def test_mms_media_are_kept_in_order_with_their_types(
    sms_client: Client, recorder: Recorder
) -> None:
    params = load_payload("sms_mms")

    response = await post_signed(sms_client, params)

    assert response.status == 200
    [message] = recorder.inbound
    assert message.media_urls == (params["MediaUrl0"], params["MediaUrl1"])
    assert message.meta["media_content_types"] == "image/jpeg,image/png"
    assert message.meta["NumMedia"] == "2"
    assert message.body == params["Body"]


async def test_media_beyond_twilios_limit_are_dropped_and_counted(
    sms_client: Client, recorder: Recorder
) -> None:
    params = load_payload("sms_inbound") | {"NumMedia": "12"}
    for index in range(12):
        params[f"MediaUrl{index}"] = f"https://api.twilio.com/media/ME{index:032d}"
        params[f"MediaContentType{index}"] = "image/jpeg"

    response = await post_signed(sms_client, params)

    assert response.status == 200
    [message] = recorder.inbound
    assert len(message.media_urls) == MAX_MEDIA
    assert message.media_urls[0].endswith(f"ME{0:032d}")
    assert message.media_urls[9].endswith(f"ME{9:032d}")
    assert message.meta["media_dropped"] == "2"


async def test_media_without_body_is_a_message(sms_client: Client, recorder: Recorder) -> None:
    params = {k: v for k, v in load_payload("sms_mms").items() if k != "Body"}

    response = await post_signed(sms_client, params)

    assert response.status == 200
    assert recorder.inbound[0].body == ""
    assert len(recorder.inbound[0].media_urls) == 2


@pytest.mark.parametrize("missing", ["From", "To", "MessageSid"])
async def test_missing_required_field_is_a_clear_400(
    sms_client: Client, recorder: Recorder, missing: str
) -> None:
    params = load_payload("sms_inbound")
    del params[missing]

    response = await post_signed(sms_client, params)

    assert response.status == 400
    assert response.content_type == "text/plain"
    assert missing in await response.text()
    assert recorder.inbound == []
    assert recorder.rejected == ["missing_field"]


@pytest.mark.parametrize("field", ["From", "To", "MessageSid"])
async def test_an_id_or_address_longer_than_any_twilio_sends_is_a_clear_400(
    sms_client: Client, recorder: Recorder, field: str
) -> None:
    params = load_payload("sms_inbound") | {field: "+1" + "5" * MAX_FIELD_CHARS}

    response = await post_signed(sms_client, params)

    assert response.status == 400
    assert field in await response.text()
    assert recorder.inbound == []
    assert recorder.rejected == ["invalid_field"]


async def test_missing_body_without_media_is_a_400(sms_client: Client, recorder: Recorder) -> None:
    params = load_payload("sms_inbound")
    del params["Body"]

    response = await post_signed(sms_client, params)

    assert response.status == 400
    assert "Body" in await response.text()


async def test_empty_body_is_still_a_message(sms_client: Client, recorder: Recorder) -> None:
    response = await post_signed(sms_client, load_payload("sms_inbound") | {"Body": ""})

    assert response.status == 200
    assert recorder.inbound[0].body == ""


async def test_body_of_twilios_maximum_is_kept_whole(
    sms_client: Client, recorder: Recorder
) -> None:
    body = ("Gas smell near the meter, é ☎ " * 100)[:MAX_BODY_CHARS]
    assert len(body) == 1600

    response = await post_signed(sms_client, load_payload("sms_inbound") | {"Body": body})

    assert response.status == 200
    assert recorder.inbound[0].body == body
    assert "body_truncated" not in recorder.inbound[0].meta


async def test_longer_body_is_truncated_not_lost(sms_client: Client, recorder: Recorder) -> None:
    body = "x" * 1999 + "!"

    response = await post_signed(sms_client, load_payload("sms_inbound") | {"Body": body})

    assert response.status == 200
    [message] = recorder.inbound
    assert message.body == body[:1600]
    assert message.meta["body_truncated"] == "true"
    assert message.meta["body_length"] == "2000"


@pytest.mark.parametrize(
    "raw",
    [
        b"From=%2B15035550183&To=%2B15415550100&MessageSid=SM1&Body=%FF%FE",
        b"From=%2B15035550183&To=%2B15415550100&MessageSid=SM1&Body=\xff\xfe",
    ],
    ids=["percent-encoded", "raw-bytes"],
)
async def test_invalid_utf8_is_a_400_not_a_500(
    sms_client: Client, recorder: Recorder, raw: bytes
) -> None:
    response = await sms_client.post(
        "/twilio/sms",
        data=raw,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            SIGNATURE_HEADER: "bm90IGEgc2lnbmF0dXJl",
        },
    )

    assert response.status == 400
    assert "UTF-8" in await response.text()
    assert recorder.inbound == []
    assert recorder.rejected == ["undecodable_form"]


async def test_non_form_body_is_a_400(sms_client: Client, recorder: Recorder) -> None:
    response = await sms_client.post("/twilio/sms", json={"From": CUSTOMER})

    assert response.status == 400
    assert recorder.rejected == ["undecodable_form"]


async def test_idempotency_token_is_kept(sms_client: Client, recorder: Recorder) -> None:
    token = "9f1c5e2a-7b3d-4c8e-a6f0-2d4b8e1c3a5f"

    await post_signed(
        sms_client, load_payload("sms_inbound"), headers={"I-Twilio-Idempotency-Token": token}
    )

    assert recorder.inbound[0].meta["idempotency_token"] == token


# -- answering ----------------------------------------------------------------------------


async def test_reply_text_becomes_a_twiml_message(sms_client: Client, recorder: Recorder) -> None:
    recorder.reply = "Crews are on the way to <Alder St> & will update you. Case 10442."

    response = await post_signed(sms_client, load_payload("sms_inbound"))

    assert response.status == 200
    assert response.content_type == "text/xml"
    root = ET.fromstring(await response.text())
    assert [(child.tag, child.text) for child in root] == [("Message", recorder.reply)]


async def test_reply_with_control_characters_is_still_valid_xml(
    sms_client: Client, recorder: Recorder
) -> None:
    recorder.reply = "Case 10442\x00 opened\x1b."

    response = await post_signed(sms_client, load_payload("sms_inbound"))

    assert ET.fromstring(await response.text())[0].text == "Case 10442 opened."


async def test_failure_to_commit_is_a_500_so_twilio_may_retry(
    sms_client: Client, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    recorder.fail = RuntimeError("database is locked")
    params = load_payload("sms_inbound")

    response = await post_signed(sms_client, params)

    assert response.status == 500
    assert params["MessageSid"] in caplog.text
    assert "database is locked" in caplog.text


async def test_logs_above_debug_mask_phone_numbers_and_omit_bodies(
    sms_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    params = load_payload("sms_inbound")

    await post_signed(sms_client, params)

    assert "+1******0183" in caplog.text
    assert CUSTOMER not in caplog.text
    assert params["Body"] not in caplog.text


# -- status callbacks ---------------------------------------------------------------------


async def test_status_callback_reaches_on_status(sms_client: Client, recorder: Recorder) -> None:
    delivered = load_payload("status_delivered")
    undelivered = load_payload("status_undelivered")

    first = await post_signed(sms_client, delivered, path="/twilio/status")
    second = await post_signed(sms_client, undelivered, path="/twilio/status")

    assert (first.status, second.status) == (204, 204)
    assert recorder.statuses == [
        (delivered["MessageSid"], "delivered", None, None),
        (undelivered["MessageSid"], "undelivered", "30003", None),
    ]


async def test_a_status_callback_names_our_own_message_when_its_url_does(
    sms_client: Client, recorder: Recorder
) -> None:
    delivered = load_payload("status_delivered")

    response = await post_signed(sms_client, delivered, path="/twilio/status?ref=4711")

    assert response.status == 204
    assert recorder.statuses == [(delivered["MessageSid"], "delivered", None, "4711")]


async def test_unknown_status_is_passed_through(sms_client: Client, recorder: Recorder) -> None:
    params = load_payload("status_delivered") | {"MessageStatus": "carrier_pondering"}

    response = await post_signed(sms_client, params, path="/twilio/status")

    assert response.status == 204
    assert recorder.statuses[0][1] == "carrier_pondering"


async def test_status_callback_checks_the_signature(sms_client: Client, recorder: Recorder) -> None:
    params = load_payload("status_delivered")

    response = await post_signed(sms_client, params, path="/twilio/status", signed_url=INBOUND_URL)

    assert response.status == 403
    assert recorder.statuses == []
    assert recorder.rejected == ["bad_signature"]


async def test_status_without_status_is_a_400(sms_client: Client, recorder: Recorder) -> None:
    params = load_payload("status_delivered")
    del params["MessageStatus"], params["SmsStatus"]

    response = await post_signed(sms_client, params, path="/twilio/status")

    assert response.status == 400
    assert "MessageStatus" in await response.text()


@pytest.mark.parametrize("field", ["MessageSid", "MessageStatus", "ErrorCode"])
async def test_a_status_field_longer_than_any_twilio_sends_is_a_clear_400(
    sms_client: Client, recorder: Recorder, field: str
) -> None:
    params = load_payload("status_undelivered") | {field: "3" * (MAX_FIELD_CHARS + 1)}

    response = await post_signed(sms_client, params, path="/twilio/status")

    assert response.status == 400
    assert field in await response.text()
    assert recorder.statuses == []
    assert recorder.rejected == ["invalid_field"]


async def test_status_not_recorded_is_a_500(sms_client: Client, recorder: Recorder) -> None:
    recorder.fail = RuntimeError("database is locked")

    response = await post_signed(
        sms_client, load_payload("status_delivered"), path="/twilio/status"
    )

    assert response.status == 500


# -- sending ------------------------------------------------------------------------------


async def test_send_goes_through_twilios_client_to_the_api(
    sms_sender: TwilioSmsSender, twilio_api: TwilioApiStandIn
) -> None:
    result = await sms_sender.send(outbound("Your case number is 10442. Reply STOP to opt out."))

    assert result.provider_id.startswith("SM")
    assert result.status == "queued"
    [request] = twilio_api.requests
    assert request.authorized
    assert request.path.endswith(f"/Accounts/{twilio_api.account_sid}/Messages.json")
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert request.headers["User-Agent"].startswith("twilio-python/")
    assert request.form["To"] == CUSTOMER
    assert request.form["From"] == OUR_NUMBER
    assert request.form["Body"] == "Your case number is 10442. Reply STOP to opt out."
    # Names our own message, so a send that timed out is recognised in Twilio's first report.
    assert request.form["StatusCallback"] == f"{STATUS_URL}?ref=msg-0001"
    assert "MessagingServiceSid" not in request.form
    assert result.provider_id in twilio_api.created


async def test_send_through_a_messaging_service(twilio_api: TwilioApiStandIn) -> None:
    settings = make_settings(
        api_base=twilio_api.base_url,
        from_number=None,
        messaging_service_sid="MG3c5e7a9b1d3f5a7c9e1b3d5f7a9c1e3b",
    )
    sender = TwilioSmsSender(settings)
    try:
        await sender.send(outbound(recipient="+1 (503) 555-0183"))
    finally:
        await sender.aclose()

    [request] = twilio_api.requests
    assert request.form["MessagingServiceSid"] == settings.messaging_service_sid
    assert "From" not in request.form
    assert request.form["To"] == CUSTOMER


async def test_message_status_callback_overrides_the_default(
    sms_sender: TwilioSmsSender, twilio_api: TwilioApiStandIn
) -> None:
    await sms_sender.send(outbound(status_callback=f"{STATUS_URL}?case=10442"))

    assert twilio_api.requests[0].form["StatusCallback"] == f"{STATUS_URL}?case=10442&ref=msg-0001"


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (500, None, True),
        (503, 20503, True),
        (429, 20429, True),
        (400, 21610, False),
        (400, 21211, False),
        (400, 21614, False),
    ],
)
async def test_send_failures_are_classified(
    sms_sender: TwilioSmsSender,
    twilio_api: TwilioApiStandIn,
    status: int,
    code: int | None,
    retryable: bool,
) -> None:
    twilio_api.fail_next(status=status, code=code, message="refused")

    with pytest.raises(SendError) as caught:
        await sms_sender.send(outbound())

    assert caught.value.retryable is retryable
    assert caught.value.http_status == status
    assert caught.value.code == (code or status)
    assert caught.value.opted_out is (code == 21610)


async def test_problem_details_errors_are_classified_too(
    sms_sender: TwilioSmsSender, twilio_api: TwilioApiStandIn
) -> None:
    twilio_api.fail_next(
        status=503, code=20503, message="Service unavailable", problem_details=True
    )

    with pytest.raises(SendError) as caught:
        await sms_sender.send(outbound())

    assert (caught.value.retryable, caught.value.code) == (True, 20503)


async def test_send_error_text_is_safe_to_log(
    sms_sender: TwilioSmsSender, twilio_api: TwilioApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    twilio_api.fail_next(
        status=400, code=21211, message=f"The 'To' number {CUSTOMER} is not a valid phone number."
    )

    with pytest.raises(SendError) as caught:
        await sms_sender.send(outbound())

    assert CUSTOMER not in str(caught.value)
    assert CUSTOMER in (caught.value.detail or "")
    assert CUSTOMER not in caplog.text


async def test_next_send_after_a_failure_succeeds(
    sms_sender: TwilioSmsSender, twilio_api: TwilioApiStandIn
) -> None:
    twilio_api.fail_next(status=500)

    with pytest.raises(SendError):
        await sms_sender.send(outbound())
    result = await sms_sender.send(outbound())

    assert result.status == "queued"
    assert len(twilio_api.requests) == 2


async def test_slow_api_is_a_retryable_timeout(twilio_api: TwilioApiStandIn) -> None:
    sender = TwilioSmsSender(make_settings(api_base=twilio_api.base_url, send_timeout=0.2))
    twilio_api.delay_next(0.6)
    try:
        with pytest.raises(SendError) as caught:
            await sender.send(outbound())
    finally:
        await sender.aclose()

    assert caught.value.retryable
    assert "outcome unknown" in str(caught.value)


async def test_unreachable_api_is_retryable(twilio_api: TwilioApiStandIn) -> None:
    base_url = twilio_api.base_url
    await twilio_api.close()
    sender = TwilioSmsSender(make_settings(api_base=base_url))
    try:
        with pytest.raises(SendError) as caught:
            await sender.send(outbound())
    finally:
        await sender.aclose()

    assert caught.value.retryable
    assert caught.value.code is None


async def test_wrong_credentials_are_not_retryable(twilio_api: TwilioApiStandIn) -> None:
    sender = TwilioSmsSender(make_settings(api_base=twilio_api.base_url, auth_token="0" * 32))
    try:
        with pytest.raises(SendError) as caught:
            await sender.send(outbound())
    finally:
        await sender.aclose()

    assert (caught.value.retryable, caught.value.code, caught.value.http_status) == (
        False,
        20003,
        401,
    )


async def test_overlong_body_is_refused_before_calling_twilio(
    sms_sender: TwilioSmsSender, twilio_api: TwilioApiStandIn
) -> None:
    with pytest.raises(SendError) as caught:
        await sms_sender.send(outbound("x" * 1601))

    assert not caught.value.retryable
    assert twilio_api.requests == []


async def test_sender_without_any_sender_address_refuses(twilio_api: TwilioApiStandIn) -> None:
    sender = TwilioSmsSender(make_settings(api_base=twilio_api.base_url, from_number=None))

    with pytest.raises(SendError) as caught:
        await sender.send(outbound())

    assert not caught.value.retryable
    await sender.aclose()


async def test_closed_sender_refuses_to_send(sms_sender: TwilioSmsSender) -> None:
    await sms_sender.send(outbound())
    await sms_sender.aclose()

    with pytest.raises(RuntimeError):
        await sms_sender.send(outbound())


async def test_sender_ignores_twilio_environment_variables(
    twilio_api: TwilioApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    monkeypatch.setenv("TWILIO_REGION", "au1")
    sender = TwilioSmsSender(make_settings(api_base=twilio_api.base_url))
    try:
        result = await sender.send(outbound())
    finally:
        await sender.aclose()

    assert result.status == "queued"


# -- settings -----------------------------------------------------------------------------


def test_settings_never_show_secrets() -> None:
    settings = make_settings(signing_keys={"webhooks_sharedkey_1": "shared-secret"})

    assert TEST_AUTH_TOKEN not in repr(settings)
    assert "shared-secret" not in repr(settings)


def test_settings_from_environment() -> None:
    settings = TwilioSmsSettings.from_env(
        {
            "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
            "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
            "PUBLIC_BASE_URL": "https://gw.example.org/",
            "TWILIO_API_BASE": "http://127.0.0.1:9999/",
        }
    )

    assert settings.inbound_url == "https://gw.example.org/twilio/sms"
    assert settings.status_callback_url == "https://gw.example.org/twilio/status"
    assert settings.api_base == "http://127.0.0.1:9999"
    assert settings.from_number is None


def test_settings_name_what_is_missing() -> None:
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL"):
        TwilioSmsSettings.from_env({"TWILIO_ACCOUNT_SID": "AC" + "1" * 32})


@pytest.mark.parametrize(
    "url",
    ["gw.example.org", "ftp://gw.example.org", "https://gw.example.org/?a=1", "https://x/#rc=3"],
)
def test_public_base_url_must_be_signable(url: str) -> None:
    with pytest.raises(ValueError, match="public_base_url"):
        make_settings(public_base_url=url)
