"""What reaches the log: JSON lines that show no customer's phone, account number or email above
DEBUG and no secret at any level, wherever in the record it hid; repeated warnings in
moderation; a client's own mistakes as one quiet line, never an error with a traceback."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.exc import IntegrityError

from gateway.app import SETTINGS, create_app
from gateway.auth import COOKIE
from gateway.demo import demo_accounts
from gateway.logs import (
    QUIET_LOGGERS,
    JsonFormatter,
    MaskingFilter,
    RepeatFilter,
    configure_logging,
    log_handler,
    mask_sensitive,
)
from gateway.settings import Settings, TwilioSettings
from gateway.store import CaseStore
from gateway.store.models import ContactIdentity
from nlp.model import NlpModel
from tests.gateway.chat_support import open_chat
from tests.gateway.sms_support import (
    KNOWN,
    PUBLIC_BASE_URL,
    UNKNOWN_PHONE,
    UTILITY_NUMBER,
    SmsGateway,
    case_number_in,
)
from tests.gateway.staff_support import Staffing
from tests.support.twilio_api import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN

SESSION_TOKEN = "Zx9-Qw_3eRt5yU7iO1pA2sD4fG6hJ8kL0zXcVbNmQwE"
"""Shaped like the staff session and CSRF tokens: 43 URL-safe characters."""
CHAT_TOKEN = "v1.q7Rt2sYu8wXz1AbCdEf3GhIj.1800000000.k9Lm-No_Pq2Rs3Tu4Vw5Xy6Za7Bc8De9Fg0Hi1Jk2Lm"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def capture(
    level: int = logging.INFO, secrets: tuple[str, ...] = ()
) -> tuple[logging.Logger, Callable[[], list[dict[str, Any]]]]:
    """A logger of its own writing through the production handler; returns it and its lines."""
    stream = io.StringIO()
    logger = logging.Logger("gateway.test", level)
    logger.addHandler(log_handler(stream, secrets))
    return logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


def render(level: int, msg: str, *args: object) -> dict[str, object]:
    record = logging.LogRecord("gateway.test", level, __file__, 1, msg, args, None)
    MaskingFilter().filter(record)
    return json.loads(JsonFormatter().format(record))  # type: ignore[no-any-return]


# --- personal data -----------------------------------------------------------------------------


def test_account_numbers_and_phones_in_free_text_are_masked() -> None:
    text = mask_sensitive("acct 4817220935 texted from +1 555 201 0183 about case CS-000123")
    assert "4817220935" not in text and "******0935" in text
    assert "201 0183" not in text and "0183" in text
    assert "CS-000123" in text


@pytest.mark.parametrize(
    "phone",
    [
        "+12175550142",
        "+1 217 555 0142",
        "+1 (217) 555-0142",
        "(217) 555-0142",
        "(217)555-0142",
        "217-555-0142",
        "217.555.0142",
        "217 555 0142",
        "2175550142",
        "555-0142",
        "+44 20 7946 0142",
    ],
)
def test_phone_numbers_in_common_national_and_international_spellings_keep_four_digits(
    phone: str,
) -> None:
    masked = mask_sensitive(f"call me at {phone} tonight")

    assert masked.startswith("call me at ") and masked.endswith("0142 tonight")
    assert len(re.sub(r"\D", "", masked)) <= 5  # the last four, and a country's first digit


def test_email_addresses_keep_only_their_domain() -> None:
    assert mask_sensitive("write to ana.torres42@example.net.") == "write to ***@example.net."


@pytest.mark.parametrize(
    "text",
    [
        "case CS-000123 opened",
        "sms SM3e1c0a9f7b5d4e2c8a6f1b0d9e7c5a3b to +1******0142: sent",
        "chat message 0b7c11aa-22bb-4c3d-8e9f-a0b1c2d3e4f5 accepted",
        "at 2026-11-23T12:00:00.123456+00:00",
        "took 0.1234567 s",
        "connect to 192.168.100.200:5432 failed",
        "retry in 1.5 s; 3 of 5 attempts",
        "outbound message 4812 failed: 503",
    ],
)
def test_identifiers_dates_and_addresses_of_machines_stay_readable(text: str) -> None:
    assert mask_sensitive(text) == text
    assert render(logging.INFO, "%s", text)["msg"] == text


def test_info_records_are_masked_even_when_passed_as_arguments() -> None:
    line = render(logging.INFO, "inbound from %s for account %s", "+15552010183", "4817220935")
    assert line["msg"] == "inbound from +1******0183 for account ******0935"
    assert line["level"] == "info" and line["logger"] == "gateway.test"


def test_debug_records_keep_personal_data_for_local_diagnosis() -> None:
    line = render(logging.DEBUG, "body: %s", "call me at +15552010183 or ana@example.net")
    assert line["msg"] == "body: call me at +15552010183 or ana@example.net"


def test_extra_fields_exception_text_and_traceback_are_masked_too() -> None:
    log, lines = capture()

    def look_up(account: str) -> None:
        raise LookupError(f"no account {account} for +15552010183 (ana@example.net)")

    try:
        look_up("4817220935")
    except LookupError:
        log.exception(
            "lookup failed",
            extra={
                "phone": "+15552010183",
                "account": 4817220935,
                "contact": {"email": "ana@example.net", "numbers": ["2175550142"]},
                "headers": {"Authorization": "Basic QUM3ZjNjOmFiYw==", "Accept": "*/*"},
            },
        )

    [line] = lines()
    written = json.dumps(line)
    for leaked in ("5552010183", "4817220935", "ana@", "2175550142", "QUM3ZjNjOmFiYw"):
        assert leaked not in written
    assert line["phone"] == "+1******0183" and line["account"] == "******0935"
    assert line["contact"] == {"email": "***@example.net", "numbers": ["******0142"]}
    assert line["headers"] == {"Authorization": "***", "Accept": "*/*"}
    assert "LookupError: no account ******0935 for +1******0183" in line["exc"]
    assert "in look_up" in line["exc"]


async def test_a_database_error_is_logged_without_the_values_it_was_given(
    store: CaseStore,
) -> None:
    """SQLAlchemy quotes the statement's parameters, PostgreSQL the refused row's values."""
    log, lines = capture()
    async with store.transaction() as tx:
        tx.session.add(ContactIdentity(channel="sms", address=UNKNOWN_PHONE))
    try:
        async with store.transaction() as tx:
            tx.session.add(ContactIdentity(channel="sms", address=UNKNOWN_PHONE))
    except IntegrityError as error:
        assert UNKNOWN_PHONE in str(error)  # what would have leaked
        log.exception("could not store the identity")

    [line] = lines()
    assert "IntegrityError" in line["exc"] and "[parameters hidden]" in line["exc"]
    assert UNKNOWN_PHONE not in line["exc"] and UNKNOWN_PHONE[2:] not in line["exc"]


# --- secrets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"hello with token {CHAT_TOKEN}", CHAT_TOKEN),
        (f"Cookie: theme=dark; {COOKIE}={SESSION_TOKEN}", SESSION_TOKEN),
        (f"Set-Cookie: {COOKIE}={SESSION_TOKEN}; HttpOnly", SESSION_TOKEN),
        (f"{{'X-CSRF-Token': '{SESSION_TOKEN}', 'Accept': '*/*'}}", SESSION_TOKEN),
        (f'{{"csrf_token": "{SESSION_TOKEN}"}}', SESSION_TOKEN),
        ("Authorization: Basic QUM3ZjNjOTpzM2NyM3Q=", "QUM3ZjNjOTpzM2NyM3Q="),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        (f"signed with {TEST_AUTH_TOKEN}", TEST_AUTH_TOKEN),
        (f"new session {SESSION_TOKEN} issued", SESSION_TOKEN),
        ("cannot connect to postgresql://gw:hunter2hunter2@db:5432/gw", "hunter2hunter2"),
        ("TWILIO_AUTH_TOKEN=s3cr3t-token", "s3cr3t-token"),
    ],
)
@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO])
def test_secrets_are_hidden_at_every_level(text: str, secret: str, level: int) -> None:
    log, lines = capture(logging.DEBUG)

    log.log(level, "%s", text)

    assert secret not in lines()[0]["msg"]


def test_the_secrets_of_the_settings_are_hidden_whatever_their_shape() -> None:
    log, lines = capture(secrets=("correct horse battery staple",))

    log.warning("SESSION_SECRET is %r", "correct horse battery staple")
    log.info("extra", extra={"detail": "secret: correct horse battery staple"})

    assert "correct horse" not in json.dumps(lines())


def test_the_settings_name_the_secrets_logging_must_hide() -> None:
    settings = Settings(
        database_url="postgresql+asyncpg://gw:pa%24sword-of-db@db/gw",
        redis_url="redis://:password-of-redis@redis:6379/0",
        session_secret="correct horse battery staple",
        twilio=TwilioSettings(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN),
    )

    assert {
        "correct horse battery staple",
        TEST_AUTH_TOKEN,
        "pa%24sword-of-db",
        "pa$sword-of-db",
        "password-of-redis",
    } <= set(settings.secrets)


# --- repeated warnings -------------------------------------------------------------------------


def repeat_limited(clock: FakeClock) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RepeatFilter(burst=5, interval=60.0, clock=clock))
    handler.addFilter(MaskingFilter())
    logger = logging.Logger("gateway.test")
    logger.addHandler(handler)
    return logger, stream


def test_a_warning_repeated_a_thousand_times_is_written_five_times_then_counted() -> None:
    clock = FakeClock()
    log, stream = repeat_limited(clock)

    for n in range(1000):
        log.warning("socket %d too slow", n)
    clock.now += 60
    log.warning("socket %d too slow", 1000)

    assert stream.getvalue().splitlines() == [
        "socket 0 too slow",
        "socket 1 too slow",
        "socket 2 too slow",
        "socket 3 too slow",
        "socket 4 too slow",
        "socket 1000 too slow (995 similar suppressed)",
    ]


def test_warnings_are_counted_per_logger_and_template_and_info_is_never_held_back() -> None:
    log, stream = repeat_limited(FakeClock())
    other = logging.Logger("channels.test")
    other.handlers = log.handlers

    for _ in range(10):
        log.warning("store unreachable")
        log.warning("routing unreachable")
        other.warning("store unreachable")
        log.info("sms sent")

    written = stream.getvalue().splitlines()
    assert written.count("store unreachable") == 10  # five from each logger
    assert written.count("routing unreachable") == 5
    assert written.count("sms sent") == 10


# --- the production configuration, on a running gateway ----------------------------------------


class LogStream(io.StringIO):
    """Where production logging writes in these tests; a line written wakes whoever waits."""

    def __init__(self) -> None:
        super().__init__()
        self._loop = asyncio.get_running_loop()
        self._written = asyncio.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._written.set)
        return written

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.getvalue().splitlines()]

    async def next_line(self, after: int, wait: float = 10.0) -> dict[str, Any]:
        """The first line written after the first ``after`` lines."""
        async with asyncio.timeout(wait):
            while len(self.lines()) <= after:
                self._written.clear()
                await self._written.wait()
        return self.lines()[after]


@pytest.fixture
async def production_log() -> AsyncIterator[LogStream]:
    """The root logger as ``python -m gateway serve`` sets it up, at INFO, writing here."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in QUIET_LOGGERS}
    stream = LogStream()
    configure_logging("INFO", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


def test_production_logging_writes_a_repeated_warning_a_few_times_only() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("INFO", stream=stream)
        for _ in range(100):
            logging.getLogger("channels.webchat").warning("chat socket too slow")
    finally:
        root.handlers[:], root.level = saved
    assert len(stream.getvalue().splitlines()) == 5


@pytest.fixture
async def served_gateway(settings: Settings, nlp_model: NlpModel) -> AsyncIterator[int]:
    """The gateway with Twilio SMS, served as ``python -m gateway serve`` serves it, on a loopback
    port it returns. aiohttp's test server would cancel a handler whose client hangs up; served
    for real, the handler runs on and meets the hang-up when it reads the body."""
    twilio = TwilioSettings(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, from_number=UTILITY_NUMBER)
    app = create_app(replace(settings, twilio=twilio), analyze=nlp_model.analyze)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def send_raw(port: int, request: bytes, *, read_answer: bool) -> bytes:
    """Write ``request`` on a fresh connection; read the answer, or hang up at once."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await reader.read() if read_answer else b""
    writer.close()
    await writer.wait_closed()
    return answer


@pytest.mark.parametrize(
    ("path", "content_type", "half_a_body"),
    [
        ("/twilio/sms", "application/x-www-form-urlencoded", b"From=%2B13125550199&Body=my+bi"),
        ("/api/session", "application/json", b'{"username": "rep.ana", "pass'),
    ],
)
async def test_an_upload_the_client_abandons_is_one_info_line_without_a_traceback(
    served_gateway: int,
    production_log: LogStream,
    path: str,
    content_type: str,
    half_a_body: bytes,
) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {2 * len(half_a_body)}\r\n\r\n"
    ).encode()
    before = len(production_log.lines())

    await send_raw(served_gateway, head + half_a_body, read_answer=False)
    line = await production_log.next_line(after=before)
    metrics = await send_raw(
        served_gateway,
        b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        read_answer=True,
    )

    assert f'route="{path}",status="499"}} 1.0'.encode() in metrics
    assert line["level"] == "info" and "exc" not in line
    assert line["msg"] == f"client closed the connection during POST {path}"
    later = production_log.lines()[before + 1 :]
    assert [entry for entry in later if entry["level"] != "info" or "exc" in entry] == []


async def test_a_malformed_request_is_one_info_line_without_a_traceback(
    served_gateway: int, production_log: LogStream
) -> None:
    before = len(production_log.lines())

    answer = await send_raw(
        served_gateway,
        b"POST /twilio/sms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: many\r\n\r\n",
        read_answer=True,
    )

    assert answer.startswith(b"HTTP/1.0 400 Bad Request")
    [line] = production_log.lines()[before:]
    assert line["level"] == "info" and "exc" not in line
    assert line["msg"].startswith("Error handling request from 127.0.0.1: BadHttpMessage")


# --- a whole session, scanned --------------------------------------------------------------------

OTHER = demo_accounts()[1]
STRANGER_EMAIL = "jo.stranger77@example.org"


async def test_a_full_session_logs_no_phone_account_email_or_token_at_info(
    sms_gateway: SmsGateway, staffing: Staffing, production_log: LogStream
) -> None:
    """Texts from a known customer and a stranger, a chat that names an account, an address and
    an email, a representative who signs in and answers, and a database that fails mid-way."""
    settings = sms_gateway.app[SETTINGS]
    configure_logging("INFO", settings.secrets, stream=production_log)

    ana = await staffing.signed_in("rep.ana", available=True)
    texted = await sms_gateway.phone(KNOWN.phone).text(
        f"why is my water bill $412 this month?? account {KNOWN.number}"
    )
    sms_case = case_number_in(texted[0])
    assert (await ana.post(f"/api/cases/{sms_case}/accept")).status == 200
    answered = await ana.post(f"/api/cases/{sms_case}/replies", {"body": "Checking the meter."})
    assert answered.status == 201
    assert (await sms_gateway.twilio.next_request()).form["To"] == KNOWN.phone
    await sms_gateway.phone(UNKNOWN_PHONE).text(
        f"hi its {OTHER.number}, {OTHER.service_address}, email me at {STRANGER_EMAIL}"
    )
    customer = await open_chat(sms_gateway.client, origin=PUBLIC_BASE_URL)
    await customer.say("I think I was double charged on my last bill")
    await customer.say(f"its {OTHER.number}")
    chat_case = case_number_in((await customer.say(OTHER.service_address))[0])
    await customer.say(f"I'm at {OTHER.service_address}, {OTHER.email}, call {OTHER.phone}")
    assert (await ana.post(f"/api/cases/{chat_case}/accept")).status == 200
    sent = await ana.post(
        f"/api/cases/{chat_case}/replies",
        {"body": f"Thanks, I see account {OTHER.number} at {OTHER.service_address}."},
    )
    assert sent.status == 201
    await customer.message()
    cookie = ana.http.cookie_jar.filter_cookies(sms_gateway.client.make_url("/"))[COOKIE].value
    async with sms_gateway.store.engine.begin() as connection:
        await connection.exec_driver_sql("ALTER TABLE messages RENAME TO messages_away")
    try:
        failed = await sms_gateway.post_signed(
            {
                "From": KNOWN.phone,
                "To": UTILITY_NUMBER,
                "Body": f"still wrong, {KNOWN.number}",
                "MessageSid": "SM" + uuid.uuid4().hex,
            }
        )
        assert failed.status == 500
    finally:
        async with sms_gateway.store.engine.begin() as connection:
            await connection.exec_driver_sql("ALTER TABLE messages_away RENAME TO messages")
    await customer.close()

    [failure] = [line for line in production_log.lines() if "on_inbound failed" in line["msg"]]
    assert "Traceback" in failure["exc"]  # so the scan covers a database error's text too
    log = production_log.getvalue()
    secrets = {
        "the known customer's phone": KNOWN.phone,
        "the stranger's phone": UNKNOWN_PHONE,
        "a phone without its country code": KNOWN.phone[2:],
        "the known account": KNOWN.number,
        "the other account": OTHER.number,
        "the other phone": OTHER.phone[2:],
        "the stranger's email": STRANGER_EMAIL,
        "the account holder's email": OTHER.email,
        "the chat token": customer.token,
        "the chat session": customer.session,
        "the staff session cookie": cookie,
        "the CSRF token": ana.csrf or "",
        "the Twilio auth token": TEST_AUTH_TOKEN,
        "the session secret": settings.session_secret,
    }
    assert {what: value for what, value in secrets.items() if value in log} == {}
    patterns = {
        "phone": r"\+\d{8,}",
        "long number": r"(?<![\w-])\d{7,}",
        "grouped number": r"\b\d{3}[-. ]\d{3}[-. ]\d{4}\b",
        "email": r"[\w.+-]+@[\w-]+\.[\w.]+",
        "chat token": r"v1\.[\w-]+\.\d+\.",
    }
    found = {what: re.findall(pattern, log) for what, pattern in patterns.items()}
    assert {what: hits for what, hits in found.items() if hits} == {}
