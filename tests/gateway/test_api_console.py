"""The lead's console through the API: what needs attention, queues, workload, and the moves
only seniors and leads make. Every test runs embedded and with services."""

from __future__ import annotations

from gateway.app import CASE_ROUTING, REDIS, ROUTER
from tests.gateway.sms_support import KNOWN, UNKNOWN_PHONE, SmsGateway, case_number_in
from tests.gateway.staff_support import Staffing

BILL_QUESTION = "why is my water bill $412 this month?? its usually like $80"
HOSTILE = "you idiots cut off my water AGAIN, this is the worst utility, I want a manager now"


async def test_hostile_and_turned_hostile_contacts_lead_the_escalation_feed(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    grace = await staffing.signed_in("lead.grace")
    calm = sms_gateway.phone(KNOWN.phone)
    number = case_number_in((await calm.text("my bill seems higher than usual, can you check"))[0])
    await calm.text("a WEEK and nobody answered, you people are useless idiots. lawyer time")

    feed = (await grace.get("/api/console/escalations")).body["escalations"]

    assert [item["number"] for item in feed] == [number]
    item = feed[0]
    assert item["hostile"] and item["turned_hostile"]
    assert "turned_hostile" in item["reasons"]
    assert len(item["sentiment"]["points"]) == 2
    assert item["sentiment"]["trend"] < 0


async def test_queues_show_depth_and_oldest_wait(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    eva = await staffing.signed_in("senior.eva")
    await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION)

    queues = {q["queue"]: q for q in (await eva.get("/api/console/queues")).body["queues"]}

    assert queues["billing"]["depth"] == 1
    assert queues["billing"]["oldest_wait"] >= 0
    assert queues["billing"]["target"] == 180
    assert queues["urgent"]["depth"] == 0


async def test_workload_shows_load_and_what_each_person_handled_today(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    grace = await staffing.signed_in("lead.grace")
    ana = await staffing.signed_in("rep.ana", available=True)
    first = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])
    await ana.post(f"/api/cases/{first}/accept")
    await ana.post(f"/api/cases/{first}/complete")
    second = case_number_in(
        (await sms_gateway.phone(KNOWN.phone).text("when is my payment due this month"))[0]
    )

    agents = {a["username"]: a for a in (await grace.get("/api/console/agents")).body["agents"]}

    assert agents["rep.ana"]["presence"] == "available"
    assert agents["rep.ana"]["handled_today"] == 1
    assert agents["rep.ana"]["load"] == 1
    assert agents["rep.ana"]["cases"] == [second]
    assert agents["rep.ben"]["load"] == 0 and agents["rep.ben"]["handled_today"] == 0


async def test_a_senior_reassigns_a_reps_case_to_another_rep(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    eva = await staffing.signed_in("senior.eva")
    ana = await staffing.signed_in("rep.ana", available=True)
    dana = await staffing.signed_in("rep.dana")
    number = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])
    await ana.post(f"/api/cases/{number}/accept")
    await dana.available()

    moved = await eva.post(f"/api/cases/{number}/reassign", {"agent": "rep.dana"})
    nobody = await eva.post(f"/api/cases/{number}/reassign", {"agent": "rep.nobody"})

    assert moved.status == 200
    assert nobody.status == 404
    assert [o["number"] for o in (await dana.get("/api/offers")).body["offers"]] == [number]
    assert (await dana.post(f"/api/cases/{number}/accept")).status == 200
    assert (await ana.get("/api/cases")).body["cases"] == []


async def test_a_lead_takes_over_a_case_from_a_rep(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    grace = await staffing.signed_in("lead.grace", available=True)
    number = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])
    await ana.post(f"/api/cases/{number}/accept")

    taken = await grace.post(f"/api/cases/{number}/take-over")

    assert taken.status == 200
    card = (await grace.get(f"/api/cases/{number}")).body
    assert card["case"]["assignee"]["username"] == "lead.grace"
    assert "taken_over" in [e["kind"] for e in card["events"]]
    assert (await ana.post(f"/api/cases/{number}/replies", {"body": "hi"})).status == 403
    assert (await grace.post(f"/api/cases/{number}/replies", {"body": "Grace here."})).status == 201


async def test_a_waiting_hostile_contact_can_be_taken_over_by_an_available_lead(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    grace = await staffing.signed_in("lead.grace")
    number = case_number_in((await sms_gateway.phone(UNKNOWN_PHONE).text(HOSTILE))[0])
    await grace.available()  # offered to her at once: taking over accepts that offer

    taken = await grace.post(f"/api/cases/{number}/take-over")

    assert taken.status == 200
    assert [c["number"] for c in (await grace.get("/api/cases")).body["cases"]] == [number]


async def test_a_lead_who_joins_may_reply_beside_the_rep(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    grace = await staffing.signed_in("lead.grace")
    eva = await staffing.signed_in("senior.eva")
    number = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])
    await ana.post(f"/api/cases/{number}/accept")

    before = await grace.post(f"/api/cases/{number}/replies", {"body": "Grace here."})
    assert (await eva.post(f"/api/cases/{number}/join")).status == 403
    joined = await grace.post(f"/api/cases/{number}/join")
    after = await grace.post(f"/api/cases/{number}/replies", {"body": "Grace here."})

    assert before.status == 403
    assert joined.status == 200
    assert after.status == 201
    sent = await sms_gateway.twilio.next_request()
    assert sent.form["Body"] == "Grace here." and sent.form["To"] == KNOWN.phone


async def test_a_rep_transfers_to_a_queue_and_escalates_to_the_leads(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    eva = await staffing.signed_in("senior.eva")
    first = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])
    await ana.post(f"/api/cases/{first}/accept")

    bad = await ana.post(f"/api/cases/{first}/transfer", {"queue": "nowhere"})
    both = await ana.post(f"/api/cases/{first}/transfer", {"queue": "meters", "agent": "rep.ben"})
    moved = await ana.post(f"/api/cases/{first}/transfer", {"queue": "meters"})

    assert (bad.status, both.status) == (400, 400)
    assert moved.body["routing"]["queue"] == "meters"
    meters = (await eva.get("/api/cases?queue=meters")).body["cases"]
    assert [c["number"] for c in meters] == [first]

    second = case_number_in(
        (await sms_gateway.phone(KNOWN.phone).text("when is my payment due this month"))[0]
    )
    await ana.post(f"/api/cases/{second}/accept")
    escalated = await ana.post(f"/api/cases/{second}/escalate")
    card = (await eva.get(f"/api/cases/{second}")).body

    assert escalated.status == 200
    assert card["routing"]["audience"] == "lead"
    assert (await ana.get("/api/cases?state=open")).status == 403


async def test_a_transfer_and_an_escalation_outlive_a_loss_of_routing_state(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    ana = await staffing.signed_in("rep.ana", available=True)
    eva = await staffing.signed_in("senior.eva")
    moved = case_number_in((await sms_gateway.phone(KNOWN.phone).text(BILL_QUESTION))[0])
    await ana.post(f"/api/cases/{moved}/accept")
    await ana.post(f"/api/cases/{moved}/transfer", {"queue": "meters"})
    escalated = case_number_in(
        (await sms_gateway.phone(KNOWN.phone).text("when is my payment due this month"))[0]
    )
    await ana.post(f"/api/cases/{escalated}/accept")
    await ana.post(f"/api/cases/{escalated}/escalate")

    app = sms_gateway.app
    await app[REDIS].flushdb()
    assert await app[ROUTER].rebuild_if_needed(app[CASE_ROUTING].snapshot)

    routing = {
        number: (await eva.get(f"/api/cases/{number}")).body["routing"]
        for number in (moved, escalated)
    }
    assert (routing[moved]["queue"], routing[moved]["state"]) == ("meters", "queued")
    assert (routing[escalated]["audience"], routing[escalated]["state"]) == ("lead", "queued")
