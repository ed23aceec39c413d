"""The web chat, end to end: customers on real WebSockets, the intake conversation, replies from
representatives, reconnects, and replicas sharing one store and one Redis.

Every test runs embedded (SQLite, the in-process Redis) and with services (PostgreSQL, the real
Redis), except the two-replica test, which needs what replicas share.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from gateway import replies
from gateway.app import create_app
from gateway.demo import seed_demo
from gateway.settings import ConfigError, Settings
from gateway.store import CaseStore
from gateway.store.models import ContactIdentity, Message
from nlp.model import NlpModel
from tests.gateway.chat_support import (
    ORIGIN,
    WAIT,
    agent_reply,
    case_of,
    earlier_traffic,
    open_chat,
)
from tests.gateway.conftest import ClientFactory
from tests.gateway.sms_support import KNOWN, case_number_in

OUTAGE = "my power has been out on my whole street since this morning"


@pytest.fixture
async def bare_chat_app(
    aiohttp_client: ClientFactory, settings: Settings, nlp_model: NlpModel
) -> TestClient[Any, Any]:
    """The gateway with an empty store, for what needs no customer records."""
    return await aiohttp_client(create_app(settings, analyze=nlp_model.analyze))


def _app(client: TestClient[Any, Any]) -> web.Application:
    app = client.server.app
    assert app is not None
    return app


async def test_a_chat_customer_is_asked_for_an_account_the_way_sms_is(
    chat_app: TestClient[Any, Any], store: CaseStore
) -> None:
    customer = await open_chat(chat_app)

    asked = await customer.say("I think I was double charged on my last bill")
    asked_address = await customer.say(f"its {KNOWN.number}")
    opened = await customer.say(KNOWN.service_address)

    assert asked == [replies.ASK_ACCOUNT]
    assert asked_address == [replies.ASK_ADDRESS]
    case = await case_of(store, case_number_in(opened[0]))
    assert case.channel == "chat" and case.intent == "billing_dispute"
    assert case.account_id is not None
    assert opened[0].endswith(replies.verified(KNOWN.number[-4:]))
    bot = [f for f in customer.seen if f["direction"] == "outbound"]
    assert {f["author"] for f in bot} == {"bot"}
    await customer.close()


async def test_a_representative_reply_reaches_the_customers_socket(
    chat_app: TestClient[Any, Any], store: CaseStore
) -> None:
    customer = await open_chat(chat_app)
    number = case_number_in((await customer.say(OUTAGE))[0])

    reply = await agent_reply(
        _app(chat_app), store, number, "rep.ana", "A crew is on the way to your street."
    )
    shown = await customer.message()

    assert shown["direction"] == "outbound" and shown["author"] == "Ana Torres"
    assert shown["text"] == "A crew is on the way to your street."
    assert shown["id"] == reply.message_id
    assert reply.delivery_status == "delivered"
    async with store.transaction() as tx:
        stored = await tx.session.get_one(Message, reply.message_id)
    assert stored.provider_id == f"chat-{reply.message_id}"
    await customer.close()


async def test_reconnecting_after_a_drop_replays_what_was_missed_and_nothing_else(
    chat_app: TestClient[Any, Any], store: CaseStore
) -> None:
    customer = await open_chat(chat_app)
    number = case_number_in((await customer.say(OUTAGE))[0])
    last_seen = customer.last_seen
    await customer.close()

    app = _app(chat_app)
    await agent_reply(app, store, number, "rep.ana", "We are looking into it.")
    await agent_reply(app, store, number, "rep.ana", "A crew is on the way.")
    back = await open_chat(chat_app, token=customer.token, last_seen=last_seen)

    assert back.session == customer.session
    assert [(await back.message())["text"] for _ in range(2)] == [
        "We are looking into it.",
        "A crew is on the way.",
    ]
    assert await back.say("thank you") == [replies.added_to_case(number)]
    await back.close()


async def test_a_reloaded_page_gets_the_whole_conversation_back(
    chat_app: TestClient[Any, Any],
) -> None:
    customer = await open_chat(chat_app)
    answer = await customer.say(OUTAGE)
    await customer.close()

    reloaded = await open_chat(chat_app, token=customer.token, last_seen=None)
    first, second = await reloaded.message(), await reloaded.message()

    assert (first["direction"], first["text"], first["author"]) == ("inbound", OUTAGE, "you")
    assert (second["direction"], second["text"], second["author"]) == ("outbound", answer[0], "bot")
    await reloaded.close()


async def test_a_token_of_another_session_never_shows_its_messages(
    chat_app: TestClient[Any, Any], store: CaseStore
) -> None:
    victim = await open_chat(chat_app)
    number = case_number_in((await victim.say(f"{OUTAGE}, account {KNOWN.number}"))[0])
    intruder = await open_chat(chat_app)
    version, _, issued, signature = intruder.token.split(".")
    spliced = f"{version}.{victim.session}.{issued}.{signature}"

    forged = await open_chat(chat_app, token=spliced, last_seen=0)
    await agent_reply(_app(chat_app), store, number, "rep.ana", "Private reply to the victim.")

    assert forged.session not in (victim.session, intruder.session)
    assert (await victim.message())["text"] == "Private reply to the victim."
    # Everything the forged socket ever sees is its own new conversation: nothing of the
    # victim's was replayed to it, and the reply above did not reach it.
    await forged.say("hello")
    assert [f["text"] for f in forged.seen if f["direction"] == "inbound"] == ["hello"]
    assert all(f["author"] == "bot" for f in forged.seen if f["direction"] == "outbound")
    async with store.transaction() as tx:
        sessions = set(
            await tx.session.scalars(
                select(ContactIdentity.address).where(ContactIdentity.channel == "chat")
            )
        )
    assert sessions == {victim.session, forged.session}
    for customer in (victim, intruder, forged):
        await customer.close()


async def test_naming_a_reply_of_another_conversation_shows_only_your_own_message(
    chat_app: TestClient[Any, Any], store: CaseStore
) -> None:
    await earlier_traffic(store)
    victim = await open_chat(chat_app)
    await victim.say(f"{OUTAGE}, account {KNOWN.number}")
    reply_id = max(f["id"] for f in victim.seen if f["direction"] == "outbound")
    intruder = await open_chat(chat_app)

    echo = await intruder.send(f"chat-{reply_id}", "x")

    assert (echo["direction"], echo["text"], echo["author"]) == ("inbound", "x", "you")
    assert echo["id"] != reply_id
    victims_reply = next(f["text"] for f in victim.seen if f["id"] == reply_id)
    assert victims_reply not in [f["text"] for f in intruder.seen]
    async with store.transaction() as tx:
        reply = await tx.session.get_one(Message, reply_id)
    assert reply.provider_id == f"chat-{reply_id}"
    await victim.close()
    await intruder.close()


async def test_reusing_another_sessions_message_id_keeps_both_messages_apart(
    chat_app: TestClient[Any, Any], store: CaseStore
) -> None:
    victim = await open_chat(chat_app)
    await victim.say(f"{OUTAGE}, account {KNOWN.number}")
    victims_id = next(f["client_id"] for f in victim.seen if f["direction"] == "inbound")
    intruder = await open_chat(chat_app)

    echo = await intruder.send(victims_id, "is anyone there")

    assert (echo["text"], echo["client_id"]) == ("is anyone there", victims_id)
    async with store.transaction() as tx:
        bodies = set(
            await tx.session.scalars(
                select(Message.body).where(
                    Message.channel == "chat", Message.direction == "inbound"
                )
            )
        )
    assert bodies == {f"{OUTAGE}, account {KNOWN.number}", "is anyone there"}
    await victim.close()
    await intruder.close()


async def test_ids_claimed_ahead_of_the_gateways_replies_do_not_hold_them_up(
    chat_app: TestClient[Any, Any], store: CaseStore
) -> None:
    await earlier_traffic(store)
    customer = await open_chat(chat_app)
    number = case_number_in((await customer.say(OUTAGE))[0])
    newest = max(f["id"] for f in customer.seen)
    intruder = await open_chat(chat_app)
    for ahead in range(1, 6):
        await intruder.send(f"chat-{newest + ahead}", "claiming")

    reply = await agent_reply(_app(chat_app), store, number, "rep.ana", "A crew is on the way.")

    assert reply.delivery_status == "delivered"
    assert (await customer.message())["text"] == "A crew is on the way."
    await customer.close()
    await intruder.close()


async def test_a_last_seen_beyond_any_message_id_is_a_bad_frame_not_a_database_error(
    chat_app: TestClient[Any, Any],
) -> None:
    first = await open_chat(chat_app)
    await first.close()
    ws = await chat_app.ws_connect("/chat/ws", headers={"Origin": ORIGIN})

    await ws.send_json({"type": "hello", "token": first.token, "last_seen": 2**63})
    refused = await ws.receive_json(timeout=WAIT)

    assert (refused["type"], refused["code"]) == ("error", "bad_frame")
    assert (await ws.receive(timeout=WAIT)).type is aiohttp.WSMsgType.CLOSE


async def test_a_socket_from_another_origin_is_refused(
    bare_chat_app: TestClient[Any, Any],
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await open_chat(bare_chat_app, origin="https://evil.example")
    assert refused.value.status == 403


async def test_the_chat_page_allows_no_inline_script_and_inserts_text_as_text(
    bare_chat_app: TestClient[Any, Any],
) -> None:
    page = await bare_chat_app.get("/chat")
    script = await bare_chat_app.get("/chat/chat.js")
    embed = await bare_chat_app.get("/chat/embed.js")
    style = await bare_chat_app.get("/chat/chat.css")

    assert page.status == 200 and page.content_type == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self' ws: wss:" in policy
    assert "'unsafe-inline'" not in policy
    html = await page.text()
    assert '<script src="/chat/chat.js" defer></script>' in html
    assert html.count("<script") == 1
    assert 'label for="text"' in html
    assert script.content_type == "text/javascript" and embed.content_type == "text/javascript"
    assert style.content_type == "text/css"
    for source in (await script.text(), await embed.text()):
        assert "innerHTML" not in source and "insertAdjacentHTML" not in source
        assert "document.write" not in source


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_agent_reply_sent_through_one_replica_reaches_a_customer_on_another(
    aiohttp_client: ClientFactory, settings: Settings, store: CaseStore, nlp_model: NlpModel
) -> None:
    assert settings.redis_url is not None
    await seed_demo(store)
    replica_a = await aiohttp_client(create_app(settings, analyze=nlp_model.analyze))
    replica_b = await aiohttp_client(create_app(settings, analyze=nlp_model.analyze))
    customer = await open_chat(replica_a)
    number = case_number_in((await customer.say(OUTAGE))[0])

    await agent_reply(_app(replica_b), store, number, "senior.eva", "Power is back by 6 pm.")
    shown = await customer.message()

    assert (shown["text"], shown["author"]) == ("Power is back by 6 pm.", "Eva Lindqvist")
    await customer.close()
    # The same customer may come back through the other replica: the token is valid there too.
    back = await open_chat(replica_b, token=customer.token, last_seen=customer.last_seen)
    assert back.session == customer.session
    assert await back.say("great, thanks") == [replies.added_to_case(number)]
    await back.close()


# --- configuration ---------------------------------------------------------------------------


def test_session_secret_is_required_when_replicas_share_redis() -> None:
    with pytest.raises(ConfigError, match="SESSION_SECRET"):
        Settings.from_env({"REDIS_URL": "redis://cache:6379/0"})


def test_an_embedded_gateway_makes_up_its_own_session_secret() -> None:
    first, second = Settings.from_env({}), Settings.from_env({})
    assert len(first.session_secret) >= 32 and first.session_secret != second.session_secret
    assert first.session_secret not in repr(first)


def test_a_short_session_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="SESSION_SECRET"):
        Settings.from_env({"SESSION_SECRET": "secret"})


def test_chat_origins_default_to_the_public_base_url_and_can_be_listed() -> None:
    from gateway.chat import allowed_origins

    default = Settings.from_env({"PUBLIC_BASE_URL": "https://gw.utility.example/"})
    listed = Settings.from_env(
        {"CHAT_ALLOWED_ORIGINS": "https://www.utility.example, HTTPS://Chat.Utility.Example/"}
    )

    assert allowed_origins(default) == {"https://gw.utility.example"}
    assert allowed_origins(listed) == {
        "https://www.utility.example",
        "https://chat.utility.example",
    }
    with pytest.raises(ConfigError, match="CHAT_ALLOWED_ORIGINS"):
        Settings.from_env({"CHAT_ALLOWED_ORIGINS": "https://www.utility.example/chat"})


def test_settings_copies_keep_one_secret_for_replicas_of_a_test() -> None:
    settings = Settings()
    assert replace(settings, port=9000).session_secret == settings.session_secret


async def test_a_message_with_what_no_database_stores_is_taken_with_replacement_characters(
    chat_app: TestClient[Any, Any],
) -> None:
    customer = await open_chat(chat_app)
    await customer.ws.send_str(
        '{"type": "message", "id": "abcdefgh-0001", "text": "my bill\\u0000 is \\ud800 wrong"}'
    )

    echo = await customer.message()
    while "client_id" not in echo:  # a reply may come first
        echo = await customer.message()

    assert (echo["client_id"], echo["text"]) == ("abcdefgh-0001", "my bill\ufffd is \ufffd wrong")
    await customer.close()
