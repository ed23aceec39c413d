"""The bad-input campaign against the staff API: schemathesis reads the OpenAPI document the
gateway serves at ``/api/openapi.json`` and sends every operation valid and invalid input, as
an anonymous caller and as a representative, a senior and a lead. Whatever it sends, the answer
is never a 5xx and nothing is logged with a traceback.

How many inputs per operation is set by the Hypothesis profile (``ci`` by default, ``long`` in
``make fuzz``); schemathesis adds its coverage phase (boundaries, wrong types, missing fields,
methods the API does not serve) on top."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

import pytest
import requests
import schemathesis
from schemathesis import Case, Response
from schemathesis.checks import not_a_server_error
from sqlalchemy import select

from channels import Channel, InboundMessage
from gateway.api.openapi import DOCUMENT
from gateway.app import STORE
from gateway.auth import COOKIE, CSRF_HEADER, SignedIn, open_session
from gateway.demo import seed_demo
from gateway.intake import Analyzer, Intake
from gateway.settings import Settings, normalise_database_url
from gateway.store import CaseStore, create_engine, migrate
from gateway.store.models import Agent
from nlp.model import NlpModel
from tests.conftest import create_postgres_database, drop_postgres_database, flushed_redis
from tests.gateway.sms_support import KNOWN, UTILITY_NUMBER
from tests.gateway.threaded_gateway import ThreadedGateway, gateway_in_thread
from tests.support.bad_input import ServerLog, server_log

pytestmark = pytest.mark.campaign

ROLES = ("rep.ana", "senior.eva", "lead.grace")
OPENING_MESSAGES = (
    "why is my bill so high this month",
    "the power is out on my whole street",
)


async def staff_session(store: CaseStore, username: str) -> SignedIn:
    """What signing in gives, without the password check: the campaign signs in again after
    every sign-out it sends, and neither argon2's cost nor sign-in throttling is under test."""
    async with store.transaction() as tx:
        agent = await tx.session.scalar(select(Agent).where(Agent.username == username))
        assert agent is not None, username
        return await open_session(tx, agent)


def cookieless_session() -> requests.Session:
    """Keeps its connection open between requests, but never a cookie an answer sets: each case
    carries exactly the cookies its caller and schemathesis give it."""
    http = requests.Session()
    http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return http


@dataclass
class Caller:
    """One person calling the API: anonymous, or signed in with a cookie and a CSRF token."""

    gateway: ThreadedGateway
    username: str | None = None
    signed: SignedIn | None = None
    http: requests.Session = field(default_factory=cookieless_session)

    def sign_in(self) -> None:
        assert self.username is not None
        self.signed = self.gateway.run(staff_session(self.gateway.app[STORE], self.username))

    def call(self, case: Case) -> Response:
        if self.signed is None:
            return case.call(self.gateway.base_url, session=self.http)
        response = case.call(
            self.gateway.base_url,
            session=self.http,
            cookies={COOKIE: self.signed.token},
            headers={CSRF_HEADER: self.signed.staff.csrf_token},
        )
        if (case.method, case.path) == ("DELETE", "/api/session") and response.status_code == 200:
            self.sign_in()
        return response


async def open_cases(store: CaseStore, analyze: Analyzer) -> None:
    """A few real cases (CS-000001 on), and an outage incident, for the campaign to find."""
    intake = Intake(store, analyze)
    try:
        for index, text in enumerate(OPENING_MESSAGES):
            inbound = InboundMessage(
                channel=Channel.SMS,
                provider_id=f"SMcampaign{index}",
                sender=KNOWN.phone,
                recipient=UTILITY_NUMBER,
                body=text,
            )
            accepted = await intake.accept(inbound)
            await intake.take_turn(accepted.message_id, text, Channel.SMS)
    finally:
        intake.close()


async def prepared(backend: str, directory: Path, analyze: Analyzer) -> Settings:
    """A migrated store of that backend with the demo utility and a few cases."""
    if backend == "sqlite":
        settings = Settings(database_url=normalise_database_url(f"sqlite:///{directory / 'gw.db'}"))
    else:
        settings = Settings(
            database_url=normalise_database_url(await create_postgres_database()),
            redis_url=await flushed_redis(),
        )
    store = CaseStore(create_engine(settings.database_url))
    try:
        await migrate(store.engine)
        await seed_demo(store)
        await open_cases(store, analyze)
    finally:
        await store.close()
    return settings


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def served(
    backend: str, tmp_path_factory: pytest.TempPathFactory, nlp_model: NlpModel
) -> Iterator[ThreadedGateway]:
    """One gateway per backend for the whole campaign: the examples of every operation share it,
    as a real deployment would see them, one after the other."""
    directory = tmp_path_factory.mktemp("campaign")
    settings = asyncio.run(prepared(backend, directory, nlp_model.analyze))
    try:
        with gateway_in_thread(settings, nlp_model.analyze) as gateway:
            yield gateway
    finally:
        if settings.redis_url is not None:
            asyncio.run(drop_postgres_database(settings.database_url))


@pytest.fixture(scope="module")
def callers(backend: str, served: ThreadedGateway) -> list[Caller]:
    """Embedded, every case goes out as each role and anonymously. On PostgreSQL and the real
    Redis only as the lead, who passes every guard and so reaches every handler's parsing and
    queries: what the databases take differently is found at half the cost."""
    usernames = ROLES if backend == "sqlite" else ROLES[-1:]
    signed_in = [Caller(served, username) for username in usernames]
    for caller in signed_in:
        caller.sign_in()
    return [Caller(served), *signed_in] if backend == "sqlite" else signed_in


@pytest.fixture(scope="module")
def logged() -> Iterator[ServerLog]:
    with server_log() as log:
        yield log


def test_the_campaign_reads_the_document_the_gateway_serves(served: ThreadedGateway) -> None:
    """The served document is valid OpenAPI 3.1 (checked against its meta-schema) and
    schemathesis reads every operation of it; the campaign below builds its tests from the same
    document, at import."""
    loaded = schemathesis.openapi.from_url(served.url("/api/openapi.json"))
    loaded.validate()
    assert loaded.raw_schema == DOCUMENT
    assert all(result.ok() for result in loaded.get_all_operations())


schema = schemathesis.openapi.from_dict(DOCUMENT)


@schema.parametrize()
def test_no_input_makes_the_api_fail_or_log_a_traceback(
    case: Case, callers: list[Caller], logged: ServerLog
) -> None:
    for caller in callers:
        logged.clear()
        response = caller.call(case)
        case.validate_response(response, checks=[not_a_server_error])
        assert logged.tracebacks() == [], (caller.username, case.as_curl_command())
