"""The bad-input campaign against the channels' parsers, with no server in the way: any text is
a chat frame or a ``FrameError`` with a code; any body is a form or a ``FormError``; any form is
a message or an ``InboundError``. No other exception escapes, and what comes out keeps the
protocol's promises."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from multidict import MultiDict, MultiDictProxy

from channels.twilio_signature import FORM_CONTENT_TYPE, FormError, parse_form
from channels.twilio_sms import MAX_BODY_CHARS, MAX_MEDIA, InboundError, parse_inbound, parse_status
from channels.webchat_frames import MAX_TEXT_CHARS, ChatText, FrameError, Hello, parse_client_frame
from tests.support.bad_input import (
    ENCODABLE,
    as_json,
    deeply_nested,
    hostile_text,
    huge_number,
    json_values,
)
from tests.support.twilio_webhooks import form_body

pytestmark = pytest.mark.campaign

frame_fields = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["hello", "message", "typing", "other"]),
        "token": json_values(),
        "last_seen": json_values(),
        "id": st.one_of(st.uuids().map(str), json_values()),
        "text": st.one_of(hostile_text(max_size=300, repeat_up_to=2500), json_values()),
    },
)
raw_frames = st.one_of(frame_fields.map(as_json), json_values().map(as_json), hostile_text())


@given(raw=raw_frames)
@example(raw=deeply_nested())
@example(raw='{"type": "hello", "last_seen": ' + huge_number() + "}")
@example(raw='{"type": "message", "id": "abcdefgh", "text": "\\ud800"}')
def test_any_text_is_a_chat_frame_or_a_frame_error(raw: str) -> None:
    try:
        frame = parse_client_frame(raw)
    except FrameError as error:
        assert error.code in {"bad_frame", "empty", "too_long"}
        return
    if isinstance(frame, Hello):
        assert frame.last_seen is None or frame.last_seen >= 0
    if isinstance(frame, ChatText):
        assert frame.text.strip() and len(frame.text) <= MAX_TEXT_CHARS


@given(body=st.one_of(st.binary(max_size=200), hostile_text().map(str.encode)))
@example(body=b"Body=%FF%FE")
@example(body=b"&" * 10_000)
def test_any_body_is_a_form_or_a_form_error(body: bytes) -> None:
    try:
        form = parse_form(body, FORM_CONTENT_TYPE)
    except FormError:
        return
    assert form_body(list(form.items())) is not None


fields = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(["MessageSid", "From", "To", "Body", "NumMedia", "MessageStatus"]),
            st.from_regex(r"\AMedia(Url|ContentType)[0-9]{1,25}\Z"),
            st.text(ENCODABLE, max_size=20),
        ),
        st.one_of(hostile_text(max_size=60, repeat_up_to=2000), st.just("+15035550183")),
    ),
    max_size=15,
)


@given(pairs=fields, region=st.sampled_from([None, "US", "XX"]))
@example(pairs=[("MessageSid", "SM1"), ("From", "+1" + "9" * 300), ("To", "1")], region="US")
def test_any_form_is_an_inbound_message_or_an_inbound_error(
    pairs: list[tuple[str, str]], region: str | None
) -> None:
    form = MultiDictProxy(MultiDict(pairs))
    try:
        message = parse_inbound(form, default_region=region)
    except InboundError:
        return
    assert message.provider_id and message.sender and message.recipient
    assert len(message.body) <= MAX_BODY_CHARS
    assert len(message.media_urls) <= MAX_MEDIA


@given(pairs=fields)
def test_any_form_is_a_delivery_status_or_an_inbound_error(pairs: list[tuple[str, str]]) -> None:
    try:
        sid, status, _ = parse_status(MultiDictProxy(MultiDict(pairs)))
    except InboundError:
        return
    assert sid and status
