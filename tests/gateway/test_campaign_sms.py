"""The bad-input campaign against the Twilio webhooks: forms with any fields and values, signed
as Twilio signs them, so that they get past the signature check into parsing, the store and the
intake conversation. Whatever arrives, the answer is TwiML or a 4xx that says what was wrong,
never a 5xx, and nothing is logged with a traceback."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from yarl import URL

from tests.gateway.sms_support import PUBLIC_BASE_URL, UTILITY_NUMBER, SmsGateway
from tests.support.bad_input import ENCODABLE, ServerLog, hostile_text, server_log, shared_gateway
from tests.support.twilio_api import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN
from tests.support.twilio_webhooks import form_body, signed_headers

pytestmark = pytest.mark.campaign

TWILIO_FIELDS = (
    "MessageSid",
    "SmsSid",
    "AccountSid",
    "MessagingServiceSid",
    "From",
    "To",
    "Body",
    "NumMedia",
    "NumSegments",
    "MediaUrl0",
    "MediaUrl10",
    "MediaContentType0",
    "OptOutType",
    "FromCountry",
    "FromCity",
    "MessageStatus",
    "SmsStatus",
    "ErrorCode",
)
field_values = st.one_of(
    hostile_text(max_size=60, repeat_up_to=400),
    st.sampled_from(["+12175550123", "+1", "12175550123", "whatsapp:+12175550123", " "]),
)
field_names = st.one_of(st.sampled_from(TWILIO_FIELDS), st.text(ENCODABLE, max_size=20))
forms = st.lists(st.tuples(field_names, field_values), max_size=12)
message_numbers = itertools.count()


@pytest.fixture
def logged() -> Iterator[ServerLog]:
    with server_log() as log:
        yield log


async def post_signed(gateway: SmsGateway, path: str, pairs: list[tuple[str, str]]) -> int:
    """Signed for the path as it goes on the wire (the client normalises its escapes), as
    Twilio signs the URL it calls."""
    sent = URL(path).raw_path_qs
    headers = signed_headers(PUBLIC_BASE_URL + sent, pairs, TEST_AUTH_TOKEN)
    response = await gateway.client.post(sent, data=form_body(pairs), headers=headers)
    await response.read()
    return response.status


@shared_gateway
@given(pairs=forms, body=st.one_of(st.none(), hostile_text()))
@example(pairs=[], body="\x00")
@example(pairs=[("From", "\x00")], body="hello")
@example(pairs=[("MediaUrl99999999999999999999", "https://x.example/a.jpg")], body=None)
async def test_any_signed_message_webhook_is_answered_without_a_server_error(
    sms_gateway: SmsGateway,
    logged: ServerLog,
    pairs: list[tuple[str, str]],
    body: str | None,
) -> None:
    logged.clear()
    sent = [  # a field the campaign drew comes first, so it is the one read
        *pairs,
        ("AccountSid", TEST_ACCOUNT_SID),
        ("MessageSid", f"SMcampaign{next(message_numbers)}"),
        ("From", "+12175550123"),
        ("To", UTILITY_NUMBER),
    ]
    if body is not None:
        sent.append(("Body", body))

    status = await post_signed(sms_gateway, "/twilio/sms", sent)

    assert status in (200, 400), (status, sent)
    assert logged.tracebacks() == [], sent


@shared_gateway
@given(pairs=forms, reference=st.one_of(st.none(), st.integers(min_value=0), hostile_text()))
@example(pairs=[("MessageSid", "SM1"), ("MessageStatus", "delivered")], reference="²")
async def test_any_signed_status_callback_is_answered_without_a_server_error(
    sms_gateway: SmsGateway,
    logged: ServerLog,
    pairs: list[tuple[str, str]],
    reference: int | str | None,
) -> None:
    logged.clear()
    path = "/twilio/status"
    if reference is not None:
        path += "?" + form_body([("ref", str(reference))]).decode()

    status = await post_signed(sms_gateway, path, pairs)

    assert status in (204, 400), (status, path, pairs)
    assert logged.tracebacks() == [], (path, pairs)


# An unsigned body never reaches the store: the embedded backend is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@shared_gateway
@given(body=st.binary(max_size=300), content_type=st.sampled_from(["form", "json", "none"]))
async def test_any_unsigned_body_is_refused_without_a_server_error(
    sms_gateway: SmsGateway, logged: ServerLog, body: bytes, content_type: str
) -> None:
    logged.clear()
    headers = {
        "form": {"Content-Type": "application/x-www-form-urlencoded"},
        "json": {"Content-Type": "application/json"},
        "none": {},
    }[content_type]

    response = await sms_gateway.client.post("/twilio/sms", data=body, headers=headers)

    assert response.status in (400, 403), (response.status, body)
    assert logged.tracebacks() == [], body
