"""A representative's day through the staff API: sign in, go available, take an offer, read the
contact card, answer the customer in their own channel, finish. Every test runs embedded
(SQLite, in-process routing) and with services (PostgreSQL, the real Redis)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.auth import COOKIE
from gateway.demo import seed_demo
from gateway.store import CaseStore
from tests.gateway.sms_support import KNOWN, UNKNOWN_PHONE, SmsGateway, case_number_in
from tests.gateway.staff_support import Staffing

BILL_QUESTION = "why is my water bill $412 this month?? its usually like $80"


async def test_a_rep_takes_an_sms_contact_from_offer_to_completion(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    opened = await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION)
    number = case_number_in(opened[0])

    offers = (await ana.get("/api/offers")).body
    assert [o["number"] for o in offers["offers"]] == [number]
    assert offers["offers"][0]["expires_at"] > offers["now"]

    accepted = await ana.post(f"/api/cases/{number}/accept")
    assert accepted.status == 200
    assert accepted.body["case"]["assignee"]["username"] == "rep.ana"
    assert accepted.body["case"]["status"] == "open"

    card = (await ana.get(f"/api/cases/{number}")).body
    assert card["analysis"]["intent"] == "billing_dispute"
    assert 0 < card["analysis"]["confidence"] <= 1
    assert card["account"]["number"] == KNOWN.number
    assert card["account"]["holder"] == KNOWN.holder_name
    assert card["account"]["district"] == KNOWN.district
    assert card["transcript"][0]["body"] == BILL_QUESTION
    assert [e["kind"] for e in card["events"]][:2] == ["opened", "analysed"]
    assert "assigned" in [e["kind"] for e in card["events"]]

    sent = await ana.post(f"/api/cases/{number}/replies", {"body": "I am checking the meter read."})
    assert sent.status == 201
    twilio = await sms_gateway.twilio.next_request()
    assert twilio.form["To"] == KNOWN.phone
    assert twilio.form["Body"] == "I am checking the meter read."

    done = await ana.post(
        f"/api/cases/{number}/complete", {"disposition": "resolved_first_contact"}
    )
    assert done.status == 200
    assert done.body["case"]["status"] == "resolved"
    assert done.body["case"]["assignee"] is None
    assert (await ana.get("/api/cases")).body["cases"] == []


async def test_signing_in_sets_a_strict_http_only_secure_cookie_and_signing_out_ends_it(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = staffing.browser()
    wrong = await ana.sign_in("rep.ana", "not-the-password")
    assert (wrong.status, wrong.error) == (401, "wrong username or password")

    response = await sms_gateway.client.post(
        "/api/session", json={"username": "rep.ana", "password": "demo-rep"}
    )
    cookie = response.cookies[COOKIE]
    assert response.status == 201
    assert cookie["httponly"] is True and cookie["samesite"] == "Strict"
    assert cookie["secure"] is True  # the public URL is https

    await ana.sign_in("rep.ana")
    me = await ana.get("/api/me")
    assert me.body["agent"]["username"] == "rep.ana" and me.body["csrf_token"] == ana.csrf
    async with ana.live() as feed:
        assert (await ana.request("DELETE", "/api/session")).status == 200
        assert (await feed.socket.receive()).type.name in ("CLOSE", "CLOSED", "CLOSING")
    assert (await ana.get("/api/me")).status == 401


@pytest.mark.parametrize(
    ("forwarded_proto", "secure"), [(None, False), ("https", True), ("https, http", True)]
)
async def test_the_cookie_is_secure_whenever_a_proxy_says_the_page_came_over_https(
    gateway_client: TestClient[Any, Any],
    store: CaseStore,
    forwarded_proto: str | None,
    secure: bool,
) -> None:
    await seed_demo(store)
    headers = {"X-Forwarded-Proto": forwarded_proto} if forwarded_proto else {}

    response = await gateway_client.post(
        "/api/session", json={"username": "rep.ana", "password": "demo-rep"}, headers=headers
    )

    assert response.status == 201
    assert bool(response.cookies[COOKIE]["secure"]) is secure


async def test_presence_is_validated_and_routing_offers_only_to_the_available(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana")
    bad = await ana.put("/api/me/presence", {"presence": "asleep"})
    assert bad.status == 400 and "available" in (bad.error or "")

    opened = await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION)
    assert (await ana.get("/api/offers")).body["offers"] == []

    await ana.available()
    offers = (await ana.get("/api/offers")).body["offers"]
    assert [o["number"] for o in offers] == [case_number_in(opened[0])]
    assert (await ana.get("/api/me")).body["agent"]["presence"] == "available"


async def test_a_declined_offer_cannot_then_be_accepted(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    number = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])

    assert (await ana.post(f"/api/cases/{number}/decline")).status == 200
    late = await ana.post(f"/api/cases/{number}/accept")

    assert late.status == 409
    assert late.error == "the offer lapsed or went to somebody else"


async def test_another_reps_case_is_out_of_bounds(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    dana = await staffing.signed_in("rep.dana")
    number = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])
    await ana.post(f"/api/cases/{number}/accept")

    # Never offered to her nor hers: as far as she can tell, no such case.
    assert (await dana.get(f"/api/cases/{number}")).status == 404
    refused = await dana.post(f"/api/cases/{number}/replies", {"body": "hello"})
    assert (refused.status, refused.error) == (404, "no such case")
    assert (await dana.post(f"/api/cases/{number}/complete")).status == 404
    assert (await dana.get("/api/cases/CS-999999")).status == 404


async def test_notes_status_and_dispositions_join_the_case_history(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    number = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])
    await ana.post(f"/api/cases/{number}/accept")

    assert (
        await ana.post(f"/api/cases/{number}/notes", {"text": "Meter read on the 3rd."})
    ).status == 201
    waiting = await ana.post(f"/api/cases/{number}/status", {"status": "waiting_customer"})
    bad = await ana.post(f"/api/cases/{number}/status", {"status": "done"})
    closed = await ana.post(
        f"/api/cases/{number}/status", {"status": "closed", "disposition": "follow_up_scheduled"}
    )

    assert waiting.body["case"]["status"] == "waiting_customer"
    assert bad.status == 400
    assert closed.body["case"]["status"] == "closed"
    history = [(e["kind"], e["data"]) for e in closed.body["events"]]
    assert ("note", {"text": "Meter read on the 3rd."}) in history
    assert ("disposition", {"disposition": "follow_up_scheduled"}) in history
    assert closed.body["routing"] is None


async def test_a_disposition_that_is_not_a_string_is_refused_with_400(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    number = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])
    await ana.post(f"/api/cases/{number}/accept")

    for disposition in ({}, [], ["referred"], 3):
        answer = await ana.post(
            f"/api/cases/{number}/status", {"status": "closed", "disposition": disposition}
        )
        assert answer.status == 400, (disposition, answer)
        assert answer.error and answer.error.startswith("'disposition' must be one of")
    assert (await ana.get(f"/api/cases/{number}")).body["case"]["status"] == "open"


async def test_a_reply_to_a_customer_who_opted_out_is_refused_with_422(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    phone = sms_gateway.phone(KNOWN.phone)
    number = case_number_in((await phone.text(BILL_QUESTION))[0])
    await ana.post(f"/api/cases/{number}/accept")
    await phone.text("STOP")

    refused = await ana.post(f"/api/cases/{number}/replies", {"body": "Are you still there?"})
    empty = await ana.post(f"/api/cases/{number}/replies", {"body": "   "})

    assert (refused.status, refused.error) == (422, "the customer opted out of this channel")
    assert empty.status == 400


async def test_the_contact_card_shows_what_the_customer_gave_and_their_earlier_cases(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    eva = await staffing.signed_in("senior.eva")
    phone = sms_gateway.phone(UNKNOWN_PHONE)
    await phone.text("I think I was double charged on my last bill")
    await phone.text(f"my account is {KNOWN.number}")
    first = case_number_in((await phone.text(f"the address is {KNOWN.service_address}"))[0])
    await eva.post(f"/api/cases/{first}/status", {"status": "resolved"})
    second = case_number_in((await phone.text("my meter is making a loud buzzing noise"))[0])

    card = (await eva.get(f"/api/cases/{second}")).body

    assert card["contact"]["address"] == UNKNOWN_PHONE
    assert [c["number"] for c in card["earlier_cases"]] == [first]
    first_card = (await eva.get(f"/api/cases/{first}")).body
    assert KNOWN.number in first_card["extracted"]["account_numbers"]
    bodies = [m["body"] for m in card["transcript"]]
    assert bodies[0] == "I think I was double charged on my last bill"
    assert "my meter is making a loud buzzing noise" in bodies
    assert len(card["analysis"]["sentiment"]["points"]) == 1


async def test_a_case_or_agent_name_holding_what_no_database_stores_is_simply_not_found(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    grace = await staffing.signed_in("lead.grace")
    number = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])

    card = await grace.get("/api/cases/CS-%00")
    transfer = await grace.post(f"/api/cases/{number}/transfer", {"agent": "rep.ana\x00"})
    reassign = await grace.post(f"/api/cases/{number}/reassign", {"agent": "\ud800"})

    assert (card.status, card.error) == (404, "no such case")
    assert (transfer.status, reassign.status) == (404, 404)


async def test_errors_are_json_everywhere_under_api(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana")
    missing = await ana.get("/api/no-such-thing")
    malformed = await ana.request("PUT", "/api/me/presence", "not json at all")

    assert missing.status == 404 and missing.error
    assert malformed.status == 400 and malformed.error
