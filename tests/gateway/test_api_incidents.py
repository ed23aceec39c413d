"""Outage incidents through the staff API: seniors and leads see them, a lead sets the estimate
later reporters hear and declares the outage restored, which tells every linked customer."""

from __future__ import annotations

from gateway.demo import demo_accounts
from tests.gateway.sms_support import SmsGateway, case_number_in
from tests.gateway.staff_support import Staffing

HARBOR = [a for a in demo_accounts() if a.district == "Harbor"][:3]
OUTAGE_TEXT = "our power went out about an hour ago, whole street is dark. when will it be back?"


async def test_a_lead_sets_the_estimate_and_declares_the_outage_restored(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    grace = await staffing.signed_in("lead.grace")
    eva = await staffing.signed_in("senior.eva")
    first, second, third = (sms_gateway.phone(a.phone) for a in HARBOR)
    numbers = [case_number_in((await first.text(OUTAGE_TEXT))[0])]
    numbers.append(case_number_in((await second.text("no power here either"))[0]))

    [incident] = (await eva.get("/api/incidents")).body["incidents"]
    assert (incident["district"], incident["status"]) == ("Harbor", "active")
    assert (incident["reports"], incident["open_cases"]) == (2, 2)

    assert (
        await eva.put(
            f"/api/incidents/{incident['id']}/estimate",
            {"estimated_restoration": "2026-11-23T18:30:00Z"},
        )
    ).status == 403
    naive = await grace.put(
        f"/api/incidents/{incident['id']}/estimate", {"estimated_restoration": "2026-11-23 18:30"}
    )
    estimate = await grace.put(
        f"/api/incidents/{incident['id']}/estimate",
        {"estimated_restoration": "2026-11-23T18:30:00Z"},
    )
    assert naive.status == 400
    assert estimate.body["estimated_restoration"] == "2026-11-23T18:30:00+00:00"
    told = await third.text("is the outage being fixed? nothing works at home")
    assert "Estimated restoration: Nov 23, 06:30 PM UTC." in told[0]

    sms_gateway.twilio.requests.clear()
    restored = await grace.post(f"/api/incidents/{incident['id']}/restored")
    again = await grace.post(f"/api/incidents/{incident['id']}/restored")
    missing = await grace.post("/api/incidents/9999/restored")

    assert restored.body["notified"] == 3
    assert again.body["notified"] == 0
    assert missing.status == 404
    sent = {r.form["To"]: r.form["Body"] for r in sms_gateway.twilio.requests}
    assert set(sent) == {a.phone for a in HARBOR}
    assert numbers[0] in sent[HARBOR[0].phone]
    [after] = (await grace.get("/api/incidents")).body["incidents"]
    assert after["status"] == "restored" and after["restored_at"]


async def test_seniors_and_leads_hear_of_incident_changes_live(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    grace = await staffing.signed_in("lead.grace")
    ana = await staffing.signed_in("rep.ana")
    await sms_gateway.phone(HARBOR[0].phone).text(OUTAGE_TEXT)
    [incident] = (await grace.get("/api/incidents")).body["incidents"]

    async with grace.live() as lead_feed, ana.live() as rep_feed:
        await grace.put(
            f"/api/incidents/{incident['id']}/estimate",
            {"estimated_restoration": "2026-11-23T20:00:00+00:00"},
        )
        heard = await lead_feed.until(lambda f: f.get("topic") == "incident")
        assert heard["incident_id"] == incident["id"]
        assert await rep_feed.nothing_more() == []


async def test_an_incident_id_that_cannot_be_one_is_no_such_incident(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    grace = await staffing.signed_in("lead.grace")
    for raw in ("\u00b2", "1\u00b2", "9" * 20, "9" * 5000, "+1"):
        restored = await grace.post(f"/api/incidents/{raw}/restored")
        estimate = await grace.put(
            f"/api/incidents/{raw}/estimate", {"estimated_restoration": "2026-11-23T18:30:00Z"}
        )
        assert (restored.status, restored.error) == (404, "no such incident"), raw
        assert (estimate.status, estimate.error) == (404, "no such incident"), raw


async def test_an_estimate_with_no_time_in_utc_is_refused_with_400(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    grace = await staffing.signed_in("lead.grace")
    await sms_gateway.phone(HARBOR[0].phone).text(OUTAGE_TEXT)
    [incident] = (await grace.get("/api/incidents")).body["incidents"]

    for when in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        answer = await grace.put(
            f"/api/incidents/{incident['id']}/estimate", {"estimated_restoration": when}
        )
        assert answer.status == 400, (when, answer)
        assert answer.error == "'estimated_restoration' is out of range"
